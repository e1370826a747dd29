"""The facts of a hand-off report for a range of work: what changed (commits, files, lines), what was
reviewed and what was skipped and why, the findings of the reviews of that range with their status
(still open, resolved since), usage, and optionally a plain-language summary written by the model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from codepilot import history
from codepilot.errors import UsageError
from codepilot.results import Prepared
from codepilot.review import Options, prepare, repo_key


@dataclass
class Commit:
    sha: str
    author: str
    date: str  # ISO 8601
    subject: str


@dataclass
class FileRow:
    path: str
    status: str
    added: int
    removed: int
    reviewed: bool
    skipped: str | None = None


@dataclass
class Handoff:
    project: str
    base_label: str
    head_label: str
    base_sha: str
    head_sha: str
    generated: float
    commits: list[Commit]
    files: list[FileRow]
    findings: list[dict[str, Any]]  # history rows: id, path, line, severity, category, title, body, excerpt, status
    runs: list[dict[str, Any]]
    summary: str | None = None
    summary_note: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def open_findings(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["status"] != history.RESOLVED]

    @property
    def resolved_findings(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f["status"] == history.RESOLVED]

    @property
    def reviewed(self) -> bool:
        return bool(self.runs)

    def cost(self) -> tuple[float, int, int, int]:
        """(USD, prompt tokens, completion tokens, runs without a price)."""
        usd = sum(r["cost_usd"] or 0.0 for r in self.runs)
        return (usd, sum(r["prompt_tokens"] for r in self.runs), sum(r["completion_tokens"] for r in self.runs),
                sum(r["cost_usd"] is None for r in self.runs))


def collect(base: str | None, head: str | None, cwd: Path | None = None) -> tuple[Handoff, Prepared]:
    from codepilot.git import open_repo

    repo = open_repo(cwd)
    notes = []
    if not base:
        tag = repo.try_git("describe", "--tags", "--abbrev=0", head or "HEAD")
        if tag:
            base = tag.decode().strip()
            notes.append(f"no --base given: since the latest tag, {base}")
        else:
            root = repo.try_git("rev-list", "--max-parents=0", head or "HEAD")
            if not root:
                raise UsageError("the repository has no commits to report on")
            base = root.decode().split()[-1]
            notes.append("no --base given and no tag: the whole history since the first commit")
    prepared = prepare(Options(base=base, head=head, cwd=cwd, plan=False))
    src = prepared.changeset.source
    assert src.new is not None
    commits = _commits(prepared, src.old, src.new)
    counts = _numstat(prepared, src.old, src.new)
    key = repo_key(prepared.repo)
    in_range = {c.sha for c in commits} | {src.new}
    with history.opened() as db:
        runs = [dict(r) for r in history.runs(db, key) if r["head"] in in_range]
        findings = [dict(f) for f in history.findings_of(db, key, [r["id"] for r in runs])]
    reviewed_paths = {p for r in runs for p in (r["reviewed_paths"] or "").split("\n") if p}
    skipped = {s.path: s.reason for s in prepared.changeset.skipped}
    files = [FileRow(f.path, f.status, *counts.get(f.path, (0, 0)), f.path in reviewed_paths, skipped.get(f.path))
             for f in prepared.changeset.files]
    files += [FileRow(p, "skipped", *counts.get(p, (0, 0)), False, r) for p, r in skipped.items()
              if p not in {f.path for f in files}]
    project = prepared.repo.root.name
    handoff = Handoff(project, base, head or "HEAD", src.old, src.new, time.time(), commits, files, findings, runs,
                      notes=notes)
    return handoff, prepared


def _commits(p: Prepared, old: str, new: str) -> list[Commit]:
    """The range's commits, newest first (GitPython: not a hot path, and it reads commit objects well)."""
    import git as gitpython

    repo = gitpython.Repo(p.repo.root)
    repo.git.update_environment(**{k: v for k, v in p.repo.env.items() if k.startswith("GIT_")})
    return [Commit(c.hexsha, c.author.name or "", c.authored_datetime.isoformat(),
                   str(c.summary)) for c in repo.iter_commits(f"{old}..{new}")]


def _numstat(p: Prepared, old: str, new: str) -> dict[str, tuple[int, int]]:
    out = p.repo.git("diff", "--numstat", "-z", "-M", "--no-ext-diff", old, new).decode("utf-8", "surrogateescape")
    fields = out.split("\0")
    counts: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(fields) - 1:
        added, removed, path = (fields[i].split("\t") + ["", "", ""])[:3]
        if not path:  # a rename: the two names follow
            path, i = fields[i + 2], i + 3
        else:
            i += 1
        counts[path] = (int(added) if added.isdigit() else 0, int(removed) if removed.isdigit() else 0)
    return counts


class SummaryAnswer(BaseModel):
    summary: str


SUMMARY_SCHEMA: dict[str, Any] = {
    "title": "handoff", "type": "object", "additionalProperties": False, "required": ["summary"],
    "properties": {"summary": {"type": "string", "description": "a short plain-language summary for the client"}},
}


def facts_text(h: Handoff) -> str:
    lines = [f"Project: {h.project}", f"Range: {h.base_label}..{h.head_label} ({len(h.commits)} commits, "
             f"{len(h.files)} files, +{h.added} -{h.removed} lines)", "Commits:"]
    lines += [f"- {c.date[:10]} {c.subject}" for c in h.commits[:60]]
    lines.append("Files changed:")
    lines += [f"- {f.path} (+{f.added} -{f.removed})" for f in h.files[:80]]
    lines.append(f"Review findings still open: {len(h.open_findings)}; resolved: {len(h.resolved_findings)}")
    lines += [f"- [{f['severity']}] {f['title']} ({f['path']}, {f['status']})" for f in h.findings[:40]]
    return "\n".join(lines)


def write_summary(h: Handoff, prepared: Prepared, model: str | None, base_url: str | None, use_cache: bool) -> None:
    """A few plain sentences for the client, through the shared call path (redacted, cached, costed)."""
    from codepilot import models
    from codepilot.cache import open_cache
    from codepilot.calls import Caller
    from codepilot.redact import Redactor

    spec = models.resolve(model or prepared.config.model, base_url or prepared.config.base_url)
    t = prepared.templates
    system = t.render("report-system.md")
    user = Redactor().text(t.render("report-user.md", facts=facts_text(h)))
    cache = open_cache(use_cache)
    try:
        caller = Caller(spec, prepared.config, cache, t.version("report-system.md", "report-user.md"))
        out = caller.call([{"role": "system", "content": system}, {"role": "user", "content": user}],
                          SummaryAnswer, SUMMARY_SCHEMA)
    finally:
        cache.close()
    if isinstance(out.answer, SummaryAnswer):
        h.summary = out.answer.summary.strip()
    else:
        h.summary_note = f"the summary could not be written: {out.error}"

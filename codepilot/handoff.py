"""The facts of a hand-off report for a range of work: what changed (commits, files, lines), what
was reviewed and what was skipped and why, the findings of the reviews of that range with their
status (still open, resolved since), usage, and optionally a plain-language summary written by the
model."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from pydantic import BaseModel, Field

from codepilot.model.answers import answer_schema
from codepilot.output import history
from codepilot.output.handoff.data import PURE_RENAME, Commit, FileRow, FindingRow, Handoff, RunRow
from codepilot.output.history import repo_key
from codepilot.prompt.prepared import Prepared
from codepilot.review import Options, prepare
from codepilot.runtime.errors import UsageError


def collect(
    base: str | None, head: str | None, cwd: Path | None = None
) -> tuple[Handoff, Prepared]:
    from codepilot.source.git import EMPTY_TREE, open_repo

    repo = open_repo(cwd)
    notes = []
    if not base:
        tag = repo.try_git("describe", "--tags", "--abbrev=0", "--end-of-options", head or "HEAD")
        if tag:
            base = tag.decode().strip()
            notes.append(f"Since the latest tag, {base}.")
        else:
            if repo.head() is None:
                raise UsageError("the repository has no commits to report on")
            base = EMPTY_TREE
            notes.append("The whole history, from the first commit.")
    prepared = prepare(Options(base=base, head=head, cwd=cwd, plan=False))
    src = prepared.changeset.source
    assert src.new is not None
    commits = _commits(prepared, src.old, src.new)
    counts = _numstat(prepared, src.old, src.new)
    key = repo_key(prepared.repo)
    delivered = {f.path: f.diff.new_sha for f in prepared.changeset.files if f.new_text is not None}
    texts = {f.path: f.new_text or "" for f in prepared.changeset.files if f.new_text is not None}
    in_range = _range_blobs(prepared, src.old, src.new)
    with history.opened() as db:
        matched = history.reviews_of(db, key, delivered)
        reviewed = {p for paths in matched.values() for p in paths}
        findings, finders = [], set()
        for row in history.findings_for_paths(db, key, sorted(in_range)):
            judged = _judge(
                row,
                history.found_in(db, row["id"], row["path"]),
                in_range,
                delivered,
                texts,
                reviewed,
            )
            if judged is not None:
                findings.append(judged[0])
                finders |= judged[1]
        # every run the report shows a finding of is listed with the runs that reviewed the
        # delivered content
        runs = [
            _run_row(r, matched.get(r["id"], []))
            for r in history.runs(db, key)
            if r["id"] in matched or r["id"] in finders
        ]
    skipped = {s.path: s.reason for s in prepared.changeset.skipped}
    files = [
        FileRow(
            f.path,
            PURE_RENAME
            if f.diff.status == "renamed" and f.diff.old_sha == f.diff.new_sha
            else f.status,
            *counts.get(f.path, (0, 0)),
            f.path in reviewed,
            skipped.get(f.path),
        )
        for f in prepared.changeset.files
    ]
    files += [
        FileRow(p, "skipped", *counts.get(p, (0, 0)), False, r)
        for p, r in skipped.items()
        if p not in {f.path for f in files}
    ]
    base_label = "the first commit" if base == EMPTY_TREE else base
    handoff = Handoff(
        prepared.repo.root.name,
        base_label,
        head or "HEAD",
        src.old,
        src.new,
        time.time(),
        commits,
        files,
        findings,
        runs,
        notes=notes,
    )
    return handoff, prepared


def _range_blobs(p: Prepared, old: str, new: str) -> dict[str, set[str]]:
    """Every content (blob) each file had at a commit of the range, the delivered one included: what
    a finding must have been found in to belong to this report."""
    from codepilot.source.git import EMPTY_TREE

    rng = [new] if old == EMPTY_TREE else [f"{old}..{new}"]
    out: dict[str, set[str]] = {}
    raw = p.repo.git("log", "-z", "--raw", "--no-abbrev", "--no-renames", "--format=", *rng, "--")
    fields = raw.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].strip("\n").lstrip(":").split()
        if len(meta) >= 4 and i + 1 < len(fields):
            out.setdefault(fields[i + 1], set()).add(meta[3])
            i += 2
        else:
            i += 1
    for f in p.changeset.files:
        if f.diff.new_sha and f.new_text is not None:
            out.setdefault(f.path, set()).add(f.diff.new_sha)
    return out


def _judge(
    row: sqlite3.Row,
    found: list[tuple[int, str]],
    in_range: dict[str, set[str]],
    delivered: dict[str, str],
    texts: dict[str, str],
    reviewed: set[str],
) -> tuple[FindingRow, set[int]] | None:
    """A finding as the delivered content has it (see issue 23), or None when the content it was
    found in was never part of the range (an uncommitted work tree, another branch): open when it
    was found in exactly the delivered content, or its lines are still there unreviewed; resolved
    when the delivered content was reviewed without it, or its lines are gone (the file deleted
    included)."""
    path = row["path"]
    blobs = {b for _, b in found if b in in_range.get(path, set())}
    if not blobs:
        return None
    runs = {r for r, b in found if b in blobs}
    now = delivered.get(path)
    if now in blobs:
        status = history.PRESENT
    elif now is None or path in reviewed:
        status = history.RESOLVED
    else:
        status = (
            history.PRESENT
            if _still_there(row["excerpt"], row["line"], row["end_line"], texts[path])
            else (history.RESOLVED)
        )
    return _finding_row(row, status), runs


def _still_there(excerpt: str, line: int, end: int, text: str) -> bool:
    """The lines the finding flagged (from its recorded excerpt, `  NN | code`) are all in
    `text`."""
    flagged = []
    for entry in excerpt.split("\n"):
        number, sep, code = entry.partition(" | ")
        if sep and number.strip().isdigit() and line <= int(number) <= end and code.strip():
            flagged.append(code.strip())
    have = {ln.strip() for ln in text.split("\n")}
    return bool(flagged) and all(c in have for c in flagged)


def _run_row(r: sqlite3.Row, files: list[str]) -> RunRow:
    return RunRow(
        r["started"],
        r["source"],
        r["model"],
        r["requests"],
        r["prompt_tokens"],
        r["completion_tokens"],
        r["cost_usd"],
        r["errors"],
        sorted(files),
    )


def _finding_row(f: sqlite3.Row, status: str | None = None) -> FindingRow:
    return FindingRow(
        f["id"],
        f["path"],
        f["line"],
        f["end_line"],
        f["severity"],
        f["category"],
        f["title"],
        f["body"],
        f["symbol"],
        f["excerpt"],
        status or f["status"],
    )


def _commits(p: Prepared, old: str, new: str) -> list[Commit]:
    """The range's commits, newest first, through the one git helper (the whole history when `old`
    is the empty tree)."""
    from codepilot.source.git import EMPTY_TREE

    rng = [new] if old == EMPTY_TREE else [f"{old}..{new}"]
    out = p.repo.git("log", "-z", "--format=%H%x1f%an%x1f%aI%x1f%s", *rng, "--")
    commits = []
    for entry in filter(None, out.decode("utf-8", "replace").split("\0")):
        sha, author, date, subject = (entry.strip("\n").split("\x1f") + ["", "", ""])[:4]
        commits.append(Commit(sha, author, date, subject))
    return commits


def _numstat(p: Prepared, old: str, new: str) -> dict[str, tuple[int, int]]:
    out = p.repo.git("diff", "--numstat", "-z", "-M", "--no-ext-diff", old, new).decode(
        "utf-8", "surrogateescape"
    )
    fields = out.split("\0")
    counts: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(fields) - 1:
        added, removed, path = (fields[i].split("\t") + ["", "", ""])[:3]
        if not path:  # a rename: the two names follow
            path, i = fields[i + 2], i + 3
        else:
            i += 1
        counts[path] = (
            int(added) if added.isdigit() else 0,
            int(removed) if removed.isdigit() else 0,
        )
    return counts


class SummaryAnswer(BaseModel):
    summary: str = Field(description="a short plain-language summary for the client")


SUMMARY_SCHEMA = answer_schema(SummaryAnswer, "handoff")


def facts_text(h: Handoff) -> str:
    lines = [
        f"Project: {h.project}",
        f"Range: {h.base_label}..{h.head_label} ({len(h.commits)} commits, "
        f"{len(h.files)} files, +{h.added} -{h.removed} lines)",
        "Commits:",
    ]
    lines += [f"- {c.date[:10]} {c.subject}" for c in h.commits[:60]]
    lines.append("Files changed:")
    lines += [f"- {f.path} (+{f.added} -{f.removed})" for f in h.files[:80]]
    lines.append(
        f"Review findings still open: {len(h.open_findings)}; resolved: {len(h.resolved_findings)}"
    )
    lines += [f"- [{f.severity}] {f.title} ({f.path}, {f.status})" for f in h.findings[:40]]
    return "\n".join(lines)


def write_summary(
    h: Handoff, prepared: Prepared, model: str | None, base_url: str | None, use_cache: bool
) -> None:
    """A few plain sentences for the client, through the shared call path (redacted, cached,
    costed)."""
    from codepilot.model import models
    from codepilot.model.cache import open_cache
    from codepilot.model.calls import Caller, cost
    from codepilot.secrets.redact import Redactor

    spec = models.resolve(model or prepared.config.model, base_url or prepared.config.base_url)
    t = prepared.templates
    system = t.render("report-system.md")
    user = Redactor().text(t.render("report-user.md", facts=facts_text(h)))
    cache = open_cache(use_cache)
    try:
        caller = Caller(
            spec, prepared.config, cache, t.version("report-system.md", "report-user.md")
        )
        out = caller.call(
            [{"role": "system", "content": system}, {"role": "user", "content": user}],
            SummaryAnswer,
            SUMMARY_SCHEMA,
        )
    finally:
        cache.close()
    usd = cost(prepared.config, spec, out.usage)
    history.record_usage(
        history.RunRecord(
            repo_key(prepared.repo),
            "report summary",
            "report",
            h.base_sha,
            h.head_sha,
            spec.label,
            1,
            int(out.cached),
            out.usage.prompt_tokens,
            out.usage.completion_tokens,
            usd,
            int(bool(out.error)),
            [],
        )
    )
    if isinstance(out.answer, SummaryAnswer):
        h.summary = out.answer.summary.strip()
    else:
        h.summary_note = f"the summary could not be written: {out.error}"

"""The facts of a hand-off report as plain data (commits, files, findings with their status, runs)
and the wording the renderers share; `codepilot.handoff` collects them from git and the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from codepilot.output import history

PURE_RENAME = "renamed (content unchanged)"


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
    reviewed: bool  # a recorded review covered exactly the content this range delivers
    skipped: str | None = None

    def review_state(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        if self.status in ("deleted", PURE_RENAME):
            return self.status  # no content of its own to review
        return "reviewed" if self.reviewed else "not reviewed"


@dataclass
class FindingRow:
    id: str
    path: str
    line: int
    end_line: int
    severity: str
    category: str
    title: str
    body: str
    symbol: str | None
    excerpt: str
    status: str  # new / still present / resolved

    @property
    def resolved(self) -> bool:
        return self.status == history.RESOLVED

    def status_words(self) -> str:
        return "resolved since" if self.resolved else "still open"

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "severity": self.severity,
            "category": self.category,
            "title": self.title,
            "status": "resolved" if self.resolved else "open",
        }


@dataclass
class RunRow:
    started: float
    source: str
    model: str
    requests: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    errors: int
    files: list[str]  # the range's files whose delivered content this run reviewed

    def when(self) -> str:
        return datetime.fromtimestamp(self.started, UTC).strftime("%Y-%m-%d %H:%M UTC")

    def to_json(self, hide_model: bool) -> dict[str, object]:
        return {
            "when": datetime.fromtimestamp(self.started, UTC).isoformat(),
            "source": self.source,
            "model": None if hide_model else self.model,
            "files": self.files,
        }


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
    findings: list[FindingRow]
    runs: list[RunRow]
    summary: str | None = None
    summary_note: str | None = None
    notes: list[str] = field(default_factory=list)

    def base_short(self) -> str:
        """The base's short hash as shown beside its name; none for the start of the history (git's
        empty tree is no commit of the project)."""
        from codepilot.source.git import EMPTY_TREE

        return "" if self.base_sha == EMPTY_TREE else self.base_sha[:10]

    title: str | None = None
    client: str | None = None
    hide_cost: bool = False
    hide_model: bool = False

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def open_findings(self) -> list[FindingRow]:
        return [f for f in self.findings if not f.resolved]

    @property
    def resolved_findings(self) -> list[FindingRow]:
        return [f for f in self.findings if f.resolved]

    @property
    def reviewable(self) -> list[FileRow]:
        """Files with content to review: not skipped, not deleted, not renamed with their content
        kept."""
        return [f for f in self.files if not f.skipped and f.status not in ("deleted", PURE_RENAME)]

    @property
    def reviewed(self) -> bool:
        return any(f.reviewed for f in self.files)

    def heading(self) -> str:
        return self.title or f"{self.project}: work report"

    def for_client(self) -> str:
        return f"Prepared for {self.client}" if self.client else ""

    def change_line(self) -> str:
        return (
            f"{len(self.commits)} commit(s) changed {len(self.files)} file(s) (+{self.added} / "
            f"-{self.removed} lines)."
        )

    def review_line(self) -> str:
        """What the reviews say, true to what was reviewed."""
        done = sum(f.reviewed for f in self.reviewable)
        if not done:
            return "This range has not been reviewed by codepilot."
        part = (
            ""
            if done == len(self.reviewable)
            else f" Only {done} of {len(self.reviewable)} reviewable file(s) were reviewed as "
            "delivered."
        )
        return (
            f"Automated review: {len(self.open_findings)} finding(s) still open, "
            f"{len(self.resolved_findings)} resolved.{part}"
        )

    def findings_empty_line(self) -> str:
        return (
            "No findings were recorded for the reviews of this range."
            if self.reviewed
            else "Not reviewed."
        )

    def cost(self) -> tuple[float, int, int, int]:
        """(USD, prompt tokens, completion tokens, runs without a price)."""
        usd = sum(r.cost_usd or 0.0 for r in self.runs)
        return (
            usd,
            sum(r.prompt_tokens for r in self.runs),
            sum(r.completion_tokens for r in self.runs),
            sum(r.cost_usd is None for r in self.runs),
        )

    def cost_line(self) -> str:
        usd, prompt, completion, unpriced = self.cost()
        unpriced_note = f" ({unpriced} run(s) without a price)" if unpriced else ""
        money = "" if self.hide_cost else f", ${usd:.4f}{unpriced_note}"
        return (
            f"Reviews: {len(self.runs)} run(s), {prompt} prompt + {completion} completion "
            f"tokens{money}."
        )

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "base": self.base_label,
            "head": self.head_label,
            "base_sha": self.base_sha,
            "head_sha": self.head_sha,
            "title": self.heading(),
            "client": self.client,
            "commits": [c.__dict__ for c in self.commits],
            "files": [
                {
                    "path": f.path,
                    "status": f.status,
                    "added": f.added,
                    "removed": f.removed,
                    "reviewed": f.reviewed,
                    **({"skipped": f.skipped} if f.skipped else {}),
                }
                for f in self.files
            ],
            "findings": [f.to_json() for f in self.findings],
            "reviews": [r.to_json(self.hide_model) for r in self.runs],
            "summary": self.summary,
            **({} if self.hide_cost else {"cost_usd": round(self.cost()[0], 6)}),
        }

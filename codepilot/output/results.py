"""Results as plain data: what a review found (`ReviewResult`, with its `Stats` and `RequestError`s;
what it planned is `prompt.prepared.Prepared`). Renderers and publishers read these and nothing else
of the pipeline; the JSON shapes they produce are the contract's (docs/reference.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from codepilot.check.apply import Applied, Planned
from codepilot.check.findings import Finding, severity_rank
from codepilot.check.verify import Refuted
from codepilot.source.changes import ChangeSet
from codepilot.tools.checks import CheckRun


@dataclass
class RequestError:
    request: str
    paths: list[str]
    error: str

    def to_json(self) -> dict[str, object]:
        return {"request": self.request, "paths": self.paths, "error": self.error}


@dataclass
class Stats:
    requests: int = (
        0  # every request made: sent (each reading, re-ask and --verify request) or cached
    )
    planned: int = 0  # the requests the plan made (each read --votes times)
    sent: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    reasks: int = 0
    verify_requests: int = (
        0  # --verify: the second, focused requests (their tokens are in the totals)
    )
    dropped: dict[str, int] = field(default_factory=dict)
    redacted: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "planned": self.planned,
            "sent": self.sent,
            "cached": self.cached,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "reasks": self.reasks,
            "verify_requests": self.verify_requests,
            "dropped": self.dropped,
            "redacted": self.redacted,
        }


@dataclass
class ReviewResult:
    """Everything a report format needs; the same object feeds text, json, markdown, sarif,
    github."""

    source: str
    model: str
    findings: list[Finding]
    errors: list[RequestError]
    stats: Stats
    changeset: ChangeSet
    repo_root: Path
    # the patches --apply would apply, in order
    planned: list[Planned] = field(default_factory=list)
    # files whose every request was answered
    reviewed_paths: list[str] = field(default_factory=list)
    cwd: Path | None = None  # where the user stands: printed `git apply` commands work from there
    applied: list[Applied] = field(default_factory=list)  # what --apply did, patch by patch
    # --verify: findings the second reading refuted
    refuted: list[Refuted] = field(default_factory=list)
    covered: str | None = None  # --publish: which commits this run covered (incremental reviews)
    whole: ChangeSet | None = (
        None  # --publish, incremental: the whole request's diff, for placing findings
    )
    interrupted: bool = (
        False  # Ctrl-C: the answers that were in are reported, the rest is not reviewed
    )
    # the project's own checks: each ran or why not
    checks: list[CheckRun] = field(default_factory=list)
    fail_on: str = (
        "error"  # the run's --fail-on (a platform's merge gate says PASSED or FAILED by it)
    )

    @property
    def complete(self) -> bool:
        return not self.errors

    def fails(self, fail_on: str | None = None) -> bool:
        """A finding not applied is at or above `fail_on` (the run's own when None): exit 1, a
        platform's merge gate FAILED."""
        bar = self.fail_on if fail_on is None else fail_on
        if bar == "never":
            return False
        return any(
            severity_rank(f.severity) >= severity_rank(bar) and not f.applied for f in self.findings
        )

    @property
    def nothing_to_review(self) -> bool:
        """No request was planned: there was nothing reviewable in the change (said as such, never
        as "no findings")."""
        ran = any(c.status == "ran" for c in self.checks)
        return self.stats.planned == 0 and not self.errors and not self.findings and not ran

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "source": self.source,
            "model": self.model,
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
            "stats": self.stats.to_json(),
            "skipped": [s.to_json() for s in self.changeset.skipped],
            "interrupted": self.interrupted,
            "checks": [c.to_json() for c in self.checks],
            "nothing_to_review": self.nothing_to_review,
            "refuted": [r.to_json() for r in self.refuted],
        }

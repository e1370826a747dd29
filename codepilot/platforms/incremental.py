"""Incremental reviews of a pull/merge request: the published summary records the head it reviewed;
the next run sends the model only what changed since that head (findings are still placed against
the whole request's diff, earlier comments stay), and says which commits it covered. A force-push
that dropped the recorded head, or `--full`, means a full review, said so."""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from codepilot.source.git import Repo

if TYPE_CHECKING:
    from codepilot.check.findings import Finding
    from codepilot.source.changes import ChangeSet

HEAD_MARK = re.compile(r"<!-- codepilot:head=([0-9a-f]{40}) -->\s*\Z")  # the summary's last line


def head_marker(sha: str | None) -> str:
    return f"<!-- codepilot:head={sha} -->" if sha else ""


def recorded_head(bodies: list[str]) -> str | None:
    """The head the last published summary says it reviewed."""
    for body in bodies:
        m = HEAD_MARK.search(body or "")
        if m:
            return m.group(1)
    return None


# The findings a published summary counts, so that the next (incremental) run's verdict still covers
# those that are open (see issue 23): base64 JSON, on the line above the head marker.
OPEN_MARK = re.compile(r"^<!-- codepilot:open=([A-Za-z0-9+/=]*) -->$", re.M)
_KEPT = ("id", "path", "line", "end_line", "severity", "category", "title", "found_in")


def open_marker(findings: list[Finding], head: str | None) -> str:
    rows = [
        {k: getattr(f, k) for k in _KEPT} | {"found_in": f.found_in or (head or "")[:12]}
        for f in findings
    ]
    return f"<!-- codepilot:open={base64.b64encode(json.dumps(rows).encode()).decode()} -->"


def recorded_open(bodies: list[str]) -> list[dict[str, Any]]:
    """The open findings the last published summary recorded (what it says, checked for shape)."""
    for body in bodies:
        m = OPEN_MARK.search(body or "")
        if not m:
            continue
        try:
            rows = json.loads(base64.b64decode(m.group(1), validate=True))
        except (ValueError, binascii.Error):
            return []
        return (
            [r for r in rows if isinstance(r, dict) and _shaped(r)]
            if isinstance(rows, list)
            else []
        )
    return []


def _shaped(row: dict[str, Any]) -> bool:
    return (
        all(isinstance(row.get(k), str) for k in ("id", "path", "severity", "category", "title"))
        and isinstance(row.get("line"), int)
        and isinstance(row.get("end_line"), int)
    )


def carried(
    earlier: list[dict[str, Any]], changeset: ChangeSet, now: list[Finding]
) -> list[Finding]:
    """The earlier findings still open after an incremental run: their lines untouched by the new
    commits (lines they changed were reviewed again: a finding still there is reported anew), their
    file still there, not found again; each moved to its line in the new head and marked with the
    run that found it. Dismissed ones leave later, with the run's own (publish drops what the team
    dismissed)."""
    from codepilot.check.findings import Finding

    ids = {f.id for f in now}
    out = []
    for row in earlier:
        if row["id"] in ids:
            continue
        where = _moved(changeset, row["path"], row["line"], row["end_line"])
        if where is None:
            continue
        path, line, end = where
        note = f"found by the review of {row.get('found_in') or 'an earlier commit'}; still open"
        out.append(
            Finding(
                row["id"],
                path,
                line,
                end,
                row["severity"],
                row["category"],
                row["title"],
                "",
                None,
                None,
                "change",
                "earlier",
                line,
                note=note,
                found_in=str(row.get("found_in") or "earlier")[:12],
            )
        )
    return out


def _moved(changeset: ChangeSet, path: str, line: int, end: int) -> tuple[str, int, int] | None:
    """Where lines `line..end` of `path` (at the previous head) are now, or None when the new
    commits touched them or removed the file."""
    for rf in changeset.files:
        if (rf.diff.old_path or rf.path) != path:
            continue
        if rf.status == "deleted":
            return None
        shift = 0
        for h in rf.diff.hunks:
            old_end = h.old_start + max(h.old_len, 1) - 1
            if h.old_len == 0 and h.old_start < line:  # lines added after old line h.old_start
                shift += h.new_len
                continue
            if old_end < line:
                shift += h.new_len - h.old_len
            elif h.old_start <= end:
                return None  # touched: reviewed again by this run
        return rf.path, line + shift, end + shift
    return path, line, end


@dataclass
class Scope:
    base: str  # what the model is asked about starts here
    head: str | None  # the request's head (None: HEAD)
    whole_base: str | None  # the request's own base, when the review is incremental (for placing)
    covered: str  # one line for the summary: what this run covered
    nothing_new: bool = False
    # the findings the last summary counted
    earlier: list[dict[str, Any]] = field(default_factory=list)
    platform: Any = None  # the `platforms.Platform` the request is on


def scope(repo: Repo, base: str, head: str | None, previous: str | None, full: bool) -> Scope:
    head_sha = repo.commit(head or "HEAD")
    if full:
        return Scope(base, head, None, "Full review of the whole request (--full).")
    if previous is None:
        return Scope(base, head, None, "Full review of the whole request (its first review).")
    if previous == head_sha:  # nothing to send: an empty range, the earlier findings carried over
        return Scope(
            head_sha,
            head,
            base,
            f"No new commits since the review of {head_sha[:12]}.",
            nothing_new=True,
        )
    if not repo.has_commit(previous):
        return Scope(
            base,
            head,
            None,
            f"Full review: the head reviewed last ({previous[:12]}) is not in this clone "
            "(a force-push, or a shallow clone: fetch-depth: 0).",
        )
    if repo.try_git("merge-base", "--is-ancestor", previous, head_sha) is None:
        return Scope(
            base,
            head,
            None,
            f"Full review: the head reviewed last ({previous[:12]}) is no longer in the "
            "branch (force-push or rebase).",
        )
    count = len(repo.git("rev-list", f"{previous}..{head_sha}").split())
    return Scope(
        previous,
        head,
        base,
        f"This run reviewed only the {count} new commit(s) {previous[:12]}..{head_sha[:12]}; "
        "earlier comments are kept.",
    )

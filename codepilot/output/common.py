"""What every report format shares: counts, excerpts, the one-line verdict."""

from __future__ import annotations

import html
import os
import re
import shlex
from collections import Counter

from codepilot.check.findings import Finding
from codepilot.model.answers import CONTROL
from codepilot.output.results import ReviewResult

ICONS = {"error": "✖", "warning": "▲", "info": "●"}


def counts(findings: list[Finding]) -> dict[str, int]:
    c = Counter(f.severity for f in findings)
    return {s: c.get(s, 0) for s in ("error", "warning", "info")}


def excerpt(report: ReviewResult, f: Finding, around: int = 1) -> list[tuple[int, str]]:
    """The finding's lines (at most 8) with a line of context either side: (number, text)."""
    rf = report.changeset.file(f.path)
    if rf is None:
        return []
    lines = rf.new_lines
    last = min(f.end_line, f.line + 7)
    lo, hi = max(1, f.line - around), min(len(lines), last + around)
    return [(n, visible(lines[n - 1].rstrip("\r"))) for n in range(lo, hi + 1)]


def visible(text: str) -> str:
    """Code as a terminal or a report may show it: each control character as a visible escape (the
    reviewed file may hold an OSC 52 clipboard write or a clear-screen; see issue 28)."""
    return CONTROL.sub(lambda m: _escape(ord(m.group())), text)  # the set the answers' texts lose


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def numbered_excerpt(report: ReviewResult, f: Finding) -> list[str]:
    """The excerpt as `  NN | code` lines (Markdown reports, the history)."""
    return [f"{n:>5} | {t}" for n, t in excerpt(report, f)]


def failure_line(report: ReviewResult) -> str:
    """Why work is missing, in one line."""
    reasons = sorted({e.error for e in report.errors})
    more = f" (and {len(reasons) - 1} other reason(s))" if len(reasons) > 1 else ""
    return (
        f"{len(report.errors)} of {report.stats.planned} request(s) could not be reviewed: "
        f"{reasons[0] if reasons else 'unknown'}{more}"
    )


def nothing_hint(kind: str, label: str) -> str:
    """No change at all, said as such, with where changes might be instead."""
    if kind == "staged":
        return "nothing staged to review (git add the files first, or leave out --staged)"
    if kind == "worktree":
        return (
            "nothing to review: no uncommitted changes (to review commits: --base REF or --commit "
            "REV)"
        )
    return f"nothing to review: no changes in {label}"


def nothing_line(report: ReviewResult) -> str:
    """What "nothing to review" means for this run."""
    skipped = len(report.changeset.skipped)
    if not report.changeset.files and not skipped:
        return nothing_hint(report.changeset.source.kind, report.source)
    if skipped and not any(f.changes for f in report.changeset.files):
        return f"nothing to review: every changed file was skipped ({skipped})"
    return "nothing to review: no changed lines to send"


def verdict(report: ReviewResult) -> str:
    if report.nothing_to_review:
        return nothing_line(report)
    c = counts(report.findings)
    found = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in c.items() if n) or "no findings"
    if report.errors:
        planned = report.stats.planned
        failed = len(
            {e.request for e in report.errors if e.request[:1] == "r" and e.request[1:].isdigit()}
        )
        if planned and failed >= planned:
            return (
                f"INCOMPLETE: none of the {planned} request(s) was answered; nothing was reviewed"
            )
        return (
            f"INCOMPLETE: {failed} of {planned} request(s) failed; {found} in the part that was "
            "reviewed"
        )
    return found


def checks_line(report: ReviewResult) -> str:
    """The project's checks in one line, each with what became of it (never silent)."""
    parts = [
        f"{c.name} {c.status}"
        + (f" ({c.findings} finding(s))" if c.status == "ran" else f": {c.reason}")
        for c in report.checks
    ]
    return "checks: " + "; ".join(parts) if parts else ""


def usage_line(report: ReviewResult) -> str:
    s = report.stats
    if report.nothing_to_review or s.planned == 0:
        return "nothing sent to a model; $0"
    cost = "cost unknown (no price for this model)" if s.cost_usd is None else f"${s.cost_usd:.4f}"
    return (
        f"{s.requests} request(s), {s.cached} from cache; {s.prompt_tokens} prompt + "
        f"{s.completion_tokens} "
        f"completion tokens; {cost}"
    )


def apply_command(report: ReviewResult, f: Finding) -> str:
    """A `git apply` command for this finding's patch that works from the folder the user ran in
    (git apply ignores paths outside the current folder, so it runs at the repository's root)."""
    assert f.patch is not None
    cwd = (report.cwd or report.repo_root).resolve()
    root = report.repo_root.resolve()
    if cwd == root:
        return f"git apply {shlex.quote(f.patch)}"
    return f"git -C {shlex.quote(os.path.relpath(root, cwd))} apply {shlex.quote(f.patch)}"


def fix_diff(
    report: ReviewResult, f: Finding, limit: int = 12
) -> list[tuple[str, int | None, str]]:
    """The placed fix as diff lines (sign, file line number, text): the lines it removes, then the
    ones it adds; cut after `limit` lines with a line saying how many more the patch holds."""
    if f.patch is None or f.suggestion is None:
        return []
    rf = report.changeset.file(f.path)
    old = rf.new_lines if rf is not None else []
    rows: list[tuple[str, int | None, str]] = [
        ("-", n, visible(old[n - 1].rstrip("\r")))
        for n in range(f.line, f.end_line + 1)
        if 0 < n <= len(old)
    ]
    rows += [("+", f.line + i, visible(text)) for i, text in enumerate(f.suggestion)]
    if len(rows) > limit:
        rows = rows[:limit] + [("…", None, f"{len(rows) - limit} more lines (see the patch)")]
    return rows


_FENCE = re.compile(r"`{3,}|~{3,}")
# `@user`, `@org/team`, `@everyone`, Azure's `@<GUID>`: not after a word character or a dot (an
# e-mail address stays as it is)
_MENTION = re.compile(r"(?<![\w.@/`])@(?=[A-Za-z0-9_<])")
_IMAGE = re.compile(r"!\[")


def neutral(text: str) -> str:
    """Text that will be posted on a platform, made unable to act there (issue 28): mentions notify
    nobody (a zero-width joiner after the @), images are not loaded (a tracking pixel is a link
    shown as text)."""
    return _IMAGE.sub("!\\[", _MENTION.sub("@\u200d", text))


def md_text(text: str) -> str:
    """Model text made safe inside Markdown: raw HTML shown as text, fences that would swallow the
    rest of the page broken up, mentions and images neutralised."""
    return neutral(
        _FENCE.sub(lambda m: "\\" + "\\".join(m.group()), html.escape(text, quote=False))
    )

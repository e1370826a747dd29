"""Findings made by hand for the unit tests of the stages that take them."""

from __future__ import annotations

from codepilot.check.findings import Finding


def make_finding(
    fid: str, line: int, title: str, severity: str = "warning", end: int | None = None
) -> Finding:
    """A finding on a.py at `line` (to `end`), found in request r1."""
    return Finding(
        fid, "a.py", line, end or line, severity, "bug", title, "", None, None, "change", "r1", line
    )

"""`--format github`: GitHub Actions workflow commands (`::error file=...::...`), escaped per
GitHub's rules, within its per-step limits (10 annotations of each level); the rest summarised in
one notice."""

from __future__ import annotations

from codepilot.check.findings import Finding
from codepilot.output.common import verdict
from codepilot.output.results import ReviewResult

LIMIT_PER_LEVEL = 10
LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding) -> str:
    props = [
        f"file={escape_property(f.path)}",
        f"line={f.line}",
        f"endLine={f.end_line}",
        f"title={escape_property(f'{f.category}: {f.title}')}",
    ]
    message = f.body or f.title
    if f.patch:
        message += f"\n\nFix applied: {f.patch}" if f.applied else f"\n\nFix: git apply {f.patch}"
    return f"::{LEVELS.get(f.severity, 'notice')} {','.join(props)}::{escape_data(message)}"


def render(report: ReviewResult) -> str:
    out, shown = [], {level: 0 for level in LEVELS.values()}
    rest: list[Finding] = []
    for f in report.findings:
        level = LEVELS.get(f.severity, "notice")
        if shown[level] < LIMIT_PER_LEVEL:
            shown[level] += 1
            out.append(annotation(f))
        else:
            rest.append(f)
    for e in report.errors:
        paths = ", ".join(e.paths)
        out.append(
            "::error title=codepilot%3A not "
            f"reviewed::{escape_data(f'{e.request} ({paths}): {e.error}')}"
        )
    if rest:
        listing = "\n".join(f"{f.path}:{f.line} {f.severity}: {f.title}" for f in rest)
        out.append(
            f"::notice title=codepilot%3A {len(rest)} more finding(s)::{escape_data(listing)}"
        )
    out.append(f"codepilot: {verdict(report)}")
    return "\n".join(out) + "\n"

"""`--format markdown`: for pull request descriptions and hand-off notes."""

from __future__ import annotations

from codepilot.output.common import (
    ICONS,
    apply_command,
    checks_line,
    counts,
    fix_diff,
    md_text,
    numbered_excerpt,
    usage_line,
    verdict,
)
from codepilot.output.results import ReviewResult


def _fence(lines: list[str]) -> str:
    ticks = "```"
    while any(ticks in ln for ln in lines):
        ticks += "`"
    return ticks


def render(report: ReviewResult) -> str:
    out = [
        "## codepilot review",
        "",
        f"**{verdict(report)}** — {report.source}, model `{report.model}`",
        "",
    ]
    c = counts(report.findings)
    out += ["| severity | findings |", "|---|---|", *[f"| {s} | {n} |" for s, n in c.items()], ""]
    if report.errors:
        out += ["### Not reviewed (errors)", ""]
        out += [f"- `{e.request}` ({', '.join(e.paths)}): {e.error}" for e in report.errors]
        out.append("")
    by_file: dict[str, list] = {}  # type: ignore[type-arg]
    for f in report.findings:
        by_file.setdefault(f.path, []).append(f)
    for path, items in by_file.items():
        out += [f"### `{path}`", ""]
        for f in items:
            where = f"line {f.line}" + (f"–{f.end_line}" if f.end_line != f.line else "")
            sym = f" in `{f.symbol}`" if f.symbol else ""
            out.append(
                f"- {ICONS.get(f.severity, '')} **{f.severity}** · {f.category} · "
                f"{where}{sym}: **{md_text(f.title)}**"
            )
            if f.body:
                out += [f"  {md_text(line)}" for line in f.body.splitlines()]
            lines = numbered_excerpt(report, f)
            if lines:
                fence = _fence(lines)
                out += ["", f"  {fence}", *[f"  {ln}" for ln in lines], f"  {fence}"]
            diff = [
                f"{sign}{n if n is not None else '':>5} | {text}"
                for sign, n, text in fix_diff(report, f)
            ]
            if diff:
                fence = _fence(diff)
                out += [
                    "",
                    "  Proposed fix:",
                    "",
                    f"  {fence}diff",
                    *[f"  {ln}" for ln in diff],
                    f"  {fence}",
                ]
            if f.patch:
                out.append(
                    f"  Fix applied: `{f.patch}`"
                    if f.applied
                    else f"  Patch: `{f.patch}` (`{apply_command(report, f)}`)"
                )
            if f.note:
                out.append(f"  _Note: {md_text(f.note)}_")
            out.append("")
    if report.changeset.skipped:
        out += ["<details><summary>Skipped files</summary>", ""]
        out += [f"- `{s.path}`: {s.reason}" for s in report.changeset.skipped]
        out += ["", "</details>", ""]
    if report.checks:
        out += [f"_{md_text(checks_line(report))}_", ""]
    out += [f"_Usage: {usage_line(report)}_", ""]
    return "\n".join(out)

"""`--format text`: for people at a terminal (rich), grouped by file, most severe first; plain when
the output is not a terminal."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from codepilot.check.findings import Finding
from codepilot.output.common import (
    ICONS,
    apply_command,
    checks_line,
    excerpt,
    fix_diff,
    usage_line,
    verdict,
)
from codepilot.output.results import ReviewResult

if TYPE_CHECKING:
    from rich.console import Console

COLORS = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _console(buf: io.StringIO, color: bool, width: int) -> Console:
    from rich.console import Console

    return Console(
        file=buf,
        force_terminal=color,
        no_color=not color,
        width=width,
        highlight=False,
        soft_wrap=True,
    )


def shown(path: str) -> str:
    """A file name as a terminal may show it: quoted as git quotes it when it holds control
    characters."""
    from codepilot.check.patches import git_quote

    return git_quote("", path)


def render_finding(report: ReviewResult, f: Finding, color: bool = False, width: int = 100) -> str:
    """One finding as the text report shows it (the interactive walk shows them one by one)."""
    buf = io.StringIO()
    _finding(_console(buf, color, width), report, f)
    return buf.getvalue()


def _finding(con: Console, report: ReviewResult, f: Finding) -> None:
    from rich.markup import escape

    where = f"{f.line}" + (f"-{f.end_line}" if f.end_line != f.line else "")
    sym = f" in {f.symbol}" if f.symbol else ""
    con.print(
        f"  [{COLORS.get(f.severity, '')}]{ICONS.get(f.severity, '')} {f.severity}[/] "
        f"{escape(shown(f.path))}:{where} [dim]{f.category}{escape(sym)}[/dim]  "
        f"[bold]{escape(f.title)}[/bold]"
    )
    for line in f.body.splitlines():
        con.print(f"      {escape(line)}")
    for n, text in excerpt(report, f):
        mark = ">" if f.line <= n <= f.end_line else " "
        con.print(f"    [dim]{mark}{n:>5} |[/dim] {escape(text)}")
    diff = fix_diff(report, f)
    if diff:
        con.print("      [green]fix:[/green]")
    for sign, at, text in diff:
        style = {"-": "red", "+": "green"}.get(sign, "dim")
        number = f"{at:>5}" if at is not None else "     "
        con.print(f"    [{style}]{sign}{number} | {escape(text)}[/{style}]")
    if f.patch and f.applied:
        con.print(f"      [green]applied[/green] ({escape(f.patch)})")
    elif f.patch:
        con.print(
            f"      [green]patch:[/green] {escape(f.patch)}  ({escape(apply_command(report, f))})"
        )
    if f.note:
        con.print(f"      [dim]note: {escape(f.note)}[/dim]")


def render(report: ReviewResult, color: bool = False, width: int = 100) -> str:
    from rich.markup import escape

    buf = io.StringIO()
    con = _console(buf, color, width)
    current = None
    for f in report.findings:
        if f.path != current:
            current = f.path
            con.print(f"\n[bold]{escape(shown(f.path))}[/bold]")
        _finding(con, report, f)
    for e in report.errors:
        paths = ", ".join(shown(p) for p in e.paths)
        con.print(
            f"[bold red]not reviewed[/bold red] {e.request} ({escape(paths)}): {escape(e.error)}"
        )
    if report.changeset.skipped:
        skipped = ", ".join(f"{shown(s.path)} ({s.reason})" for s in report.changeset.skipped)
        con.print(f"\n[dim]skipped: {escape(skipped)}[/dim]")
    if report.stats.dropped:
        dropped = ", ".join(f"{n} {r}" for r, n in report.stats.dropped.items())
        con.print(f"[dim]dropped from the model's answer: {escape(dropped)}[/dim]")
    for r in report.refuted:
        con.print(
            f"[dim]refuted by verification: {escape(shown(r.path))}:{r.line} {escape(r.title)} — "
            f"{escape(r.reason)}[/dim]"
        )
    if report.checks:
        con.print(f"[dim]{escape(checks_line(report))}[/dim]")
    said = verdict(report)  # "nothing to review" already names the source
    tail = "" if report.nothing_to_review else f" — {escape(report.source)}"
    con.print(f"\n[bold]codepilot:[/bold] {escape(said)}{tail}")
    con.print(f"[dim]{escape(usage_line(report))}[/dim]")
    return buf.getvalue()

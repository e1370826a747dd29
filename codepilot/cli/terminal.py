"""The terminal a review runs in: the interactive walk's single keys (cbreak mode, the terminal
always put back) and the question before an expensive run."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import click

from codepilot.runtime.errors import UsageError

if TYPE_CHECKING:
    from codepilot.output.results import ReviewResult
    from codepilot.prompt.prepared import Prepared


def walk(prepared: Prepared, result: ReviewResult) -> None:
    """The interactive walk in this terminal; what the user dismissed leaves `result` (the exit code
    is then as without -i for what is left)."""
    import shutil

    from codepilot import interactive
    from codepilot.output.common import usage_line, verdict
    from codepilot.output.text import render_finding

    width = shutil.get_terminal_size((100, 24)).columns
    click.echo(f"codepilot: {verdict(result)} — {result.source}")
    with _keys() as (key, line):
        term = interactive.Terminal(
            key=key,
            line=line,
            say=lambda text: click.echo(text, nl=not text.endswith("? ")),
            show=lambda f: render_finding(result, f, color=True, width=width),
        )
        walked = (
            interactive.walk(prepared, result, term) if result.findings else interactive.Walked()
        )
    result.findings = [f for f in result.findings if f.id not in set(walked.dismissed)]
    click.echo(f"\ncodepilot: {walked.summary()}; {usage_line(result)}")


@contextlib.contextmanager
def _keys() -> Iterator[tuple[Callable[[], str], Callable[[str], str]]]:
    """Single keys from the terminal for the whole walk (cbreak mode: a key typed early is kept,
    never flushed), a plain line for a reason; the terminal is put back as it was, whatever
    happens."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)

    def key() -> str:
        data = os.read(fd, 4)
        if data in (b"\x03", b"\x04"):  # Ctrl-C, Ctrl-D: quit
            return "q"
        return data[:1].decode("ascii", "replace")

    def line(prompt: str) -> str:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
        try:
            return input(prompt)
        except EOFError:
            return ""
        finally:
            tty.setcbreak(fd, termios.TCSANOW)

    tty.setcbreak(fd, termios.TCSANOW)
    try:
        yield key, line
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)


def confirm_spend(prepared: Prepared) -> None:
    """In a terminal, ask before sending a run whose estimate is over `confirm_over` (an 880 KB
    generated file became 252 requests with no question, see issue 23); outside a terminal never ask
    (max_cost is the limit there)."""
    limit = prepared.config.confirm_over
    if limit is None or not prepared.requests or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return
    from codepilot.model.estimate import estimate

    est = estimate(prepared)
    if est.cost_usd is None or est.cost_usd <= limit:
        return
    question = (
        f"codepilot: {len(prepared.requests)} request(s), ~{est.prompt_tokens} prompt tokens, "
        "about "
        f"${est.cost_usd:.2f} with {est.model} (over confirm_over ${limit:.2f}). Send?"
    )
    if not click.confirm(question, default=False, err=True):
        raise UsageError(f"nothing sent: the estimate ${est.cost_usd:.2f} was not confirmed")

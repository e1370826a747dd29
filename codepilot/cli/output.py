"""What every command shares for output: writing a report (stdout or --output), progress on stderr
(a bar on a terminal, a plain line every few seconds or 10% in CI logs — never into stdout), and the
review result rendered in the chosen format."""

from __future__ import annotations

import contextlib
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from codepilot.runtime.errors import UsageError

if TYPE_CHECKING:  # the hook's light path imports no pipeline module
    from codepilot.output.results import ReviewResult

Tick = Callable[[], None]


def write_output(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write {output}: {e.strerror}") from None
        click.echo(f"codepilot: wrote {output}", err=True)
    else:
        click.echo(text, nl=False)


def render(result: ReviewResult, fmt: str, output: str | None) -> str:
    from codepilot.output import render_review

    color = output is None and sys.stdout.isatty()
    return render_review(result, fmt, color, shutil.get_terminal_size((100, 24)).columns)


class PlainProgress:
    """A plain progress line on stderr for logs: at most one each `every` seconds, and at each 10%
    step once the run has lasted `quiet` seconds (short runs print nothing)."""

    def __init__(
        self,
        total: int,
        what: str,
        every: float = 5.0,
        quiet: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.what, self.every, self.quiet, self.clock = total, what, every, quiet, clock
        self.done = 0
        self.start = self.last = clock()
        self.step = 0

    def tick(self) -> str | None:
        self.done += 1
        now = self.clock()
        step = self.done * 10 // max(self.total, 1)
        due = now - self.last >= self.every or (step > self.step and now - self.start >= self.quiet)
        self.step = max(self.step, step)
        if not due or self.done >= self.total and now - self.start < self.quiet:
            return None
        self.last = now
        line = (
            f"codepilot: {self.what}: {self.done}/{self.total} requests "
            f"({self.done * 100 // self.total}%), "
            f"{now - self.start:.0f} s"
        )
        click.echo(line, err=True)
        return line


@contextlib.contextmanager
def progress(total: int, what: str = "reviewing") -> Iterator[Tick]:
    """A bar on a terminal, plain lines otherwise, for runs of several requests."""
    if total < 2:
        yield lambda: None
        return
    if not sys.stderr.isatty():
        plain = PlainProgress(total, what)

        def tick() -> None:
            plain.tick()

        yield tick
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task(what, total=total)
        yield lambda: bar.advance(task)

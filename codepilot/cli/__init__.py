"""The command line: a thin shell. Each command lives in its own module and returns an exit code;
errors become one line and an exit code here, in one place."""

from __future__ import annotations

import os
import sys

import click

from codepilot import __version__
from codepilot.errors import FatalError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="codepilot")
def cli() -> None:
    """Double-check and draft code with an LLM: review a git change, get findings on the right line
    and fixes as patch files that `git apply` accepts."""


def _register() -> None:
    from codepilot.cli import generate, hook, report, review, usage

    cli.add_command(review.command)
    cli.add_command(generate.command)
    cli.add_command(report.command)
    cli.add_command(usage.command)
    cli.add_command(hook.group)


def main(argv: list[str] | None = None) -> int:
    _register()
    try:
        rv = cli.main(args=argv, prog_name="codepilot", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.exceptions.Abort:
        click.echo("codepilot: aborted", err=True)
        return 130
    except click.ClickException as e:
        hint = f" (see: {e.ctx.command_path} --help)" if isinstance(e, click.UsageError) and e.ctx else ""
        click.echo(f"codepilot: {e.format_message()}{hint}", err=True)
        return 2
    except FatalError as e:
        click.echo(f"codepilot: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("codepilot: interrupted", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


def entry() -> None:
    """The console script: `main`, then an immediate exit once the output is flushed. Nothing is left to
    clean up by then (caches and the history are closed), and a time-limited hook must not wait at exit
    for model requests still in flight, nor a finished run for the model library's teardown."""
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    entry()

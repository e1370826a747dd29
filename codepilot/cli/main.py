"""The `codepilot` group and the one error handler: every command returns an exit code; every error
becomes one line and an exit code here — usage and configuration errors 2, services and this machine
3, anything unexpected 3 with its traceback in a log file. Never a traceback on screen, never 1
(which means findings) for a crash."""

from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

import click

from codepilot import __version__
from codepilot.runtime.errors import FatalError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="codepilot")
def cli() -> None:
    """Double-check and draft code with an LLM: review a git change, get findings on the right line
    and fixes as patch files that `git apply` accepts."""


def _register() -> None:
    from codepilot.cli import describe, dismiss, generate, hook, init, report, review, trust, usage
    from codepilot.cli import eval as evaluate

    for command in (
        review.command,
        generate.command,
        describe.command,
        report.command,
        usage.command,
        evaluate.group,
        dismiss.command,
        init.command,
        trust.command,
        hook.group,
    ):
        cli.add_command(command)


def log_path() -> Path:
    """Where the details of an unexpected error go (the user's state folder, else the temp
    folder)."""
    import platformdirs

    from codepilot.runtime.paths import private_file, private_folder

    # the log holds arguments and tracebacks (paths, sometimes code): this user's alone (issue 28)
    for folder in (Path(platformdirs.user_log_dir("codepilot")), Path(tempfile.gettempdir())):
        try:
            if folder.name == "codepilot":
                private_folder(folder)
            return private_file(folder / "codepilot-error.log")
        except OSError:
            continue
    return Path(os.devnull)


def _unexpected(e: BaseException) -> int:
    target = log_path()
    try:
        with target.open("a", encoding="utf-8", errors="replace") as log:
            log.write(
                f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} codepilot {__version__} "
                f"{sys.argv[1:]!r}\n"
            )
            log.write("".join(traceback.format_exception(e)))
    except OSError:
        pass
    message = " ".join(str(e).split())[:300] or type(e).__name__
    click.echo(
        f"codepilot: internal error: {type(e).__name__}: {message} (details in {target})", err=True
    )
    return 3


def main(argv: list[str] | None = None) -> int:
    _register()
    try:
        rv = cli.main(args=argv, prog_name="codepilot", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.exceptions.NoArgsIsHelpError as e:  # bare `codepilot`: its help, as help
        click.echo(e.ctx.get_help() if e.ctx else e.format_message())
        return 0
    except click.exceptions.Abort:
        click.echo("codepilot: aborted", err=True)
        return 130
    except click.ClickException as e:
        hint = (
            f" (see: {e.ctx.command_path} --help)"
            if isinstance(e, click.UsageError) and e.ctx
            else ""
        )
        click.echo(f"codepilot: {e.format_message()}{hint}", err=True)
        return 2
    except FatalError as e:
        click.echo(f"codepilot: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("codepilot: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as e:  # the one place the unexpected is caught: logged, one line, exit 3
        return _unexpected(e)
    return rv if isinstance(rv, int) else 0


def entry() -> None:
    """The console script: `main`, then an immediate exit once the output is flushed (see
    `runtime/process.py`)."""
    from codepilot.runtime import process

    process.tune_collector()
    process.exit_now(main())


if __name__ == "__main__":
    entry()

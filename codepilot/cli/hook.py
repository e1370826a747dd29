"""`codepilot hook`: the pre-commit / pre-push hook (`hook run`), and installing it as a plain git hook
for people without the pre-commit tool (`hook install`, `hook uninstall`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from codepilot.cli import options
from codepilot.errors import UsageError

MARKER = "# codepilot-hook: installed by `codepilot hook install`"
ZERO = "0" * 40


@click.group("hook")
def group() -> None:
    """Run codepilot as a git hook, or install it as one."""


@group.command("run")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--pre-push", "pre_push", is_flag=True, help="Review the commits being pushed (refs on stdin).")
@options.model_options
def run(paths: tuple[str, ...], pre_push: bool, **rest: Any) -> int:
    """Review what is being committed (the staged change, limited to PATHS) or pushed.

    Under pre-commit's pre-push stage (PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF set) or with --pre-push,
    the commits being pushed are reviewed. Takes the review options above (pre-commit `args:`).
    CODEPILOT_SKIP=1 skips the hook."""
    if os.environ.get("CODEPILOT_SKIP", "") not in ("", "0"):
        click.echo("codepilot: skipped (CODEPILOT_SKIP is set)", err=True)
        return 0
    from codepilot import diff, git

    rng = _push_range(pre_push)
    if rng == "nothing":
        return 0
    repo = git.open_repo()
    if rng is None and diff.nothing_staged(repo, diff.to_pathspecs(repo, paths, Path.cwd().resolve())):
        click.echo("codepilot: nothing staged to review")
        return 0
    from codepilot import review
    from codepilot.cli.output import progress, render
    from codepilot.cli.review import finish, say_applied

    base, head = rng if isinstance(rng, tuple) else (None, None)
    opts = review.Options(
        paths=() if rng else paths,  # a push: the range already says which files
        staged=rng is None,
        base=base,
        head=head,
        overrides=options.overrides(rest),
        use_cache=not rest["no_cache"],
        time_limit=rest["time_limit"],
        hook=True,
        history=not rest["no_history"],
    )
    prepared = review.prepare(opts)
    with progress(len(prepared.requests)) as tick:
        result = review.execute(prepared, opts, lambda _total: tick)
    say_applied(result)
    click.echo(render(result, "text", None), nl=False)
    code = finish(result, prepared.config.fail_on)
    what = "push" if rng else "commit"
    if code == 1:
        click.echo(
            f"codepilot: {what} blocked by findings at or above {prepared.config.fail_on} (fail_on); "
            f"fix them, or skip once: CODEPILOT_SKIP=1 git {what} ... (SKIP=codepilot-review with "
            "pre-commit)",
            err=True,
        )
    elif code == 3:
        click.echo(
            f"codepilot: {what} blocked: the review is incomplete; to {what} anyway: "
            f"CODEPILOT_SKIP=1 git {what} ... (SKIP=codepilot-review with pre-commit)",
            err=True,
        )
    return code


def _push_range(pre_push: bool) -> tuple[str, str] | str | None:
    """(base, head) of the push, "nothing" when there is nothing to review, None for a commit."""
    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if start and end:
        return (start, end) if start != ZERO else "nothing"
    if not pre_push:
        return None
    for line in sys.stdin.read().splitlines():  # git's pre-push stdin: local-ref local-sha remote-ref remote-sha
        parts = line.split()
        if len(parts) == 4 and parts[1] != ZERO:
            if parts[3] != ZERO:
                return parts[3], parts[1]
            click.echo(f"codepilot: {parts[2]} is new on the remote: review it with --base", err=True)
    return "nothing"


def _hooks_dir() -> Path:
    from codepilot.git import open_repo

    repo = open_repo()
    out = repo.git("rev-parse", "--git-path", "hooks").decode().strip()
    path = Path(out)
    return path if path.is_absolute() else repo.root / path


@group.command("install")
@click.option("--pre-push", "pre_push", is_flag=True, help="Install the pre-push hook instead of pre-commit.")
@click.option("--force", is_flag=True, help="Replace a hook that codepilot did not install (kept as .backup).")
def install(pre_push: bool, force: bool) -> int:
    """Install codepilot as this repository's git hook (honours core.hooksPath)."""
    name = "pre-push" if pre_push else "pre-commit"
    hooks = _hooks_dir()
    target = hooks / name
    if target.exists() and MARKER not in target.read_text(errors="replace"):
        if not force:
            raise UsageError(
                f"{target} exists and was not installed by codepilot: use --force to replace it (it is kept as .backup)"
            )
        target.replace(target.with_name(name + ".backup"))
    hooks.mkdir(parents=True, exist_ok=True)
    flag = " --pre-push" if pre_push else ""
    target.write_text(
        f'#!/bin/sh\n{MARKER}\n[ "${{CODEPILOT_SKIP:-0}}" != 0 ] && exit 0\n'
        f'exec "{sys.executable}" -m codepilot hook run{flag}\n'
    )
    target.chmod(0o755)
    click.echo(f"codepilot: installed {target}")
    return 0


@group.command("uninstall")
@click.option("--pre-push", "pre_push", is_flag=True, help="Remove the pre-push hook instead of pre-commit.")
def uninstall(pre_push: bool) -> int:
    """Remove the hook codepilot installed (and put back the one it replaced)."""
    name = "pre-push" if pre_push else "pre-commit"
    target = _hooks_dir() / name
    if not target.exists() or MARKER not in target.read_text(errors="replace"):
        raise UsageError(f"{target} was not installed by codepilot: left alone")
    target.unlink()
    backup = target.with_name(name + ".backup")
    if backup.exists():
        backup.replace(target)
    click.echo(f"codepilot: removed {target}")
    return 0

"""`codepilot hook`: the pre-commit / pre-push hook (`hook run`), and installing it as a plain git
hook for people without the pre-commit tool (`hook install`, `hook uninstall`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from codepilot.cli import options
from codepilot.runtime.errors import UsageError


@click.group("hook")
def group() -> None:
    """Run codepilot as a git hook, or install it as one."""


@group.command("run")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--pre-push", "pre_push", is_flag=True, help="Review the commits being pushed (refs on stdin)."
)
@options.model_options
def run(paths: tuple[str, ...], pre_push: bool, **rest: Any) -> int:
    """Review what is being committed (the staged change, limited to PATHS) or pushed.

    Under pre-commit's pre-push stage (PRE_COMMIT_FROM_REF/PRE_COMMIT_TO_REF set) or with
    --pre-push, the commits being pushed are reviewed. Takes the review options above (pre-commit
    `args:`). CODEPILOT_SKIP=1 skips the hook."""
    if os.environ.get("CODEPILOT_SKIP", "") not in ("", "0"):
        click.echo("codepilot: skipped (CODEPILOT_SKIP is set)", err=True)
        return 0
    from codepilot.source import diff, git

    rng = _push_range(pre_push)
    if rng == "nothing":
        return 0
    repo = git.open_repo()
    if rng is None and diff.nothing_staged(
        repo, diff.to_pathspecs(repo, paths, Path.cwd().resolve())
    ):
        click.echo("codepilot: nothing staged to review")
        return 0
    base, head = rng if isinstance(rng, tuple) else (None, None)
    overrides = options.overrides(rest)  # refused before git starts
    memo = _memo_key(repo, paths, rest) if rng is None and not rest["no_cache"] else None
    if memo is not None:
        from codepilot.runtime import verdicts

        seen = verdicts.recall(memo)
        if seen is not None:  # the very same staged content, under the very same settings
            click.echo(str(seen["out"]), nl=False)
            click.echo(
                "codepilot: nothing sent: this is the verdict of the review of this same "
                "staged content "
                f"({seen['when']})",
                err=True,
            )
            if seen.get("blocked"):
                click.echo(str(seen["blocked"]), err=True)
            return int(str(seen["code"]))
    # git writes the patch while the rest of the pipeline loads
    begun = diff.begin(Path.cwd(), () if rng else paths, staged=rng is None, base=base, head=head)
    from codepilot import review
    from codepilot.cli.output import progress, render
    from codepilot.cli.review import finish, say_applied
    from codepilot.runtime.process import keep_until_exit

    opts = review.Options(
        paths=() if rng else paths,  # a push: the range already says which files
        staged=rng is None,
        base=base,
        head=head,
        overrides=overrides,
        use_cache=not rest["no_cache"],
        time_limit=rest["time_limit"],
        hook=True,
        history=not rest["no_history"],
    )
    prepared = review.prepare(opts, begun)
    keep_until_exit(prepared)
    with progress(len(prepared.requests)) as tick:
        result = review.execute(prepared, opts, lambda _total: tick)
    say_applied(result)
    text = render(result, "text", None)
    click.echo(text, nl=False)
    code = finish(result, prepared.config.fail_on)
    what = "push" if rng else "commit"
    blocked = (
        f"codepilot: {what} blocked by findings at or above {prepared.config.fail_on} (fail_on); "
        f"fix them, or skip once: CODEPILOT_SKIP=1 git {what} ... (SKIP=codepilot-review with "
        "pre-commit)"
    )
    # a rerun could differ
    settled = all(c.status not in ("timed out", "failed") for c in result.checks)
    if (
        memo is not None
        and code in (0, 1)
        and result.complete
        and not result.interrupted
        and settled
    ):
        from codepilot.output.common import usage_line
        from codepilot.runtime import verdicts

        # nothing is spent again
        kept = "\n".join(ln for ln in text.split("\n") if ln != usage_line(result))
        verdicts.remember(memo, kept, code, blocked if code == 1 else "")
    if code == 1:
        click.echo(blocked, err=True)
    elif code == 3:
        click.echo(
            f"codepilot: {what} blocked: the review is incomplete; to {what} anyway: "
            f"CODEPILOT_SKIP=1 git {what} ... (SKIP=codepilot-review with pre-commit)",
            err=True,
        )
    return code


def _memo_key(repo: Any, paths: tuple[str, ...], rest: dict[str, Any]) -> str | None:
    """The key of the staged content's verdict (None: the index cannot be written as a tree, as in a
    merge with conflicts)."""
    from codepilot.runtime import verdicts

    tree = repo.try_git("write-tree")
    if not tree:
        return None
    head = repo.try_git("rev-parse", "-q", "--verify", "HEAD") or b""
    return verdicts.key(repo.root, tree.decode().strip(), head.decode().strip(), paths, dict(rest))


def _push_range(pre_push: bool) -> tuple[str, str] | str | None:
    """(base, head) of the push, "nothing" when there is nothing to review, None for a commit."""
    # inside: the hook's light path imports nothing it need not
    from codepilot.source.git import (
        NULL_SHA,
    )

    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if start and end:
        return (start, end) if start != NULL_SHA else "nothing"
    if not pre_push:
        return None
    # git's pre-push stdin: local-ref local-sha remote-ref remote-sha
    for line in sys.stdin.read().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[1] != NULL_SHA:
            if parts[3] != NULL_SHA:
                return parts[3], parts[1]
            click.echo(
                f"codepilot: {parts[2]} is new on the remote: review it with --base", err=True
            )
    return "nothing"


@group.command("install")
@click.option(
    "--pre-push", "pre_push", is_flag=True, help="Install the pre-push hook instead of pre-commit."
)
@click.option(
    "--commit-msg",
    "commit_msg",
    is_flag=True,
    help="Install prepare-commit-msg: an empty commit message is drafted from the staged change.",
)
@click.option(
    "--force", is_flag=True, help="Replace a hook that codepilot did not install (kept as .backup)."
)
def install(pre_push: bool, commit_msg: bool, force: bool) -> int:
    """Install codepilot as this repository's git hook (honours core.hooksPath)."""
    from codepilot import git_hooks as hooks
    from codepilot.source.git import open_repo

    click.echo(f"codepilot: {hooks.install(open_repo(), _name(pre_push, commit_msg), force)}")
    return 0


@group.command("uninstall")
@click.option(
    "--pre-push", "pre_push", is_flag=True, help="Remove the pre-push hook instead of pre-commit."
)
@click.option(
    "--commit-msg", "commit_msg", is_flag=True, help="Remove the prepare-commit-msg hook."
)
def uninstall(pre_push: bool, commit_msg: bool) -> int:
    """Remove the hook codepilot installed (and put back the one it replaced)."""
    from codepilot import git_hooks as hooks
    from codepilot.source.git import open_repo

    click.echo(f"codepilot: {hooks.uninstall(open_repo(), _name(pre_push, commit_msg))}")
    return 0


def _name(pre_push: bool, commit_msg: bool) -> str:
    if pre_push and commit_msg:
        raise UsageError("choose one of --pre-push and --commit-msg")
    return "pre-push" if pre_push else "prepare-commit-msg" if commit_msg else "pre-commit"

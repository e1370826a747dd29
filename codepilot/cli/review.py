"""`codepilot review`: parse the options, call `codepilot.review`, print the result."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codepilot.cli import options, terminal
from codepilot.cli.output import progress, render, write_output
from codepilot.platforms import REGISTRY
from codepilot.runtime.errors import UsageError
from codepilot.runtime.process import keep_until_exit

if TYPE_CHECKING:  # the hook's light path imports no pipeline module
    from codepilot.output.results import ReviewResult

FORMATS = ["text", "json", "markdown", "sarif", "github", "gitlab"]


@click.command("review")
@options.source_options("Review")
@options.model_options
@click.option(
    "--dry-run", is_flag=True, help="Build everything, call no model: print what would be sent."
)
@options.report_options(
    FORMATS,
    "text",
    "Report format; github = GitHub Actions workflow annotations; gitlab = a GitLab Code "
    "Quality report.",
)
@click.option(
    "--patch-dir",
    metavar="DIR",
    help="Where fix patches are written [default: .codepilot/patches].",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Show on stderr each request sent and each answer received.",
)
@click.option(
    "--full",
    is_flag=True,
    help="With --publish: review the whole request, not only the new commits.",
)
@click.option(
    "--publish",
    type=click.Choice(list(REGISTRY)),
    help="Post the review on the pull request (GitHub Actions, Bitbucket Pipelines, Azure "
    "Pipelines) or merge "
    "request (GitLab CI).",
)
@click.option(
    "--apply",
    "apply_",
    is_flag=True,
    help="Apply the fixes to the work tree (all of a patch or none).",
)
@click.option(
    "--checks/--no-checks",
    default=True,
    help="Run the project's own checks (ruff, mypy: configured or detected) on the reviewed "
    "content, beside "
    "the model [default: on].",
)
@click.option("--checks-only", is_flag=True, help="The checks alone: no model, no key, no cost.")
@click.option(
    "--interactive",
    "-i",
    is_flag=True,
    help="In a terminal, walk the findings: a apply the fix, s skip, d dismiss, e edit, q quit.",
)
def command(
    paths: tuple[str, ...],
    staged: bool,
    base: str | None,
    head: str | None,
    commit: str | None,
    dry_run: bool,
    fmt: str,
    output: str | None,
    publish: str | None,
    apply_: bool,
    interactive: bool,
    full: bool,
    verbose: bool,
    checks: bool,
    checks_only: bool,
    **rest: Any,
) -> int:
    """Double-check changes: findings on the right lines, fixes as patch files.

    By default every uncommitted change against HEAD: the index, the work tree and untracked files
    that git does not ignore (untracked = false in the config lists them as skipped instead).
    PATHS limit any source to these files or folders.

    \b
    Examples:
      codepilot review --dry-run                 what would be sent, nothing sent
      codepilot review --staged                  what `git commit` would record
      codepilot review --base v1.0 -o report.md --format markdown
      codepilot review --model ollama:qwen2.5-coder:7b --apply

    \b
    Exit codes:
      0  done, nothing at or above --fail-on
      1  findings at or above --fail-on
      2  usage or configuration error
      3  some of the review could not be done (the rest is reported)
      130  interrupted (the answers that came in are reported)"""
    from codepilot.source import diff

    # with --publish the request gives the base: --head alone is fine there
    diff.check_source_options(
        staged=staged, base=base or ("request" if publish else None), head=head, commit=commit
    )
    if interactive and not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(
            "--interactive needs a terminal (stdin and stdout); use --format or --apply instead"
        )
    if interactive and (apply_ or dry_run or publish):
        raise UsageError(
            "--interactive applies fixes one by one: leave out --apply, --dry-run and --publish"
        )
    scope = None
    if publish:
        scope = _publish_scope(publish, base, head, full)
        # nothing to send; the verdict still covers what is open (see issue 23)
        if scope.nothing_new:
            click.echo(f"codepilot: {scope.covered}", err=True)
        base, head = scope.base, scope.head
    overrides = options.overrides(rest)  # refused before git starts
    # git writes the patch while the rest of the pipeline loads
    begun = diff.begin(Path.cwd(), paths, staged=staged, base=base, head=head, commit=commit)
    from codepilot import review

    opts = review.Options(
        paths=paths,
        staged=staged,
        base=base,
        head=head,
        commit=commit,
        overrides=overrides,
        use_cache=not rest["no_cache"],
        time_limit=rest["time_limit"],
        apply=apply_,
        history=not rest["no_history"],
        checks=checks or checks_only,
        plan=not checks_only,  # no model: no requests to build
        trace=(lambda text: click.echo(f"codepilot: {text}", err=True)) if verbose else None,
    )
    prepared = review.prepare(opts, begun)
    keep_until_exit(prepared)
    if dry_run:
        return _dry_run(prepared, fmt, output, checks or checks_only)
    terminal.confirm_spend(prepared)
    with progress(len(prepared.requests)) as tick:
        result = review.execute(prepared, opts, lambda _total: tick)
    if interactive:
        terminal.walk(prepared, result)
        return finish(result, prepared.config.fail_on)
    say_applied(result)
    if scope is not None:
        result.covered = scope.covered
        if scope.whole_base:  # findings are placed against the whole request's diff
            whole = review.prepare(
                review.Options(paths=paths, base=scope.whole_base, head=head, plan=False)
            )
            result.whole = whole.changeset
            # an incremental run's verdict covers the earlier findings still open, not only its own
            from codepilot.platforms import incremental

            result.findings += incremental.carried(scope.earlier, result.changeset, result.findings)
    if scope is not None:  # first: what the team dismissed on the request leaves the result too
        result.fail_on = prepared.config.fail_on
        _publish(scope.platform, result)
    write_output(render(result, fmt, output), output)
    return finish(result, prepared.config.fail_on)


def _publish_scope(publish: str, base: str | None, head: str | None, full: bool) -> Any:
    """The request's range, and what of it this run reviews: only the commits since the last
    published review, unless that head is gone (force-push) or --full."""
    from codepilot.platforms import incremental, open_platform
    from codepilot.source.git import open_repo

    repo = open_repo()
    platform = open_platform(publish)  # a missing token is said before anything is paid for
    base, head = platform.review_range(repo, base, head)
    previous, earlier = (None, []) if full else platform.previous_state()
    scope = incremental.scope(repo, base, head, previous, full)
    scope.earlier, scope.platform = earlier, platform
    return scope


def finish(result: ReviewResult, fail_on: str) -> int:
    """The exit code, with the one line that says why work is missing."""
    from codepilot import review
    from codepilot.output.common import failure_line

    code = review.exit_code(result, fail_on)
    if code == 130:
        answered = result.stats.planned - len({e.request for e in result.errors})
        click.echo(
            f"codepilot: interrupted: INCOMPLETE, the findings of the {answered} answered "
            "request(s) are "
            "reported and recorded; the rest was not reviewed",
            err=True,
        )
    elif code == 3:
        click.echo(f"codepilot: {failure_line(result)}", err=True)
    return code


def say_applied(result: ReviewResult) -> None:
    for a in result.applied:
        click.echo(
            f"codepilot: {'applied' if a.ok else 'NOT applied'} {a.patch}"
            + (f" ({a.note.removeprefix('not applied: ')})" if a.note else ""),
            err=True,
        )


def _publish(platform: Any, result: ReviewResult) -> None:
    done = platform.publish(result)
    if done.fallback:  # a read-only token (a fork's pull request): workflow annotations instead
        from codepilot.output import github_annotations

        click.echo(github_annotations.render(result), nl=False)
        click.echo(f"codepilot: {done.fallback}", err=True)
        return
    click.echo(
        f"codepilot: posted {done.inline} inline comment(s) ({done.already} already there), "
        f"{done.in_summary} in the summary" + (f": {done.summary_url}" if done.summary_url else ""),
        err=True,
    )


def _dry_run(prepared: Any, fmt: str, output: str | None, with_checks: bool = True) -> int:
    from codepilot.output import dryrun

    if fmt not in ("text", "json"):
        raise UsageError(f"--dry-run prints text or json, not {fmt}")
    from codepilot.model.estimate import estimate

    est = estimate(prepared)
    planned = []
    if with_checks:  # which checks would run, and why each is in or out
        from codepilot.tools.checks import CheckRun, plan

        ok, out = plan(prepared.repo, prepared.config, prepared.config.checks_trusted)
        planned = [CheckRun(c.name, "would run") for c in ok] + out
    text = (
        dryrun.to_json(prepared, est, planned)
        if fmt == "json"
        else dryrun.to_text(prepared, est, planned)
    )
    write_output(text, output)
    return 0

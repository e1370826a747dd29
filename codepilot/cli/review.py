"""`codepilot review`: double-check a change."""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from codepilot.errors import UsageError

FORMATS = ["text", "json", "markdown", "sarif", "github"]


@click.command("review")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", is_flag=True, help="Review the index against HEAD (what `git commit` would record).")
@click.option("--base", metavar="REF", help="Review merge-base(REF, head)..head.")
@click.option("--head", metavar="REF", help="The head for --base (default HEAD).")
@click.option("--commit", metavar="REV", help="Review one commit against its first parent.")
@click.option("--model", metavar="NAME", envvar="CODEPILOT_MODEL",
              help="provider:model, e.g. openai:gpt-4.1-mini, ollama:qwen2.5-coder:7b [env CODEPILOT_MODEL].")
@click.option("--base-url", metavar="URL", envvar="OPENAI_BASE_URL",
              help="Any OpenAI-compatible server (Ollama, vLLM, LM Studio) [env OPENAI_BASE_URL].")
@click.option("--dry-run", is_flag=True, help="Build everything, call no model: print what would be sent.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="Report format; github = GitHub Actions workflow annotations.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--patch-dir", metavar="DIR", help="Where fix patches are written [default .codepilot/patches].")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]),
              help="Exit 1 when a finding at or above this severity is reported [default error].")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Model calls in flight at once [default 4].")
@click.option("--max-request-tokens", type=click.IntRange(500), help="Prompt budget per request [default 6000].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
@click.option("--publish", type=click.Choice(["github"]), help="Post the review on the pull request.")
@click.option("--apply", "apply_", is_flag=True, help="Apply the fixes to the work tree (all of a patch or none).")
@click.option("--time-limit", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Stop waiting for the model after this long; what is not done is reported as not done.")
@click.option("--no-history", is_flag=True, help="Do not record this run in the local history.")
@click.option("--hook", is_flag=True, hidden=True)
def command(paths: tuple[str, ...], staged: bool, base: str | None, head: str | None, commit: str | None,
            model: str | None, base_url: str | None, dry_run: bool, fmt: str, output: str | None,
            patch_dir: str | None, fail_on: str | None, concurrency: int | None,
            max_request_tokens: int | None, no_cache: bool, publish: str | None, apply_: bool,
            time_limit: float | None, no_history: bool, hook: bool) -> int:
    """Double-check changes: findings on the right lines, fixes as patch files.

    By default every uncommitted change (index and work tree) against HEAD; untracked files too with
    untracked = true in the config.
    PATHS limit any source to these files or folders."""
    if publish == "github":
        from codepilot.publish.github import Context

        ctx = Context.from_env()
        base, head = base or _known(ctx.base_sha), head or _known(ctx.head_sha)
        if base is None:
            raise UsageError(f"the pull request's base {ctx.base_sha[:12]} is not in this clone: pass --base, or "
                             "fetch more history (actions/checkout with fetch-depth: 0)")
    if staged and not dry_run and fmt == "text" and _nothing_staged(paths):
        write_output("codepilot: nothing staged to review\n", output)
        return 0
    from codepilot import review

    opts = review.Options(
        paths=paths, staged=staged, base=base, head=head, commit=commit,
        overrides={"model": model, "base_url": base_url, "patch_dir": patch_dir, "fail_on": fail_on,
                   "concurrency": concurrency, "max_request_tokens": max_request_tokens},
    )
    prepared = review.prepare(opts)
    if dry_run:
        return _dry_run(prepared, fmt, output)
    from codepilot import apply, models

    if apply_:
        apply.check_head(prepared.repo, prepared.changeset.source)

    spec = models.resolve(prepared.config.model, prepared.config.base_url) if prepared.requests else \
        models.ModelSpec("none", "none", None)
    if hook and time_limit is None:
        time_limit = prepared.config.hook_timeout
        if prepared.requests:
            prepared.config = prepared.config.model_copy(update={
                "timeout": min(prepared.config.timeout, time_limit),
                "network_retries": min(prepared.config.network_retries, 1)})
    with _progress(len(prepared.requests), fmt, output) as tick:
        report = review.run(prepared, spec, use_cache=not no_cache, progress=tick, time_limit=time_limit)
    if apply_:
        _apply(prepared, report)
    if prepared.config.history and not no_history and prepared.requests:
        review.record_history(prepared, report)
    write_output(render(report, fmt, output), output)
    if publish == "github":
        _publish(report)
    code = exit_code(report, prepared.config.fail_on)
    if hook and code == 3:
        click.echo("codepilot: to commit anyway: CODEPILOT_SKIP=1 git commit ... (or SKIP=codepilot-review with "
                   "pre-commit)", err=True)
    return code


def _apply(prepared: object, report: object) -> None:
    """Apply the report's patches; say on stderr what was applied and what was not."""
    from codepilot import apply
    from codepilot.review import Prepared, Report

    assert isinstance(prepared, Prepared) and isinstance(report, Report)
    results = apply.apply_all(prepared.repo, report.planned)
    by_patch = {f.patch: f for f in report.findings if f.patch}
    for a in results:
        finding = by_patch.get(a.patch)
        if finding is not None:
            finding.applied = a.ok
            if not a.ok and a.note:
                finding.note = f"{finding.note}; {a.note}" if finding.note else a.note
        click.echo(f"codepilot: {'applied' if a.ok else 'NOT applied'} {a.patch}"
                   + (f" ({a.note.removeprefix('not applied: ')})" if a.note else ""), err=True)


def _publish(report: object) -> None:
    from codepilot.publish import github
    from codepilot.reports import github as annotations
    from codepilot.review import Report

    assert isinstance(report, Report)
    done = github.publish(report)
    if done.fallback:
        click.echo(annotations.render(report), nl=False)
        click.echo(f"codepilot: {done.fallback}", err=True)
        return
    click.echo(f"codepilot: posted {done.inline} inline comment(s) ({done.already} already there), "
               f"{done.in_summary} in the summary" + (f": {done.summary_url}" if done.summary_url else ""), err=True)


def exit_code(report: object, fail_on: str) -> int:
    """3 when work is missing (wins), 1 when a finding is at or above --fail-on, else 0."""
    from codepilot.findings import severity_rank
    from codepilot.review import Report

    assert isinstance(report, Report)
    if report.errors:
        reasons = sorted({e.error for e in report.errors})
        click.echo(f"codepilot: {len(report.errors)} of {report.stats.requests} request(s) could not be reviewed: "
                   f"{reasons[0]}" + (f" (and {len(reasons) - 1} other reason(s))" if len(reasons) > 1 else ""),
                   err=True)
        return 3
    if fail_on != "never" and any(severity_rank(f.severity) >= severity_rank(fail_on) for f in report.findings):
        return 1
    return 0


def render(report: object, fmt: str, output: str | None) -> str:
    from codepilot.reports import render_review

    color = output is None and sys.stdout.isatty()
    return render_review(report, fmt, color, shutil.get_terminal_size((100, 24)).columns)  # type: ignore[arg-type]


@contextlib.contextmanager
def _progress(total: int, fmt: str, output: str | None) -> Iterator[Callable[[], None]]:
    """A progress bar on a terminal for runs of several requests; silent otherwise."""
    if total < 2 or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True, console=None) as bar:
        task = bar.add_task("reviewing", total=total)
        yield lambda: bar.advance(task)


def _known(sha: str) -> str | None:
    """The event's commit when this clone has it (else the default: HEAD, or the contract's error)."""
    from codepilot.git import open_repo

    return sha if open_repo().try_git("cat-file", "-e", f"{sha}^{{commit}}") is not None else None


def _nothing_staged(paths: tuple[str, ...]) -> bool:
    """The light path for hooks: one `git diff --cached --quiet` before anything heavy is imported."""
    from codepilot import diff, git

    repo = git.open_repo()
    specs = diff.to_pathspecs(repo, paths, Path.cwd().resolve())
    args = ["--literal-pathspecs", "diff", "--cached", "--quiet", "--ignore-submodules=none"]
    if repo.head() is None:
        return repo.git("ls-files", "-z").strip() == b""
    return repo.try_git(*args, "--", *specs) is not None


def run_hook(args: list[str]) -> int:
    """`review` as the hook runs it (text for people, --fail-on from the config unless given)."""
    rv = command.main(args=["--hook", *args], prog_name="codepilot review", standalone_mode=False)
    return rv if isinstance(rv, int) else 0


def _dry_run(prepared: object, fmt: str, output: str | None) -> int:
    from codepilot.reports import dryrun

    if fmt not in ("text", "json"):
        raise UsageError(f"--dry-run prints text or json, not {fmt}")
    text = dryrun.to_json(prepared) if fmt == "json" else dryrun.to_text(prepared)  # type: ignore[arg-type]
    write_output(text, output)
    return 0


def write_output(text: str, output: str | None) -> None:
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(f"cannot write {output}: {e.strerror}") from None
    else:
        click.echo(text, nl=False)

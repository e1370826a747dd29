"""`codepilot describe`: the title and description of a change; a commit message; the pull/merge
request description."""

from __future__ import annotations

import json

import click

from codepilot.cli import options
from codepilot.cli.output import write_output
from codepilot.platforms import REGISTRY


@click.command("describe")
@options.source_options("Describe")
@options.model_choice()
@options.report_options(
    ["text", "json", "markdown"], "text", output_help="Write it here instead of stdout."
)
@click.option(
    "--commit-message",
    is_flag=True,
    help="Print a git commit message (subject <= 72, blank, body).",
)
@click.option(
    "--publish", type=click.Choice(list(REGISTRY)), help="Set the pull / merge request description."
)
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
@click.option("--fill-message", metavar="FILE", hidden=True)
@click.option("--message-source", default="", hidden=True)
def command(
    paths: tuple[str, ...],
    staged: bool,
    base: str | None,
    head: str | None,
    commit: str | None,
    model: str | None,
    base_url: str | None,
    fmt: str,
    output: str | None,
    commit_message: bool,
    publish: str | None,
    no_cache: bool,
    fill_message: str | None,
    message_source: str,
) -> int:
    """Title and description of a change (what and why, risks, how to test), for a pull or merge
    request or a commit. The same sources as review: default every uncommitted change; --staged,
    --base, --commit."""
    from codepilot import describe, review
    from codepilot.source.diff import check_source_options

    if fill_message is not None:
        return _fill(fill_message, message_source, model, base_url)
    check_source_options(staged=staged, base=base, head=head, commit=commit)
    platform = None
    if publish:  # a missing token is said before anything is paid for
        from codepilot.platforms import open_platform

        platform = open_platform(publish)
    opts = review.Options(
        paths=paths,
        staged=staged,
        base=base,
        head=head,
        commit=commit,
        overrides={"model": model, "base_url": base_url},
        use_cache=not no_cache,
    )
    d = describe.describe(opts, use_cache=not no_cache)
    if commit_message:
        text = d.commit_message()
    elif fmt == "json":
        text = json.dumps(d.to_json(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = d.markdown()
    else:
        text = f"{d.title}\n\n{d.body}\n"
    write_output(text, output)
    if platform is not None:
        click.echo(
            f"codepilot: description set: {platform.set_description(d.markdown())}", err=True
        )
    return 0


def _fill(path: str, source: str, model: str | None, base_url: str | None) -> int:
    """The prepare-commit-msg hook: never blocks a commit, never replaces a message the user
    gave."""
    from codepilot import describe, review
    from codepilot.runtime.errors import FatalError

    if source in ("message", "merge", "squash", "commit"):
        return 0
    try:
        d = describe.describe(
            review.Options(staged=True, overrides={"model": model, "base_url": base_url})
        )
    except FatalError as e:
        click.echo(f"codepilot: no drafted message ({e})", err=True)
        return 0
    if describe.fill_message(path, source, d.commit_message()):
        click.echo("codepilot: drafted the commit message (edit it as you like)", err=True)
    return 0

"""`codepilot report`: a hand-off report of a range of work (HTML or Markdown)."""

from __future__ import annotations

import click

from codepilot.cli.output import write_output


@click.command("report")
@click.option("--base", metavar="REF", help="Start of the range [default: the latest tag, else the first commit].")
@click.option("--head", metavar="REF", help="End of the range [default HEAD].")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here instead of stdout.")
@click.option("--no-ai", is_flag=True, help="A purely factual report: no summary written by the model.")
@click.option("--model", metavar="NAME", envvar="CODEPILOT_MODEL", help="Model for the summary [env CODEPILOT_MODEL].")
@click.option("--base-url", metavar="URL", envvar="OPENAI_BASE_URL", help="OpenAI-compatible server.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
def command(base: str | None, head: str | None, fmt: str, output: str | None, no_ai: bool, model: str | None,
            base_url: str | None, no_cache: bool) -> int:
    """A report of a range of work for the client: what changed, what was reviewed and skipped, the
    findings with their status (still open, resolved since), charts, usage and cost."""
    from codepilot import handoff
    from codepilot.errors import UsageError

    data, prepared = handoff.collect(base, head)
    if not no_ai:
        try:
            handoff.write_summary(data, prepared, model, base_url, use_cache=not no_cache)
        except UsageError as e:
            data.summary_note = f"no summary by a model: {e}"
            click.echo(f"codepilot: factual report only ({e}); --no-ai says so on purpose", err=True)
    if fmt == "html":
        from codepilot.reports import html

        text = html.render(data)
    else:
        from codepilot.reports import handoff_markdown

        text = handoff_markdown.render(data)
    write_output(text, output)
    if output:
        click.echo(f"codepilot: wrote {output}", err=True)
    return 0

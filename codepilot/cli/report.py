"""`codepilot report`: a hand-off report of a range of work (HTML, Markdown or JSON)."""

from __future__ import annotations

import click

from codepilot.cli.options import model_choice, report_options
from codepilot.cli.output import write_output


@click.command("report")
@click.option(
    "--base",
    metavar="REF",
    help="Start of the range [default: the latest tag, else the whole history].",
)
@click.option("--head", metavar="REF", help="End of the range [default: HEAD].")
@report_options(["html", "markdown", "json"], "html")
@click.option("--title", help="The report's title [default: '<project>: work report'].")
@click.option("--client", help="Who the report is for (shown under the title).")
@click.option("--hide-cost", is_flag=True, help="Leave the review cost out of the report.")
@click.option("--hide-model", is_flag=True, help="Leave the model names out of the report.")
@click.option(
    "--no-ai", is_flag=True, help="A purely factual report: no summary written by the model."
)
@model_choice("Model for the summary [env: CODEPILOT_MODEL].")
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
def command(
    base: str | None,
    head: str | None,
    fmt: str,
    output: str | None,
    title: str | None,
    client: str | None,
    hide_cost: bool,
    hide_model: bool,
    no_ai: bool,
    model: str | None,
    base_url: str | None,
    no_cache: bool,
) -> int:
    """A report of a range of work for the client: what changed, what was reviewed (exactly the
    content delivered) and skipped, the findings with their status (still open, resolved since),
    charts, usage and cost."""
    from codepilot import handoff
    from codepilot.output.handoff import render
    from codepilot.runtime.errors import UsageError

    data, prepared = handoff.collect(base, head)
    data.title, data.client, data.hide_cost, data.hide_model = title, client, hide_cost, hide_model
    if not no_ai:
        try:
            handoff.write_summary(data, prepared, model, base_url, use_cache=not no_cache)
        except UsageError as e:
            click.echo(
                f"codepilot: no summary by a model ({e}); --no-ai leaves it out on purpose",
                err=True,
            )
        if data.summary_note:
            click.echo(f"codepilot: {data.summary_note}", err=True)
            data.summary_note = None  # the client's report says nothing of our plumbing
    write_output(render(data, fmt), output)
    return 0

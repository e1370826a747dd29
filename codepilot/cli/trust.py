"""`codepilot trust`: let this repository decide what a repository may not decide on its own."""

from __future__ import annotations

import click


@click.command("trust")
@click.option(
    "--list", "list_", is_flag=True, help="List the repositories you trusted, and what each asked."
)
@click.option("--revoke", is_flag=True, help="Take back the trust given to this repository.")
def command(list_: bool, revoke: bool) -> int:
    """Accept what this repository's configuration asks beyond what a repository may decide alone:
    the model or server (`model`, `base_url`), prompt templates (.codepilot/prompts/), check
    commands (they run its code), prices, looser limits. What is trusted is exactly what it asks
    now: when a pull changes any of it, codepilot ignores it again until you trust it again."""
    from codepilot.runtime import config, trust
    from codepilot.source.git import open_repo

    if list_:
        entries = trust.listed()
        for root, entry in sorted(entries.items()):
            click.echo(f"{root}  (trusted {entry.get('when', '?')})")
            for line in entry.get("asks", []):
                click.echo(f"    {line}")
        if not entries:
            click.echo("codepilot: no repository is trusted")
        return 0
    repo = open_repo()
    if revoke:
        gone = trust.revoke(repo.root)
        click.echo(
            f"codepilot: {repo.root} is "
            f"{'no longer trusted' if gone else 'not trusted (nothing to revoke)'}"
        )
        return 0
    ask, source = config.repository_ask(repo.root)
    if not ask:
        click.echo(
            f"codepilot: {repo.root} asks for nothing that needs trust ({source}); nothing recorded"
        )
        return 0
    click.echo(f"codepilot: trusting {repo.root} with what it asks now ({source}):")
    for line in ask.lines():
        click.echo(f"    {line}")
    trust.grant(repo.root, ask)
    click.echo(
        "codepilot: recorded; a change to any of it asks again (codepilot trust --revoke "
        "takes it back)"
    )
    return 0

"""`codepilot init`: a commented configuration, and on request the hook or a CI job."""

from __future__ import annotations

import click


@click.command("init")
@click.option(
    "--pyproject", is_flag=True, help="Write [tool.codepilot] into the existing pyproject.toml."
)
@click.option("--hook", is_flag=True, help="Also install the pre-commit git hook.")
@click.option("--github", is_flag=True, help="Also write .github/workflows/codepilot.yml.")
@click.option("--gitlab", is_flag=True, help="Also write a .gitlab-ci.yml job.")
@click.option("--bitbucket", is_flag=True, help="Also write bitbucket-pipelines.yml.")
@click.option("--azure", is_flag=True, help="Also write azure-pipelines.yml.")
@click.option("--force", is_flag=True, help="Replace files that exist (never without it).")
def command(
    pyproject: bool,
    hook: bool,
    github: bool,
    gitlab: bool,
    bitbucket: bool,
    azure: bool,
    force: bool,
) -> int:
    """Write a commented .codepilot.toml, choosing the model from what this machine has
    (OPENAI_API_KEY, an Ollama server on localhost:11434), and add the patch folder to
    .gitignore."""
    from codepilot import scaffold as init
    from codepilot.source.git import open_repo

    done = init.run(
        open_repo(),
        pyproject=pyproject,
        hook=hook,
        force=force,
        pipelines=[
            name
            for name, asked in (
                ("github", github),
                ("gitlab", gitlab),
                ("bitbucket", bitbucket),
                ("azure", azure),
            )
            if asked
        ],
    )
    for line in done.lines:
        click.echo(f"codepilot: {line}")
    return 0

"""Options shared by commands: the change source and the model's options of `review` and `hook run`
(the contract lets a hook take them as pre-commit `args:`, so both parse them the same way), and the
report's `--format`/`--output` and the model's `--model`/`--base-url` of the other commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click

SEVERITIES = ["error", "warning", "info", "never"]


def source_options(verb: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """PATHS and the change source (`review`, `describe`): --staged, --base/--head, --commit."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(
            [
                click.argument("paths", nargs=-1, type=click.Path()),
                click.option(
                    "--staged",
                    is_flag=True,
                    help=f"{verb} the index against HEAD (what `git commit` records).",
                ),
                click.option("--base", metavar="REF", help=f"{verb} merge-base(REF, head)..head."),
                click.option("--head", metavar="REF", help="The head for --base [default: HEAD]."),
                click.option(
                    "--commit", metavar="REV", help=f"{verb} one commit against its first parent."
                ),
            ]
        ):
            f = option(f)
        return f

    return decorate


Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _all(*options: Decorator) -> Decorator:
    """Several options as one decorator, listed in the order `--help` shows them."""

    def decorate(f: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


def report_options(
    formats: Sequence[str],
    default: str,
    format_help: str | None = None,
    output_help: str = "Write the report here instead of stdout.",
) -> Decorator:
    """`--format` (into `fmt`) and `--output`/`-o`."""
    return _all(
        click.option(
            "--format",
            "fmt",
            type=click.Choice(formats),
            default=default,
            show_default=True,
            help=format_help,
        ),
        click.option("--output", "-o", type=click.Path(dir_okay=False), help=output_help),
    )


def model_choice(
    model_help: str = "provider:model [env: CODEPILOT_MODEL].",
    server_help: str = "OpenAI-compatible server.",
) -> Decorator:
    """`--model` and `--base-url` (with their environment variables) of a command that calls a
    model but takes none of review's other model options."""
    return _all(
        click.option("--model", metavar="NAME", envvar="CODEPILOT_MODEL", help=model_help),
        click.option("--base-url", metavar="URL", envvar="OPENAI_BASE_URL", help=server_help),
    )


def model_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options that decide how the model is called and what the run costs."""
    for option in reversed(
        [
            click.option(
                "--model",
                metavar="NAME",
                envvar="CODEPILOT_MODEL",
                help="provider:model, e.g. openai:gpt-4.1-mini, ollama:qwen2.5-coder:7b [env: "
                "CODEPILOT_MODEL].",
            ),
            click.option(
                "--base-url",
                metavar="URL",
                envvar="OPENAI_BASE_URL",
                help="Any OpenAI-compatible server (Ollama, vLLM, LM Studio) [env: "
                "OPENAI_BASE_URL].",
            ),
            click.option(
                "--fail-on",
                type=click.Choice(SEVERITIES),
                help="Exit 1 when a finding at or above this severity is reported "
                "[default: error].",
            ),
            click.option(
                "--concurrency",
                type=click.IntRange(1, 64),
                help="Model calls in flight at once [default: 4].",
            ),
            click.option(
                "--max-request-tokens",
                type=click.IntRange(500),
                help="Prompt budget per request [default: 10000].",
            ),
            click.option(
                "--no-cache", is_flag=True, help="Do not read or write the response cache."
            ),
            click.option(
                "--time-limit",
                type=click.FloatRange(min=1),
                metavar="SECONDS",
                help="Stop waiting for the model after this long; what is not done is reported as "
                "not done.",
            ),
            click.option(
                "--no-history", is_flag=True, help="Do not record this run in the local history."
            ),
            click.option(
                "--verify/--no-verify",
                default=None,
                help="Double-check each finding in a second, focused request; refuted ones are "
                "dropped "
                "[default: off; config verify].",
            ),
            click.option(
                "--votes",
                type=click.IntRange(1, 9),
                metavar="N",
                help="Read each request N times; keep the findings a majority of the readings "
                "report "
                "(N times the tokens) [default: 1; config votes].",
            ),
            click.option(
                "--max-cost",
                type=click.FloatRange(min=0),
                metavar="USD",
                help="Refuse before sending when the estimated cost exceeds USD; stop sending when "
                "the spend "
                "would [default: none; config max_cost].",
            ),
        ]
    ):
        f = option(f)
    return f


def overrides(values: dict[str, Any]) -> dict[str, Any]:
    """The configuration keys the command line may override (None: not given, the config
    decides)."""
    keys = (
        "model",
        "base_url",
        "fail_on",
        "concurrency",
        "max_request_tokens",
        "patch_dir",
        "verify",
        "votes",
        "max_cost",
    )
    return {k: values.get(k) for k in keys}

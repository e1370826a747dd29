"""`codepilot eval SUITE`: score models on a suite of changes with known bugs; `codepilot eval
build`: make a suite from a repository's bug-fix commits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from codepilot.cli.options import report_options
from codepilot.cli.output import write_output


class _EvalGroup(click.Group):
    """`eval SUITE ...` runs a suite; `eval build ...` builds one (any other first word is a
    suite)."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "run", self.commands["run"], args
        return super().resolve_command(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """`eval --help` shows the scoring options too (they belong to the hidden `run`, see issue
        23)."""
        run_cmd = self.commands["run"]
        rows = [
            r
            for p in run_cmd.get_params(ctx)
            if isinstance(p, click.Option)
            and p.name != "help"
            and (r := p.get_help_record(ctx)) is not None
        ]
        with formatter.section("Options for scoring a SUITE (codepilot eval SUITE [OPTIONS])"):
            formatter.write_dl(rows)
        super().format_options(ctx, formatter)


@click.group("eval", cls=_EvalGroup)
def group() -> None:
    """Score a model (and settings) on cases with known bugs: `codepilot eval SUITE [--model M
    ...]`, or build a suite: `codepilot eval build REPO --out DIR` (from REPO's history) or
    `codepilot eval build --recipe evals/starter.toml --out DIR` (from released fixes)."""


@group.command("run", hidden=True)
@click.argument("suite", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--model", "models", multiple=True, metavar="NAME", help="A model to score (repeat to compare)."
)
@click.option(
    "--base-url", metavar="URL", envvar="OPENAI_BASE_URL", help="OpenAI-compatible server."
)
@click.option(
    "--verify/--no-verify", default=None, help="Double-check findings in a second request."
)
@click.option(
    "--votes",
    type=click.IntRange(1, 9),
    metavar="N",
    help="Read each request N times; keep majority findings.",
)
@click.option("--max-request-tokens", type=click.IntRange(500), help="Prompt budget per request.")
@click.option("--concurrency", type=click.IntRange(1, 64), help="Model calls in flight at once.")
@click.option("--no-cache", is_flag=True, help="Do not read or write the response cache.")
@click.option(
    "--checks-only",
    is_flag=True,
    help="Also score the project's own checks alone (no model, no cost): the floor a model must "
    "beat.",
)
@click.option(
    "--checks/--no-checks",
    default=False,
    help="Run the project's checks beside each model, as review does [default: the model alone].",
)
@report_options(["text", "json", "markdown"], "text")
def run(
    suite: Path,
    models: tuple[str, ...],
    base_url: str | None,
    verify: bool | None,
    votes: int | None,
    max_request_tokens: int | None,
    concurrency: int | None,
    no_cache: bool,
    checks_only: bool,
    checks: bool,
    fmt: str,
    output: str | None,
) -> int:
    """Run the review on each case of SUITE and score it."""
    from codepilot import evaluate

    loaded = evaluate.load(suite)
    overrides: dict[str, Any] = {
        "base_url": base_url,
        "verify": verify,
        "votes": votes,
        "max_request_tokens": max_request_tokens,
        "concurrency": concurrency,
    }
    wanted: list[str | None] = list(models) or ([] if checks_only else [None])
    if checks_only:
        wanted.append(evaluate.CHECKS_ONLY)
    runs = evaluate.run(
        loaded,
        wanted,
        overrides,
        not no_cache,
        lambda line: click.echo(f"codepilot: {line}", err=True),
        checks,
    )
    doc = {"version": 1, "suite": str(suite), "runs": [r.to_json() for r in runs]}
    text = json.dumps(doc, indent=2) + "\n" if fmt == "json" else _table(doc, fmt == "markdown")
    write_output(text, output)
    failed = sum(int(r.to_json()["failed_cases"]) for r in runs)
    if failed:
        click.echo(
            f"codepilot: {failed} case run(s) failed: their scores are missing, not zero", err=True
        )
    return 3 if failed else 0


def _table(doc: dict[str, Any], markdown: bool) -> str:
    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.0f}%"

    head = ["model", "caught", "catch rate", "precision", "F1", "tokens", "cost", "seconds"]
    rows = [
        [
            r["model"],
            f"{r['caught']}/{r['bugs']}",
            pct(r["catch_rate"]),
            pct(r["precision"]),
            "n/a" if r["f1"] is None else f"{r['f1']:.2f}",
            str(r["prompt_tokens"] + r["completion_tokens"]),
            "unknown" if r["cost_usd"] is None else f"${r['cost_usd']:.4f}",
            f"{r['seconds']:.0f}",
        ]
        for r in doc["runs"]
    ]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=False)]
        lines = [
            "  ".join(x.ljust(w) for x, w in zip(row, widths, strict=True)) for row in [head, *rows]
        ]
    for r in doc["runs"]:
        lines.append("")
        lines.append(f"{r['model']}: per case" if not markdown else f"**{r['model']}** per case:")
        for c in r["per_case"]:
            what = c["error"] or (f"caught {c['caught']}/{c['bugs']}, {c['findings']} finding(s)")
            lines.append(f"- {c['case']}: {what}")
    return "\n".join(lines) + "\n"


@group.command("build")
@click.argument("repo", type=click.Path(file_okay=False, path_type=Path), required=False)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the suite (suite.toml) and its repositories.",
)
@click.option(
    "--recipe",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Build from a recipe of released fixes (e.g. evals/starter.toml) instead of REPO's "
    "history.",
)
@click.option(
    "--downloads",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --recipe: keep the downloaded releases here [default: OUT/downloads], to rebuild "
    "without downloading.",
)
@click.option(
    "--fixes", type=click.IntRange(1), default=20, show_default=True, help="Bug-fix cases to make."
)
@click.option(
    "--clean", type=click.IntRange(0), default=10, show_default=True, help="Clean cases to make."
)
def build(
    repo: Path | None,
    out: Path,
    recipe: Path | None,
    downloads: Path | None,
    fixes: int,
    clean: int,
) -> int:
    """Make a suite from REPO's history: each small bug-fix commit reversed (the change
    re-introduces the bug; the lines it adds are the answer key), ordinary commits as clean cases.
    With --recipe, from released fixes downloaded from PyPI and npm (nothing of those projects is
    kept in this repository)."""
    from codepilot.runtime.errors import UsageError

    if (repo is None) == (recipe is None):
        raise UsageError("give either REPO or --recipe FILE")
    if recipe is not None:
        from codepilot import recipes

        made = recipes.build(
            recipe,
            out,
            downloads=downloads,
            say=lambda line: click.echo(f"codepilot: {line}", err=True),
        )
        langs = ", ".join(f"{n} {lang}" for lang, n in sorted(made.languages.items()))
        click.echo(
            f"codepilot: wrote {made.suite}: {made.bugs} bug case(s), {made.clean} clean "
            f"case(s) ({langs}); "
            f"fingerprint {recipes.fingerprint(out.resolve())}"
        )
        return 0
    from codepilot import evaluate

    assert repo is not None
    built = evaluate.build(repo, out, fixes, clean)
    click.echo(
        f"codepilot: wrote {built.suite}: {built.fixes} bug case(s), {built.clean} clean case(s)"
    )
    return 0

"""`codepilot usage`: tokens and cost from the local history."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from codepilot.runtime.errors import UsageError


def parse_since(text: str) -> float:
    """`30d`, `12h`, `2w` or a date (`2026-11-01`) as a Unix time."""
    m = re.fullmatch(r"(\d+)\s*([hdw])", text.strip())
    if m:
        return max(
            time.time() - int(m.group(1)) * {"h": 3600, "d": 86400, "w": 604800}[m.group(2)], 0.0
        )
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise UsageError(
            f"--since {text}: use a duration (30d, 12h, 2w) or a date (2026-11-01)"
        ) from None


def model_name(model_id: str) -> str:
    """A model as the history names it: runs record the label (no address); earlier runs recorded
    `openai:qwen@http://127.0.0.1:8080/v1`, named here as its label would be (`(local server)`)."""
    from codepilot.model.models import ModelSpec

    name, _, url = model_id.partition("@")
    if not url:
        return name
    provider, _, model = name.partition(":")
    return ModelSpec(provider, model, url).label


def repo_name(key: str) -> str:
    """The repository a history key (its git folder) belongs to, by name and place."""
    path = Path(key)
    return str(path.parent) if path.name == ".git" else str(path)


def totals(rows: list[dict[str, object]], by: str) -> list[dict[str, object]]:
    groups: dict[str, dict[str, object]] = {}
    for r in rows:
        key = {
            "model": model_name(str(r["model"])),
            "repo": repo_name(str(r["repo"])),
            "day": datetime.fromtimestamp(float(str(r["started"])), UTC).strftime("%Y-%m-%d"),
        }[by]
        g = groups.setdefault(
            key,
            {
                by: key,
                "runs": 0,
                "requests": 0,
                "cached": 0,
                "prompt_tokens": 0,
                "completion_tokens": 0,
                "cost_usd": 0.0,
                "unpriced_runs": 0,
            },
        )
        for k in ("requests", "cached", "prompt_tokens", "completion_tokens"):
            g[k] = int(g[k]) + int(r[k])  # type: ignore[call-overload]
        g["runs"] = int(g["runs"]) + 1  # type: ignore[call-overload]
        if r["cost_usd"] is None:
            g["unpriced_runs"] = int(g["unpriced_runs"]) + 1  # type: ignore[call-overload]
        else:
            g["cost_usd"] = float(g["cost_usd"]) + float(r["cost_usd"])  # type: ignore[arg-type]
    return [groups[k] for k in sorted(groups)]


@click.command("usage")
@click.option(
    "--since", default="30d", show_default=True, help="A duration (30d, 12h, 2w) or a date."
)
@click.option(
    "--by", type=click.Choice(["model", "repo", "day"]), default="model", show_default=True
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="csv: one row per group, for invoicing.",
)
def command(since: str, by: str, fmt: str) -> int:
    """Tokens and cost of your runs (review, generate, describe, report summaries), from the local
    history of every repository."""
    from codepilot.output import history

    start = parse_since(since)
    with history.opened() as db:
        rows = [dict(r) for r in history.runs(db, since=start)]
    groups = totals(rows, by)
    grand = totals([{**r, "model": "total"} for r in rows], "model")
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "since": start,
                    "by": by,
                    "groups": groups,
                    "total": grand[0] if grand else None,
                },
                indent=2,
            )
        )
        return 0
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(
            buf,
            fieldnames=[
                by,
                "runs",
                "requests",
                "cached",
                "prompt_tokens",
                "completion_tokens",
                "cost_usd",
                "unpriced_runs",
            ],
            lineterminator="\n",
        )
        writer.writeheader()
        writer.writerows({**g, "cost_usd": f"{float(g['cost_usd']):.6f}"} for g in groups)  # type: ignore[arg-type]
        click.echo(buf.getvalue(), nl=False)
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"codepilot usage since {datetime.fromtimestamp(start, UTC):%Y-%m-%d}")
    # numbers never wrapped, two-line headers; the name column takes the rest and folds a long name
    # rather than cutting it (a terminal under 100 columns gets blocks instead, see below)
    table.add_column(by, justify="left", overflow="fold", min_width=16, ratio=1)
    for col in (
        "runs",
        "requests",
        "cached",
        "prompt\ntokens",
        "completion\ntokens",
        "cost\n(USD)",
    ):
        table.add_column(col, justify="right", no_wrap=True)
    for g in groups + [{**grand[0], by: "total"}] if grand else []:
        cost = f"{float(g['cost_usd']):.4f}" + (  # type: ignore[arg-type]
            f"\n+{g['unpriced_runs']} unpriced" if g["unpriced_runs"] else ""
        )
        table.add_row(
            str(g[by]),
            f"{g['runs']:,}",
            f"{g['requests']:,}",
            f"{g['cached']:,}",
            f"{g['prompt_tokens']:,}",
            f"{g['completion_tokens']:,}",
            cost,
        )
    if not rows:
        click.echo("codepilot: no runs recorded in that period")
        return 0
    import shutil

    width = shutil.get_terminal_size((100, 24)).columns if sys.stdout.isatty() else 400
    if width < 100:  # seven columns of numbers leave a name no room: one block per group instead
        click.echo(f"codepilot usage since {datetime.fromtimestamp(start, UTC):%Y-%m-%d}\n")
        for g in groups + [{**grand[0], by: "total"}]:
            cost = f"${float(g['cost_usd']):.4f}" + (  # type: ignore[arg-type]
                f" (+{g['unpriced_runs']} unpriced)" if g["unpriced_runs"] else ""
            )
            detail = (
                f"{g['runs']:,} run(s), {g['requests']:,} request(s) ({g['cached']:,} cached), "
                f"{g['prompt_tokens']:,} prompt + {g['completion_tokens']:,} completion "
                f"tokens, {cost}"
            )
            wrap = textwrap.fill(
                detail, max(width, 40), initial_indent="  ", subsequent_indent="  "
            )
            click.echo(f"{g[by]}\n{wrap}")
        return 0
    Console(width=width, soft_wrap=True).print(table)  # never cut a model or repository name
    return 0

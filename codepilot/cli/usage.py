"""`codepilot usage`: tokens and cost from the local history."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime

import click

from codepilot.errors import UsageError


def parse_since(text: str) -> float:
    """`30d`, `12h`, `2w` or a date (`2026-11-01`) as a Unix time."""
    m = re.fullmatch(r"(\d+)\s*([hdw])", text.strip())
    if m:
        return time.time() - int(m.group(1)) * {"h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise UsageError(f"--since {text}: use a duration (30d, 12h, 2w) or a date (2026-11-01)") from None


def totals(rows: list[dict[str, object]], by: str) -> list[dict[str, object]]:
    groups: dict[str, dict[str, object]] = {}
    for r in rows:
        key = {"model": str(r["model"]), "repo": str(r["repo"]),
               "day": datetime.fromtimestamp(float(r["started"]), UTC).strftime("%Y-%m-%d")}[by]  # type: ignore[arg-type]
        g = groups.setdefault(key, {by: key, "runs": 0, "requests": 0, "cached": 0, "prompt_tokens": 0,
                                    "completion_tokens": 0, "cost_usd": 0.0, "unpriced_runs": 0})
        for k in ("requests", "cached", "prompt_tokens", "completion_tokens"):
            g[k] = int(g[k]) + int(r[k])  # type: ignore[call-overload]
        g["runs"] = int(g["runs"]) + 1  # type: ignore[call-overload]
        if r["cost_usd"] is None:
            g["unpriced_runs"] = int(g["unpriced_runs"]) + 1  # type: ignore[call-overload]
        else:
            g["cost_usd"] = float(g["cost_usd"]) + float(r["cost_usd"])  # type: ignore[arg-type]
    return [groups[k] for k in sorted(groups)]


@click.command("usage")
@click.option("--since", default="30d", show_default=True, help="A duration (30d, 12h, 2w) or a date.")
@click.option("--by", type=click.Choice(["model", "repo", "day"]), default="model", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def command(since: str, by: str, fmt: str) -> int:
    """Tokens and cost of your reviews, from the local history (every repository)."""
    from codepilot import history

    start = parse_since(since)
    with history.opened() as db:
        rows = [dict(r) for r in history.runs(db, since=start)]
    groups = totals(rows, by)
    grand = totals([{**r, "model": "total"} for r in rows], "model")
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "since": start, "by": by, "groups": groups,
                               "total": grand[0] if grand else None}, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"codepilot usage since {datetime.fromtimestamp(start, UTC):%Y-%m-%d}")
    for col in (by, "runs", "requests", "cached", "prompt tokens", "completion tokens", "cost (USD)"):
        table.add_column(col, justify="left" if col == by else "right")
    for g in groups + [{**grand[0], by: "total"}] if grand else []:
        cost = f"{float(g['cost_usd']):.4f}" + (f" (+{g['unpriced_runs']} unpriced)" if g["unpriced_runs"] else "")  # type: ignore[arg-type]
        table.add_row(str(g[by]), str(g["runs"]), str(g["requests"]), str(g["cached"]), str(g["prompt_tokens"]),
                      str(g["completion_tokens"]), cost)
    Console().print(table) if rows else click.echo("codepilot: no reviews recorded in that period")
    return 0

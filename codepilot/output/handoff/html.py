"""The hand-off report as one self-contained HTML file: inline CSS and SVG, no scripts, no external
assets; light and dark themes; readable on screen and printed to PDF. The markup is in
`templates/` (Jinja2, every value escaped by the environment); this module prepares the values."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from codepilot.output.handoff.charts import bars, columns
from codepilot.output.handoff.data import Handoff

SEVERITY_COLOR = {"error": "var(--error)", "warning": "var(--warning)", "info": "var(--info)"}
SEVERITIES = ("error", "warning", "info")


def _date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _activity(h: Handoff) -> list[tuple[str, int]]:
    days = Counter(c.date[:10] for c in h.commits if len(c.date) >= 10)
    if not days:
        return []
    first, last = date.fromisoformat(min(days)), date.fromisoformat(max(days))
    span = (last - first).days
    if span > 120:  # by week
        weeks: Counter[str] = Counter()
        for d, n in days.items():
            day = date.fromisoformat(d)
            weeks[(day - timedelta(days=day.weekday())).isoformat()] += n
        return sorted(weeks.items())
    return [
        (
            (first + timedelta(days=i)).isoformat(),
            days.get((first + timedelta(days=i)).isoformat(), 0),
        )
        for i in range(span + 1)
    ]


def render(h: Handoff) -> str:
    import jinja2  # only `codepilot report --format html` needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("codepilot.output.handoff", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    sev = Counter(f.severity for f in h.open_findings)
    by_file = Counter(f.path for f in h.findings).most_common(10)
    activity = _activity(h)
    weekly = activity and len(activity) < len({c.date[:10] for c in h.commits})
    heads = (
        ["when", "what"]
        + ([] if h.hide_model else ["model"])
        + ["requests", "tokens"]
        + ([] if h.hide_cost else ["cost"])
        + (["failed"] if any(r.errors for r in h.runs) else [])
    )
    rows = []
    for r in h.runs:
        cells = (
            [r.when(), r.source]
            + ([] if h.hide_model else [r.model])
            + [str(r.requests), str(r.prompt_tokens + r.completion_tokens)]
        )
        if not h.hide_cost:
            cells.append("unknown" if r.cost_usd is None else f"${r.cost_usd:.4f}")
        if "failed" in heads:
            cells.append(f"{r.errors} request(s)" if r.errors else "")
        rows.append(cells)
    return env.get_template("report.html.j2").render(
        h=h,
        generated=_date(h.generated),
        numbers=[
            (len(h.commits), "commits"),
            (len(h.files), "files changed"),
            (f"+{h.added}", "lines added"),
            (f"−{h.removed}", "lines removed"),
            (len(h.open_findings), "open findings"),
            (len(h.resolved_findings), "resolved findings"),
        ],
        severity_chart=bars(
            [(s, sev.get(s, 0), SEVERITY_COLOR[s]) for s in SEVERITIES],
            label="Open findings by severity",
        ),
        file_chart=bars(
            [(p, n, "var(--accent)") for p, n in by_file]
            or [("(no findings)", 0, "var(--accent)")],
            label="Findings by file",
        ),
        activity_chart=columns(activity, label="Commits over the range"),
        activity_unit="week" if weekly else "day",
        findings_by_severity=[
            (s, sorted(group, key=lambda f: (f.resolved, f.path)))
            for s in SEVERITIES
            if (group := [f for f in h.findings if f.severity == s])
        ],
        run_heads=heads,
        run_rows=rows,
    )

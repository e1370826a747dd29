"""The hand-off report as one self-contained HTML file: inline CSS and SVG, no scripts, no external
assets; light and dark themes; readable on screen and printed to PDF."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from html import escape
from typing import Any

from codepilot.output.handoff.charts import bars, columns
from codepilot.output.handoff.data import FindingRow, Handoff

SEVERITY_COLOR = {"error": "var(--error)", "warning": "var(--warning)", "info": "var(--info)"}

CSS = """
:root { --bg:#ffffff; --fg:#1d2330; --muted:#5b6475; --card:#f5f7fa; --line:#dde2ea;
  --accent:#2457c5;
  --error:#c9362b; --warning:#c98a06; --info:#2f7fb8; --ok:#2e8540; color-scheme: light dark; }
@media (prefers-color-scheme: dark) { :root { --bg:#14171c; --fg:#e4e8ef; --muted:#9aa3b2;
  --card:#1d2129;
  --line:#2f3541; --accent:#7fa6ff; --error:#ff6b5e; --warning:#f2b84b; --info:#6cb4ee;
  --ok:#5cc978; } }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg);
  font:15px/1.55 system-ui,-apple-system,"Segoe UI",
  Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 32px 24px 64px; }
h1 { font-size: 1.7em; margin: 0 0 4px; } h2 { font-size:1.25em; margin:32px 0 12px;
  padding-bottom:6px;
  border-bottom:1px solid var(--line); } h3 { font-size:1.05em; margin:20px 0 8px; }
.muted { color: var(--muted); } .summary { font-size:1.05em; background:var(--card);
  padding:16px 20px;
  border-radius:10px; border-left:4px solid var(--accent); }
.numbers { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:12px;
  margin:20px 0; }
.number { background:var(--card); border-radius:10px; padding:12px 16px; }
.number b { display:block; font-size:1.6em; } .number span { color:var(--muted); font-size:.9em; }
.charts { display:grid; grid-template-columns:1fr 1fr; gap:16px; }
@media (max-width: 720px) { .charts { grid-template-columns:1fr; } }
.chart-box { background:var(--card); border-radius:10px; padding:12px 16px; }
.chart { display:block; max-width:100%; } .chart-label, .chart-value { fill:var(--fg);
  font-size:13px; }
.chart-value { fill:var(--muted); } .chart-axis { stroke:var(--line); }
  .chart-column { fill:var(--accent); }
table { width:100%; border-collapse:collapse; font-size:.92em; } th, td { text-align:left;
  padding:6px 8px;
  border-bottom:1px solid var(--line); vertical-align:top; } th { color:var(--muted);
  font-weight:600; }
td.num { text-align:right; font-variant-numeric: tabular-nums; }
code, pre { font-family: ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.88em; }
pre { background:var(--card); padding:10px 12px; border-radius:8px; overflow-x:auto;
  white-space:pre-wrap; }
.finding { border:1px solid var(--line); border-radius:10px; padding:12px 16px; margin:12px 0;
  break-inside: avoid; }
.badge { display:inline-block; border-radius:999px; padding:1px 10px; font-size:.8em;
  font-weight:600;
  color:#fff; } .badge.error { background:var(--error); }
  .badge.warning { background:var(--warning); }
.badge.info { background:var(--info); } .badge.resolved { background:var(--ok); }
.badge.open { background:var(--muted); }
.warn { border-left:4px solid var(--warning); background:var(--card); padding:10px 14px;
  border-radius:8px; }
footer { margin-top:40px; color:var(--muted); font-size:.85em; }
@media print { :root { --bg:#fff; --fg:#000; --card:#f3f3f3; --muted:#444; --line:#ccc; }
  body { font-size:11pt; } main { max-width:none; padding:0; } h2 { break-after: avoid; }
  .chart-box, .number, table tr { break-inside: avoid; } a { color: inherit; } }
@page { margin: 16mm; }
"""


def _esc(value: Any) -> str:
    return escape(str(value))


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


def _finding(f: FindingRow) -> str:
    status = "resolved" if f.resolved else "open"
    where = f"{f.path}:{f.line}" + (f"-{f.end_line}" if f.end_line != f.line else "")
    parts = [
        f'<div class="finding"><span class="badge {_esc(f.severity)}">{_esc(f.severity)}</span> '
        f'<span class="badge {status}">{_esc(f.status_words())}</span> '
        f'<b>{_esc(f.title)}</b><div class="muted"><code>{_esc(where)}</code> · {_esc(f.category)}'
        + (f" · {_esc(f.symbol)}" if f.symbol else "")
        + "</div>"
    ]
    if f.body:
        parts.append(f"<p>{_esc(f.body)}</p>")
    if f.excerpt:
        parts.append(f"<pre>{_esc(f.excerpt)}</pre>")
    parts.append("</div>")
    return "".join(parts)


def render(h: Handoff) -> str:
    sev = Counter(f.severity for f in h.open_findings)
    by_file = Counter(f.path for f in h.findings).most_common(10)
    out = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light dark">',
        f"<title>{_esc(h.heading())} — {_esc(h.base_label)}..{_esc(h.head_label)}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>{_esc(h.heading())}</h1>",
        *([f'<p class="muted">{_esc(h.for_client())}</p>'] if h.client else []),
        f'<div class="muted">{_esc(h.base_label)}'
        f"{f' ({_esc(h.base_short())})' if h.base_short() else ''} → "
        f"{_esc(h.head_label)} "
        f"({_esc(h.head_sha[:10])}) · generated {_esc(_date(h.generated))}</div>",
    ]
    out += [f'<p class="muted">{_esc(n)}</p>' for n in h.notes]
    out.append("<h2>Summary</h2>")
    if h.summary:
        out.append(f'<div class="summary">{_esc(h.summary)}</div>')
    else:
        out.append(f'<div class="summary">{_esc(h.change_line())} {_esc(h.review_line())}</div>')
    if h.summary_note:
        out.append(f'<p class="muted">{_esc(h.summary_note)}</p>')
    if not h.reviewed:
        out.append(
            '<p class="warn">No codepilot review of this range is recorded: the findings below are '
            "empty because nothing was reviewed, not because nothing was found.</p>"
        )
    out.append('<div class="numbers">')
    for value, label in (
        (len(h.commits), "commits"),
        (len(h.files), "files changed"),
        (f"+{h.added}", "lines added"),
        (f"−{h.removed}", "lines removed"),
        (len(h.open_findings), "open findings"),
        (len(h.resolved_findings), "resolved findings"),
    ):
        out.append(f'<div class="number"><b>{_esc(value)}</b><span>{_esc(label)}</span></div>')
    out.append('</div><h2>Charts</h2><div class="charts">')
    sev_items = [(s, sev.get(s, 0), SEVERITY_COLOR[s]) for s in ("error", "warning", "info")]
    sev_chart = bars(sev_items, label="Open findings by severity")
    out.append(f'<div class="chart-box"><h3>Open findings by severity</h3>{sev_chart}</div>')
    file_items = [(p, n, "var(--accent)") for p, n in by_file] or [
        ("(no findings)", 0, "var(--accent)")
    ]
    out.append(
        '<div class="chart-box"><h3>Findings by '
        f"file</h3>{bars(file_items, label='Findings by file')}</div>"
    )
    activity = _activity(h)
    out.append(
        f'<div class="chart-box" style="grid-column:1/-1"><h3>Activity (commits per '
        f"{'week' if activity and len(activity) < len({c.date[:10] for c in h.commits}) else 'day'}"
        ")</h3>"
        f"{columns(activity, label='Commits over the range') or '<p class=muted>no commits</p>'}"
        "</div></div>"
    )
    out.append("<h2>Findings</h2>")
    if not h.findings:
        out.append(f"<p>{_esc(h.findings_empty_line())}</p>")
    for severity in ("error", "warning", "info"):
        group = [f for f in h.findings if f.severity == severity]
        if group:
            out.append(f"<h3>{severity.capitalize()} ({len(group)})</h3>")
            out += [_finding(f) for f in sorted(group, key=lambda f: (f.resolved, f.path))]
    out.append(
        "<h2>What "
        "changed</h2><h3>Commits</h3><table><tr><th>date</th><th>commit</th><th>author</th>"
        "<th>subject</th></tr>"
    )
    out += [
        f"<tr><td>{_esc(c.date[:10])}</td><td><code>{_esc(c.sha[:10])}</code></td>"
        f"<td>{_esc(c.author)}</td>"
        f"<td>{_esc(c.subject)}</td></tr>"
        for c in h.commits
    ]
    out.append(
        "</table><h3>Files</h3><table><tr><th>file</th><th>status</th><th class=num>+</th>"
        "<th class=num>−</th><th>review</th></tr>"
    )
    for f in h.files:
        out.append(
            f"<tr><td><code>{_esc(f.path)}</code></td><td>{_esc(f.status)}</td><td "
            f"class=num>{f.added}</td>"
            f"<td class=num>{f.removed}</td><td>{_esc(f.review_state())}</td></tr>"
        )
    out.append("</table><h2>Reviews" + ("" if h.hide_cost else " and cost") + "</h2>")
    if h.runs:
        heads = (
            ["when", "what"]
            + ([] if h.hide_model else ["model"])
            + ["requests", "tokens"]
            + ([] if h.hide_cost else ["cost"])
        )
        out.append("<table><tr>" + "".join(f"<th>{c}</th>" for c in heads) + "</tr>")
        for r in h.runs:
            cells = (
                [_esc(r.when()), _esc(r.source)]
                + ([] if h.hide_model else [_esc(r.model)])
                + [str(r.requests), str(r.prompt_tokens + r.completion_tokens)]
            )
            if not h.hide_cost:
                cells.append("unknown" if r.cost_usd is None else f"${r.cost_usd:.4f}")
            if r.errors:
                cells.append(f"{r.errors} request(s) failed")
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append(f"</table><p class=muted>{_esc(h.cost_line())}</p>")
    else:
        out.append("<p>No review of the content this range delivers is recorded.</p>")
    out.append(
        "<footer>Generated by codepilot on "
        f"{_esc(_date(h.generated))}.</footer></main></body></html>"
    )
    return "\n".join(out) + "\n"

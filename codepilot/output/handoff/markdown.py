"""The hand-off report in Markdown, for an email or a pull request. Text from the model or the
history is escaped (no raw HTML, no fence that swallows the page)."""

from __future__ import annotations

from codepilot.output.common import md_text
from codepilot.output.handoff.data import Handoff


def render(h: Handoff) -> str:
    out = [f"# {md_text(h.heading())}", ""]
    if h.client:
        out += [md_text(h.for_client()), ""]
    base = f"{h.base_label} (`{h.base_short()}`)" if h.base_short() else h.base_label
    out += [f"{base} → {h.head_label} (`{h.head_sha[:10]}`)", ""]
    out += [f"_{n}_" for n in h.notes] + ([""] if h.notes else [])
    out += ["## Summary", ""]
    out.append(md_text(h.summary) if h.summary else f"{h.change_line()} {h.review_line()}")
    if h.summary_note:
        out += ["", f"_{md_text(h.summary_note)}_"]
    out += [
        "",
        "| | |",
        "|---|---|",
        f"| commits | {len(h.commits)} |",
        f"| files changed | {len(h.files)} |",
        f"| lines | +{h.added} / -{h.removed} |",
        f"| open findings | {len(h.open_findings)} |",
        f"| resolved findings | {len(h.resolved_findings)} |",
        "",
        "## Findings",
        "",
    ]
    if not h.findings:
        out += [h.findings_empty_line(), ""]
    for severity in ("error", "warning", "info"):
        group = [f for f in h.findings if f.severity == severity]
        if not group:
            continue
        out += [f"### {severity.capitalize()} ({len(group)})", ""]
        for f in sorted(group, key=lambda f: (f.resolved, f.path)):
            out.append(
                f"- **{md_text(f.title)}** — `{f.path}:{f.line}` ({f.category}, {f.status_words()})"
            )
            if f.body:
                out.append(f"  {md_text(f.body.splitlines()[0])}")
        out.append("")
    out += ["## What changed", "", "| date | commit | subject |", "|---|---|---|"]
    out += [
        f"| {c.date[:10]} | `{c.sha[:10]}` | {md_text(c.subject).replace('|', '/')} |"
        for c in h.commits
    ]
    out += ["", "| file | + | - | review |", "|---|---:|---:|---|"]
    out += [
        f"| `{row.path}` | {row.added} | {row.removed} | {row.review_state()} |" for row in h.files
    ]
    out += ["", f"_{h.cost_line()}_", ""]
    return "\n".join(out)

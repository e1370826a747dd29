"""The hand-off report in Markdown, for an email or a pull request."""

from __future__ import annotations

from codepilot.handoff import Handoff


def render(h: Handoff) -> str:
    usd, prompt, completion, unpriced = h.cost()
    out = [f"# {h.project}: work report", "",
           f"{h.base_label} (`{h.base_sha[:10]}`) → {h.head_label} (`{h.head_sha[:10]}`)", ""]
    out += [f"_{n}_" for n in h.notes] + ([""] if h.notes else [])
    out += ["## Summary", ""]
    if h.summary:
        out.append(h.summary)
    else:
        review = (f"Automated review: {len(h.open_findings)} finding(s) still open, {len(h.resolved_findings)} "
                  "resolved." if h.reviewed else "This range has not been reviewed by codepilot.")
        out.append(f"{len(h.commits)} commit(s) changed {len(h.files)} file(s) (+{h.added} / -{h.removed} lines). "
                   + review)
    if h.summary_note:
        out += ["", f"_{h.summary_note}_"]
    out += ["", "| | |", "|---|---|", f"| commits | {len(h.commits)} |", f"| files changed | {len(h.files)} |",
            f"| lines | +{h.added} / -{h.removed} |", f"| open findings | {len(h.open_findings)} |",
            f"| resolved findings | {len(h.resolved_findings)} |", "", "## Findings", ""]
    if not h.findings:
        out += ["No findings were recorded for the reviews of this range." if h.reviewed else "Not reviewed.", ""]
    for severity in ("error", "warning", "info"):
        group = [f for f in h.findings if f["severity"] == severity]
        if not group:
            continue
        out += [f"### {severity.capitalize()} ({len(group)})", ""]
        for f in sorted(group, key=lambda f: (f["status"] == "resolved", f["path"])):
            status = "resolved since" if f["status"] == "resolved" else "still open"
            out.append(f"- **{f['title']}** — `{f['path']}:{f['line']}` ({f['category']}, {status})")
            if f.get("body"):
                out.append(f"  {f['body'].splitlines()[0]}")
        out.append("")
    out += ["## What changed", "", "| date | commit | subject |", "|---|---|---|"]
    out += [f"| {c.date[:10]} | `{c.sha[:10]}` | {c.subject.replace('|', '/')} |" for c in h.commits]
    out += ["", "| file | + | - | review |", "|---|---:|---:|---|"]
    for row in h.files:
        review = f"skipped: {row.skipped}" if row.skipped else ("reviewed" if row.reviewed else "not reviewed")
        out.append(f"| `{row.path}` | {row.added} | {row.removed} | {review} |")
    cost = f"${usd:.4f}" + (f" ({unpriced} run(s) without a price)" if unpriced else "")
    out += ["", f"_Reviews: {len(h.runs)} run(s), {prompt} prompt + {completion} completion tokens, {cost}._", ""]
    return "\n".join(out)

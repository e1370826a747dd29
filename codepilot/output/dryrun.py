"""What a dry run prints: the dry-run JSON of docs/reference.md, or a readable summary."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from codepilot.model.estimate import Estimate
from codepilot.prompt.prepared import Prepared

if TYPE_CHECKING:
    from codepilot.tools.checks import CheckRun


def to_json(p: Prepared, est: Estimate, checks: list[CheckRun] | None = None) -> str:
    doc = {
        "version": 1,
        "source": p.changeset.source.label,
        "files": [f.to_json() for f in p.changeset.files],
        "requests": [r.to_json() for r in p.requests],
        "skipped": [s.to_json() for s in p.changeset.skipped],
        "estimate": est.to_json(),
        "checks": [c.to_json() for c in checks or []],
        "stats": {
            "requests": len(p.requests),
            "prompt_tokens": sum(r.prompt_tokens for r in p.requests),
            "redacted": dict(p.redactions),
        },
    }
    return json.dumps(doc, ensure_ascii=False) + "\n"


def to_text(p: Prepared, est: Estimate, checks: list[CheckRun] | None = None) -> str:
    cs = p.changeset
    out = [f"codepilot dry run: {cs.source.label} — nothing is sent"]
    lines = sum(len(c.added_lines) + len(c.removed_lines) for f in cs.files for c in f.changes)
    out.append(
        f"{len(cs.files)} file(s), {lines} changed line(s), {len(p.requests)} request(s), "
        f"~{sum(r.prompt_tokens for r in p.requests)} prompt tokens (estimated)"
    )
    if not cs.files and not cs.skipped:
        from codepilot.output.common import nothing_hint

        out.append(nothing_hint(cs.source.kind, cs.source.label))
    for f in cs.files:
        extra = f" (from {f.diff.old_path})" if f.diff.status == "renamed" else ""
        # not [binary, text]
        kind = f.status if f.status == "binary" else f"{f.status}, {f.language.name}"
        out.append(f"\n{f.path}{extra}  [{kind}]")
        for c in f.changes:
            name = c.symbol or ("module level" if c.kind == "module" else "file level")
            side = " (old file)" if c.side == "old" else ""
            out.append(
                f"  {name:<40} {c.kind:<9} lines {c.start_line}-{c.end_line}{side}  "
                f"+{len(c.added_lines)} -{len(c.removed_lines)}"
            )
    if p.redactions.total():
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(p.redactions.items()))
        out.append(f"\nredacted before sending: {kinds}")
    if p.requests:
        out.append("\nrequests:")
        for r in p.requests:
            out.append(
                f"  {r.id}: ~{r.prompt_tokens} tokens, {len(r.units)} change(s) in "
                f"{', '.join(r.paths)}"
            )
            for item in r.context:
                symbol = f" ({item['symbol']})" if item.get("symbol") else ""
                out.append(
                    f"      + {item['kind']}: "
                    f"{item['path']}:{item['start_line']}-{item['end_line']}{symbol}"
                )
        if est.cost_usd is not None:
            money = f"~${est.cost_usd:.4f} with {est.model}"
        elif est.model:
            money = (
                f'cost unknown: no price for {est.model} (set [prices."<model>"] in the '
                "configuration)"
            )
        else:
            money = "cost unknown: no model configured"
        out.append(
            f"estimate: ~{est.prompt_tokens} prompt + ~{est.completion_tokens} completion "
            f"tokens, {money}"
        )
    if checks:
        out.append("\nchecks (the project's own, run beside the model):")
        out.extend(
            f"  {c.name}: {c.status}" + (f" ({c.reason})" if c.reason else "") for c in checks
        )
    if cs.skipped:
        out.append("\nskipped:")
        out.extend(f"  {s.path}: {s.reason}" for s in cs.skipped)
    return "\n".join(out) + "\n"

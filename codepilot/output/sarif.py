"""`--format sarif`: SARIF 2.1.0 (GitHub code scanning and other viewers): one rule per category,
results with level, message, relative location and region, a partial fingerprint from the finding's
stable id, and a SARIF fix wherever there is a patch. The model's findings are codepilot's run; each
project check that ran (ruff, mypy, ...) is a run of its own with the tool as the driver and its
rule ids (issue 24); a check that did not run is said in codepilot's run, never left out
silently."""

from __future__ import annotations

import json
from typing import Any

from codepilot import __version__
from codepilot.check.findings import Finding
from codepilot.model.answers import CATEGORIES
from codepilot.output.results import ReviewResult

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
RULE_TEXT = {
    "bug": "Likely bug",
    "security": "Security problem",
    "performance": "Performance problem",
    "maintainability": "Maintainability risk",
    "style": "Style",
    "test": "Test problem",
}


def _region(f: Finding) -> dict[str, int]:
    return {"startLine": f.line, "endLine": f.end_line}


def _location(f: Finding) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
            "region": _region(f),
        }
    }


def _fix(f: Finding) -> list[dict[str, Any]]:
    if not f.patch or f.suggestion is None:
        return []
    text = "\n".join(f.suggestion) + ("\n" if f.suggestion else "")
    return [
        {
            "description": {"text": f"Apply {f.patch}"},
            "artifactChanges": [
                {
                    "artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"},
                    "replacements": [
                        {"deletedRegion": _deleted(f), "insertedContent": {"text": text}}
                    ],
                }
            ],
        }
    ]


def _deleted(f: Finding) -> dict[str, int]:
    # whole lines: from the start of line to the start of the line after end_line
    return {"startLine": f.line, "startColumn": 1, "endLine": f.end_line + 1, "endColumn": 1}


def _result(f: Finding, rules: list[str] | None = None) -> dict[str, Any]:
    """A finding as a result: of codepilot's run (rules: the categories), or of a tool's (its rule
    ids)."""
    rule = f.category if rules is None else (f.rule or f.source)
    known = CATEGORIES if rules is None else rules
    out: dict[str, Any] = {
        "ruleId": rule,
        "ruleIndex": known.index(rule) if rule in known else 0,
        "level": LEVELS.get(f.severity, "note"),
        "message": {"text": f.title + (f"\n\n{f.body}" if f.body else "")},
        "locations": [_location(f)],
        "partialFingerprints": {"codepilotFindingId/v1": f.id},
        "properties": {
            "severity": f.severity,
            "placement": f.placement,
            "symbol": f.symbol,
            "patch": f.patch,
            "applied": f.applied,
            "foundIn": f.found_in,  # an earlier review's head, for a finding still open from it
        },
    }
    fixes = _fix(f)
    if fixes:
        out["fixes"] = fixes
    return out


TOOL_URI = {"ruff": "https://docs.astral.sh/ruff/", "mypy": "https://mypy-lang.org/"}


def to_sarif(report: ReviewResult) -> dict[str, Any]:
    rules = [
        {
            "id": c,
            "name": c,
            "shortDescription": {"text": RULE_TEXT[c]},
            "defaultConfiguration": {"level": "warning"},
        }
        for c in CATEGORIES
    ]
    invocation: dict[str, Any] = {"executionSuccessful": report.complete}
    notes = [
        {"level": "error", "message": {"text": f"{e.request} ({', '.join(e.paths)}): {e.error}"}}
        for e in report.errors
    ]
    notes += [
        {
            "level": "note",
            "message": {
                "text": f"check {c.name} {c.status}" + (f": {c.reason}" if c.reason else "")
            },
        }
        for c in report.checks
        if c.status != "ran"
    ]
    if notes:
        invocation["toolExecutionNotifications"] = notes
    base = {"%SRCROOT%": {"uri": report.repo_root.as_uri() + "/"}}
    ran = [c for c in report.checks if c.status == "ran"]
    model = [f for f in report.findings if f.source not in {c.name for c in ran}]
    runs = [
        {
            "tool": {
                "driver": {
                    "name": "codepilot",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": "https://github.com/codepilot/codepilot",
                    "rules": rules,
                }
            },
            "originalUriBaseIds": base,
            "invocations": [invocation],
            "results": [_result(f) for f in model],
        }
    ]
    for check in ran:
        mine = [f for f in report.findings if f.source == check.name]
        ids = list(dict.fromkeys(f.rule or f.source for f in mine))
        driver: dict[str, Any] = {"name": check.name, "rules": [{"id": i, "name": i} for i in ids]}
        if check.name in TOOL_URI:
            driver["informationUri"] = TOOL_URI[check.name]
        runs.append(
            {
                "tool": {"driver": driver},
                "originalUriBaseIds": base,
                "invocations": [{"executionSuccessful": True}],
                "results": [_result(f, ids) for f in mine],
            }
        )
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": runs}


def render(report: ReviewResult) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"

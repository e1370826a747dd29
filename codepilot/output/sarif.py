"""`--format sarif`: SARIF 2.1.0 (GitHub code scanning and other viewers): one rule per category,
results with level, message, relative location and region, a partial fingerprint from the finding's
stable id, and a SARIF fix wherever there is a patch."""

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
    return {"physicalLocation": {"artifactLocation": {"uri": f.path, "uriBaseId": "%SRCROOT%"}, "region": _region(f)}}


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
                    "replacements": [{"deletedRegion": _deleted(f), "insertedContent": {"text": text}}],
                }
            ],
        }
    ]


def _deleted(f: Finding) -> dict[str, int]:
    # whole lines: from the start of line to the start of the line after end_line
    return {"startLine": f.line, "startColumn": 1, "endLine": f.end_line + 1, "endColumn": 1}


def _result(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.category,
        "ruleIndex": CATEGORIES.index(f.category) if f.category in CATEGORIES else 0,
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


def to_sarif(report: ReviewResult) -> dict[str, Any]:
    rules = [
        {"id": c, "name": c, "shortDescription": {"text": RULE_TEXT[c]}, "defaultConfiguration": {"level": "warning"}}
        for c in CATEGORIES
    ]
    invocation: dict[str, Any] = {"executionSuccessful": report.complete}
    if report.errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": f"{e.request} ({', '.join(e.paths)}): {e.error}"}}
            for e in report.errors
        ]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
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
                "originalUriBaseIds": {"%SRCROOT%": {"uri": report.repo_root.as_uri() + "/"}},
                "invocations": [invocation],
                "results": [_result(f) for f in report.findings],
            }
        ],
    }


def render(report: ReviewResult) -> str:
    return json.dumps(to_sarif(report), indent=2, ensure_ascii=False) + "\n"

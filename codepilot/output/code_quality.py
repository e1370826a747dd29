"""`--format gitlab`: a GitLab Code Quality report (JSON) for the merge request widget: one issue
per finding with a fingerprint that stays the same across runs (the finding's id)."""

from __future__ import annotations

import json

from codepilot.output.results import ReviewResult

SEVERITY = {"error": "critical", "warning": "major", "info": "minor"}


def render(report: ReviewResult) -> str:
    issues = [
        {
            "type": "issue",
            "check_name": f"codepilot/{f.category}",
            "description": f.title,
            "content": {"body": f.body},
            "categories": [
                "Security"
                if f.category == "security"
                else "Bug Risk"
                if f.category == "bug"
                else "Performance"
                if f.category == "performance"
                else "Style"
                if f.category == "style"
                else "Complexity"
            ],
            "fingerprint": f.id,
            "severity": SEVERITY.get(f.severity, "info"),
            "location": {"path": f.path, "lines": {"begin": f.line, "end": f.end_line}},
        }
        for f in report.findings
    ]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"

"""`--format json`: the review JSON of docs/reference.md."""

from __future__ import annotations

import json

from codepilot.output.results import ReviewResult


def render(report: ReviewResult) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"

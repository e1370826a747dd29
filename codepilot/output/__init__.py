"""The output stage: results as plain data (`results`), one module per `--format` (`render_review`
picks one), the dry run's report, the local history, and the hand-off report's renderers."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from codepilot.output.results import ReviewResult

MODULES = {
    "json": "json_report",
    "markdown": "markdown",
    "text": "text",
    "sarif": "sarif",
    "github": "github_annotations",
    "gitlab": "code_quality",
}


def render_review(report: ReviewResult, fmt: str, color: bool = False, width: int = 100) -> str:
    """The review report in `fmt` (text, json, markdown, sarif, github); each format imported on
    use."""
    module = import_module(f"codepilot.output.{MODULES[fmt]}")
    if fmt == "text":
        return str(module.render(report, color=color, width=width))
    return str(module.render(report))

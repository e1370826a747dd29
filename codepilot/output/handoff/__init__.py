"""Renderers of the hand-off report (`codepilot report`): html, markdown, json. Each reads the
`Handoff` data only; the wording they share lives in methods of that data."""

from __future__ import annotations

from importlib import import_module

from codepilot.output.handoff.data import Handoff

FORMATS = ("html", "markdown", "json")


def render(h: Handoff, fmt: str) -> str:
    return str(import_module(f"codepilot.output.handoff.{fmt}").render(h))

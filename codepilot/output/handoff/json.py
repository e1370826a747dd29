"""The hand-off report as JSON (`report --format json`, docs/reference.md)."""

from __future__ import annotations

import json

from codepilot.output.handoff.data import Handoff


def render(h: Handoff) -> str:
    return json.dumps(h.to_json(), indent=2, ensure_ascii=False) + "\n"

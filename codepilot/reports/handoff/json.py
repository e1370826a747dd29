"""The hand-off report as the contract's JSON (`report --format json`)."""

from __future__ import annotations

import json

from codepilot.handoff import Handoff


def render(h: Handoff) -> str:
    return json.dumps(h.to_json(), indent=2, ensure_ascii=False) + "\n"

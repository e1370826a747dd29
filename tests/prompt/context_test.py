"""The request plan's packing (prompt/context.py): requests filled under the budget, a file's
units kept together with their header."""

from __future__ import annotations

from codepilot.prompt.context import pack
from codepilot.prompt.views import Unit


def test_packing_fills_requests_and_keeps_a_files_units_together() -> None:
    groups = []
    for name in ("a.py", "b.py", "c.py"):
        header = Unit(name, None, f"## {name}", 5, header=True)
        groups.append([header, *[Unit(name, f"f{i}", "x", 100) for i in range(3)]])
    batches = pack(groups, room=700)
    assert [len(b) for b in batches] == [8, 4]  # two files whole, then the third (with its header)
    assert all(b[0].header for b in batches)
    tight = pack(groups[:1], room=150)
    assert all(sum(u.tokens + 2 for u in b) <= 150 or len(b) == 2 for b in tight)

"""The hand-off report's HTML (issue 25, item 6): every value escaped by the template engine, the
charts drawn from their numbers, a failed request said in its own column."""

from __future__ import annotations

import re

from codepilot.output.handoff import charts, html
from codepilot.output.handoff.data import Commit, FileRow, FindingRow, Handoff, RunRow

HOSTILE = '<script>alert("x")</script>'


def _handoff(**extra: object) -> Handoff:
    commits = [
        Commit("c" * 40, f"Ann {HOSTILE}", f"2026-11-0{d}T10:00:00+00:00", f"Fix {HOSTILE}")
        for d in range(1, 4)
    ]
    files = [FileRow(f"src/{HOSTILE}.py", "modified", 10, 2, True)]
    findings = [
        FindingRow(
            "1", "src/a.py", 3, 5, "error", "bug", HOSTILE, HOSTILE, HOSTILE, HOSTILE, "new"
        ),
        FindingRow("2", "src/b.py", 7, 7, "warning", "style", "Name", "", None, "", "resolved"),
    ]
    runs = [RunRow(1765000000.0, HOSTILE, HOSTILE, 3, 1000, 200, 0.0123, 1, ["src/a.py"])]
    return Handoff(
        f"acme {HOSTILE}",
        HOSTILE,
        "HEAD",
        "a" * 40,
        "b" * 40,
        1765000000.0,
        commits,
        files,
        findings,
        runs,
        notes=[HOSTILE],
        client=HOSTILE,
        **extra,  # type: ignore[arg-type]
    )


def test_every_value_is_escaped() -> None:
    page = html.render(_handoff(summary=HOSTILE, summary_note=HOSTILE))
    assert "<script" not in page
    assert page.count("&lt;script&gt;") >= 15
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_charts_and_tables() -> None:
    page = html.render(_handoff())
    assert page.count("<svg") == 3
    assert "Activity (commits per day)" in page
    assert "<th>failed</th>" in page and "<td>1 request(s)</td>" in page
    assert "src/a.py:3-5" in page and "src/b.py:7<" in page
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>\n")


def test_hidden_cost_and_model() -> None:
    page = html.render(_handoff(hide_cost=True, hide_model=True))
    assert "$0.0123" not in page and "<th>cost</th>" not in page and "<th>model</th>" not in page
    assert "<h2>Reviews</h2>" in page


def test_chart_geometry() -> None:
    bars = charts.bars([("a", 2, "red"), ("b" * 30, 1, "blue")], label="x")
    assert bars is not None
    assert [b.width for b in bars.bars] == [220, 110]
    assert bars.bars[1].short == "…" + "b" * 21
    assert charts.bars([]) is None and charts.columns([]) is None
    cols = charts.columns([("d1", 0), ("d2", 4)], width=100, height=50)
    assert cols is not None and cols.top == 4
    assert cols.columns[1].height == 40 and cols.columns[0].height == 0

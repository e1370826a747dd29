"""Findings as the check stage keeps them (check/findings.py): one of each meaning, the highest
severity."""

from __future__ import annotations

from codepilot.check.findings import merge_duplicates
from tests.support.findings import make_finding


def test_merge_keeps_one_of_each_meaning_and_the_highest_severity() -> None:
    found = [
        make_finding("1", 5, "Division by zero on empty list"),
        make_finding("2", 5, "Division by zero on an empty list", "error"),
        make_finding("3", 5, "Unrelated naming problem"),
        make_finding("1", 9, "Same id elsewhere"),
    ]
    kept = merge_duplicates(found)
    assert (
        [f.id for f in kept] == ["1", "3"] and kept[0].severity == "error" and kept[0].merged == 2
    )

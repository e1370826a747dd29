"""The local history (output/history.py): a finding is new, still present, or resolved by a later
run over the same files."""

from __future__ import annotations

from pathlib import Path

from codepilot.output import history
from tests.support.findings import make_finding


def test_history_statuses(tmp_path: Path) -> None:
    def run(ids: list[str]) -> dict[str, str]:
        rec = history.RunRecord(
            "repo", "src", "range", "a", "b", "m", 1, 0, 10, 2, 0.0, 0, ["a.py"], {"a.py": "x"}
        )
        with history.opened(tmp_path / "h.sqlite3") as db:
            return history.record(db, rec, [make_finding(i, 1, f"t{i}") for i in ids], {})

    assert run(["1", "2"]) == {"1": "new", "2": "new"}
    assert run(["2"]) == {"2": "still present"}
    with history.opened(tmp_path / "h.sqlite3") as db:
        status = {r["id"]: r["status"] for r in db.execute("SELECT id, status FROM findings")}
    assert status == {"1": "resolved", "2": "still present"}

"""Dismissals (source/dismissals.py): a dismissed finding matches by id, or by its place and
meaning when the code moved; `codepilot: ignore` keeps findings off a line; the file round-trips
and refuses a symlink."""

from __future__ import annotations

from pathlib import Path

import pytest

from codepilot.runtime.errors import UsageError
from codepilot.source import dismissals
from codepilot.source.dismissals import Dismissal

D = Dismissal("abc123", "a.py", "bug", "Division by zero on an empty list", "callers check")


@pytest.mark.parametrize(
    ("fid", "path", "category", "title", "hit"),
    [
        ("abc123", "other.py", "style", "anything", True),  # the same id
        ("zzz", "a.py", "bug", "Division by zero on empty list", True),  # moved, same meaning
        ("zzz", "a.py", "bug", "Unrelated naming problem", False),
        ("zzz", "b.py", "bug", "Division by zero on an empty list", False),  # another file
        ("zzz", "a.py", "security", "Division by zero on an empty list", False),
    ],
)
def test_matches(fid: str, path: str, category: str, title: str, hit: bool) -> None:
    assert dismissals.matches(D, fid, path, category, title) is hit


def test_ignore_comment_on_the_line_or_above() -> None:
    lines = ["x = 1", "# codepilot: ignore", "y = 1 / n", "z = 2  # codepilot: ignore", "w = 3"]
    assert [n for n in range(1, 6) if dismissals.ignored(lines, n)] == [2, 3, 4, 5]
    assert not dismissals.ignored(lines, 1) and not dismissals.ignored(lines, 99)


def test_round_trip_undo_by_prefix_and_guidance(tmp_path: Path) -> None:
    assert dismissals.dismiss(tmp_path, Dismissal(**vars(D)))
    assert not dismissals.dismiss(tmp_path, Dismissal("abc123"))  # there already
    (loaded,) = dismissals.load(tmp_path)
    assert (loaded.id, loaded.reason) == ("abc123", "callers check") and loaded.when > 0
    assert "not wanted: Division by zero on an empty list (reason: callers check)" in (
        dismissals.guidance([loaded])
    )
    assert dismissals.undo(tmp_path, "abc") and dismissals.load(tmp_path) == []
    assert not dismissals.undo(tmp_path, "abc")


def test_a_symlinked_file_is_neither_read_nor_written(tmp_path: Path) -> None:
    secret = tmp_path / "elsewhere.json"
    secret.write_text('{"dismissed": [{"id": "x"}]}')
    path = dismissals.path_of(tmp_path / "repo")
    path.parent.mkdir(parents=True)
    path.symlink_to(secret)
    assert dismissals.load(tmp_path / "repo") == []
    with pytest.raises(UsageError):
        dismissals.save(tmp_path / "repo", [D])


def test_a_damaged_file_is_one_clear_error(tmp_path: Path) -> None:
    path = dismissals.path_of(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    with pytest.raises(UsageError, match="fix or remove the file"):
        dismissals.load(tmp_path)

"""A change as the model sees it (prompt/views.py), from hunks made by hand: added lines marked and
numbered, removed lines in place, code moved here or away said in one line, a long view cut to
windows, a hunk clipped to a change's own lines."""

from __future__ import annotations

import difflib

from codepilot.prompt.views import MAX_LINE, clip, compact, diff_text
from codepilot.source.diff import Hunk, Line
from codepilot.source.moves import Block


def hunk(old: list[str], new: list[str]) -> Hunk:
    """One hunk over the whole of both texts, as git would give it with unlimited context."""
    lines: list[Line] = []
    ops = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            lines += [Line(" ", i1 + k + 1, j1 + k + 1, old[i1 + k]) for k in range(i2 - i1)]
            continue
        lines += [Line("-", i1 + k + 1, None, old[i1 + k]) for k in range(i2 - i1)]
        lines += [Line("+", None, j1 + k + 1, new[j1 + k]) for k in range(j2 - j1)]
    return Hunk(1, len(old), 1, len(new), lines)


def added(h: Hunk) -> set[int]:
    return {ln.new for ln in h.lines if ln.kind == "+" and ln.new is not None}


def test_added_lines_are_marked_and_removed_lines_shown_where_they_were() -> None:
    old = ["def f(x):", "    y = x", "    return y"]
    new = ["def f(x):", "    y = x * 2", "    z = y", "    return z"]
    h = hunk(old, new)
    assert compact(new, (1, 4), [h], added(h)).split("\n") == [
        "    1 | def f(x):",
        "     -|     y = x",
        "     -|     return y",
        "    2+|     y = x * 2",
        "    3+|     z = y",
        "    4+|     return z",
    ]


def test_a_removed_stretch_stands_before_the_line_that_follows_it() -> None:
    old, new = ["a", "b", "c", "d"], ["a", "d"]
    view = compact(new, (1, 2), [hunk(old, new)], set())
    assert view.split("\n") == ["    1 | a", "     -| b", "     -| c", "    2 | d"]


def test_removed_lines_past_the_end_are_shown_after_the_last_line() -> None:
    old, new = ["a", "b", "c"], ["a"]
    view = compact(new, (1, 1), [hunk(old, new)], set())
    assert view.split("\n") == ["    1 | a", "     -| b", "     -| c"]


def test_code_moved_here_is_one_line_naming_where_it_came_from() -> None:
    old, new = ["a", "z"], ["a", "m1", "m2", "m3", "z"]
    h = hunk(old, new)
    block = Block("old.py", 10, "new.py", 2, 3)
    view = compact(new, (1, 5), [h], added(h), ({2: block, 3: block, 4: block}, {}))
    assert view.split("\n") == [
        "    1 | a",
        "     =| lines 2-4: moved here unchanged from old.py:10",
        "    5 | z",
    ]
    copied = Block("old.py", 10, "new.py", 2, 3, copied=True)
    view = compact(new, (1, 5), [h], added(h), ({2: copied, 3: copied, 4: copied}, {}))
    assert "lines 2-4: copied here unchanged from old.py:10" in view


def test_code_moved_away_is_one_line_naming_where_it_went() -> None:
    old, new = ["a", "x1", "x2", "x3", "z"], ["a", "z"]
    block = Block("old.py", 2, "other.py", 7, 3)
    view = compact(new, (1, 2), [hunk(old, new)], set(), ({}, {2: block, 3: block, 4: block}))
    assert view.split("\n") == [
        "    1 | a",
        "     -| (3 lines moved to other.py, line 7)",
        "    2 | z",
    ]


def test_a_long_view_keeps_its_head_and_windows_around_the_change() -> None:
    old = [f"l{i}" for i in range(60)]
    new = [*old[:30], "changed", *old[31:]]
    view = compact(new, (1, 60), [hunk(old, new)], {31}).split("\n")
    assert view[:3] == ["    1 | l0", "    2 | l1", "     …| (23 unchanged lines not shown)"]
    assert "     -| l30" in view and "   31+| changed" in view
    assert view[-1] == "     …| (24 unchanged lines not shown)"
    assert len(view) < 20


def test_a_very_long_line_is_cut_and_says_so() -> None:
    new = ["x = '" + "a" * (MAX_LINE + 50) + "'"]
    view = compact(new, (1, 1), [hunk([], new)], {1})
    assert view.endswith(f"…[{len(new[0]) - MAX_LINE} more characters]")
    assert len(view) < MAX_LINE + 100


def test_clip_keeps_only_the_lines_near_a_changes_own_lines() -> None:
    old = [f"l{i}" for i in range(40)]
    new = [*old[:5], "first", *old[6:30], "second", *old[31:]]
    h = hunk(old, new)
    parts = clip(h, {31}, set(), context=2)
    assert len(parts) == 1
    (part,) = parts
    # two lines of the hunk either side of the change's own line, numbered as in the files
    assert (part.old_start, part.old_len, part.new_start, part.new_len) == (30, 4, 30, 4)
    assert diff_text(parts).split("\n") == [
        "@@ -30,4 +30,4 @@",
        " l29",
        "-l30",
        "+second",
        " l31",
        " l32",
    ]
    assert len(clip(h, {6, 31}, set(), context=2)) == 2

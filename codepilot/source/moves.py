"""Code moved within or between files (flask 3.0 moved most of `app.py` into `sansio/`): runs of
added lines equal (ignoring indentation) to runs of removed lines, found over the whole change set
like `git diff --color-moved`. The request then shows a moved block once, as "moved from
path:lines", with only the edits inside it, and its old place as one line."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from codepilot.source.changes import ChangeSet

MIN_LINES = 3  # a shorter run is too likely to repeat by chance (`else:`, `return None`)
MIN_CHARS = 40  # letters and digits in a run, as git's --color-moved asks 20
MAX_CANDIDATES = 16  # places one removed line may have come from; more is boilerplate


@dataclass(frozen=True)
class Block:
    """`count` lines moved: from `old_path` lines `old_start`.. to `new_path` lines `new_start`.."""

    old_path: str
    old_start: int
    new_path: str
    new_start: int
    count: int
    copied: bool = False  # the old lines are still there: copied, not moved


@dataclass
class Moves:
    # new path -> new line -> block
    added: dict[str, dict[int, Block]] = field(default_factory=dict)
    # old path -> old line -> block
    removed: dict[str, dict[int, Block]] = field(default_factory=dict)

    def added_in(self, path: str) -> dict[int, Block]:
        return self.added.get(path, {})

    def removed_in(self, path: str) -> dict[int, Block]:
        return self.removed.get(path, {})


_norm = str.strip  # lines compare without their indentation


_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum() accepts: \w without the underscore


@functools.lru_cache(maxsize=65536)
def _alnum(text: str) -> int:
    return len(_ALNUM.findall(text))


def find(changeset: ChangeSet) -> Moves:
    """Every moved run of at least MIN_LINES lines (blank lines inside a run ride along)."""
    wanted = {  # the text of every added line: only old lines equal to one of them can match
        _norm(line)
        for f in changeset.files
        if f.new_text is not None and not f.diff.binary
        for c in f.changes
        for n in c.added_lines
        if n <= len(f.new_lines)
        for line in (f.new_lines[n - 1],)
    }
    old: dict[str, list[str]] = {}  # the changed files' old versions, normalised
    gone: set[tuple[str, int]] = set()  # the lines the change removes
    # where each added line's text stands in the old versions
    where: dict[str, list[tuple[str, int]]] = {}
    for f in changeset.files:
        if f.old_text is None or f.diff.binary or not f.changes:
            continue
        old_path = f.diff.old_path or f.path
        gone.update((old_path, n) for c in f.changes for n in c.removed_lines)
        old[old_path] = lines = list(map(_norm, f.old_lines))
        for n in (n for n, text in enumerate(lines, 1) if text and text in wanted):
            where.setdefault(lines[n - 1], []).append((old_path, n))
    moves = Moves()
    if not where:
        return moves
    taken: set[tuple[str, int]] = set()
    for f in changeset.files:
        if f.new_text is None or f.diff.binary:
            continue
        added = sorted(n for c in f.changes for n in c.added_lines if n <= len(f.new_lines))
        texts = {n: _norm(f.new_lines[n - 1]) for n in added}
        i = 0
        while i < len(added):
            n = added[i]
            text = texts[n]
            candidates = where.get(text, []) if text and _alnum(text) >= 3 else []
            best = _longest(texts, n, candidates, old, gone, taken) if candidates else None
            if best is None:
                i += 1
                continue
            path, start, count = best
            block = Block(path, start, f.path, n, count, copied=(path, start) not in gone)
            for k in range(count):
                moves.added.setdefault(f.path, {})[n + k] = block
                if not block.copied:
                    moves.removed.setdefault(path, {})[start + k] = block
                    taken.add((path, start + k))
            i += count
    return moves


def _longest(
    texts: dict[int, str],
    n: int,
    candidates: list[tuple[str, int]],
    old: dict[str, list[str]],
    gone: set[tuple[str, int]],
    taken: set[tuple[str, int]],
) -> tuple[str, int, int] | None:
    """The longest run starting at new line `n` equal to a run of old lines, if long enough: all
    removed (moved) or all kept (copied); a move wins over a copy of the same length."""
    best: tuple[str, int, int] | None = None
    best_key = (0, False)
    after = texts.get(n + 1)
    for path, o in candidates[:MAX_CANDIDATES]:
        lines = old[path]
        if o >= len(lines) or lines[o] != after or (path, o) in taken:
            continue  # not even two lines alike (most candidates): no run
        removed = (path, o) in gone
        k = 0
        while n + k in texts and o + k <= len(lines):
            here = (path, o + k)
            if lines[o + k - 1] != texts[n + k] or here in taken or (here in gone) != removed:
                break
            k += 1
        if k < MIN_LINES or (k, removed) <= best_key:
            continue
        run = lines[o - 1 : o - 1 + k]
        if sum(map(bool, run)) >= MIN_LINES and sum(map(_alnum, run)) >= MIN_CHARS:
            best, best_key = (path, o, k), (k, removed)
    return best

"""A change as the model sees it: one compact view — its definition's new text with new-file line
numbers, added lines marked and removed lines shown in place (the diff only where a removed line has
no place in that text) — cut into units that fit a budget, a definition too large for one request
split by hunks (and saying so). Pure functions of the change: `context` packs the units into
requests."""

from __future__ import annotations

from dataclasses import dataclass

from codepilot.prompt import tokens
from codepilot.source.changes import CONTAINER_KINDS, Change, ReviewFile
from codepilot.source.diff import Hunk
from codepilot.source.moves import Block

FENCE = "````"
MAX_LINE = 2000  # characters of one line shown to the model; longer lines are cut and say so


def _shown(text: str) -> str:
    text = text.rstrip("\r")
    return (
        text
        if len(text) <= MAX_LINE
        else text[:MAX_LINE] + f" …[{len(text) - MAX_LINE} more characters]"
    )


@dataclass
class Unit:
    """One change (or one part of a split change) as text for the model."""

    path: str
    symbol: str | None
    text: str
    tokens: int
    part: str | None = None
    header: bool = False  # a file header, shared by the file's units
    change: int = -1  # index of its change in the file's changes
    span: tuple[int, int] | None = None  # the new-file lines it shows


def numbered(lines: list[str], start: int, end: int, marked: set[int]) -> str:
    """Lines start..end (1-based, inclusive) with their numbers; added lines marked `+`."""
    end = min(end, len(lines))
    return "\n".join(
        f"{n:>5}{'+' if n in marked else ' '}| {_shown(lines[n - 1])}"
        for n in range(max(start, 1), end + 1)
    )


def diff_text(hunks: list[Hunk]) -> str:
    out = []
    for h in hunks:
        out.append(h.header())
        out.extend(ln.kind + _shown(ln.text) for ln in h.lines)
    return "\n".join(out)


def file_header(f: ReviewFile) -> str:
    status = f.status + (f", was {f.diff.old_path}" if f.diff.status == "renamed" else "")
    return f"## {f.path} ({f.language.name}, {status})"


def _title(c: Change, part: str | None = None) -> str:
    where = f"lines {c.start_line}-{c.end_line}" + (" of the old file" if c.side == "old" else "")
    name = f"{c.symbol} ({c.kind}, {where})" if c.symbol else f"module level ({where})"
    if part:
        name += f" - part {part}, split by hunks: the definition is too large for one request"
    return "### " + name


LONG_VIEW = 30  # rows; a longer view keeps its first lines and windows around the changes
WINDOW = 5  # unchanged rows kept on each side of a change in a long view
HEAD_ROWS = 2  # a long definition's first rows: its signature
SHORT_DELETION = 8  # a deleted definition up to this many lines is shown whole


def _removed_before(hunks: list[Hunk], lo: int, hi: int) -> dict[int, list[tuple[int | None, str]]]:
    """New-file line -> the removed lines (old number, text) shown before it, within lines `lo` to
    `hi` + 1 (removed lines just outside are shown at the edge)."""
    before: dict[int, list[tuple[int | None, str]]] = {}
    for h in hunks:
        pending: list[tuple[int | None, str]] = []
        for ln in h.lines:
            if ln.kind == "-":
                pending.append((ln.old, ln.text))
            elif pending and ln.new is not None:
                before.setdefault(ln.new, []).extend(pending)
                pending = []
        if pending:
            after = h.new_start + h.new_len  # the new line the removed tail stands before
            before.setdefault(after, []).extend(pending)
    for n in [n for n in before if n < lo or n > hi + 1]:
        before.setdefault(min(max(n, lo), hi + 1), []).extend(before.pop(n))
    return before


def compact(
    lines: list[str],
    span: tuple[int, int],
    hunks: list[Hunk],
    added: set[int],
    moved: Moved | None = None,
    removed: set[int | None] | None = None,
) -> str:
    """One view of the change: the new text with line numbers, added lines marked `+`, removed lines
    shown in place (marked `-`, no number) — instead of the code and a second copy of it as a diff.
    Code moved here (or away) unchanged is one line saying from (or to) where; a long view keeps
    windows around this change's own lines (`added`, `removed`: by default every line in the
    hunks)."""
    lo, hi = max(span[0], 1), min(span[1], len(lines))
    before = _removed_before(hunks, lo, hi)
    here, away = moved if moved is not None else ({}, {})
    if removed is None:
        removed = {old for rows in before.values() for old, _ in rows}
    rows: list[tuple[bool, str]] = []  # (part of the change, text)
    for n in range(lo, hi + 2):
        gone = before.get(n, [])
        j = 0
        while j < len(gone):
            block = away.get(gone[j][0] or 0)
            k = j
            while k < len(gone) and block is not None and away.get(gone[k][0] or 0) is block:
                k += 1
            if k - j >= 2 and block is not None:
                moved_to = f"{block.new_path}, line {block.new_start}"
                rows.append((gone[j][0] in removed, f"     -| ({k - j} lines moved to {moved_to})"))
                j = k
            else:
                rows.append(
                    (
                        gone[j][0] in removed and bool(gone[j][1].strip()),
                        f"     -| {_shown(gone[j][1])}",
                    )
                )
                j += 1
        if n > hi:
            break
        block = here.get(n) if n in added else None
        if block is not None:
            if n > lo and here.get(n - 1) is block and n - 1 in added:
                continue  # inside a run already said
            last = n
            while last < hi and here.get(last + 1) is block and last + 1 in added:
                last += 1
            if last > n:
                how = "copied" if block.copied else "moved"
                rows.append(
                    (
                        True,
                        f"     =| lines {n}-{last}: {how} here unchanged from {_place(block, n)}",
                    )
                )
                continue
        rows.append(
            (
                n in added and bool(lines[n - 1].strip()),
                f"{n:>5}{'+' if n in added else ' '}| {_shown(lines[n - 1])}",
            )
        )
    return "\n".join(_windows(rows))


# this file's moved-in new lines, moved-out old lines
Moved = tuple[dict[int, Block], dict[int, Block]]


def _place(block: Block, n: int) -> str:
    start = block.old_start + (n - block.new_start)
    return f"{block.old_path}:{start}"


def _windows(rows: list[tuple[bool, str]]) -> list[str]:
    """All rows of a short view; of a long one, its first rows and WINDOW rows around each
    change."""
    if len(rows) <= LONG_VIEW:
        return [text for _, text in rows]
    keep = set(range(min(HEAD_ROWS, len(rows))))
    for i, (changed, _) in enumerate(rows):
        if changed:
            keep.update(range(max(0, i - WINDOW), min(len(rows), i + WINDOW + 1)))
    out: list[str] = []
    i = 0
    while i < len(rows):
        if i in keep:
            out.append(rows[i][1])
            i += 1
            continue
        j = i
        while j < len(rows) and j not in keep:
            j += 1
        if j - i < 3:
            out.extend(text for _, text in rows[i:j])
        else:
            out.append(f"     …| ({j - i} unchanged lines not shown)")
        i = j
    return out


def deleted_view(f: ReviewFile, c: Change, moved: Moved | None) -> str | None:
    """A deleted definition: one line when it moved elsewhere; its first lines and "deleted, N
    lines" when it is long; None to show it whole."""
    gone = [n for n in c.removed_lines if n <= len(f.old_lines)]
    if c.side != "old" or c.added_lines or not gone:
        return None
    away = moved[1] if moved is not None else {}
    blocks = list(dict.fromkeys(away[n] for n in gone if n in away))
    unmoved = [n for n in gone if n not in away and f.old_lines[n - 1].strip()]
    if blocks and not unmoved:
        where = ", ".join(f"{b.new_path} line {b.new_start}" for b in blocks[:3])
        return f"Deleted here, moved unchanged to {where}."
    if len(gone) <= SHORT_DELETION:
        return None
    head = [f"     -| {_shown(f.old_lines[n - 1])}" for n in gone[:HEAD_ROWS]]
    return "\n".join(
        [
            "Removed lines (old file):",
            f"{FENCE}{f.language.name}",
            *head,
            f"     -| … deleted, {len(gone)} lines",
            FENCE,
        ]
    )


def _unit(
    f: ReviewFile,
    c: Change,
    hunks: list[Hunk],
    span: tuple[int, int] | None,
    part: str | None,
    moved: Moved | None,
) -> Unit:
    parts = [_title(c, part)]
    view = (
        compact(f.new_lines, span, hunks, set(c.added_lines), moved, set(c.removed_lines))
        if span is not None and f.new_text is not None
        else None
    )
    gone = deleted_view(f, c, moved) if view is None else None
    if gone is not None:
        parts.append(gone)
    elif view is not None:
        parts += [
            f"Code (new file, line numbers; + added, - removed lines):\n{FENCE}{f.language.name}",
            view,
            FENCE,
        ]
    else:
        parts += [f"Diff:\n{FENCE}diff", diff_text(hunks), FENCE]
    text = "\n".join(parts)
    return Unit(
        f.path, c.symbol, text, tokens.count(text), part, span=span if view is not None else None
    )


def clip(hunk: Hunk, added: set[int], removed: set[int], context: int = 3) -> list[Hunk]:
    """The parts of `hunk` within `context` lines of this change's own lines, as smaller hunks: a
    definition inside a large rewritten hunk brings its own slice of the diff, not the whole
    hunk."""
    where = hunk.where
    own = sorted(
        where[k] for k in [*(("+", n) for n in added), *(("-", n) for n in removed)] if k in where
    )
    runs: list[list[int]] = []  # [first, end) of each run of lines kept
    for i in own:
        lo, hi = max(0, i - context), min(len(hunk.lines), i + context + 1)
        if runs and lo <= runs[-1][1]:  # overlapping or adjacent: one run
            runs[-1][1] = max(runs[-1][1], hi)
        else:
            runs.append([lo, hi])
    return [_sub_hunk(hunk, lo, hi) for lo, hi in runs]


def _sub_hunk(hunk: Hunk, lo: int, hi: int) -> Hunk:
    old_count, new_count = hunk.counts
    old_start, new_start = hunk.old_start + old_count[lo], hunk.new_start + new_count[lo]
    chunk = hunk.lines[lo:hi]
    old_len, new_len = old_count[hi] - old_count[lo], new_count[hi] - new_count[lo]
    return Hunk(
        old_start if old_len or hunk.old_len else hunk.old_start,
        old_len,
        new_start if new_len or hunk.new_len else hunk.new_start,
        new_len,
        chunk,
    )


def _code_span(c: Change, hunks: list[Hunk]) -> tuple[int, int] | None:
    """Functions show whole; classes, modules and other containers show the lines around the
    hunks."""
    if c.side == "old":
        return None
    if c.symbol is not None and c.kind not in CONTAINER_KINDS:
        return c.start_line, c.end_line
    return min(h.new_start for h in hunks), max(h.new_start + h.new_len - 1 for h in hunks)


def units_for(f: ReviewFile, c: Change, budget: int, moved: Moved | None = None) -> list[Unit]:
    """The change as one unit, or split by hunks (and hunks by lines) when it exceeds `budget`."""
    added, removed = set(c.added_lines), set(c.removed_lines)
    hunks = [piece for i in c.hunks for piece in clip(f.diff.hunks[i], added, removed)]
    unit = _unit(f, c, hunks, _code_span(c, hunks), None, moved)
    if unit.tokens <= budget:
        return [unit]
    pieces = [p for h in hunks for p in _fit(f, c, h, budget, moved)]
    return [
        _unit(f, c, [h], _piece_span(c, h), f"{n}/{len(pieces)}", moved)
        for n, h in enumerate(pieces, 1)
    ]


def _piece_span(c: Change, h: Hunk) -> tuple[int, int] | None:
    return (h.new_start, h.new_start + h.new_len - 1) if c.side == "new" and h.new_len else None


def _fit(f: ReviewFile, c: Change, h: Hunk, budget: int, moved: Moved | None) -> list[Hunk]:
    """`h` halved until each piece, with its code, fits in `budget` (a single line always fits)."""
    if len(h.lines) <= 1 or _unit(f, c, [h], _piece_span(c, h), "0/0", moved).tokens <= budget:
        return [h]
    mid = len(h.lines) // 2
    return _fit(f, c, _sub_hunk(h, 0, mid), budget, moved) + _fit(
        f, c, _sub_hunk(h, mid, len(h.lines)), budget, moved
    )

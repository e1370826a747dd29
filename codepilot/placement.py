"""Placing a fix: where in the reviewed file a model's `find` text is, and the file with it replaced.

Models rarely quote code exactly. The search tolerates, in this order (the first level with a match
wins): line endings (CRLF/LF), trailing whitespace, blank lines at the edges of the quote, indentation
shifted by a constant (the replacement is re-indented by the same offset), and indentation lost
altogether (the replacement's lines take the indentation of the lines they stand for). It never
tolerates a different character inside a line: a misspelt name matches nothing, so it can never
produce a patch that changes something else. The whole file is searched; the line hint only breaks
ties (nearest wins; two equally near matches are refused). The file keeps its own line endings and its
final newline (or its lack of one). Pure functions, no I/O."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Placed:
    start: int  # 1-based first line replaced (the line before which text is inserted, for an insert)
    end: int  # 1-based last line replaced
    new_text: str  # the whole file after the replacement
    how: str  # which tolerance matched: exact, trailing-whitespace, edges, indentation, no-indentation


@dataclass(frozen=True)
class NotPlaced:
    reason: str


def eol_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def split_lines(text: str) -> list[str]:
    """Lines without their line endings; a final newline does not make an extra line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def join_lines(lines: list[str], eol: str, final_newline: bool) -> str:
    return eol.join(lines) + (eol if final_newline and lines else "")


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _blank_run(lines: list[str]) -> int:
    return next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))


def _trims(find: list[str], replace: list[str]) -> list[tuple[list[str], list[str]]]:
    """The quote with 0, 1, ... blank lines dropped at its edges, least first (a blank line of the file's own may
    sit at an edge), each with as many dropped from the replacement's edges where it has them."""
    lead, trail = _blank_run(find), _blank_run(find[::-1])
    r_lead, r_trail = _blank_run(replace), _blank_run(replace[::-1])
    combos = sorted(((a, b) for a in range(lead + 1) for b in range(trail + 1)), key=lambda ab: sum(ab))
    out = []
    for a, b in combos:
        ra, rb = min(a, r_lead), min(b, r_trail)
        out.append((find[a:len(find) - b], replace[ra:len(replace) - rb]))
    return out


Matcher = Callable[[list[str], list[str]], bool]


def _eq(window: list[str], find: list[str]) -> bool:
    return window == find


def _eq_rstrip(window: list[str], find: list[str]) -> bool:
    return all(a.rstrip() == b.rstrip() for a, b in zip(window, find, strict=True))


def _eq_shifted(window: list[str], find: list[str]) -> bool:
    """Equal but for a constant indentation offset (blank lines match any blank line)."""
    offset: int | None = None
    for a, b in zip(window, find, strict=True):
        if not a.strip() and not b.strip():
            continue
        if a.strip() != b.strip():
            return False
        d = len(_indent(a)) - len(_indent(b))
        if offset is None:
            offset = d
        elif d != offset:
            return False
    return offset is not None


def _eq_stripped(window: list[str], find: list[str]) -> bool:
    return all(a.strip() == b.strip() for a, b in zip(window, find, strict=True)) and any(a.strip() for a in window)


def _hits(lines: list[str], find: list[str], same: Matcher) -> list[int]:
    n = len(find)
    first = find[0].strip()
    return [i + 1 for i in range(len(lines) - n + 1)
            if (not first or lines[i].strip() == first) and same(lines[i:i + n], find)]


def _reindent_shift(window: list[str], find: list[str], replace: list[str]) -> list[str]:
    """The replacement moved to the file's indentation. Its offset comes from its lines that also stand in
    the quote (their indentation in the file against theirs in the replacement), so a replacement
    dedented apart from its quote lands right too; else the quote's own offset is used."""
    a, b = next((a, b) for a, b in zip(window, find, strict=True) if a.strip())
    offset = len(_indent(a)) - len(_indent(b))
    keys_f, keys_r = [ln.strip() for ln in find], [ln.strip() for ln in replace]
    ops = difflib.SequenceMatcher(a=keys_f, b=keys_r, autojunk=False).get_opcodes()
    # the lines the quote and the replacement share at their start (the unchanged context before a
    # change) tell where the replacement's column 0 is, however each of them was dedented
    edges = [op for op in ops[:1] if op[0] == "equal" and op[1] == 0 == op[3]]
    for _, i1, _, j1, j2 in edges:
        k = next((k for k in range(j2 - j1) if keys_r[j1 + k]), None)
        if k is not None:
            offset = len(_indent(window[i1 + k])) - len(_indent(replace[j1 + k]))
            break
    unit_char = "\t" if any(_indent(a).startswith("\t") for a in window) else " "
    if offset >= 0:
        return [unit_char * offset + ln if ln.strip() else ln for ln in replace]
    return [ln[min(-offset, len(_indent(ln))):] if ln.strip() else ln for ln in replace]


def _reindent_lost(window: list[str], find: list[str], replace: list[str]) -> list[str]:
    """Indentation lost in quote and replacement alike. Each replacement line takes the indentation of
    the file line it stands for: the same line (aligned by content), or the line it changes when lines
    are changed one for one and stay alike. A line with no such counterpart cannot be indented with
    confidence (level with the line before, or after a block that closed?): then no patch at all."""
    f_keys = [ln.strip() for ln in find]
    r_keys = [ln.strip() for ln in replace]
    indents: list[str | None] = [None] * len(replace)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=f_keys, b=r_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(j2 - j1):
                indents[j1 + k] = _indent(window[i1 + k])
        elif tag == "replace" and i2 - i1 == j2 - j1:  # lines changed one for one: each keeps its place
            for k in range(j2 - j1):
                if difflib.SequenceMatcher(a=f_keys[i1 + k], b=r_keys[j1 + k]).ratio() >= 0.75:
                    indents[j1 + k] = _indent(window[i1 + k])
    _between(r_keys, indents)
    out = []
    for key, ind in zip(r_keys, indents, strict=True):
        if key and ind is None:
            raise _Unsure(key)
        out.append((ind or "") + key if key else "")
    return out


_OPENERS = (":", "{", "(", "[")


def _between(keys: list[str], indents: list[str | None]) -> None:
    """New lines between two placed lines at the same indentation (the one before opening nothing) sit at
    that indentation too; new lines right after a line that opens a block, before the block's first
    placed line, sit at that line's indentation. Anything else stays unknown."""
    known = [j for j, k in enumerate(keys) if k and indents[j] is not None]
    for a, b in zip(known, known[1:], strict=False):
        gap = [j for j in range(a + 1, b) if keys[j]]
        if not gap or any(keys[j].endswith(_OPENERS) for j in gap):
            continue
        before, after = indents[a], indents[b]
        assert before is not None and after is not None
        opens = keys[a].endswith(_OPENERS)
        if (before == after and not opens) or (opens and len(after) > len(before)):
            for j in gap:
                indents[j] = after


class _Unsure(Exception):
    """A replacement line whose lost indentation cannot be restored with confidence."""


_LEVELS: list[tuple[str, Matcher, bool]] = [  # name, matcher, trim blank edges first
    ("exact", _eq, False),
    ("trailing-whitespace", _eq_rstrip, False),
    ("edges", _eq_rstrip, True),
    ("indentation", _eq_shifted, True),
    ("no-indentation", _eq_stripped, True),
]


@dataclass(frozen=True)
class Located:
    starts: list[int]  # 1-based first lines of every match at the first level that matched
    length: int  # lines matched
    level: str
    find: list[str]  # the quote as matched (edges trimmed at the levels that trim)
    replace: list[str]


def locate(file_lines: list[str], find: str, replace: str = "") -> Located | None:
    """Every place `find` matches, at the most exact tolerance level that matches at all."""
    want = split_lines(find.replace("\r\n", "\n"))
    new = split_lines(replace.replace("\r\n", "\n")) if replace else []
    if not any(ln.strip() for ln in want):
        return None
    for name, same, trim in _LEVELS:
        for f, r in (_trims(want, new) if trim else [(want, new)]):
            if not any(ln.strip() for ln in f):
                continue
            hits = _hits(file_lines, f, same)
            if hits:
                return Located(hits, len(f), name, f, r)
    return None


def place(text: str, find: str, replace: str, hint: int,
          syntax_errors: Callable[[str], int] | None = None) -> Placed | NotPlaced:
    """`text` with `find` replaced by `replace` (whole lines), tolerant as the module says. Where the
    indentation had to be rebuilt, `syntax_errors` (if given: the count of parse errors in a text) must
    not rise, or there is no patch."""
    if not find.strip():
        return create(text, replace) if not text.strip() else NotPlaced(
            "fix could not be placed: its find text is empty")
    file_lines = split_lines(text)
    found = locate(file_lines, find, replace)
    if found is None:
        return NotPlaced("fix could not be placed: its find text does not match the reviewed file")
    start = _nearest(found.starts, hint)
    if start is None:
        return NotPlaced(f"fix could not be placed: {len(found.starts)} equally near matches")
    window = file_lines[start - 1:start - 1 + found.length]
    r = found.replace if found.level == "exact" else [ln.rstrip() for ln in found.replace]
    if found.level == "indentation":
        r = _reindent_shift(window, found.find, r)
    elif found.level == "no-indentation":
        try:
            r = _reindent_lost(window, found.find, r)
        except _Unsure:
            return NotPlaced("fix could not be placed: its indentation was lost and the new lines' indentation "
                             "cannot be restored with confidence")
    lines = file_lines[:start - 1] + r + file_lines[start - 1 + found.length:]
    final_newline = text.endswith("\n") or not text
    new_text = join_lines(lines, eol_of(text), final_newline)
    if found.level == "no-indentation" and syntax_errors is not None and syntax_errors(new_text) > syntax_errors(text):
        return NotPlaced("fix could not be placed: with its indentation rebuilt it would break the syntax")
    return Placed(start, start + found.length - 1, new_text, found.level)


def _nearest(hits: list[int], hint: int) -> int | None:
    ranked = sorted(hits, key=lambda h: (abs(h - hint), h))
    if len(ranked) > 1 and abs(ranked[0] - hint) == abs(ranked[1] - hint):
        return None
    return ranked[0]


def create(text: str, replace: str) -> Placed | NotPlaced:
    """An empty `find`: a new file, or text appended to an empty one."""
    if text.strip():
        return NotPlaced("an empty find text only creates a file or fills an empty one")
    body = replace if replace.endswith("\n") or not replace else replace + "\n"
    return Placed(1, 0, body, "create")

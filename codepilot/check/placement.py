"""Placing a fix: where in the reviewed file a model's `find` text is, and the file with it
replaced.

Models rarely quote code exactly. The search tolerates, in this order (the first level with a match
wins): line endings (CRLF/LF), trailing whitespace, blank lines at the edges of the quote,
indentation shifted by a constant (the replacement is re-indented by the same offset), and
indentation lost altogether (the replacement's lines take the indentation of the lines they stand
for). It never tolerates a different character inside a line: a misspelt name matches nothing, so it
can never produce a patch that changes something else. The whole file is searched; the line hint
only breaks ties (nearest wins; two equally near matches are refused). The file keeps its own line
endings and its final newline (or its lack of one). Pure functions, no I/O."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Placed:
    start: (
        int  # 1-based first line replaced (the line before which text is inserted, for an insert)
    )
    end: int  # 1-based last line replaced
    new_text: str  # the whole file after the replacement
    # which tolerance matched: exact, trailing-whitespace, edges, indentation, no-indentation
    how: str
    lines: tuple[str, ...] = ()  # the lines that took the place of start..end


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


def replace_lines(text: str, start: int, length: int, new: list[str]) -> str:
    """`text` with its lines start..start+length-1 (1-based) replaced by `new`. Every other line
    keeps its own ending (a file with mixed endings is not rewritten); new lines take the ending of
    the first line they replace (else of the line before, else the file's); a missing final newline
    stays missing."""
    parts = text.split("\n")
    final_newline = parts[-1] == ""
    body = parts[:-1] if final_newline else parts
    if body == [""] and not text:
        body = []
    lines = [p[:-1] if p.endswith("\r") else p for p in body]
    ends = ["\r\n" if p.endswith("\r") else "\n" for p in body]
    if ends and not final_newline:
        ends[-1] = ""
    i, j = start - 1, start - 1 + length
    eol = next((e for e in ends[i:j] if e), "") or (
        ends[i - 1] if 0 < i <= len(ends) and ends[i - 1] else ""
    )
    eol = eol or eol_of(text)
    new_ends = [eol] * len(new)
    # the replaced stretch ended the file, unterminated
    if new and j >= len(lines) and ends and not ends[-1]:
        new_ends[-1] = ""
    if not new and j >= len(lines) and i > 0 and ends and not ends[-1]:
        ends[i - 1] = (
            ""  # the last lines removed: the new last line ends the file as the old one did
        )
    out_lines, out_ends = lines[:i] + new + lines[j:], ends[:i] + new_ends + ends[j:]
    if not text and new:  # a new file gets a final newline
        out_ends[-1] = "\n"
    return "".join(ln + e for ln, e in zip(out_lines, out_ends, strict=True))


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _blank_run(lines: list[str]) -> int:
    return next((i for i, ln in enumerate(lines) if ln.strip()), len(lines))


def _trims(find: list[str], replace: list[str]) -> list[tuple[list[str], list[str]]]:
    """The quote with 0, 1, ... blank lines dropped at its edges, least first (a blank line of the
    file's own may sit at an edge), each with as many dropped from the replacement's edges where it
    has them."""
    lead, trail = _blank_run(find), _blank_run(find[::-1])
    r_lead, r_trail = _blank_run(replace), _blank_run(replace[::-1])
    combos = sorted(
        ((a, b) for a in range(lead + 1) for b in range(trail + 1)), key=lambda ab: sum(ab)
    )
    out = []
    for a, b in combos:
        ra, rb = min(a, r_lead), min(b, r_trail)
        out.append((find[a : len(find) - b], replace[ra : len(replace) - rb]))
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
    return all(a.strip() == b.strip() for a, b in zip(window, find, strict=True)) and any(
        a.strip() for a in window
    )


class Lines(list[str]):
    """A file's lines with an index of where each stripped line stands: searching for a quote costs
    the places its first line occurs, not the whole file (many fixes in one file stay about
    linear)."""

    @functools.cached_property
    def starts(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for i, line in enumerate(self):
            index.setdefault(line.strip(), []).append(i)
        return index


def _hits(lines: list[str], find: list[str], same: Matcher) -> list[int]:
    n = len(find)
    first = find[0].strip()
    if first and isinstance(lines, Lines):
        candidates: Iterable[int] = (i for i in lines.starts.get(first, []) if i <= len(lines) - n)
    else:
        candidates = (
            i for i in range(len(lines) - n + 1) if not first or lines[i].strip() == first
        )
    return [i + 1 for i in candidates if same(lines[i : i + n], find)]


def _reindent_shift(window: list[str], find: list[str], replace: list[str]) -> list[str]:
    """The replacement moved to the file's indentation. Its offset comes from its lines that also
    stand in the quote (their indentation in the file against theirs in the replacement), so a
    replacement dedented apart from its quote lands right too; else the quote's own offset is
    used."""
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
    return [ln[min(-offset, len(_indent(ln))) :] if ln.strip() else ln for ln in replace]


def _reindent_lost(
    window: list[str],
    find: list[str],
    replace: list[str],
    around: tuple[str | None, str | None] = (None, None),
) -> list[str]:
    """Indentation lost in quote and replacement alike. Each replacement line takes the indentation
    of the file line it stands for: the same line (aligned by content) is certain; a line changed
    one for one, or a new line, is placed only when the certain lines around it (the file's lines
    beyond the quote included, `around`) agree on its level. Anything less than certain: no patch at
    all."""
    f_keys = [ln.strip() for ln in find]
    r_keys = [ln.strip() for ln in replace]
    indents: list[str | None] = [None] * len(replace)
    certain: set[int] = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        a=f_keys, b=r_keys, autojunk=False
    ).get_opcodes():
        if tag != "equal" and any(
            _opens(k) or k.startswith(_CLOSERS) for k in f_keys[i1:i2] + r_keys[j1:j2]
        ):
            raise _Unsure(
                "a block opens or closes in the change: the levels of the lines after it are "
                "unknown"
            )
        if tag == "equal":
            for k in range(j2 - j1):
                indents[j1 + k] = _indent(window[i1 + k])
                certain.add(j1 + k)
        # lines changed one for one: each keeps its place
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for k in range(j2 - j1):
                if difflib.SequenceMatcher(a=f_keys[i1 + k], b=r_keys[j1 + k]).ratio() >= 0.75:
                    indents[j1 + k] = _indent(window[i1 + k])
    _between(r_keys, indents)
    out = []
    for j, (key, ind) in enumerate(zip(r_keys, indents, strict=True)):
        if key and (
            ind is None
            or (j not in certain and not _confirmed(j, ind, r_keys, indents, certain, around))
        ):
            raise _Unsure(key)
        out.append((ind or "") + key if key else "")
    return out


def _confirmed(
    j: int,
    ind: str,
    keys: list[str],
    indents: list[str | None],
    certain: set[int],
    around: tuple[str | None, str | None],
) -> bool:
    """A line not copied from the quote sits at `ind` for certain only when the nearest certain
    lines above and below it agree: both at `ind` (the one above opening no block), or the one above
    opening the block that the one below (and so this line) is inside."""
    if _opens(keys[j]) or keys[j].startswith(_CLOSERS):
        return False
    up_index = next((k for k in range(j - 1, -1, -1) if keys[k]), None)
    if up_index is not None and up_index in certain and _opens(keys[up_index]):
        # the first line of a block: deeper than its opener is the only level
        opener = indents[up_index]
        return opener is not None and len(ind) > len(opener)
    above = next(
        ((indents[k], keys[k]) for k in range(j - 1, -1, -1) if k in certain and keys[k]), None
    )
    below = next(
        ((indents[k], keys[k]) for k in range(j + 1, len(keys)) if k in certain and keys[k]), None
    )
    above = above or (None if around[0] is None else (_indent(around[0]), around[0].strip()))
    below = below or (None if around[1] is None else (_indent(around[1]), around[1].strip()))
    if above is None or below is None:
        return False
    (up, up_key), (down, _) = above, below
    if up is None or down is None:
        return False
    if _opens(up_key):
        return len(down) > len(up) and ind == down
    return up == down == ind


_OPENERS = (":", "{", "(", "[")
_CLOSERS = ("}", ")", "]")
_COMMENTS = ("#", "//", "/*", "*", "--")


def _opens(key: str) -> bool:
    """A stripped line that opens a block (a comment ending in a colon opens nothing)."""
    return key.endswith(_OPENERS) and not key.startswith(_COMMENTS)


def _between(keys: list[str], indents: list[str | None]) -> None:
    """New lines between two placed lines at the same indentation (the one before opening nothing)
    sit at that indentation too; new lines right after a line that opens a block, before the block's
    first placed line, sit at that line's indentation. Anything else stays unknown."""
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
class Matches:
    starts: list[int]  # 1-based first lines of every match at the first level that matched
    length: int  # lines matched
    level: str
    find: list[str]  # the quote as matched (edges trimmed at the levels that trim)
    replace: list[str]


def _unquoted_blank_edges(find: list[str], replace: list[str]) -> tuple[int, int]:
    """(leading, trailing) blank lines of the quote that the replacement does not carry: a fix that
    only quotes them leaves them in the file. Aligned by content, so a blank line the replacement
    keeps elsewhere still counts as carried."""
    ops = difflib.SequenceMatcher(
        lambda key: not key,
        [ln.strip() for ln in find],  # blank lines anchor nothing
        [ln.strip() for ln in replace],
        autojunk=False,
    ).get_opcodes()
    if not ops:
        return 0, 0

    def edge(tag: str, quoted: list[str], kept: list[str]) -> int:
        if tag not in ("delete", "replace"):
            return 0
        return max(_blank_run(quoted) - sum(not ln.strip() for ln in kept), 0)

    tag, i1, i2, j1, j2 = ops[0]
    lead = edge(tag, find[i1:i2], replace[j1:j2])
    tag, i1, i2, j1, j2 = ops[-1]
    trail = edge(tag, find[i1:i2][::-1], replace[j1:j2][::-1])
    if lead + trail >= len(find) or not any(ln.strip() for ln in find[lead : len(find) - trail]):
        return 0, 0
    return lead, trail


def locate(
    file_lines: list[str], find: str, replace: str = "", hint: int | None = None
) -> Matches | None:
    """Every place `find` matches, at the most exact tolerance level that matches at all. At the
    levels that trim blank edges, with a `hint`, the trimming whose match lies nearest the hint
    wins."""
    want = split_lines(find.replace("\r\n", "\n"))
    new = split_lines(replace.replace("\r\n", "\n")) if replace else []
    if not any(ln.strip() for ln in want):
        return None
    for name, same, trim in _LEVELS:
        best: Matches | None = None
        for f, r in _trims(want, new) if trim else [(want, new)]:
            if best is not None and len(f) < best.length:
                return best  # a quote trimmed further is less specific: the longer match stands
            if not any(ln.strip() for ln in f):
                continue
            hits = _hits(file_lines, f, same)
            if not hits:
                continue
            found = Matches(hits, len(f), name, f, r)
            if hint is None:
                return found
            # trimmed as much, at another edge: the one matching nearer the hint wins; equally near
            # ones at different places stay ambiguous (no patch)
            if best is None or min(abs(h - hint) for h in hits) < min(
                abs(h - hint) for h in best.starts
            ):
                best = found
            elif min(abs(h - hint) for h in hits) == min(abs(h - hint) for h in best.starts):
                best = Matches(
                    sorted(set(best.starts) | set(hits)), best.length, name, best.find, best.replace
                )
        if best is not None:
            return best
    return None


def _flat(lines: list[str]) -> bool:
    """No line indented at all: indentation lost, or code at column 0."""
    return not any(_indent(ln) for ln in lines if ln.strip())


def _lost_levels(find: list[str], replace: list[str]) -> bool:
    """A flat replacement with a new line right after a block opener, at the same column: its
    indentation was lost (lines quoted from the file keep the file's own layout, whatever it is)."""
    quoted = {ln.strip() for ln in find}
    keys = [ln.strip() for ln in replace if ln.strip()]
    return _flat(replace) and any(
        _opens_block(a) and not b.startswith(_CLOSERS) and b not in quoted
        for a, b in zip(keys, keys[1:], strict=False)
    )


_BLOCK_WORDS = re.compile(
    r"(?:if|elif|else|for|while|try|except|finally|with|def|class|async|match|case)\b"
)


def _opens_block(key: str) -> bool:
    """A line of code that opens a block for certain: a bracket, or a colon after a block keyword (a
    docstring's `.. note::` opens nothing)."""
    if key.endswith(("{", "(", "[")):
        return not key.startswith(_COMMENTS)
    return key.endswith(":") and bool(_BLOCK_WORDS.match(key))


# terminal control characters (C0 but tab, newline, carriage return and form feed; DEL; C1) and
# bidirectional overrides: what a fix may not add to a source file
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def place(
    text: str,
    find: str,
    replace: str,
    hint: int,
    syntax_errors: Callable[[str], int] | None = None,
    lines: list[str] | None = None,
    string_lines: Callable[[str], set[int]] | None = None,
) -> Placed | NotPlaced:
    """`text` with `find` replaced by `replace` (whole lines), tolerant as the module says. Where
    the indentation had to be rebuilt, `syntax_errors` (if given: the count of parse errors in a
    text) must not rise, and no line replaced may lie inside a multi-line string (`string_lines`, if
    given), or there is no patch."""
    added = set(_CONTROL.findall(replace)) - set(_CONTROL.findall(find))
    if added:  # an escape sequence in a source file reaches every terminal that shows it (issue 28)
        shown = ", ".join(sorted(f"U+{ord(c):04X}" for c in added))
        return NotPlaced(f"fix refused: it would write control characters ({shown}) into the file")
    if text.startswith("\ufeff"):  # a byte order mark is no part of the first line's code
        placed = place(text[1:], find, replace, hint, syntax_errors, None, string_lines)
        if isinstance(placed, Placed):
            return Placed(
                placed.start, placed.end, "\ufeff" + placed.new_text, placed.how, placed.lines
            )
        return placed
    if not find.strip():
        return (
            create(text, replace)
            if not text.strip()
            else NotPlaced("fix could not be placed: its find text is empty")
        )
    file_lines = lines if lines is not None else split_lines(text)
    found = locate(file_lines, find, replace, hint)
    if found is None:
        return NotPlaced("fix could not be placed: its find text does not match the reviewed file")
    start = _nearest(found.starts, hint)
    if start is None:
        return NotPlaced(f"fix could not be placed: {len(found.starts)} equally near matches")
    lead, trail = _unquoted_blank_edges(found.find, found.replace)
    if lead or trail:  # blank lines only quoted stay where they are
        start += lead
        found = Matches(
            [start],
            found.length - lead - trail,
            found.level,
            found.find[lead : found.length - trail],
            found.replace,
        )
    window = file_lines[start - 1 : start - 1 + found.length]
    r = found.replace if found.level == "exact" else [ln.rstrip() for ln in found.replace]
    # a flat replacement where a block opens, its body at the same column: its levels were lost too,
    # so each new line is placed only where its indentation is certain
    rebuilt = found.level == "no-indentation" or _lost_levels(found.find, r)
    # (a constant shift keeps a string's own relative blanks)
    if rebuilt and string_lines is not None:
        inside = string_lines(text)
        if any(n in inside for n in range(start, start + found.length + 1)):
            return NotPlaced(
                "fix not offered as a patch: its indentation was lost and the lines it "
                "replaces lie inside a "
                "multi-line string, where leading blanks are the string's content"
            )
    if found.level == "indentation" and not rebuilt:
        r = _reindent_shift(window, found.find, r)
    elif rebuilt:
        before = next((ln for ln in reversed(file_lines[: start - 1]) if ln.strip()), None)
        after = next((ln for ln in file_lines[start - 1 + found.length :] if ln.strip()), None)
        try:
            r = _reindent_lost(window, found.find, r, (before, after))
        except _Unsure:
            return NotPlaced(
                "fix could not be placed: its indentation was lost and the new lines' indentation "
                "cannot be restored with confidence"
            )
    new_text = replace_lines(text, start, found.length, r)
    if (
        (rebuilt or found.level == "indentation")
        and syntax_errors is not None
        and syntax_errors(new_text) > syntax_errors(text)
    ):
        return NotPlaced(
            "fix could not be placed: with its indentation rebuilt it would break the syntax"
            if rebuilt
            else "fix not offered as a patch: it would break the file's syntax"
        )
    return Placed(start, start + found.length - 1, new_text, found.level, tuple(r))


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
    return Placed(1, 0, body, "create", tuple(split_lines(body)))

"""The request plan: each change rendered as one compact view — its definition's new text with new-file
line numbers, added lines marked and removed lines shown in place (the diff only where a removed line
has no place in that text) — packed into model requests under a token budget, a file's changes kept together,
a definition too large for one request split by hunks (and saying so)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from codepilot.index.related import Item, Related, render
from codepilot.prompt import tokens
from codepilot.prompt.templates import Templates
from codepilot.runtime.parallel import fork_map
from codepilot.secrets.redact import CleanTexts, Redactor
from codepilot.source import moves
from codepilot.source.changes import CONTAINER_KINDS, Change, ChangeSet, ReviewFile, whitespace_only
from codepilot.source.diff import Hunk
from codepilot.source.moves import Block, Moves
from codepilot.syntax.languages import suffix

FENCE = "````"
CONTEXT_SHARE = 0.3  # of each request's room, for related code from elsewhere in the repository
MAX_LINE = 2000  # characters of one line shown to the model; longer lines are cut and say so


def _shown(text: str) -> str:
    text = text.rstrip("\r")
    return text if len(text) <= MAX_LINE else text[:MAX_LINE] + f" …[{len(text) - MAX_LINE} more characters]"


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


@dataclass
class Request:
    id: str
    units: list[Unit]
    messages: list[dict[str, str]] = field(default_factory=list)
    prompt_tokens: int = 0
    context: list[dict[str, object]] = field(default_factory=list)  # what else it carries: path, lines, kind

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(u.path for u in self.units))

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "paths": self.paths,
            "prompt_tokens": self.prompt_tokens,
            "messages": self.messages,
            "context": self.context,
            "units": [
                {
                    "path": u.path,
                    "symbol": u.symbol,
                    "part": u.part,
                    "start_line": u.span[0] if u.span else None,
                    "end_line": u.span[1] if u.span else None,
                }
                for u in self.units
            ],
        }


def numbered(lines: list[str], start: int, end: int, marked: set[int]) -> str:
    """Lines start..end (1-based, inclusive) with their numbers; added lines marked `+`."""
    end = min(end, len(lines))
    return "\n".join(
        f"{n:>5}{'+' if n in marked else ' '}| {_shown(lines[n - 1])}" for n in range(max(start, 1), end + 1)
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


def compact(
    lines: list[str],
    span: tuple[int, int],
    hunks: list[Hunk],
    added: set[int],
    moved: Moved | None = None,
    removed: set[int | None] | None = None,
) -> str:
    """One view of the change: the new text with line numbers, added lines marked `+`, removed lines
    shown in place (marked `-`, no number) — instead of the code and a second copy of it as a diff. Code
    moved here (or away) unchanged is one line saying from (or to) where; a long view keeps windows
    around this change's own lines (`added`, `removed`: by default every line in the hunks)."""
    before: dict[int, list[tuple[int | None, str]]] = {}  # new-file line -> removed lines shown before it
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
    lo, hi = max(span[0], 1), min(span[1], len(lines))
    for n in [n for n in before if n < lo or n > hi + 1]:  # removed just outside: shown at the edge
        before.setdefault(min(max(n, lo), hi + 1), []).extend(before.pop(n))
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
                rows.append((gone[j][0] in removed and bool(gone[j][1].strip()), f"     -| {_shown(gone[j][1])}"))
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
                rows.append((True, f"     =| lines {n}-{last}: {how} here unchanged from {_place(block, n)}"))
                continue
        rows.append(
            (n in added and bool(lines[n - 1].strip()), f"{n:>5}{'+' if n in added else ' '}| {_shown(lines[n - 1])}")
        )
    return "\n".join(_windows(rows))


Moved = tuple[dict[int, Block], dict[int, Block]]  # this file's moved-in new lines, moved-out old lines


def _place(block: Block, n: int) -> str:
    start = block.old_start + (n - block.new_start)
    return f"{block.old_path}:{start}"


def _windows(rows: list[tuple[bool, str]]) -> list[str]:
    """All rows of a short view; of a long one, its first rows and WINDOW rows around each change."""
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
    """A deleted definition: one line when it moved elsewhere; its first lines and "deleted, N lines"
    when it is long; None to show it whole."""
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
    f: ReviewFile, c: Change, hunks: list[Hunk], span: tuple[int, int] | None, part: str | None, moved: Moved | None
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
        parts += [f"Code (new file, line numbers; + added, - removed lines):\n{FENCE}{f.language.name}", view, FENCE]
    else:
        parts += [f"Diff:\n{FENCE}diff", diff_text(hunks), FENCE]
    text = "\n".join(parts)
    return Unit(f.path, c.symbol, text, tokens.count(text), part, span=span if view is not None else None)


def clip(hunk: Hunk, added: set[int], removed: set[int], context: int = 3) -> list[Hunk]:
    """The parts of `hunk` within `context` lines of this change's own lines, as smaller hunks: a
    definition inside a large rewritten hunk brings its own slice of the diff, not the whole hunk."""
    where = hunk.where
    own = sorted(where[k] for k in [*(("+", n) for n in added), *(("-", n) for n in removed)] if k in where)
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
    """Functions show whole; classes, modules and other containers show the lines around the hunks."""
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
    return [_unit(f, c, [h], _piece_span(c, h), f"{n}/{len(pieces)}", moved) for n, h in enumerate(pieces, 1)]


def _piece_span(c: Change, h: Hunk) -> tuple[int, int] | None:
    return (h.new_start, h.new_start + h.new_len - 1) if c.side == "new" and h.new_len else None


def _fit(f: ReviewFile, c: Change, h: Hunk, budget: int, moved: Moved | None) -> list[Hunk]:
    """`h` halved until each piece, with its code, fits in `budget` (a single line always fits)."""
    if len(h.lines) <= 1 or _unit(f, c, [h], _piece_span(c, h), "0/0", moved).tokens <= budget:
        return [h]
    mid = len(h.lines) // 2
    return _fit(f, c, _sub_hunk(h, 0, mid), budget, moved) + _fit(f, c, _sub_hunk(h, mid, len(h.lines)), budget, moved)


def plan(
    changeset: ChangeSet,
    templates: Templates,
    budget: int,
    system: str,
    user_values: dict[str, str],
    redactor: Redactor,
    guidance: Callable[[list[str]], tuple[str, list[dict[str, object]]]] | None = None,
    related: Related | None = None,
    scanned: CleanTexts | None = None,
    found: Moves | None = None,
) -> list[Request]:
    """Pack every reviewable change into requests of at most `budget` prompt tokens (estimated), with
    the related code of their changes in a fixed share of each; what would leave the machine is redacted
    here, before anyone sees it."""
    overhead = tokens.count(system) + tokens.count(templates.render("review-user.md", files="", **user_values))
    room = max(budget - overhead - 24, 200)  # 24: message framing and joins
    share = int(room * CONTEXT_SHARE) if related else 0
    room -= share
    reviewable = [f for f in changeset.files if f.diff.status != "deleted" and not f.diff.binary and f.changes]
    groups = []
    found = found if found is not None else moves.find(changeset)
    items: dict[tuple[str, int], list[Item]] = {}
    job = functools.partial(_file_units, room=room, moves=found, related=related, scanned=scanned)
    clean: set[bytes] = set()
    memory = scanned or _SCANNED
    memory.ready()
    # the prompt's own texts (the source, the instructions) go with the first file: redacted in a worker,
    # whose secret engine is running anyway, rather than by starting one here
    jobs = [(f, user_values if i == 0 else None) for i, f in enumerate(reviewable)]
    values: dict[str, str] = {}
    for f, (units, seen, per_change, found_clean, prompt) in zip(reviewable, fork_map(job, jobs), strict=True):
        redactor.merge(seen)
        clean |= found_clean
        items.update(((f.path, i), lst) for i, lst in per_change.items())
        if units:
            groups.append(units)
        values.update(prompt)
    if not reviewable:
        values = {k: _own(v, redactor, memory, clean) for k, v in user_values.items()}
    batches = _pack(groups, room)
    requests = []
    said: dict[str, str] = {}
    for i, units in enumerate(batches, 1):
        files = "\n\n".join(u.text for u in units)
        paths = list(dict.fromkeys(u.path for u in units))
        extra, listed = guidance(paths) if guidance else ("", [])
        context_tokens = 0
        if items:
            chosen, text = _related(units, items, share)
            if chosen:
                files += "\n\n" + text
                listed = [*listed, *(it.to_json() for it in chosen)]
                context_tokens = tokens.count(text) + 2
        if extra and extra not in said:
            said[extra] = _own(extra, redactor, memory, clean)
        user = templates.render(
            "review-user.md",
            files=files,
            **{**values, "instructions": values.get("instructions", "") + (said[extra] if extra else "")},
        )
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        body = [u for u in units if not u.header]
        size = (
            tokens.count(system) + tokens.count(user) + 8
            if extra or "[REDACTED:" in user
            else overhead + sum(u.tokens + 2 for u in units) + context_tokens + 8
        )
        requests.append(Request(f"r{i}", body, msgs, size, listed))
    memory.store(clean)
    return requests


RELATED_HEADER = (
    "Related code from elsewhere in the repository, for reference only: it is not part of the change and"
    " not under review; do not report findings on it."
)


def _direct(it: Item) -> bool:
    return it.kind in ("callee", "type") and it.score >= 2.5


def _related(units: list[Unit], related: dict[tuple[str, int], list[Item]], share: int) -> tuple[list[Item], str]:
    """The best related items of these units' changes within `share` tokens — each change's best item
    first, then each one's second, ... — never twice, never what the request already shows; grouped by
    file (redacted like the code under review, in the file's worker)."""
    shown: dict[str, list[tuple[int, int]]] = {}
    for u in units:
        if u.span is not None:
            shown.setdefault(u.path, []).append(u.span)
    lists = [related.get(key, []) for key in dict.fromkeys((u.path, u.change) for u in units if not u.header)]
    # each change's best item first; then what the changes call, resolved, before the other call sites
    # and tests (a same-file callee needs its signature as much as a cross-file one: see issue 26)
    first = [lst[:1] for lst in lists]
    direct = [[it for it in lst[1:] if _direct(it)] for lst in lists]
    rest = [[it for it in lst[1:] if not _direct(it)] for lst in lists]
    rounds = [
        sorted((lst[r] for lst in tier if r < len(lst)), key=lambda it: -it.score)
        for tier in (first, direct, rest)
        for r in range(8)
    ]
    chosen: list[Item] = []
    taken: set[tuple[str, int, int]] = set()
    used = tokens.count(RELATED_HEADER) + 4
    for it in (it for batch in rounds for it in batch):
        key = (it.path, it.start_line, it.end_line)
        if key in taken or any(a <= it.start_line and it.end_line <= b for a, b in shown.get(it.path, [])):
            continue
        cost = tokens.count(it.text) + tokens.count(it.symbol or "") + 8
        if used + cost > share:
            continue
        used += cost
        taken.add(key)
        chosen.append(it)
    if not chosen:
        return [], ""
    chosen.sort(key=lambda it: (it.path, it.start_line))
    return chosen, RELATED_HEADER + "\n\n" + render(chosen, FENCE)


def _file_units(
    job: tuple[ReviewFile, dict[str, str] | None],
    room: int,
    moves: Moves | None = None,
    related: Related | None = None,
    scanned: CleanTexts | None = None,
) -> tuple[list[Unit], set[tuple[str, str]], dict[int, list[Item]], set[bytes], dict[str, str]]:
    """A file's header and its changes' units (none when only blank lines changed), redacted here (in
    the worker that built them); what redaction found; the related code of each change (by its index),
    redacted by each item's own file type; the digests of the texts newly found clean; and the prompt's
    own texts the job carries, redacted."""
    f, prompt = job
    memory = scanned or _SCANNED
    redactor = Redactor()
    clean: set[bytes] = set()
    own = {k: _own(v, redactor, memory, clean) for k, v in (prompt or {}).items()}
    header = file_header(f)
    moved = (moves.added_in(f.path), moves.removed_in(f.diff.old_path or f.path)) if moves is not None else None
    budget = room - tokens.count(header) - 10
    units = []
    for i, c in enumerate(f.changes):
        if not whitespace_only(f, c):
            for u in units_for(f, c, budget, moved):
                u.change = i
                units.append(u)
    if not units:
        return [], redactor.seen, {}, clean, own
    items = related.for_file(f) if related is not None else {}
    clean |= _redact(units, [it for lst in items.values() for it in lst], redactor, memory)
    units = [Unit(f.path, None, header, tokens.count(header), header=True), *units]
    return units, redactor.seen, items, clean, own


def _own(text: str, redactor: Redactor, memory: CleanTexts, clean: set[bytes]) -> str:
    """A text of the prompt itself (the source, the instructions) redacted, unless found clean before;
    its digest goes to `clean` when nothing was found in it."""
    digest = CleanTexts.digest("prompt", text)
    if memory.clean([digest]):
        return text
    out = redactor.text(text)
    if out == text:
        clean.add(digest)
    return out


def _file_type(path: str) -> str:
    return suffix(path) or path


_SCANNED = CleanTexts(None)  # without a memory on disk: what this process found clean


def _redact(units: list[Unit], items: list[Item], redactor: Redactor, scanned: CleanTexts) -> set[bytes]:
    """The units and the related items redacted, each as code of its own file type, one pass per type
    (the engines cost per call: the units and the items of their type go together); texts already found
    clean (in this process or an earlier run) are not scanned again. The digests of the texts found
    clean now."""
    parts: list[Unit | Item] = [*units, *items]
    kinds = [_file_type(p.path) for p in parts]
    digests = [CleanTexts.digest(k, p.text) for k, p in zip(kinds, parts, strict=True)]
    known = scanned.clean(digests)
    by_kind: dict[str, list[int]] = {}
    for i, kind in enumerate(kinds):
        if digests[i] not in known:
            by_kind.setdefault(kind, []).append(i)
    found: set[bytes] = set()
    for group in by_kind.values():
        texts = [parts[i].text for i in group]
        for i, text, new in zip(group, texts, _redact_texts(texts, parts[group[0]].path, redactor), strict=True):
            part = parts[i]
            if new == text:
                found.add(digests[i])
            elif isinstance(part, Unit):
                part.text, part.tokens = new, tokens.count(new)
            else:
                part.text = new
    scanned.note(found)
    return found


def _redact_texts(texts: list[str], path: str, redactor: Redactor) -> list[str]:
    """`texts` redacted in one pass as code of `path`'s type (redaction keeps every line in place)."""
    lines = redactor.text("\n".join(texts), path).split("\n")
    out, at = [], 0
    for text in texts:
        n = text.count("\n") + 1
        out.append("\n".join(lines[at : at + n]))
        at += n
    return out


def _pack(groups: list[list[Unit]], room: int) -> list[list[Unit]]:
    """Greedy packing; a file's units start a fresh request when they would fit whole in one."""
    batches: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for group in groups:
        size = sum(u.tokens + 2 for u in group)
        if current and used + size > room and size <= room:
            batches.append(current)
            current, used = [], 0
        header = group[0]
        for u in group[1:]:
            need = u.tokens + 2 + (0 if any(x is header for x in current) else header.tokens + 2)
            if current and used + need > room:
                batches.append(current)
                current, used = [], 0
            if not any(x is header for x in current):
                current.append(header)
                used += header.tokens + 2
            current.append(u)
            used += u.tokens + 2
    if current:
        batches.append(current)
    return batches

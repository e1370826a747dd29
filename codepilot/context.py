"""The request plan: each change rendered as one compact view — its definition's new text with new-file
line numbers, added lines marked and removed lines shown in place (the diff only where a removed line
has no place in that text) — packed into model requests under a token budget, a file's changes kept together,
a definition too large for one request split by hunks (and saying so)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from codepilot import tokens
from codepilot.changes import CONTAINER_KINDS, Change, ChangeSet, ReviewFile
from codepilot.diff import Hunk
from codepilot.parallel import fork_map
from codepilot.prompts import Templates
from codepilot.redact import Redactor

FENCE = "````"
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
            "units": [{"path": u.path, "symbol": u.symbol, "part": u.part} for u in self.units],
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


def compact(lines: list[str], span: tuple[int, int], hunks: list[Hunk], added: set[int]) -> str | None:
    """One view of the change: the new text with line numbers, added lines marked `+`, removed lines
    shown in place (marked `-`, no number) — instead of the code and a second copy of it as a diff. None
    when a removed line has no place inside the span (then the diff is shown as well)."""
    before: dict[int, list[str]] = {}  # new-file line -> removed lines shown just before it
    for h in hunks:
        pending: list[str] = []
        for ln in h.lines:
            if ln.kind == "-":
                pending.append(ln.text)
            elif pending and ln.new is not None:
                before.setdefault(ln.new, []).extend(pending)
                pending = []
        if pending:
            after = h.new_start + h.new_len  # the new line the removed tail stands before
            before.setdefault(after, []).extend(pending)
    lo, hi = max(span[0], 1), min(span[1], len(lines))
    if any(n < lo or n > hi + 1 for n in before):
        return None
    out = []
    for n in range(lo, hi + 2):
        out += [f"     -| {_shown(t)}" for t in before.get(n, [])]
        if n <= hi:
            out.append(f"{n:>5}{'+' if n in added else ' '}| {_shown(lines[n - 1])}")
    return "\n".join(out)


def _unit(f: ReviewFile, c: Change, hunks: list[Hunk], span: tuple[int, int] | None, part: str | None) -> Unit:
    parts = [_title(c, part)]
    view = (
        compact(f.new_lines, span, hunks, set(c.added_lines)) if span is not None and f.new_text is not None else None
    )
    if view is not None:
        parts += [f"Code (new file, line numbers; + added, - removed lines):\n{FENCE}{f.language.name}", view, FENCE]
    else:
        if span is not None and f.new_text is not None:
            parts += [
                f"Code (new file, line numbers; + marks added lines):\n{FENCE}{f.language.name}",
                numbered(f.new_lines, span[0], span[1], set(c.added_lines)),
                FENCE,
            ]
        parts += [f"Diff:\n{FENCE}diff", diff_text(hunks), FENCE]
    text = "\n".join(parts)
    return Unit(f.path, c.symbol, text, tokens.count(text), part)


def clip(hunk: Hunk, added: set[int], removed: set[int], context: int = 3) -> list[Hunk]:
    """The parts of `hunk` within `context` lines of this change's own lines, as smaller hunks: a
    definition inside a large rewritten hunk brings its own slice of the diff, not the whole hunk."""
    where = hunk.where
    own = [where[k] for k in [*(("+", n) for n in added), *(("-", n) for n in removed)] if k in where]
    keep = sorted({j for i in own for j in range(max(0, i - context), min(len(hunk.lines), i + context + 1))})
    runs: list[list[int]] = []
    for j in keep:
        if runs and runs[-1][-1] == j - 1:
            runs[-1].append(j)
        else:
            runs.append([j])
    return [_sub_hunk(hunk, run[0], run[-1] + 1) for run in runs]


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


def _blank_only(f: ReviewFile, c: Change) -> bool:
    """Only blank lines added or removed: nothing for a model to review."""
    new, old = f.new_lines, f.old_lines
    texts = [new[n - 1] for n in c.added_lines if n <= len(new)]
    texts += [old[n - 1] for n in c.removed_lines if n <= len(old)]
    return all(not t.strip() for t in texts)


def units_for(f: ReviewFile, c: Change, budget: int) -> list[Unit]:
    """The change as one unit, or split by hunks (and hunks by lines) when it exceeds `budget`."""
    added, removed = set(c.added_lines), set(c.removed_lines)
    hunks = [piece for i in c.hunks for piece in clip(f.diff.hunks[i], added, removed)]
    unit = _unit(f, c, hunks, _code_span(c, hunks), None)
    if unit.tokens <= budget:
        return [unit]
    pieces = [p for h in hunks for p in _fit(f, c, h, budget)]
    return [_unit(f, c, [h], _piece_span(c, h), f"{n}/{len(pieces)}") for n, h in enumerate(pieces, 1)]


def _piece_span(c: Change, h: Hunk) -> tuple[int, int] | None:
    return (h.new_start, h.new_start + h.new_len - 1) if c.side == "new" and h.new_len else None


def _fit(f: ReviewFile, c: Change, h: Hunk, budget: int) -> list[Hunk]:
    """`h` halved until each piece, with its code, fits in `budget` (a single line always fits)."""
    if len(h.lines) <= 1 or _unit(f, c, [h], _piece_span(c, h), "0/0").tokens <= budget:
        return [h]
    mid = len(h.lines) // 2
    return _fit(f, c, _sub_hunk(h, 0, mid), budget) + _fit(f, c, _sub_hunk(h, mid, len(h.lines)), budget)


def plan(
    changeset: ChangeSet,
    templates: Templates,
    budget: int,
    system: str,
    user_values: dict[str, str],
    redactor: Redactor,
    guidance: Callable[[list[str]], tuple[str, list[dict[str, object]]]] | None = None,
) -> list[Request]:
    """Pack every reviewable change into requests of at most `budget` prompt tokens (estimated);
    what would leave the machine is redacted here, before anyone sees it."""
    overhead = tokens.count(system) + tokens.count(templates.render("review-user.md", files="", **user_values))
    room = max(budget - overhead - 24, 200)  # 24: message framing and joins
    reviewable = [f for f in changeset.files if f.diff.status != "deleted" and not f.diff.binary and f.changes]
    groups = []
    for units, seen in fork_map(functools.partial(_file_units, room=room), reviewable):
        redactor.merge(seen)
        if units:
            groups.append(units)
    batches = _pack(groups, room)
    requests = []
    values = {k: redactor.text(v) for k, v in user_values.items()}
    said: dict[str, str] = {}
    for i, units in enumerate(batches, 1):
        files = "\n\n".join(u.text for u in units)
        paths = list(dict.fromkeys(u.path for u in units))
        extra, items = guidance(paths) if guidance else ("", [])
        if extra and extra not in said:
            said[extra] = redactor.text(extra)
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
            else overhead + sum(u.tokens + 2 for u in units) + 8
        )
        requests.append(Request(f"r{i}", body, msgs, size, items))
    return requests


def _file_units(f: ReviewFile, room: int) -> tuple[list[Unit], set[tuple[str, str]]]:
    """A file's header and its changes' units (none when only blank lines changed), redacted here, in
    one pass by the file's own language (in the worker that built them); and what redaction found."""
    header = file_header(f)
    units = [u for c in f.changes if not _blank_only(f, c) for u in units_for(f, c, room - tokens.count(header) - 10)]
    redactor = Redactor()
    if units:
        texts = [u.text for u in units]
        lines = redactor.text("\n".join(texts), f.path).split("\n")
        at = 0
        for u, text in zip(units, texts, strict=True):  # redaction keeps every line in place
            n = text.count("\n") + 1
            redacted = "\n".join(lines[at : at + n])
            at += n
            if redacted != text:
                u.text, u.tokens = redacted, tokens.count(redacted)
        units = [Unit(f.path, None, header, tokens.count(header), header=True), *units]
    return units, redactor.seen


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

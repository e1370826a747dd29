"""The request plan: each change rendered with its definition's full new text (new-file line numbers)
and its diff hunks, packed into model requests under a token budget, a file's changes kept together,
a definition too large for one request split by hunks (and saying so)."""

from __future__ import annotations

from dataclasses import dataclass, field

from codepilot import tokens
from codepilot.changes import Change, ChangeSet, ReviewFile
from codepilot.diff import Hunk
from codepilot.prompts import Templates

FENCE = "````"


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

    @property
    def paths(self) -> list[str]:
        return list(dict.fromkeys(u.path for u in self.units))

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "paths": self.paths, "prompt_tokens": self.prompt_tokens,
                "messages": self.messages,
                "units": [{"path": u.path, "symbol": u.symbol, "part": u.part} for u in self.units]}


def numbered(lines: list[str], start: int, end: int, marked: set[int]) -> str:
    """Lines start..end (1-based, inclusive) with their numbers; added lines marked `+`."""
    end = min(end, len(lines))
    return "\n".join(f"{n:>5}{'+' if n in marked else ' '}| {lines[n - 1].rstrip(chr(13))}"
                     for n in range(max(start, 1), end + 1))


def diff_text(hunks: list[Hunk]) -> str:
    out = []
    for h in hunks:
        out.append(h.header())
        out.extend(ln.kind + ln.text.rstrip("\r") for ln in h.lines)
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


def _block(f: ReviewFile, c: Change, hunks: list[Hunk], span: tuple[int, int] | None, part: str | None) -> str:
    lines = (f.new_text or "").split("\n")
    marked = set(c.added_lines)
    parts = [_title(c, part)]
    if span is not None and f.new_text is not None:
        parts += [f"Code (new file, line numbers; + marks added lines):\n{FENCE}{f.language.name}",
                  numbered(lines, span[0], span[1], marked), FENCE]
    parts += [f"Diff:\n{FENCE}diff", diff_text(hunks), FENCE]
    return "\n".join(parts)


def _code_span(c: Change, hunks: list[Hunk]) -> tuple[int, int] | None:
    if c.side == "old":
        return None
    if c.symbol is not None:
        return c.start_line, c.end_line
    return min(h.new_start for h in hunks), max(h.new_start + h.new_len - 1 for h in hunks)


def units_for(f: ReviewFile, c: Change, budget: int) -> list[Unit]:
    """The change as one unit, or split by hunks (and hunks by lines) when it exceeds `budget`."""
    hunks = [f.diff.hunks[i] for i in c.hunks]
    text = _block(f, c, hunks, _code_span(c, hunks), None)
    n = tokens.count(text)
    if n <= budget:
        return [Unit(f.path, c.symbol, text, n)]
    pieces = [p for h in hunks for p in _split_hunk(h, budget)]
    out = []
    for i, h in enumerate(pieces, 1):
        span = (h.new_start, h.new_start + h.new_len - 1) if c.side == "new" and h.new_len else None
        part = f"{i}/{len(pieces)}"
        t = _block(f, c, [h], span, part)
        out.append(Unit(f.path, c.symbol, t, tokens.count(t), part))
    return out


def _split_hunk(h: Hunk, budget: int) -> list[Hunk]:
    """A hunk cut into consecutive windows whose code and diff fit in `budget` (tokens, estimated)."""
    size = tokens.count(diff_text([h])) * 2 + 50
    if size <= budget or len(h.lines) <= 1:
        return [h]
    per = max(1, len(h.lines) * budget // size)
    out = []
    for i in range(0, len(h.lines), per):
        chunk = h.lines[i:i + per]
        olds = [ln.old for ln in chunk if ln.old is not None]
        news = [ln.new for ln in chunk if ln.new is not None]
        out.append(Hunk(olds[0] if olds else h.old_start, len(olds), news[0] if news else h.new_start,
                        len(news), chunk))
    return out


def plan(changeset: ChangeSet, templates: Templates, budget: int, system: str,
         user_values: dict[str, str]) -> list[Request]:
    """Pack every reviewable change into requests of at most `budget` prompt tokens (estimated)."""
    overhead = tokens.count(system) + tokens.count(templates.render("review-user.md", files="", **user_values))
    room = max(budget - overhead, 200)
    groups: list[list[Unit]] = []
    for f in changeset.files:
        if f.diff.status == "deleted" or f.diff.binary or not f.changes:
            continue
        header = file_header(f)
        units = [u for c in f.changes for u in units_for(f, c, room - tokens.count(header) - 10)]
        groups.append([Unit(f.path, None, header, tokens.count(header), header=True), *units])
    batches = _pack(groups, room)
    requests = []
    for i, units in enumerate(batches, 1):
        files = "\n\n".join(u.text for u in units)
        user = templates.render("review-user.md", files=files, **user_values)
        msgs = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        body = [u for u in units if not u.header]
        requests.append(Request(f"r{i}", body, msgs, tokens.count(system) + tokens.count(user) + 8))
    return requests


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

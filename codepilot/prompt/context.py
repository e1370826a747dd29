"""The request plan: each change's view (`views`) packed into model requests under a token budget, a
file's changes kept together, with the related code of their changes in a share of each request and
everything that would leave the machine redacted (in the worker that built it)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from codepilot.index.related import Item, Related, render
from codepilot.prompt import tokens
from codepilot.prompt.templates import Templates
from codepilot.prompt.views import FENCE, Unit, file_header, units_for
from codepilot.runtime.parallel import fork_map
from codepilot.secrets.memory import CleanTexts
from codepilot.secrets.redact import Redactor
from codepilot.source import moves
from codepilot.source.changes import ChangeSet, ReviewFile, whitespace_only
from codepilot.source.moves import Moves
from codepilot.syntax.languages import suffix

CONTEXT_SHARE = 0.3  # of each request's room, for related code from elsewhere in the repository


@dataclass
class Request:
    id: str
    units: list[Unit]
    messages: list[dict[str, str]] = field(default_factory=list)
    prompt_tokens: int = 0
    # what else it carries: path, lines, kind
    context: list[dict[str, object]] = field(default_factory=list)

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


@dataclass(frozen=True)
class Beside:
    """What a request may carry beside its changes, each optional: the repository's instruction
    files for a request's paths (`guidance`: text and what it lists), the related code the index
    finds (`related`), and where moved code went (`moves`: found here when not given)."""

    guidance: Callable[[list[str]], tuple[str, list[dict[str, object]]]] | None = None
    related: Related | None = None
    moves: Moves | None = None


def plan(
    changeset: ChangeSet,
    templates: Templates,
    budget: int,
    system: str,
    user_values: dict[str, str],
    redactor: Redactor,
    beside: Beside | None = None,
    scanned: CleanTexts | None = None,
) -> list[Request]:
    """Pack every reviewable change into requests of at most `budget` prompt tokens (estimated),
    with the related code of their changes in a fixed share of each; what would leave the machine is
    redacted here, before anyone sees it. `scanned`: the memory of texts found clean before."""
    beside = beside or Beside()
    guidance, related = beside.guidance, beside.related
    overhead = tokens.count(system) + tokens.count(
        templates.render("review-user.md", files="", **user_values)
    )
    room = max(budget - overhead - 24, 200)  # 24: message framing and joins
    share = int(room * CONTEXT_SHARE) if related else 0
    room -= share
    reviewable = [
        f for f in changeset.files if f.diff.status != "deleted" and not f.diff.binary and f.changes
    ]
    groups = []
    found = beside.moves if beside.moves is not None else moves.find(changeset)
    items: dict[tuple[str, int], list[Item]] = {}
    job = functools.partial(_file_units, room=room, moves=found, related=related, scanned=scanned)
    clean: set[bytes] = set()
    memory = scanned or _SCANNED
    memory.ready()
    # the prompt's own texts (the source, the instructions) go with the first file: redacted in a
    # worker, whose secret engine is running anyway, rather than by starting one here
    jobs = [(f, user_values if i == 0 else None) for i, f in enumerate(reviewable)]
    values: dict[str, str] = {}
    for f, done in zip(reviewable, fork_map(job, jobs), strict=True):
        redactor.merge(done.seen)
        clean |= done.clean
        items.update(((f.path, i), lst) for i, lst in done.related.items())
        if done.units:
            groups.append(done.units)
        values.update(done.prompt)
    if not reviewable:
        values = {
            k: _prompt_text_redacted(v, redactor, memory, clean) for k, v in user_values.items()
        }
    batches = pack(groups, room)
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
            said[extra] = _prompt_text_redacted(extra, redactor, memory, clean)
        user = templates.render(
            "review-user.md",
            files=files,
            **{
                **values,
                "instructions": values.get("instructions", "") + (said[extra] if extra else ""),
            },
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
    "Related code from elsewhere in the repository, for reference only: it is not part of the "
    "change and"
    " not under review; do not report findings on it."
)


def _direct(it: Item) -> bool:
    return it.kind in ("callee", "type") and it.score >= 2.5


def _related(
    units: list[Unit], related: dict[tuple[str, int], list[Item]], share: int
) -> tuple[list[Item], str]:
    """The best related items of these units' changes within `share` tokens — each change's best
    item first, then each one's second, ... — never twice, never what the request already shows;
    grouped by file (redacted like the code under review, in the file's worker)."""
    shown: dict[str, list[tuple[int, int]]] = {}
    for u in units:
        if u.span is not None:
            shown.setdefault(u.path, []).append(u.span)
    lists = [
        related.get(key, [])
        for key in dict.fromkeys((u.path, u.change) for u in units if not u.header)
    ]
    # each change's best item first; then what the changes call, resolved, before the other call
    # sites and tests (a same-file callee needs its signature as much as a cross-file one: see issue
    # 26)
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
        if key in taken or any(
            a <= it.start_line and it.end_line <= b for a, b in shown.get(it.path, [])
        ):
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


class FileUnits(NamedTuple):
    """What a worker sends back for one file (a named tuple: it crosses a process boundary)."""

    # the file's header and its changes' units, redacted (none: only blank lines changed)
    units: list[Unit]
    seen: set[tuple[str, str]]  # what redaction found
    related: dict[int, list[Item]]  # the related code of each change, by its index
    clean: set[bytes]  # digests of the texts newly found clean
    prompt: dict[str, str]  # the prompt's own texts the job carried, redacted


def _file_units(
    job: tuple[ReviewFile, dict[str, str] | None],
    room: int,
    moves: Moves | None = None,
    related: Related | None = None,
    scanned: CleanTexts | None = None,
) -> FileUnits:
    """A file's header and its changes' units (none when only blank lines changed), redacted here
    (in the worker that built them); what redaction found; the related code of each change (by its
    index), redacted by each item's own file type; the digests of the texts newly found clean; and
    the prompt's own texts the job carries, redacted."""
    f, prompt = job
    memory = scanned or _SCANNED
    redactor = Redactor()
    clean: set[bytes] = set()
    own = {k: _prompt_text_redacted(v, redactor, memory, clean) for k, v in (prompt or {}).items()}
    header = file_header(f)
    moved = (
        (moves.added_in(f.path), moves.removed_in(f.diff.old_path or f.path))
        if moves is not None
        else None
    )
    budget = room - tokens.count(header) - 10
    units = []
    for i, c in enumerate(f.changes):
        if not whitespace_only(f, c):
            for u in units_for(f, c, budget, moved):
                u.change = i
                units.append(u)
    if not units:
        return FileUnits([], redactor.seen, {}, clean, own)
    items = related.for_file(f) if related is not None else {}
    clean |= _redact(units, [it for lst in items.values() for it in lst], redactor, memory)
    units = [Unit(f.path, None, header, tokens.count(header), header=True), *units]
    return FileUnits(units, redactor.seen, items, clean, own)


def _prompt_text_redacted(
    text: str, redactor: Redactor, memory: CleanTexts, clean: set[bytes]
) -> str:
    """A text of the prompt itself (the source, the instructions) redacted, unless found clean
    before; its digest goes to `clean` when nothing was found in it."""
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


def _redact(
    units: list[Unit], items: list[Item], redactor: Redactor, scanned: CleanTexts
) -> set[bytes]:
    """The units and the related items redacted, each as code of its own file type, one pass per
    type (the engines cost per call: the units and the items of their type go together); texts
    already found clean (in this process or an earlier run) are not scanned again. The digests of
    the texts found clean now."""
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
        for i, text, new in zip(
            group, texts, _redact_texts(texts, parts[group[0]].path, redactor), strict=True
        ):
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
    """`texts` redacted in one pass as code of `path`'s type (redaction keeps every line in
    place)."""
    lines = redactor.text("\n".join(texts), path).split("\n")
    out, at = [], 0
    for text in texts:
        n = text.count("\n") + 1
        out.append("\n".join(lines[at : at + n]))
        at += n
    return out


def pack(groups: list[list[Unit]], room: int) -> list[list[Unit]]:
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

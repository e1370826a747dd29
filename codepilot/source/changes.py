"""From changed files to reviewable changes: which files are skipped (and why), each version read
once and parsed once, and every changed line put in exactly one change under its innermost
definition."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Any

from codepilot.runtime.config import Config
from codepilot.runtime.parallel import fork_iter, will_fork
from codepilot.source import globs
from codepilot.source.diff import (
    SUBMODULE,
    SYMLINK,
    FileChange,
    Hunk,
    HunkRows,
    Source,
    whole_file_hunk,
)
from codepilot.source.git import NULL_SHA, Repo, blob_id
from codepilot.syntax import Definition, Language, Outline, detect, outline
from codepilot.syntax.facts import Rows, extract, prepare
from codepilot.syntax.outline import Edit, parser_for, reparse

_GENERATED_MARK = re.compile(
    rb"@generated|DO NOT EDIT|Code generated .{0,80}DO NOT EDIT|(?:auto-?generated|generated "
    rb"automatically)"
    rb" (?:by|from|with)",
    re.IGNORECASE,
)


CONTAINER_KINDS = frozenset(
    {"class", "struct", "interface", "impl", "trait", "enum", "module", "namespace", "type", "file"}
)


@dataclass
class Change:
    """Changed lines under one definition (or one hunk at module level): a `change` of
    docs/reference.md."""

    symbol: str | None
    kind: str
    start_line: int
    end_line: int
    added_lines: list[int] = field(default_factory=list)
    removed_lines: list[int] = field(default_factory=list)
    hunks: list[int] = field(default_factory=list)  # indices into the file's hunks
    side: str = "new"  # which version start_line/end_line refer to

    def to_json(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "kind": self.kind,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "added_lines": self.added_lines,
            "removed_lines": self.removed_lines,
        }


@dataclass
class ReviewFile:
    diff: FileChange
    language: Language
    old_text: str | None
    new_text: str | None
    changes: list[Change]

    @property
    def path(self) -> str:
        return self.diff.path

    @cached_property
    def new_lines(self) -> list[str]:
        return (self.new_text or "").split("\n")

    @cached_property
    def old_lines(self) -> list[str]:
        return (self.old_text or "").split("\n")

    @property
    def status(self) -> str:
        return "binary" if self.diff.binary else self.diff.status

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "old_path": self.diff.old_path,
            "status": self.status,
            "language": self.language.name,
            "changes": [c.to_json() for c in self.changes],
        }
        if self.diff.old_mode != self.diff.new_mode and "000000" not in (
            self.diff.old_mode,
            self.diff.new_mode,
        ):
            out["mode"] = {"old": self.diff.old_mode, "new": self.diff.new_mode}
        return out


@dataclass
class Skipped:
    path: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class ChangeSet:
    source: Source
    files: list[ReviewFile]
    skipped: list[Skipped]
    # blob id -> its index rows (parsed here)
    facts: dict[str, tuple[Language, Rows]] = field(default_factory=dict)

    def file(self, path: str) -> ReviewFile | None:
        return self._by_path.get(path)

    @cached_property
    def _by_path(self) -> dict[str, ReviewFile]:
        return {f.path: f for f in self.files}


NAMED = "its name holds a credential; never read nor sent"


def _named(path: str) -> str | None:
    from codepilot.secrets.redact import in_name

    return in_name(path)


def _rule_reason(fc: FileChange, cfg: Config, attrs: dict[str, set[str]]) -> str | None:
    """Skips decided by name, mode and attributes, before any content is read."""
    path = fc.path
    if _named(path):
        return NAMED
    if pattern := globs.matches(path, cfg.deny, ignore_case=True):
        return f"denied: matches {pattern}; never sent"
    if fc.untracked and not cfg.untracked:
        return "untracked (untracked = false in the configuration)"
    if SUBMODULE in (fc.old_mode, fc.new_mode):
        return "submodule"
    if SYMLINK in (fc.new_mode if fc.status != "deleted" else fc.old_mode,):
        return "symlink"
    if fc.binary:
        return "binary"
    if pattern := globs.matches(path, cfg.exclude):
        return f"excluded: matches {pattern}"
    if cfg.include and not globs.matches(path, cfg.include):
        return "not included by the include globs"
    if "linguist-generated" in attrs.get(path, ()):
        return "generated (linguist-generated)"
    if "linguist-vendored" in attrs.get(path, ()):
        return "vendored (linguist-vendored)"
    if pattern := globs.matches(path, cfg.generated):
        return f"generated or vendored: matches {pattern}"
    return None


def _content_reason(data: bytes, cfg: Config) -> str | None:
    if len(data) > cfg.max_file_bytes:
        return f"too large: {len(data)} bytes > max_file_bytes {cfg.max_file_bytes}"
    if b"\0" in data[:8000]:
        return "binary"
    lines = data.count(b"\n") + 1
    if len(data) > 2000 and len(data) / lines > cfg.max_line_length:
        return f"minified: {len(data) // lines} characters per line on average"
    if _GENERATED_MARK.search(b"\n".join(data.split(b"\n", 5)[:5])):
        return "generated: marked as generated in its first lines"
    return None


def _attributes(repo: Repo, paths: list[str]) -> dict[str, set[str]]:
    """linguist-generated / linguist-vendored from .gitattributes, in one `git check-attr` call."""
    if not paths:
        return {}
    out = repo.git(
        "check-attr",
        "-z",
        "--stdin",
        "linguist-generated",
        "linguist-vendored",
        stdin="\0".join(paths).encode("utf-8", "surrogateescape") + b"\0",
    )
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    found: dict[str, set[str]] = {}
    for i in range(0, len(fields) - 2, 3):
        if fields[i + 2] in ("set", "true"):
            found.setdefault(fields[i], set()).add(fields[i + 1])
    return found


def _read_new(fc: FileChange, blobs: dict[str, bytes], root: Path) -> bytes | None:
    if fc.status == "deleted":
        return None
    if fc.new_sha != NULL_SHA:
        return blobs[fc.new_sha]
    try:
        return (root / fc.path).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None


def _decode(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", "replace")


@dataclass
class FilesRead:
    """The changed files read and filtered, before their lines are mapped: what `Mapping` works
    on."""

    source: Source
    files: list[ReviewFile]  # every file that gets a report entry (reviewable and binary)
    skipped: list[Skipped]
    # the reviewable ones, with both versions
    todo: list[tuple[ReviewFile, bytes | None, bytes | None]]


def read(repo: Repo, source: Source, files: list[FileChange], cfg: Config) -> FilesRead:
    """Every changed file's versions read once (one bulk read), and the files that are not reviewed
    set aside with their reason."""
    attrs = _attributes(repo, [fc.path for fc in files])
    reasons = [_rule_reason(fc, cfg, attrs) for fc in files]
    wanted = [
        sha
        for fc, r in zip(files, reasons, strict=True)
        if r is None
        for sha in (fc.old_sha, fc.new_sha)
        if sha != NULL_SHA
    ]
    blobs = repo.blobs(wanted)
    out, skipped = [], []
    todo: list[tuple[ReviewFile, bytes | None, bytes | None]] = []
    for fc, reason in zip(files, reasons, strict=True):
        old = blobs[fc.old_sha] if reason is None and fc.old_path is not None else None
        new = _read_new(fc, blobs, repo.root) if reason is None else None
        if reason is None:
            reason = _content_reason(new if new is not None else (old or b""), cfg)
        if reason == "binary" or fc.binary:
            fc.binary = True
            out.append(ReviewFile(fc, detect(fc.path), None, None, []))
        if reason is not None:
            shown = (_named(fc.path) or fc.path) if reason == NAMED else fc.path
            skipped.append(Skipped(shown, reason))
            continue
        if fc.untracked:
            fc.hunks = whole_file_hunk(_decode(new) or "")
        rf = ReviewFile(
            fc, detect(fc.path, (new or old or b"")[:200]), _decode(old), _decode(new), []
        )
        out.append(rf)
        todo.append((rf, old, new))
    return FilesRead(source, out, skipped, todo)


def prepare_for_mapping(
    files: list[FileChange], index_wants: Callable[[set[str]], set[str]] | None = None
) -> None:
    """Make ready ahead (while git writes the patch) what mapping these changed files will need: the
    parsers and outline queries of their languages, and the index's query when it lacks one of their
    new versions — compiled here once for the workers to inherit. Only for a change workers will
    map."""
    if not will_fork(len(files)):
        return
    langs = {detect(fc.path) for fc in files if fc.status != "deleted"}
    shas = {fc.new_sha for fc in files if fc.new_sha != NULL_SHA and detect(fc.path).parsed}
    prepare(
        langs, facts=bool(index_wants is not None and shas and index_wants(shas)), outlines=True
    )


class Mapping:
    """Outline every reviewable file and map every changed line into one change: by workers already
    at work when `forked` (the caller may do work of its own meanwhile), the results taken by
    `finish`. With `index_wants` (which of these blob ids the repository index lacks), the new
    versions it lacks are also read for the index from the same parse (`ChangeSet.facts`): no file
    is parsed twice."""

    def __init__(
        self, read: FilesRead, index_wants: Callable[[set[str]], set[str]] | None = None
    ) -> None:
        self.read = read
        todo = read.todo
        self._ids = {
            rf.path: rf.diff.new_sha
            if rf.diff.new_sha != NULL_SHA
            else blob_id(new)  # read from that blob: its id
            for rf, _, new in todo
            if index_wants is not None
            and new is not None
            and rf.language.parsed
            and detect(rf.path) == rf.language
        }
        lacking = (
            index_wants(set(self._ids.values())) if index_wants is not None and self._ids else set()
        )
        jobs = [
            (rf.diff, rf.language, old, new, self._ids.get(rf.path) in lacking)
            for rf, old, new in todo
        ]
        if will_fork(len(jobs)):
            prepare(
                (rf.language for rf, _, _ in todo),
                facts=any(job[4] for job in jobs),
                outlines=True,
            )
        self._results = fork_iter(_map_job, jobs)
        self.forked = self._results.forked

    def finish(self) -> ChangeSet:
        """The change set, once every file is mapped."""
        read = self.read
        facts: dict[str, tuple[Language, Rows]] = {}
        try:
            for (rf, _, _), (changes, hunks, rows) in zip(read.todo, self._results, strict=True):
                rf.changes = changes
                if hunks is not None and not rf.diff.hunks_read:  # read in a worker
                    rf.diff.set_hunk_rows(hunks)
                if rows is not None:
                    facts[self._ids[rf.path]] = (rf.language, rows)
        finally:
            self._results.close()
        # a file whose every change only adds, removes or trims blank space has nothing to review:
        # it is listed as such, never dropped silently (see issue 23)
        quiet = [
            f for f in read.files if f.changes and all(whitespace_only(f, c) for c in f.changes)
        ]
        files = [f for f in read.files if f not in quiet]
        skipped = read.skipped + [Skipped(f.path, "whitespace only") for f in quiet]
        return ChangeSet(read.source, files, skipped, facts)

    def close(self) -> None:
        """Stop the workers (a run that ends before `finish`)."""
        self._results.close()


def whitespace_only(f: ReviewFile, c: Change) -> bool:
    """The change's added and removed lines are the same once blank lines are left out and trailing
    blanks trimmed (indentation counts: in Python it is code)."""
    new, old = f.new_lines, f.old_lines
    added = [new[n - 1] for n in c.added_lines if n <= len(new)]
    removed = [old[n - 1] for n in c.removed_lines if n <= len(old)]
    # equal as decoded, not as bytes (undecodable bytes changed): not blank space
    if added == removed:
        return False
    return [x.rstrip() for x in added if x.strip()] == [x.rstrip() for x in removed if x.strip()]


def _map_job(
    job: tuple[FileChange, Language, bytes | None, bytes | None, bool],
) -> tuple[list[Change], HunkRows | None, Rows | None]:
    """A file's changes; its hunks when they were read here (in a worker: sent back as rows); the
    index rows of its new version when the index lacks them."""
    fc, lang, old, new, index = job
    unread = not fc.hunks_read
    tree = parser_for(lang).parse(new) if index and new is not None else None
    facts = extract(lang, new, tree) if tree is not None and new is not None else None
    changes = map_changes(
        fc.hunks, lang, old, new, tree, facts.found if facts is not None else None
    )
    return changes, fc.hunk_rows() if unread else None, facts.rows() if facts is not None else None


def map_changes(
    hunks: list[Hunk],
    lang: Language,
    old: bytes | None,
    new: bytes | None,
    new_tree: Any = None,
    new_found: list[Any] | None = None,
) -> list[Change]:
    """Every added line (new numbering) and removed line (old numbering) into exactly one change
    (`new_tree`: the new version's parse, when the caller has it; `new_found`: its definitions, when
    the index's query found them already)."""
    has_added = any(ln.kind == "+" for h in hunks for ln in h.lines)
    has_removed = any(ln.kind == "-" for h in hunks for ln in h.lines)
    new_span = _span([(h.new_start, h.new_start + h.new_len - 1) for h in hunks if h.new_len])
    old_span = _span([(h.old_start, h.old_start + h.old_len - 1) for h in hunks if h.old_len])
    if new_tree is None and lang.parsed and new is not None and (has_added or has_removed):
        new_tree = parser_for(lang).parse(new)
    new_outline = (
        outline(lang, new, new_span, new_tree, new_found)
        if new is not None and (has_added or has_removed)
        else None
    )
    old_tree = None
    if old is not None and new is not None and new_tree is not None and has_removed:
        edits = _edits(hunks, new, old)
        old_tree = reparse(lang, old, new_tree, edits) if edits is not None else None
    old_outline = (
        outline(lang, old, old_span, old_tree) if old is not None and has_removed else None
    )
    groups: dict[object, Change] = {}
    kind = "module" if lang.parsed else "file"
    for hi, hunk in enumerate(hunks):
        for ln in hunk.lines:
            if ln.kind == " ":
                continue
            if ln.kind == "+":
                assert ln.new is not None
                key, change = _for_added(ln.new, new_outline, hi, hunk, kind)
            else:
                assert ln.old is not None
                key, change = _for_removed(ln.old, old_outline, new_outline, hi, hunk, kind)
            c = groups.setdefault(key, change)
            number = ln.new if ln.kind == "+" else ln.old
            assert number is not None
            (c.added_lines if ln.kind == "+" else c.removed_lines).append(number)
            if not c.hunks or c.hunks[-1] != hi:
                c.hunks.append(hi)
    changes = list(groups.values())
    for c in changes:
        if c.symbol is None:
            _hunk_span(c)
    changes.sort(key=lambda c: (c.start_line, c.side, c.symbol or ""))
    return changes


def _edits(hunks: list[Hunk], new: bytes, old: bytes) -> list[Edit] | None:
    """The hunks as the edits that turn `new` back into `old` (for parsing the old version from the
    new one's parse): each hunk's new lines replaced by its old lines, in the old text's offsets.
    None unless they describe exactly these two texts (a work-tree file that git's filters changed
    may not)."""
    new_at, old_at = _line_starts(new), _line_starts(old)
    edits: list[Edit] = []
    new_done = old_done = 0  # where the previous hunk ended, in each text
    for h in hunks:
        # 0-based; an empty side sits after its line
        first_new = h.new_start - 1 if h.new_len else h.new_start
        first_old = h.old_start - 1 if h.old_len else h.old_start
        end_new, end_old = first_new + h.new_len, first_old + h.old_len
        if end_new >= len(new_at) or end_old >= len(old_at) or first_new < 0 or first_old < 0:
            return None
        start_new, start_old = new_at[first_new], old_at[first_old]
        if (
            start_new < new_done
            or start_old < old_done
            or new[new_done:start_new] != old[old_done:start_old]
        ):
            return None
        was, now = new[start_new : new_at[end_new]], old[start_old : old_at[end_old]]
        edits.append(
            (
                start_old,
                start_old + len(was),
                start_old + len(now),
                first_old,
                *_end(was),
                *_end(now),
            )
        )
        new_done, old_done = new_at[end_new], old_at[end_old]
    return edits if new[new_done:] == old[old_done:] else None


def _end(text: bytes) -> tuple[int, int]:
    """Where `text` ends, from the start of a line: rows down, then the column."""
    return text.count(b"\n"), len(text) - (text.rfind(b"\n") + 1)


def _line_starts(data: bytes) -> list[int]:
    """The offset of each line's start, and the text's end (index = number of lines)."""
    starts = list(accumulate((len(line) + 1 for line in data.split(b"\n")), initial=0))
    starts[-1] = len(data)
    return starts


def _span(ranges: list[tuple[int, int]]) -> tuple[int, int] | None:
    return (min(a for a, _ in ranges), max(b for _, b in ranges)) if ranges else None


def _from_def(d: Definition, side: str) -> Change:
    return Change(d.symbol, d.kind, d.start_line, d.end_line, side=side)


def _for_added(
    line: int, new: Outline | None, hi: int, hunk: Hunk, kind: str
) -> tuple[object, Change]:
    d = new.at(line) if new else None
    if d is None:
        return ("hunk", hi), Change(None, kind, hunk.new_start, hunk.new_start)
    return ("new", d), _from_def(d, "new")


def _for_removed(
    line: int, old: Outline | None, new: Outline | None, hi: int, hunk: Hunk, kind: str
) -> tuple[object, Change]:
    d = old.at(line) if old else None
    if d is None:
        return ("hunk", hi), Change(None, kind, hunk.new_start, hunk.new_start)
    twins = new.named(d.symbol) if new else []
    if twins:
        near = min(twins, key=lambda t: abs(t.start_line - hunk.new_start))
        return ("new", near), _from_def(near, "new")
    return ("old", d), _from_def(d, "old")


def _hunk_span(c: Change) -> None:
    """A module-level change spans its lines: new-file lines where it adds, old-file lines
    otherwise."""
    if c.added_lines:
        c.start_line, c.end_line = min(c.added_lines), max(c.added_lines)
    else:
        c.start_line, c.end_line, c.side = min(c.removed_lines), max(c.removed_lines), "old"

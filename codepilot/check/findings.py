"""Checking what the model answered (untrusted input): paths confined to the files of this change,
lines re-anchored to where the finding's own code really is, findings off the change moved to the
nearest changed line of their definition or kept at file level (never lost silently), duplicates
merged, and a stable id that does not depend on line numbers."""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from codepilot.check.placement import Lines, locate, split_lines
from codepilot.model.answers import SEVERITIES, AnswerFinding, Fix
from codepilot.source.changes import ChangeSet, ReviewFile
from codepilot.source.dismissals import Dismissal, ignored, matches
from codepilot.syntax import Outline, outline


@dataclass
class Finding:
    id: str
    path: str
    line: int
    end_line: int
    severity: str
    category: str
    title: str
    body: str
    fix: Fix | None
    symbol: str | None
    placement: str  # change | context | definition | file: where it sits relative to the diff
    request: str
    model_line: int
    patch: str | None = None
    note: str | None = None
    merged: int = 0
    applied: bool = False
    suggestion: list[str] | None = (
        None  # the fix's new lines, when its patch replaces exactly line..end_line
    )
    replaced: list[str] | None = (
        None  # the file's lines line..end_line that the placed fix replaces
    )
    status: str | None = None  # new / still present, from the history (None when it is off)
    found_in: str | None = (
        None  # an incremental PR review: the head of the earlier run that found it
    )
    source: str = "model"  # or the check that reported it (ruff, mypy, ...)
    rule: str | None = None  # the check's rule id

    def add_note(self, text: str) -> None:
        """What a later stage says about the finding (placed elsewhere, merged, no patch, not
        staged), after what earlier stages said."""
        self.note = f"{self.note}; {text}" if self.note else text

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "line": self.line,
            "end_line": self.end_line,
            "severity": self.severity,
            "category": self.category,
            "title": self.title,
            "body": self.body,
            "patch": self.patch,
            "symbol": self.symbol,
            "placement": self.placement,
            "fix": self.fix.model_dump() if self.fix else None,
            "note": self.note,
            "applied": self.applied,
            "status": self.status,
            "found_in": self.found_in,
            "source": self.source,
            "rule": self.rule,
            "placed_fix": None
            if self.suggestion is None or self.patch is None
            else {
                "start_line": self.line,
                "end_line": self.end_line,
                "find": "\n".join(self.replaced or []),
                "replace": "\n".join(self.suggestion),
            },
        }


def severity_rank(severity: str) -> int:
    return len(SEVERITIES) - SEVERITIES.index(severity) if severity in SEVERITIES else 0


def confine(raw: str) -> tuple[str | None, str | None]:
    """A model-given path made repository-relative, or (None, reason) when it points outside the
    repository or into .git."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw.strip()):
        return None, "control character in path"
    p = raw.strip().strip("`'\"").replace("\\", "/")
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        return None, "absolute path"
    if ".." in p.split("/"):
        return None, "path outside the repository"
    p = posixpath.normpath(p)
    if p == ".git" or p.startswith(".git/") or "/.git/" in f"/{p}/":
        return None, "path inside .git"
    return (p, None) if p not in ("", ".") else (None, "empty path")


def resolve_path(raw: str, reviewed: dict[str, ReviewFile]) -> tuple[str | None, str | None]:
    """(path, None) for a reviewed file of this change; (None, reason) otherwise."""
    if raw in reviewed:  # exactly a name git gave us (it may hold a backslash or a space)
        return raw, None
    p, reason = confine(raw)
    if p is None:
        return None, reason
    if p in reviewed:
        return p, None
    for prefix in ("a/", "b/"):
        if p.startswith(prefix) and p[len(prefix) :] in reviewed:
            return p[len(prefix) :], None
    return None, "not a file of this change"


def _short(text: str, limit: int) -> str:
    """One line of at most `limit` characters (a title from the model)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stable_id(path: str, category: str, title: str, code: str) -> str:
    norm_title = " ".join(re.findall(r"[a-z0-9]+", title.lower()))
    norm_code = " ".join(code.split())
    return hashlib.sha256(f"{path}\0{category}\0{norm_title}\0{norm_code}".encode()).hexdigest()[
        :16
    ]


class _FileView:
    """What the checks need of one reviewed file: its lines, the diff lines, its definitions."""

    def __init__(self, f: ReviewFile) -> None:
        self.file = f
        self.lines = Lines(split_lines(f.new_text or ""))
        self.added = {n for c in f.changes for n in c.added_lines}
        self.context = {ln.new for h in f.diff.hunks for ln in h.lines if ln.new is not None}
        self._outline: Outline | None = None

    @property
    def outline(self) -> Outline:
        if self._outline is None:
            self._outline = outline(
                self.file.language, (self.file.new_text or "").encode("utf-8", "replace")
            )
        return self._outline


def _anchor(view: _FileView, a: AnswerFinding) -> tuple[int, int, str | None]:
    """(line, end_line, note): the fix's `find` text wins over the model's line number."""
    n = len(view.lines)
    line = a.line
    end = a.end_line if a.end_line is not None and a.end_line >= a.line else a.line
    if a.fix is not None and a.fix.find.strip():
        found = locate(view.lines, a.fix.find)
        if found:
            start = min(found.starts, key=lambda h: (abs(h - line), h))
            return start, start + found.length - 1, None
    if 1 <= line <= n:
        return line, min(end, n), None
    first = min(view.added) if view.added else 1
    return first, first, f"the model gave line {a.line}, which the file does not have"


def _place(view: _FileView, line: int, end: int) -> tuple[int, int, str]:
    span = set(range(line, end + 1))
    if span & view.added:
        return line, end, "change"
    if span & view.context:
        return line, end, "context"
    d = view.outline.at(line)
    if d is not None:
        inside = [n for n in view.added if d.start_line <= n <= d.end_line]
        if inside:
            nearest = min(inside, key=lambda n: (abs(n - line), n))
            return nearest, nearest, "definition"
    return line, end, "file"


def check(
    changeset: ChangeSet,
    answers: list[tuple[str, AnswerFinding]],
    deadline: float | None = None,
    dismissed: list[Dismissal] | None = None,
) -> tuple[list[Finding], Counter[str], set[str]]:
    """Every finding checked against the repository and the change; in answer order, duplicates
    merged. Past `deadline` (time.monotonic()) the rest is not checked, so not reported: the paths
    it named are returned as work not done."""
    reviewed = {f.path: f for f in changeset.files if f.new_text is not None and not f.diff.binary}
    views: dict[str, _FileView] = {}
    # refused findings by reason: a hostile answer is never reported
    dropped: Counter[str] = Counter()
    out: list[Finding] = []
    unchecked: set[str] = set()
    for index, (request_id, a) in enumerate(answers):
        if deadline is not None and index % 64 == 0 and time.monotonic() > deadline:
            unchecked = {
                p for _, rest in answers[index:] if (p := resolve_path(rest.path, reviewed)[0])
            }
            dropped["not checked: the time limit ran out"] += len(answers) - index
            break
        path, reason = resolve_path(a.path, reviewed)
        if path is None:
            dropped[reason or "invalid path"] += 1
            continue
        view = views.get(path) or views.setdefault(path, _FileView(reviewed[path]))
        line, end, note = _anchor(view, a)
        line, end, placement = _place(view, line, end)
        if ignored(view.lines, line):
            dropped["kept off by a `codepilot: ignore` comment"] += 1
            continue
        code = "\n".join(view.lines[line - 1 : end])
        d = view.outline.at(line)
        title = _short(a.title, 200)
        fid = stable_id(path, a.category, title, code)
        if any(matches(d, fid, path, a.category, title) for d in dismissed or []):
            dropped["dismissed (codepilot dismiss)"] += 1
            continue
        finding = Finding(
            fid,
            path,
            line,
            end,
            a.severity,
            a.category,
            title,
            a.body.strip()[:8000],
            a.fix,
            d.symbol if d else None,
            placement,
            request_id,
            a.line,
            note="; ".join(n for n in (a.note, note) if n) or None,
        )
        if placement == "definition":
            owner = d.symbol if d else "its definition"
            moved = (
                f"moved from line {a.line}, outside the change, to the nearest changed line of "
                f"{owner}"
            )
            finding.add_note(moved)
        out.append(finding)
    return merge_duplicates(out), dropped, unchecked


def merge_duplicates(findings: list[Finding]) -> list[Finding]:
    """Duplicates merged (same id, or same place, category and meaning): about linear, each finding
    compared only with the kept ones of its file and category."""
    kept: list[Finding] = []
    by_id: dict[str, Finding] = {}
    by_place: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        twin = by_id.get(f.id) or next(
            (
                k
                for k in by_place.get((f.path, f.category), [])
                if k.line <= f.end_line and f.line <= k.end_line and _similar(k.title, f.title)
            ),
            None,
        )
        if twin is None:
            kept.append(f)
            by_id[f.id] = f
            by_place.setdefault((f.path, f.category), []).append(f)
            continue
        twin.merged += 1
        if severity_rank(f.severity) > severity_rank(twin.severity):
            twin.severity = f.severity
        if twin.fix is None and f.fix is not None:
            twin.fix = f.fix
    return kept


_SPAN = 40  # lines a finding is indexed under for merging (wider findings: their first 40)


@functools.lru_cache(maxsize=4096)
def _words(title: str) -> frozenset[str]:
    return frozenset(re.findall(r"[a-z0-9]+", title.lower()))


def _similar(a: str, b: str) -> bool:
    wa, wb = _words(a), _words(b)
    return bool(wa and wb) and len(wa & wb) / len(wa | wb) >= 0.5

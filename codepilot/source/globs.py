"""gitignore-style globs: `*` stays inside a folder, `**` crosses folders, a bare name matches
anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache


def _translate(body: str) -> str:
    out, i = [], 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    return "".join(out)


def _named(pattern: str) -> bool:
    """A pattern that names a file or folder at any depth (`*.pem`, `.env`, `docs/`): it matches a
    path when it matches one of the path's parts."""
    body = pattern.strip("/")
    return "/" not in body and "**" not in body and "/" not in pattern.rstrip("/")


def _whole(pattern: str) -> str:
    anchored = "/" in pattern.rstrip("/")
    # unanchored: at any depth; a pattern naming a folder matches everything under it
    return ("" if anchored else "(?:.*/)?") + _translate(pattern.strip("/")) + "(?:/.*)?"


_WILD = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class _Set:
    """Patterns compiled for many paths. Those naming a part are tried on each part of a path: a
    plain name by lookup, `*suffix` by `endswith`, the rest as one expression; the others as one
    expression on the whole path. In an expression each pattern is its own group, in order, so the
    first group to match is the first of its patterns that matches."""

    names: dict[str, int]  # plain name -> its first position (lower case when case is ignored)
    suffixes: tuple[tuple[str, int], ...]  # `*suffix` -> its position
    ends: tuple[str, ...]  # the suffixes alone (one `endswith` for all)
    parts: re.Pattern[str] | None
    part_index: tuple[int, ...]
    paths: re.Pattern[str] | None
    path_index: tuple[int, ...]
    fold: bool

    def first(self, path: str) -> int | None:
        found: list[int] = []
        if self.paths is not None and (m := self.paths.fullmatch(path)) and m.lastindex:
            found.append(self.path_index[m.lastindex - 1])
        key = path.lower() if self.fold else path
        for part in key.split("/"):
            if part in self.names:
                found.append(self.names[part])
            if self.ends and part.endswith(self.ends):
                found.extend(i for s, i in self.suffixes if part.endswith(s))
            if self.parts is not None and (m := self.parts.fullmatch(part)) and m.lastindex:
                found.append(self.part_index[m.lastindex - 1])
        return min(found) if found else None


def _one(sources: list[str], flags: int) -> re.Pattern[str] | None:
    return re.compile("|".join(f"({s})" for s in sources), flags) if sources else None


@lru_cache(maxsize=256)
def _set(patterns: tuple[str, ...], ignore_case: bool) -> _Set:
    def fold(text: str) -> str:
        return text.lower() if ignore_case else text

    names: dict[str, int] = {}
    suffixes, parts, other = [], [], []
    for i, pattern in enumerate(patterns):
        body = pattern.strip("/")
        if not _named(pattern):
            other.append(i)
        elif not _WILD.search(body):
            names.setdefault(fold(body), i)
        elif body.startswith("*") and not _WILD.search(body[1:]):
            suffixes.append((fold(body[1:]), i))
        else:
            parts.append(i)
    flags = re.IGNORECASE if ignore_case else 0
    return _Set(
        names,
        tuple(suffixes),
        tuple(s for s, _ in suffixes),
        _one([_translate(patterns[i].strip("/")) for i in parts], flags),
        tuple(parts),
        _one([_whole(patterns[i]) for i in other], flags),
        tuple(other),
        ignore_case,
    )


def matches(path: str, patterns: Iterable[str], ignore_case: bool = False) -> str | None:
    """The first pattern that matches `path` (repository-relative, `/`-separated), or None."""
    listed = tuple(patterns)
    first = _set(listed, ignore_case).first(path) if listed else None
    return None if first is None else listed[first]

"""gitignore-style globs: `*` stays inside a folder, `**` crosses folders, a bare name matches anywhere."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=512)
def _compile(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    anchored = "/" in pattern.rstrip("/")
    body = pattern.strip("/")
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
    prefix = "" if anchored else "(?:.*/)?"
    # a pattern naming a folder matches everything under it
    return re.compile(prefix + "".join(out) + "(?:/.*)?", re.IGNORECASE if ignore_case else 0)


def matches(path: str, patterns: Iterable[str], ignore_case: bool = False) -> str | None:
    """The first pattern that matches `path` (repository-relative, `/`-separated), or None."""
    for pattern in patterns:
        if _compile(pattern, ignore_case).fullmatch(path):
            return pattern
    return None

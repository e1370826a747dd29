"""Dismissals that stick: `codepilot dismiss ID` records a finding the team does not want to see
again in `.codepilot/dismissals.json`, a file meant to be committed (the team and CI share it).
Later runs drop a dismissed finding by its id, which does not depend on line numbers, so it stays
dismissed after its code moves; a finding in the same file with the same category and a title of the
same meaning counts too. A line holding `codepilot: ignore` (in any comment syntax), or the line
above it, keeps findings off that line. Recent reasons reach the prompt as project guidance."""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from codepilot.runtime.errors import UsageError

FILE = ".codepilot/dismissals.json"
IGNORE = re.compile(r"codepilot:\s*ignore", re.IGNORECASE)
GUIDANCE_ITEMS, GUIDANCE_CHARS = 10, 1500


@dataclass
class Dismissal:
    id: str
    path: str = ""
    category: str = ""
    title: str = ""
    reason: str = ""
    when: float = 0.0


def path_of(root: Path) -> Path:
    return root / FILE


def load(root: Path) -> list[Dismissal]:
    path = path_of(root)
    if not path.is_file() or path.is_symlink():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [
            Dismissal(**{k: v for k, v in d.items() if k in Dismissal.__dataclass_fields__})
            for d in raw.get("dismissed", [])
            if isinstance(d, dict) and d.get("id")
        ]
    except (OSError, ValueError, TypeError, AttributeError) as e:
        raise UsageError(f"{FILE}: cannot read it ({e}); fix or remove the file") from None


def save(root: Path, items: list[Dismissal]) -> None:
    path = path_of(root)
    if path.parent.is_symlink() or path.is_symlink():
        raise UsageError(f"{FILE}: a symbolic link in its path: not followed")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "version": 1,
        "about": "findings dismissed with `codepilot dismiss`; commit this file to share them",
        "dismissed": [asdict(d) for d in sorted(items, key=lambda d: d.when)],
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


def dismiss(root: Path, item: Dismissal) -> bool:
    """Record it (True), or say it was there already (False)."""
    items = load(root)
    if any(d.id == item.id for d in items):
        return False
    item.when = item.when or time.time()
    save(root, [*items, item])
    return True


def undo(root: Path, finding_id: str) -> bool:
    items = load(root)
    kept = [d for d in items if d.id != finding_id and not d.id.startswith(finding_id)]
    if len(kept) == len(items):
        return False
    save(root, kept)
    return True


def _words(title: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", title.lower()))


def matches(d: Dismissal, finding_id: str, path: str, category: str, title: str) -> bool:
    if d.id == finding_id:
        return True
    if not d.title or d.path != path or d.category != category:
        return False
    a, b = _words(d.title), _words(title)
    return bool(a and b) and len(a & b) / len(a | b) >= 0.6


def ignored(lines: list[str], line: int) -> bool:
    """`codepilot: ignore` on the finding's line or the line above it."""
    return any(0 < n <= len(lines) and IGNORE.search(lines[n - 1]) for n in (line, line - 1))


def guidance(items: list[Dismissal]) -> str:
    """The latest dismissal reasons, as project guidance for the prompt (capped)."""
    lines, size = [], 0
    for d in sorted(items, key=lambda d: -d.when)[:GUIDANCE_ITEMS]:
        if not d.title:
            continue
        line = f"- not wanted: {d.title}" + (f" (reason: {d.reason})" if d.reason else "")
        if size + len(line) > GUIDANCE_CHARS:
            break
        lines.append(line)
        size += len(line)
    return (
        (
            "The team dismissed these findings before; do not report the like again:\n"
            + "\n".join(lines)
        )
        if lines
        else ""
    )

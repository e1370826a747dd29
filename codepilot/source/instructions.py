"""What a repository tells the model: the instruction files teams already keep for AI tools, each
sent only with the files it applies to — `AGENTS.md` and `CLAUDE.md` in any folder (files under it;
the nearest and its ancestors apply), `.github/copilot-instructions.md` and `.cursorrules` (every
file), `.github/instructions/*.instructions.md` (front matter `applyTo` globs; `excludeAgent:
"code-review"` honoured), `.cursor/rules/*.mdc` (`globs`, or `alwaysApply`) — plus the
configuration's own `instructions` and `path_instructions`. Read from the reviewed tree, size-capped
(said when cut)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codepilot.source import globs
from codepilot.source.git import Repo

if TYPE_CHECKING:
    from codepilot.source.changes import ReviewFile
    from codepilot.source.diff import Source

PER_FILE_CHARS, TOTAL_CHARS = 4000, 8000
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


@dataclass
class Instruction:
    path: str  # the instruction file
    text: str
    applies: list[str]  # globs of the files it applies to ("**" for every file)
    lines: int = 0

    def covers(self, path: str) -> bool:
        return globs.matches(path, self.applies) is not None


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    m = _FRONT.match(text)
    if not m:
        return {}, text
    keys = {}
    for line in m.group(1).splitlines():
        key, sep, value = line.partition(":")
        if sep:
            keys[key.strip()] = value.strip().strip("'\"")
    return keys, text[m.end() :]


def _cap(path: str, text: str) -> str:
    text = text.strip()
    if len(text) <= PER_FILE_CHARS:
        return text
    return (
        text[:PER_FILE_CHARS].rsplit("\n", 1)[0]
        + f"\n[... {path} cut at {PER_FILE_CHARS} characters]"
    )


def load(repo: Repo, tree: str | None, patterns: list[str]) -> list[Instruction]:
    """The instruction files of the reviewed tree (`tree`: a commit; None: the work tree)."""
    listed = (
        repo.git("ls-tree", "-r", "-z", "--name-only", tree)
        if tree
        else repo.git("ls-files", "-z", "-co", "--exclude-standard")
    )
    names = [n for n in listed.decode("utf-8", "surrogateescape").split("\0") if n]
    tops = ["/" + p for p in patterns if "/" in p]
    wanted = [n for n in names if _wanted(n, patterns, tops)]
    out = []
    for name in sorted(wanted):
        text = _read(repo, tree, name)
        if text is None or not text.strip():
            continue
        keys, body = _front_matter(text)
        base = posixpath.basename(name)
        if base.endswith(".instructions.md"):
            if "code-review" in keys.get("excludeAgent", ""):
                continue
            applies = [g.strip() for g in keys.get("applyTo", "**").split(",") if g.strip()]
        elif base.endswith(".mdc"):
            applies = (
                ["**"]
                if keys.get("alwaysApply", "").lower() == "true"
                else [g.strip() for g in keys.get("globs", "").split(",") if g.strip()]
            )
            if not applies:
                continue  # a rule applied only on request: not for reviews
        elif base in ("AGENTS.md", "CLAUDE.md"):
            folder = posixpath.dirname(name)
            applies = [f"/{folder}/**" if folder else "**"]
        else:
            applies = ["**"]
        body = _cap(name, body)
        out.append(Instruction(name, body, applies, body.count("\n") + 1))
    return out


def trusted_tree(source: Source) -> str:
    """The tree whose instruction files a review follows: the base side of the change (the commit it
    is compared against), never the side under review."""
    return source.old


def edited(files: list[ReviewFile], patterns: list[str]) -> list[str]:
    """The instruction files this change adds or edits (new paths)."""
    tops = ["/" + p for p in patterns if "/" in p]
    return [f.path for f in files if f.status != "deleted" and _wanted(f.path, patterns, tops)]


def _wanted(name: str, patterns: list[str], tops: list[str]) -> bool:
    """`name` is an instruction file by one of these patterns: a bare name (AGENTS.md, CLAUDE.md in
    any folder, as their rules say; .cursorrules at the top) or a path glob (`tops`: those,
    anchored)."""
    base = posixpath.basename(name)
    if (
        base in patterns
        and "/" not in base
        and (base in ("AGENTS.md", "CLAUDE.md") or "/" not in name)
    ):
        return True
    return globs.matches(name, tops) is not None


def _read(repo: Repo, tree: str | None, name: str) -> str | None:
    if tree is None:
        return repo.worktree_text(name)
    data = repo.try_git("show", f"{tree}:{name}")
    return None if data is None else data.decode("utf-8", "replace")


def for_paths(items: list[Instruction], paths: list[str]) -> list[Instruction]:
    """The instructions that apply to any of these files, ancestors before the nearest folder's."""
    hits = [i for i in items if any(i.covers(p) for p in paths)]
    return sorted(
        hits,
        key=lambda i: (
            posixpath.dirname(i.path).count("/") if i.path.endswith(".md") else -1,
            i.path,
        ),
    )


def render(items: list[Instruction], paths: list[str] | None = None) -> str:
    """The instructions as text; with `paths` (the files of one request), each labelled with the
    files it applies to, so that a rule for tests/** is never read as one for web/app.py (see issue
    23)."""
    parts, size = [], 0
    for i in items:
        covered = [p for p in paths if i.covers(p)] if paths is not None else []
        label = (
            f" (applies only to: {', '.join(covered)})"
            if paths is not None and len(covered) < len(paths)
            else ""
        )
        block = f"From {i.path}{label}:\n{i.text}"
        if size + len(block) > TOTAL_CHARS:
            parts.append(f"[... further instruction files left out: over {TOTAL_CHARS} characters]")
            break
        parts.append(block)
        size += len(block)
    return "\n\n".join(parts)

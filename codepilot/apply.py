"""`--apply`: patches applied to the work tree, each all or nothing (`git apply`), only to files that
still hold exactly what was reviewed, never for a head that is not checked out."""

from __future__ import annotations

from dataclasses import dataclass

from codepilot.diff import Source
from codepilot.errors import GitError, UsageError
from codepilot.git import Repo


@dataclass
class Planned:
    patch: str  # path of the patch file (relative to the repository root or absolute)
    file: str  # the file it changes
    expected: str | None  # what the file held when it was reviewed (None: it did not exist)
    start: int = 0
    end: int = 0


@dataclass
class Applied:
    patch: str
    ok: bool
    note: str | None = None


def check_head(repo: Repo, source: Source) -> None:
    """--apply with --base/--commit only when that head is what is checked out."""
    if source.new is not None and source.new != repo.head():
        raise UsageError(
            "--apply needs the reviewed head checked out: the work tree is at "
            f"{(repo.head() or 'no commit')[:12]}, the review's head is {source.new[:12]}"
        )


def apply_all(repo: Repo, planned: list[Planned]) -> list[Applied]:
    """Apply in order; skip a patch overlapping one already applied, or whose file changed since."""
    done: list[Planned] = []
    out = []
    for p in planned:
        clash = next((d for d in done if d.file == p.file and d.start <= p.end and p.start <= d.end), None)
        if clash is not None:
            out.append(Applied(p.patch, False, f"not applied: overlaps {clash.patch}"))
            continue
        if not any(d.file == p.file for d in done) and repo.worktree_text(p.file) != p.expected:
            out.append(Applied(p.patch, False, f"not applied: {p.file} changed since it was reviewed"))
            continue
        try:
            repo.git(
                "apply", "--whitespace=nowarn", str(repo.root / p.patch) if not p.patch.startswith("/") else p.patch
            )
        except GitError as e:
            out.append(Applied(p.patch, False, f"not applied: {e}"))
            continue
        done.append(p)
        out.append(Applied(p.patch, True))
    return out

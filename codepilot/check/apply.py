"""`--apply`: fixes applied to the work tree, each all or nothing, only to files that still hold
exactly what was reviewed, never for a head that is not checked out. Each file is written beside
itself and renamed into place, with SIGINT/SIGTERM held back meanwhile: an interrupted run leaves
every file either as reviewed or fully patched, never missing or half written."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from codepilot.check.placement import replace_lines
from codepilot.runtime.errors import UsageError
from codepilot.source.diff import Source
from codepilot.source.git import Repo


@dataclass
class Planned:
    patch: str  # path of the patch file (relative to the repository root or absolute)
    file: str  # the file it changes
    expected: str | None  # what the file held when it was reviewed (None: it did not exist)
    start: int = 0
    end: int = 0
    lines: tuple[str, ...] = ()  # the lines that replace start..end
    whole: str | None = None  # or the file's whole new text (generate's one patch per file)


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
    """Apply in order; skip a patch overlapping one already taken, or whose file changed since."""
    taken: dict[str, list[Planned]] = {}
    results: dict[str, Applied] = {}
    for p in planned:
        mine = taken.setdefault(p.file, [])
        clash = next((d for d in mine if d.start <= p.end and p.start <= d.end), None)
        if clash is not None:
            results[p.patch] = Applied(p.patch, False, f"not applied: overlaps {clash.patch}")
        elif repo.inside(p.file) is None or (repo.root / p.file).is_symlink():
            results[p.patch] = Applied(
                p.patch, False, f"not applied: {p.file} is not a plain file of this repository"
            )
        elif not mine and repo.worktree_text(p.file) != p.expected:
            results[p.patch] = Applied(
                p.patch, False, f"not applied: {p.file} changed since it was reviewed"
            )
        elif not mine and not _utf8(repo, p.file):
            results[p.patch] = Applied(
                p.patch, False, f"not applied: {p.file} is not UTF-8 text (apply the patch by hand)"
            )
        else:
            mine.append(p)
    with _signals_held():
        for file, patches in taken.items():
            if not patches:
                continue
            try:
                _write(repo.root / file, _patched(patches))
            except OSError as e:
                for p in patches:
                    results[p.patch] = Applied(
                        p.patch, False, f"not applied: cannot write {file}: {e.strerror}"
                    )
                continue
            for p in patches:
                results[p.patch] = Applied(p.patch, True)
    return [results[p.patch] for p in planned]


def to_index(repo: Repo, patch: str) -> str | None:
    """Also stage an applied patch (a `--staged` review: the commit being made gets the fix, see
    issue 23); why not, when the index cannot take it (it differs from the work tree there)."""
    from codepilot.runtime.errors import GitError

    try:
        repo.git("apply", "--cached", str(repo.root / patch))
    except GitError as e:
        return str(e)
    return None


def _utf8(repo: Repo, file: str) -> bool:
    """The file is absent or valid UTF-8: rewriting it from its decoded text loses no byte."""
    full = repo.inside(file)
    if full is None or not full.exists():
        return True
    try:
        full.read_bytes().decode("utf-8")
    except (UnicodeDecodeError, OSError):
        return False
    return True


def _patched(patches: list[Planned]) -> str:
    """The file's text with these non-overlapping fixes, each placed against the reviewed text,
    applied from the bottom up (so earlier line numbers hold)."""
    if patches[0].whole is not None:
        return patches[0].whole
    text = patches[0].expected or ""
    for p in sorted(patches, key=lambda p: p.start, reverse=True):
        text = replace_lines(text, p.start, p.end - p.start + 1, list(p.lines))
    return text


def _write(target: Path, text: str) -> None:
    """Write beside, flush to disk, rename over: the file is whole before and after, never
    between."""
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = target.stat().st_mode & 0o7777 if target.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".codepilot", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the files are written (then they act as usual)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)

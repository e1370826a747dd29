"""Paths: the one rule for a path a repository names, the user's cache folder, and files only this
user can read."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path


def confined(root: Path, path: str) -> Path | None:
    """`root / path` resolved (symlinks followed), or None when that leads outside `root` or into
    .git. The one rule for every file codepilot reads or writes because a repository names it:
    instruction files, templates, configuration, dismissals, patches (a symlink to ~/.ssh/id_rsa is
    never read)."""
    top = root.resolve()
    try:
        full = (root / path).resolve()
    except (OSError, RuntimeError):
        return None
    if top not in full.parents or ".git" in full.relative_to(top).parts:
        return None
    return full


def cache_dir() -> Path:
    """The user's cache folder for codepilot (the answer cache, the index, the scan memory)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("codepilot"))


def private_folder(folder: Path) -> Path:
    """`folder` made (with its missing parents) readable by this user only: what codepilot keeps
    holds clients' code and what was said about it (see issue 28). An existing folder of ours is
    tightened."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        with contextlib.suppress(OSError):  # not ours to change (a shared temp folder): leave it
            folder.chmod(0o700)
    return folder


def private_file(path: Path) -> Path:
    """`path` created empty if missing, or tightened, as a file only this user can read (SQLite
    gives its -wal and -shm files the database's own mode)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    return path


VENVS = (".venv", "venv")  # where a repository keeps its own virtual environment


def venv_bins(root: Path) -> list[Path]:
    """The repository's virtual environments' script folders that exist."""
    return [root / v / "bin" for v in VENVS if (root / v / "bin").is_dir()]


def executable(root: Path, name: str) -> str | None:
    """A tool's executable: on PATH, or in the repository's own virtual environment."""
    found = shutil.which(name)
    if found:
        return found
    for folder in venv_bins(root):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None

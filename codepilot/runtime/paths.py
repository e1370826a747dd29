"""Paths: the one rule for a path a repository names, and the user's cache folder."""

from __future__ import annotations

from pathlib import Path


def confined(root: Path, path: str) -> Path | None:
    """`root / path` resolved (symlinks followed), or None when that leads outside `root` or into .git.
    The one rule for every file codepilot reads or writes because a repository names it: instruction
    files, templates, configuration, dismissals, patches (a symlink to ~/.ssh/id_rsa is never read)."""
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

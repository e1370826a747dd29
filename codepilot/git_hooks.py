"""Installing codepilot as a plain git hook (for people without the pre-commit tool): pre-commit,
pre-push, and prepare-commit-msg (a drafted commit message). Honours core.hooksPath; a hook
codepilot did not write is replaced only with `force` and kept as `.backup`; uninstall puts it
back."""

from __future__ import annotations

import sys
from pathlib import Path

from codepilot.runtime.errors import UsageError
from codepilot.source.git import Repo

MARKER = "# codepilot-hook: installed by `codepilot hook install`"
COMMANDS = {
    "pre-commit": "hook run",
    "pre-push": "hook run --pre-push",
    # git passes: the message file, its source (message, template, merge, squash, commit) and a sha
    "prepare-commit-msg": 'describe --fill-message "$1" --message-source "${2:-}"',
}


def hooks_dir(repo: Repo) -> Path:
    path = Path(repo.git("rev-parse", "--git-path", "hooks").decode().strip())
    return path if path.is_absolute() else repo.root / path


def install(repo: Repo, name: str = "pre-commit", force: bool = False) -> str:
    target = hooks_dir(repo) / name
    if target.exists() and MARKER not in target.read_text(errors="replace"):
        if not force:
            raise UsageError(
                f"{target} exists and was not installed by codepilot: use --force to replace "
                "it (it is kept as .backup)"
            )
        target.replace(target.with_name(name + ".backup"))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        f'#!/bin/sh\n{MARKER}\n[ "${{CODEPILOT_SKIP:-0}}" != 0 ] && exit 0\n'
        f'exec "{sys.executable}" -m codepilot {COMMANDS[name]}\n'
    )
    target.chmod(0o755)
    return f"installed {target}"


def uninstall(repo: Repo, name: str = "pre-commit") -> str:
    target = hooks_dir(repo) / name
    if not target.exists() or MARKER not in target.read_text(errors="replace"):
        raise UsageError(f"{target} was not installed by codepilot: left alone")
    target.unlink()
    backup = target.with_name(name + ".backup")
    if backup.exists():
        backup.replace(target)
    return f"removed {target}"

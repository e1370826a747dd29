"""What the benchmarks share: the release range they compare, and codepilot's dry run of it."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

DEFAULT_REPO = Path(__file__).resolve().parent / ".data" / "repo-django-4.2-5.0"


def range_args(description: str, default_repo: Path | None = DEFAULT_REPO) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=description)
    if default_repo is None:
        ap.add_argument("repo")
    else:
        ap.add_argument("repo", nargs="?", default=str(default_repo))
    ap.add_argument("--base", default="A")
    ap.add_argument("--head", default="B")
    return ap.parse_args()


def dry_run(repo: str, base: str, head: str) -> dict[str, Any]:
    """`codepilot review --base BASE --head HEAD --dry-run --format json` in REPO."""
    exe = Path(sys.executable).with_name("codepilot")
    out = subprocess.run(
        [str(exe), "review", "--base", base, "--head", head, "--dry-run", "--format", "json"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    doc: dict[str, Any] = json.loads(out)
    return doc

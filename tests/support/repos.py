"""Real git repositories in temp folders, and running the CLI in-process against them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from codepilot.cli.main import main


class GitRepo:
    """A real git repository in a temp folder, with small helpers to write, commit and run
    codepilot."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")

    def git(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd or self.root,
            capture_output=True,
            env={**os.environ, **(env or {})},
        )
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode("utf-8", "replace")

    def write(self, path: str, text: str | bytes) -> Path:
        full = self.root / path
        full.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            full.write_bytes(text)
        else:
            full.write_bytes(text.encode())
        return full

    def commit(self, message: str = "change", *paths: str) -> str:
        self.git("add", "-A", *paths)
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD").strip()


def run_cli(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def dry_json(
    args: list[str], cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    code, out, err = run_cli(
        ["review", "--dry-run", "--format", "json", *args], cwd, capsys, monkeypatch
    )
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def expected_lines(repo: GitRepo, *diff_args: str) -> set[tuple[str, str, int]]:
    """Every changed line as git itself numbers it (`git diff -U0 -M`): (path, '+'/'-', number)."""
    import re

    out = repo.git("-c", "core.quotepath=off", "diff", "--no-ext-diff", "-U0", "-M", *diff_args)
    hunk = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
    lines: set[tuple[str, str, int]] = set()
    old = new = ""
    for line in out.split("\n"):
        if line.startswith("--- "):
            old = line[6:]
        elif line.startswith("+++ "):
            new = line[6:]
        elif m := hunk.match(line):
            os_, oc, ns, nc = int(m[1]), int(m[2] or 1), int(m[3]), int(m[4] or 1)
            lines.update((old, "-", os_ + i) for i in range(oc))
            lines.update((new, "+", ns + i) for i in range(nc))
    return lines


def seen_lines(doc: dict) -> list[tuple[str, str, int]]:  # type: ignore[type-arg]
    seen = []
    for f in doc["files"]:
        for ch in f["changes"]:
            seen += [(f["path"], "+", n) for n in ch["added_lines"]]
            seen += [(f["old_path"] or f["path"], "-", n) for n in ch["removed_lines"]]
    return seen


def diff_hunks(repo: GitRepo, base: str, head: str) -> dict[str, list[tuple[int, int]]]:
    """The new-file line ranges of each hunk of base...head, per file (what a platform accepts
    comments on)."""
    from unidiff.patch import PatchSet

    patch = PatchSet(repo.git("diff", "-U3", f"{base}...{head}"))
    return {
        pf.path: [(h.target_start, h.target_start + h.target_length - 1) for h in pf]
        for pf in patch
    }


def user_config(text: str) -> Path:
    """Write the user's own configuration (the hermetic HOME's): every key allowed there."""
    from codepilot.runtime import config

    path = config.user_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path

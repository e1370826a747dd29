"""Patches (check/patches.py) in unidiff's style over real files: a fix placed, the patch parsed,
`git apply` taking it, and exactly the intended text after."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from unidiff import PatchSet

from codepilot.check.patches import unified
from codepilot.check.placement import place
from tests.support import ROOT

REAL = sorted(p for p in (ROOT / "codepilot").rglob("*.py") if p.stat().st_size > 2000)


@pytest.mark.parametrize("path", REAL[:12], ids=lambda p: p.name)
def test_round_trip_patch_parse_apply(path: Path, tmp_path: Path) -> None:
    """A fix placed in a real file: our patch parses (unidiff), `git apply` takes it, and the result
    is exactly the intended text."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    rng = random.Random(path.name)
    candidates = [i for i, ln in enumerate(lines) if ln.strip() and lines.count(ln) == 1]
    i = rng.choice(candidates)
    intended = "\n".join(lines[:i] + [lines[i] + "  # changed", "# added"] + lines[i + 1 :])
    placed = place(text, lines[i], lines[i] + "  # changed\n# added", i + 1)
    assert not isinstance(placed, str) and getattr(placed, "new_text", None) == intended
    patch = unified("pkg/" + path.name, text, placed.new_text)  # type: ignore[union-attr]
    parsed = PatchSet(patch)
    assert len(parsed) == 1 and parsed[0].added == 2 and parsed[0].removed == 1
    repo = tmp_path / "r"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / path.name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (tmp_path / "fix.patch").write_text(patch, encoding="utf-8")
    subprocess.run(["git", "apply", str(tmp_path / "fix.patch")], cwd=repo, check=True)
    assert (repo / "pkg" / path.name).read_text(encoding="utf-8") == intended

"""The code stays ruff- and mypy-clean: checked with the test suite so CI enforces it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "tool",
    [
        ["ruff", "check", "codepilot", "tests", "benchmarks"],
        ["ruff", "format", "--check", "codepilot", "tests", "benchmarks"],
        ["mypy", "codepilot"],
    ],
)
def test_clean(tool: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *tool], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_prompts_ship_inside_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '"prompts" = "codepilot/prompts"' in text
    assert (ROOT / "prompts" / "review-system.md").is_file()

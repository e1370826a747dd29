"""What the package ships. (ruff and mypy run in .ci/run and as pre-commit hooks, not in the suite:
see issue 25.)"""

from __future__ import annotations

from tests.support import ROOT


def test_prompts_ship_inside_the_package() -> None:
    text = (ROOT / "pyproject.toml").read_text()
    assert '"prompts" = "codepilot/prompts"' in text
    assert (ROOT / "prompts" / "review-system.md").is_file()

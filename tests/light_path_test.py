"""The hook path stays light: no model library is imported when nothing is staged or when every
answer comes from the cache; prompt templates can be overridden per repository."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, dry_json, run_cli


def _imports(repo: Path, *args: str) -> tuple[int, set[str], str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "codepilot", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    mods = {
        line.split("|")[-1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:")
    }
    return proc.returncode, mods, proc.stdout


def test_no_model_library_on_cached_or_empty_runs(repo: GitRepo, llm: FakeOpenAI) -> None:
    repo.write("a.py", "def f(x):\n    return x\n")
    repo.commit("base")
    code, mods, _ = _imports(repo.root, "review", "--staged")
    assert code == 0 and not any(m.startswith(("langchain", "openai")) for m in mods)
    repo.write("a.py", "def f(x):\n    return 1 / x\n")
    repo.git("add", "a.py")
    llm.enqueue({"findings": [finding("a.py", 2, title="x may be zero")]})
    code, mods, out = _imports(repo.root, "review", "--staged", "--format", "json")
    # the SDK alone: no LangChain for OpenAI servers
    assert code == 1 and any(m == "openai" for m in mods)
    assert not any(m.startswith("langchain") for m in mods)
    code, mods, out = _imports(repo.root, "review", "--staged", "--format", "json")
    assert code == 1 and json.loads(out)["stats"]["cached"] == 1
    assert not any(m.startswith(("langchain", "openai", "detect_secrets")) for m in mods)


def test_repository_prompt_override(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    repo.write(
        ".codepilot/prompts/review-system.md", "Only report security problems.$style_clause\n"
    )
    repo.write("a.py", "A = 2\n")
    # a template is what the model is told: trusted only
    run_cli(["trust"], repo.root, capsys, monkeypatch)
    doc = dry_json(["a.py"], repo.root, capsys, monkeypatch)
    assert doc["requests"][0]["messages"][0]["content"].startswith("Only report security problems.")


def test_project_instructions_reach_the_prompt(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write(
        "pyproject.toml",
        '[tool.codepilot]\ninstructions = "Money is in cents."\n'
        '[tool.codepilot.path_instructions]\n"tests/**" = "Asserts are fine."\n',
    )
    repo.write("src/a.py", "A = 1\n")
    repo.write("tests/t.py", "T = 1\n")
    repo.commit("base")
    repo.write("src/a.py", "A = 2\n")
    repo.write("tests/t.py", "T = 2\n")
    doc = dry_json([], repo.root, capsys, monkeypatch)
    user = doc["requests"][0]["messages"][1]["content"]
    assert "Money is in cents." in user and "tests/**: Asserts are fine." in user

"""Hermetic tests: HOME, XDG dirs and git config point into tmp; real git repositories in tmp
folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.repos import GitRepo

_HERMETIC_VARS = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@pytest.fixture(autouse=True)
def hermetic(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    for var in _HERMETIC_VARS:
        monkeypatch.setenv(var, str(home / var.lower()) if var != "HOME" else str(home))
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
        '[commit]\n\tgpgsign = false\n[protocol "file"]\n\tallow = always\n'
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in (
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "CODEPILOT_MODEL",
        "GITHUB_ACTIONS",
        "GITHUB_TOKEN",
        "GITHUB_EVENT_PATH",
        "CODEPILOT_SKIP",
    ):
        monkeypatch.delenv(var, raising=False)
    yield home


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return GitRepo(tmp_path / "repo")


@pytest.fixture
def llm(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """The test model server, configured as the model for codepilot (fast client retries)."""
    from tests.support.fake_openai import FakeOpenAI

    server = FakeOpenAI()
    monkeypatch.setenv("CODEPILOT_MODEL", "openai:test-model")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    yield server
    server.close()


@pytest.fixture
def changed(repo: GitRepo) -> GitRepo:
    """A repository whose stats.py now divides by the length of a possibly empty list
    (uncommitted)."""
    from tests.support.samples import OLD, SRC

    repo.write("stats.py", OLD)
    repo.commit("base")
    repo.write("stats.py", SRC)
    return repo

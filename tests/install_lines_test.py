"""Every install line the project prints or writes installs this project (issue 23, item 1): the
name `codepilot` on PyPI is another author's package, so a bare `pip install codepilot` would run
someone else's code in a CI job that holds the user's keys."""

from __future__ import annotations

import re
import subprocess
import tomllib

import pytest

from codepilot import DISTRIBUTION, INSTALL, __version__
from codepilot import scaffold as init_mod
from codepilot.model.models import PROVIDERS
from tests.support import ROOT

# `pip install codepilot`, `pip install 'codepilot[x]'`, `pip install "codepilot==1"`: any spelling
# of the other project's name as the thing installed (`codepilot-review` and `.`/`-e` installs are
# fine).
BARE = re.compile(r"""pip3?\s+install\s+(?:-\S+\s+)*['"]?codepilot(?![-\w])""")


def _tracked_texts() -> list[tuple[str, str]]:
    names = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    out = []
    for name in names:
        path = ROOT / name
        if name.startswith("tests/") or not path.is_file():
            continue
        try:
            out.append((name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    return out


def test_the_distribution_is_ours() -> None:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert meta["name"] == DISTRIBUTION == "codepilot-review"
    assert meta["scripts"] == {"codepilot": "codepilot.cli.main:entry"}


def test_no_file_says_a_bare_pip_install_codepilot() -> None:
    hits = [f"{name}: {m.group(0)}" for name, text in _tracked_texts() for m in BARE.finditer(text)]
    assert not hits, hits


@pytest.mark.parametrize("text", [init_mod.GITHUB_WORKFLOW, init_mod.GITLAB_JOB])
def test_init_installs_this_version(text: str) -> None:
    assert not BARE.search(text)
    assert f'pip install "{INSTALL}"' in text


def test_provider_hints_name_our_extras() -> None:
    for package, _module, _cls in PROVIDERS.values():
        assert not BARE.search(f"pip install '{package}'"), package


def test_the_pinned_releases_in_the_docs_are_this_version() -> None:
    pins = [
        (name, m.group(1))
        for name, text in _tracked_texts()
        for m in re.finditer(
            r"(?:rev:\s*|codepilot-review@|codepilot-review==)v?(\d+\.\d+\.\d+)", text
        )
    ]
    assert pins, "the docs show no pinned release"
    assert {v for _, v in pins} == {__version__}, pins

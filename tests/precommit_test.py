"""The real pre-commit tool, with the hook from this checkout (as a user's .pre-commit-config.yaml
names it: `repo:` this project, `rev:` a tag), blocking a commit on an error finding from the
scripted model and letting a clean one through. Slow the first time (pre-commit builds the hook's
environment)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo

# pre-commit's environments and pip's downloads survive between test runs (outside any HOME)
SHARED = Path(
    os.environ.get("CODEPILOT_TEST_CACHE", Path(tempfile.gettempdir()) / "codepilot-test-cache")
)


@pytest.fixture(scope="module")
def hook_repo() -> tuple[Path, str]:
    """This checkout's files (committed or not) as a repository with a tag, like a released version.
    It lives in the shared cache, tagged by a digest of the files: pre-commit keys its environments
    by repository and tag, so an unchanged checkout reuses the environment built before (see issue
    25)."""
    import hashlib

    names = sorted(
        n
        for n in subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
        if n and (ROOT / n).is_file()
    )
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    tag = f"v0.0.0-test-{digest.hexdigest()[:16]}"
    src = SHARED / "hook-src"
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    if (src / ".git").is_dir() and subprocess.run(
        ["git", "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],
        cwd=src,
        capture_output=True,
        env=env,
    ).returncode == 0:
        return src, tag
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in names:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "release"], ["tag", tag]):
        subprocess.run(["git", *args], cwd=src, check=True, env=env, capture_output=True)
    return src, tag


def _pre_commit(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_pre_commit_blocks_an_error_and_passes_a_clean_change(
    repo: GitRepo, llm: FakeOpenAI, hook_repo: tuple[Path, str]
) -> None:
    src, tag = hook_repo
    repo.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {src}\n    rev: {tag}\n    hooks:\n      - id: codepilot-review\n",
    )
    repo.write("calc.py", "def ratio(a, b):\n    return a\n")
    repo.commit("base")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(SHARED / "pre-commit"),
        "PIP_CACHE_DIR": str(SHARED / "pip"),
    }
    installed = _pre_commit(repo.root, "install", env=env)
    assert installed.returncode == 0, installed.stderr
    repo.write("calc.py", "def ratio(a, b):\n    return a / b\n")
    repo.git("add", "calc.py")
    llm.enqueue({"findings": [finding("calc.py", 2, title="Division by zero when b is 0")]})
    blocked = subprocess.run(
        ["git", "commit", "-m", "ratio"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert blocked.returncode != 0, blocked.stdout + blocked.stderr
    assert "Division by zero when b is 0" in blocked.stdout + blocked.stderr
    assert "calc.py:2" in blocked.stdout + blocked.stderr
    repo.write("calc.py", "def ratio(a, b):\n    return a / b if b else 0.0\n")
    repo.git("add", "calc.py")
    llm.enqueue({"findings": []})
    passed = subprocess.run(
        ["git", "commit", "-m", "ratio"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    skipped = _pre_commit(
        repo.root,
        "try-repo",
        str(src),
        "codepilot-review",
        "--all-files",
        env={**env, "CODEPILOT_SKIP": "1"},
    )
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr

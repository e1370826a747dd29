"""`codepilot hook run/install/uninstall` with real git: native hooks, core.hooksPath, pre-push
ranges."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli


def commit(repo: GitRepo, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
    )


def test_install_blocks_a_commit_and_uninstall_restores(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("calc.py", "def ratio(a, b):\n    return a\n")
    repo.commit("base")
    hooks = repo.root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / "pre-commit").write_text("#!/bin/sh\necho theirs\n")
    code, _, err = run_cli(["hook", "install"], repo.root, capsys, monkeypatch)
    assert code == 2 and "--force" in err
    code, out, _ = run_cli(["hook", "install", "--force"], repo.root, capsys, monkeypatch)
    assert code == 0 and (hooks / "pre-commit.backup").exists()
    repo.write("calc.py", "def ratio(a, b):\n    return a / b\n")
    repo.git("add", "calc.py")
    llm.enqueue({"findings": [finding("calc.py", 2, title="Division by zero")]})
    blocked = commit(repo, "ratio")
    assert blocked.returncode != 0 and "Division by zero" in blocked.stdout + blocked.stderr
    monkeypatch.setenv("CODEPILOT_SKIP", "1")
    assert commit(repo, "ratio").returncode == 0
    code, _, _ = run_cli(["hook", "uninstall"], repo.root, capsys, monkeypatch)
    assert code == 0 and (hooks / "pre-commit").read_text() == "#!/bin/sh\necho theirs\n"


def test_install_honours_core_hooks_path(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    code, out, _ = run_cli(["hook", "install", "--pre-push"], repo.root, capsys, monkeypatch)
    assert code == 0 and (repo.root / ".githooks" / "pre-push").exists()
    assert "hook run --pre-push" in (repo.root / ".githooks" / "pre-push").read_text()


def test_pre_push_reviews_the_pushed_range(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("a.py", "A = 1\n")
    first = repo.commit("one")
    repo.write("b.py", "def f(x):\n    return 1 / x\n")
    second = repo.commit("two")
    llm.enqueue({"findings": [finding("b.py", 2, title="x may be zero")]})
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", first)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", second)
    code, out, _ = run_cli(["hook", "run", "a.py", "b.py"], repo.root, capsys, monkeypatch)
    assert code == 1 and "x may be zero" in out
    paths = json.dumps(llm.history[-1])
    assert "b.py" in paths and "## a.py" not in paths
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", "0" * 40)
    code, _, _ = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 0


def test_hook_with_no_model_is_one_clear_line(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("one")
    repo.write("a.py", "A = 2\n")
    repo.git("add", "a.py")
    code, _, err = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 2 and "no model configured" in err and len(err.strip().splitlines()) == 1


def test_a_hook_never_hangs_on_a_slow_model(repo: GitRepo, llm: FakeOpenAI) -> None:
    """hook_timeout bounds the run even while a request is still in flight (the server takes 60
    s)."""
    import time

    from tests.support.fake_openai import Delay

    repo.write(".codepilot.toml", "hook_timeout = 2\n")
    repo.write("a.py", "A = 1\n")
    repo.commit("one")
    repo.write("a.py", "A = 2\n")
    repo.git("add", "a.py")
    llm.default = Delay(60, {"findings": []})
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "codepilot", "hook", "run"],
        cwd=repo.root,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert proc.returncode == 3 and "CODEPILOT_SKIP=1" in proc.stderr
    assert time.monotonic() - started < 30  # far below the server's 60 s


def test_a_retried_commit_of_the_same_staged_content_gets_the_same_verdict(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 26, item 8: nothing is loaded or sent again for the same staged content under the same
    settings; any change to the content, the dismissals or the configuration reviews again."""
    repo.write("calc.py", "def ratio(a, b):\n    return a\n")
    repo.commit("base")
    repo.write("calc.py", "def ratio(a, b):\n    return a / b\n")
    repo.git("add", "calc.py")
    llm.default = {"findings": [finding("calc.py", 2, title="Division by zero")]}
    code, first, err = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 1 and "Division by zero" in first and len(llm.history) == 1, err
    code, again, err = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 1 and "Division by zero" in again and len(llm.history) == 1
    assert "nothing sent" in err and "commit blocked" in err and "prompt +" not in again
    # not staged: same verdict
    repo.write("calc.py", "def ratio(a, b):\n    return a / b if b else 0.0\n")
    assert (
        run_cli(["hook", "run"], repo.root, capsys, monkeypatch)[0] == 1 and len(llm.history) == 1
    )
    repo.write(".codepilot.toml", 'fail_on = "never"\n')  # the configuration changed: judged again
    code, out, err = run_cli(["hook", "run"], repo.root, capsys, monkeypatch)
    assert code == 0 and "nothing sent: this is the verdict" not in err
    repo.git("add", "calc.py")  # other staged content: reviewed again
    llm.default = {"findings": []}
    assert (
        run_cli(["hook", "run"], repo.root, capsys, monkeypatch)[0] == 0 and len(llm.history) == 2
    )

"""`codepilot describe` (issue 14): JSON, a commit message's shape, the prepare-commit-msg hook in a
real repository, and the pull / merge request description set in place through strict stand-ins."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.support.fake_gitlab import FakeGitLab
from tests.support.fake_openai import FakeOpenAI
from tests.support.repos import GitRepo, run_cli

LONG_TITLE = (
    "Guard the average against empty lists so that reports of new customers never crash at month "
    "end"
)
BODY = (
    "The average divided by the length of the list, which is zero for a customer without invoices. "
    "It now returns 0.0 for an empty list.\n\nRisks: callers that relied on the exception.\n\n"
    "- Test: run the monthly report for a new customer."
)


@pytest.fixture
def staged(repo: GitRepo, llm: FakeOpenAI) -> GitRepo:
    repo.write("stats.py", "def average(values):\n    return sum(values) / len(values)\n")
    repo.commit("base")
    repo.write(
        "stats.py",
        "def average(values):\n    return sum(values) / len(values) if values else 0.0\n",
    )
    repo.git("add", "stats.py")
    llm.default = {"title": LONG_TITLE, "body": BODY}
    return repo


def test_describe_json_and_the_request(
    staged: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    code, out, err = run_cli(
        ["describe", "--staged", "--format", "json"], staged.root, capsys, monkeypatch
    )
    assert code == 0, err
    doc = json.loads(out)
    assert (
        doc["version"] == 1 and doc["title"] == LONG_TITLE and doc["body"].startswith("The average")
    )
    assert doc["stats"]["prompt_tokens"] > 0
    sent = llm.history[0]["messages"][1]["content"]
    assert "if values else 0.0" in sent and "staged" in sent


def test_commit_message_shape(staged: GitRepo, capsys, monkeypatch) -> None:
    code, out, _ = run_cli(
        ["describe", "--staged", "--commit-message"], staged.root, capsys, monkeypatch
    )
    lines = out.rstrip("\n").split("\n")
    assert code == 0 and len(lines[0]) <= 72 and lines[1] == "" and lines[2]
    assert all(len(line) <= 72 for line in lines)


def test_prepare_commit_msg_hook_fills_only_an_empty_message(
    staged: GitRepo, capsys, monkeypatch
) -> None:
    code, out, err = run_cli(["hook", "install", "--commit-msg"], staged.root, capsys, monkeypatch)
    assert code == 0, err
    env = {**os.environ, "GIT_EDITOR": "true", "PYTHONPATH": os.pathsep.join(sys.path)}
    p = subprocess.run(
        ["git", "commit", "-q"], cwd=staged.root, env=env, capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr + p.stdout
    subject = staged.git("log", "-1", "--format=%s").strip()
    assert subject and len(subject) <= 72 and subject.startswith("Guard the average")
    staged.write("stats.py", "def average(values):\n    return 0.0\n")
    staged.git("add", "stats.py")
    subprocess.run(
        ["git", "commit", "-q", "-m", "My own words"], cwd=staged.root, env=env, check=True
    )
    assert staged.git("log", "-1", "--format=%B").strip() == "My own words"


def test_publish_sets_the_pull_request_description(
    staged: GitRepo, capsys, monkeypatch, tmp_path
) -> None:
    from tests.support.fake_github import FakeGitHub

    gh = FakeGitHub("acme/shop", 7, {})
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {"pull_request": {"number": 7, "head": {"sha": "a" * 40}, "base": {"sha": "b" * 40}}}
        )
    )
    for k, v in {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_TOKEN": "t0ken",
        "GITHUB_API_URL": gh.url,
    }.items():
        monkeypatch.setenv(k, v)
    try:
        for _ in range(2):
            code, _, err = run_cli(
                ["describe", "--staged", "--publish", "github"], staged.root, capsys, monkeypatch
            )
            assert code == 0, err
        assert gh.pr_body is not None and gh.pr_body.startswith("Notes by the author.")
        assert (
            gh.pr_body.count("<!-- codepilot:describe:start -->") == 1 and LONG_TITLE in gh.pr_body
        )
    finally:
        gh.close()


def test_publish_sets_the_merge_request_description(staged: GitRepo, capsys, monkeypatch) -> None:
    gl = FakeGitLab()
    for k, v in gl.env().items():
        monkeypatch.setenv(k, v)
    try:
        for _ in range(2):
            code, _, err = run_cli(
                ["describe", "--staged", "--publish", "gitlab"], staged.root, capsys, monkeypatch
            )
            assert code == 0, err
        assert gl.description is not None and gl.description.startswith("Written by the author.")
        assert gl.description.count("codepilot:describe:start") == 1
        monkeypatch.setenv("GITLAB_TOKEN", "wrong")
        code, _, err = run_cli(
            ["describe", "--staged", "--publish", "gitlab"], staged.root, capsys, monkeypatch
        )
        assert code == 3 and "api scope" in err and len(err.strip().splitlines()) == 1
        monkeypatch.delenv("GITLAB_TOKEN")
        code, _, err = run_cli(
            ["describe", "--staged", "--publish", "gitlab"], staged.root, capsys, monkeypatch
        )
        assert code == 2 and "GITLAB_TOKEN" in err
    finally:
        gl.close()


def test_nothing_to_describe_is_said_as_such(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 23, item 5: an empty repository, nothing staged, `git commit --allow-empty`: no
    request."""
    code, out, err = run_cli(["describe"], repo.root, capsys, monkeypatch)
    assert code == 0 and "nothing to describe" in err and out == "" and llm.history == []
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, out, err = run_cli(["describe", "--staged"], repo.root, capsys, monkeypatch)
    assert code == 0 and "nothing to describe" in err and llm.history == []
    code, out, err = run_cli(["hook", "install", "--commit-msg"], repo.root, capsys, monkeypatch)
    env = {**os.environ, "GIT_EDITOR": "true", "PYTHONPATH": os.pathsep.join(sys.path)}
    p = subprocess.run(
        ["git", "commit", "-q", "--allow-empty"],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert llm.history == [] and "nothing to describe" in p.stderr, p.stderr
    msg = repo.root / ".git" / "COMMIT_EDITMSG"
    assert not msg.exists() or not any(
        ln.strip() and not ln.startswith("#") for ln in msg.read_text().splitlines()
    )

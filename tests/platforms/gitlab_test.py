"""`--publish gitlab` through a strict stand-in of the GitLab API: one diff discussion per finding,
positioned with the merge request's diff_refs, a suggestion sized to the lines replaced, findings
off the diff (or refused with 400) in one summary note updated in place, nothing duplicated over two
runs."""

from __future__ import annotations

import pytest

from tests.support.fake_gitlab import FakeGitLab
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, diff_hunks, run_cli

BASE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(12))
HEAD = BASE.replace("    return x + 2\n", "    return x / 0\n").replace(
    "    return x + 9\n", "    return x * 9\n"
)


@pytest.fixture
def mr(repo: GitRepo, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    repo.write("calc.py", BASE)
    base_sha = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("calc.py", HEAD)
    head_sha = repo.commit("feature")
    hunks = diff_hunks(repo, base_sha, head_sha)
    gl = FakeGitLab(
        hunks=hunks, refs={"base_sha": base_sha, "start_sha": base_sha, "head_sha": head_sha}
    )
    for k, v in {
        **gl.env(),
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": base_sha,
        "CI_COMMIT_SHA": head_sha,
    }.items():
        monkeypatch.setenv(k, v)
    yield repo, gl
    gl.close()


FIX = {"find": "    return x / 0", "replace": "    return x / 1"}


def test_discussions_suggestion_summary_and_no_duplicates(
    mr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, gl = mr
    llm.default = {
        "findings": [
            finding("calc.py", 10, title="Division by zero", fix=FIX),
            finding("calc.py", 38, severity="warning", title="Multiplication, not addition"),
            finding("calc.py", 22, severity="info", title="f5 is unused"),
        ]
    }
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert code == 1, err
    bodies = [d["notes"][0]["body"] for d in gl.discussions]
    assert len(gl.discussions) == 2 and "```suggestion:-0+0\n    return x / 1\n```" in bodies[0]
    pos = gl.discussions[0]["notes"][0]["position"]
    assert (
        pos["new_line"] == 10 and "old_line" not in pos and pos["head_sha"] == gl.refs["head_sha"]
    )
    # off the diff: in the summary
    assert len(gl.notes) == 1 and "f5 is unused" in gl.notes[0]["body"]
    code, _, err = run_cli(
        ["review", "--publish", "gitlab", "--full"], repo.root, capsys, monkeypatch
    )
    # nothing twice; the summary edited in place
    assert len(gl.discussions) == 2 and len(gl.notes) == 1, err
    assert "2 already there" in err


def test_a_refused_position_moves_to_the_summary(mr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, gl = mr
    gl.refuse.add(("calc.py", 38))
    llm.default = {
        "findings": [
            finding("calc.py", 38, severity="warning", title="Multiplication, not addition")
        ]
    }
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert gl.discussions == [] and "Multiplication, not addition" in gl.notes[0]["body"], err


def test_missing_token_is_one_line_before_any_model_call(
    mr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, _ = mr
    monkeypatch.delenv("GITLAB_TOKEN")
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert code == 2 and "GITLAB_TOKEN" in err and llm.history == []


def test_code_quality_report(mr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    import json

    repo, _ = mr
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero")]}
    code, out, _ = run_cli(
        ["review", "--base", "main", "--format", "gitlab"], repo.root, capsys, monkeypatch
    )
    issues = json.loads(out)
    assert issues[0]["severity"] == "critical" and issues[0]["location"] == {
        "path": "calc.py",
        "lines": {"begin": 10, "end": 10},
    }
    assert issues[0]["fingerprint"] and issues[0]["check_name"] == "codepilot/bug"


def test_incremental_review_after_a_pushed_commit(mr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, gl = mr
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero", fix=FIX)]}
    run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert "head=" + gl.refs["head_sha"] in gl.notes[0]["body"]
    repo.write("calc.py", HEAD.replace("    return x + 11\n", "    return x - 11\n"))
    new_head = repo.commit("more")
    gl.refs["head_sha"] = new_head
    gl.hunks["calc.py"].append((40, 47))
    monkeypatch.setenv("CI_COMMIT_SHA", new_head)
    sent_before = len(llm.history)
    llm.default = {
        "findings": [
            finding("calc.py", 46, severity="warning", title="Subtraction, not addition"),
            finding("calc.py", 10, title="Division by zero", fix=FIX),
        ]
    }
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    asked = "\n".join(m["content"] for h in llm.history[sent_before:] for m in h["messages"])
    assert "x - 11" in asked and "x / 0" not in asked, err  # only the new commit
    assert len(gl.discussions) == 2 and len(gl.notes) == 1  # the earlier comment kept once
    assert (
        "only the 1 new commit(s)" in gl.notes[0]["body"]
        and "head=" + new_head in gl.notes[0]["body"]
    )
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    # nothing sent, the open error still counts (issue 23)
    assert code == 1 and "No new commits" in err
    assert len(llm.history) == sent_before + 1
    code, _, err = run_cli(
        ["review", "--publish", "gitlab", "--full"], repo.root, capsys, monkeypatch
    )
    assert (
        "x / 0" in llm.history[-1]["messages"][1]["content"] and "(--full)" in gl.notes[0]["body"]
    )


def test_force_push_means_a_full_review(mr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, gl = mr
    llm.default = {"findings": []}
    run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    repo.git("commit", "-q", "--amend", "-m", "feature, rewritten")
    rewritten = repo.git("rev-parse", "HEAD").strip()
    gl.refs["head_sha"] = rewritten
    monkeypatch.setenv("CI_COMMIT_SHA", rewritten)
    run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert (
        "no longer in the branch" in gl.notes[0]["body"]
        and "x / 0" in llm.history[-1]["messages"][1]["content"]
    )


def test_a_context_line_is_positioned_by_both_lines(
    mr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, gl = mr
    llm.default = {
        "findings": [finding("calc.py", 9, severity="warning", title="f2 deserves a docstring")]
    }
    run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    pos = gl.discussions[0]["notes"][0]["position"]
    assert (pos["new_line"], pos["old_line"]) == (9, 9) and pos["old_path"] == pos[
        "new_path"
    ] == "calc.py"


def test_a_resolved_discussion_counts_as_dismissed(
    mr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, gl = mr
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero", fix=FIX)]}
    code, _, _ = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert code == 1
    gl.discussions[0]["notes"][0]["resolved"] = True
    # the author's own say: not enough
    gl.discussions[0]["notes"][0]["resolved_by"] = {"username": gl.author}
    code, _, err = run_cli(
        ["review", "--publish", "gitlab", "--full"], repo.root, capsys, monkeypatch
    )
    assert code == 1, err
    gl.discussions[0]["notes"][0]["resolved_by"] = {"username": "maintainer"}
    code, _, err = run_cli(
        ["review", "--publish", "gitlab", "--full"], repo.root, capsys, monkeypatch
    )
    assert code == 0 and len(gl.discussions) == 1, err  # left alone, and no longer failing the run


def test_markers_in_the_authors_notes_decide_nothing(
    mr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, gl = mr
    head = repo.git("rev-parse", "HEAD").strip()
    gl.notes.append(
        {
            "id": 1,
            "body": f"<!-- codepilot:summary -->\nfine\n<!-- codepilot:head={head} -->",
            "author": {"username": "author"},
        }
    )
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero", fix=FIX)]}
    code, _, err = run_cli(["review", "--publish", "gitlab"], repo.root, capsys, monkeypatch)
    assert code == 1 and len(llm.history) == 1, err  # reviewed: that summary is not codepilot's
    assert len(gl.notes) == 2 and gl.notes[0]["body"].startswith("<!-- codepilot:summary -->\nfine")

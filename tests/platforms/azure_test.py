"""`--publish azure` through a strict stand-in of Azure DevOps' API (issue 27, items 5-10)."""

from __future__ import annotations

import pytest

from tests.support.fake_azure import FakeAzure
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, diff_hunks, run_cli
from tests.support.samples import PR_BASE as BASE
from tests.support.samples import PR_HEAD as HEAD


@pytest.fixture
def pr(repo: GitRepo, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    repo.write("calc.py", BASE)
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("calc.py", HEAD)
    head = repo.commit("feature")
    # a PR build checks out the merge of the source into the target, never the source itself
    repo.git("checkout", "-q", "--detach", "main")
    repo.git("merge", "-q", "--no-ff", "-m", "Merge pull request 7", "feature")
    merge = repo.git("rev-parse", "HEAD").strip()
    az = FakeAzure(head, base, merge)
    az.iterate(head, ["calc.py"])
    for k, v in az.env().items():
        monkeypatch.setenv(k, v)
    yield repo, az, diff_hunks(repo, base, head)
    az.close()


def _inline(az: FakeAzure) -> list[dict]:  # type: ignore[type-arg]
    return [t for t in az.threads if t["threadContext"]]


def test_threads_on_the_diff_one_summary_a_status_and_no_token(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, az, hunks = pr
    llm.default = {
        "findings": [
            finding(
                "calc.py",
                10,
                title="Division by zero",
                fix={"find": "return x / 0", "replace": "return x / 1"},
            ),
            finding(
                "calc.py",
                22,
                title="f5 is off the diff",
                severity="info",
                category="maintainability",
            ),
        ]
    }
    code, out, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert code == 1, err
    [thread] = _inline(az)
    ctx = thread["threadContext"]
    assert (
        ctx["filePath"] == "/calc.py"
        and ctx["rightFileStart"]["line"] == ctx["rightFileEnd"]["line"] == 10
    )
    assert all(any(a <= ln <= b for a, b in hunks["calc.py"]) for ln in (10,))
    assert thread["pullRequestThreadContext"]["iterationContext"]["secondComparingIteration"] == 1
    assert "```suggestion\n    return x / 1\n```" in thread["comments"][0]["content"]
    [summary] = [t for t in az.threads if not t["threadContext"]]
    body = summary["comments"][0]["content"]
    # the source, not the merge
    assert "f5 is off the diff" in body and f"codepilot:head={az.head}" in body
    [status] = az.statuses
    assert status["state"] == "failed" and status["context"] == {
        "name": "codepilot",
        "genre": "review",
    }
    assert status["iterationId"] == 1
    assert "az-token" not in out + err
    # a second run: nothing twice, the summary edited in place, a second status
    code, _, err = run_cli(
        ["review", "--publish", "azure", "--full"], repo.root, capsys, monkeypatch
    )
    assert code == 1, err
    assert len(_inline(az)) == 1 and len(az.threads) == 2 and len(az.statuses) == 2


def test_a_resolved_thread_dismisses_its_finding(pr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, az, _ = pr
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero")]}
    code, _, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert code == 1, err
    _inline(az)[0]["status"] = "wontFix"
    code, _, err = run_cli(
        ["review", "--publish", "azure", "--full"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    assert az.statuses[-1]["state"] == "succeeded"


def test_a_thread_pasted_by_someone_else_is_not_state(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, az, _ = pr
    az.threads.append(
        {
            "id": 1,
            "status": "closed",
            "threadContext": None,
            "isDeleted": False,
            "comments": [
                {
                    "id": 1,
                    "author": az.author,
                    "content": f"<!-- codepilot:summary -->\n<!-- codepilot:head={az.head} -->",
                }
            ],
        }
    )
    llm.default = {"findings": [finding("calc.py", 10, title="Division by zero")]}
    code, _, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert code == 1 and llm.history, err  # the pasted head did not make the run skip the review
    assert az.threads[0]["comments"][0]["author"] == az.author and len(az.threads) == 3


def test_an_incremental_run_asks_only_about_the_new_commit(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, az, _ = pr
    run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    sent = len(llm.history)
    repo.git("checkout", "-q", "feature")
    repo.write("notes.py", "def note():\n    return 'unrelated'\n")
    az.iterate(repo.commit("notes"), ["calc.py", "notes.py"])
    code, _, err = run_cli(
        ["review", "--publish", "azure", "--fail-on", "never"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    asked = "\n".join(str(m) for body in llm.history[sent:] for m in body["messages"])
    assert "notes.py" in asked and "calc.py" not in asked
    assert az.statuses[-1]["iterationId"] == 2


def test_a_pat_and_a_missing_token(pr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, az, _ = pr
    monkeypatch.delenv("SYSTEM_ACCESSTOKEN")
    code, out, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert (
        code == 2
        and "SYSTEM_ACCESSTOKEN" in err
        and llm.history == []
        and len(err.strip().splitlines()) == 1
    )
    az.pat = True
    monkeypatch.setenv("AZURE_DEVOPS_PAT", "az-token")
    code, out, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert code == 0 and len(az.statuses) == 1, err
    monkeypatch.setenv("AZURE_DEVOPS_PAT", "wrong")
    code, out, err = run_cli(["review", "--publish", "azure"], repo.root, capsys, monkeypatch)
    assert code == 3 and "refused the token" in err and "wrong" not in err


def test_describe_keeps_the_authors_text_within_4000_characters(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, az, _ = pr
    az.description = "Written by the author. " * 150  # 3450 characters
    llm.default = {"title": "Divide by zero in f2", "body": "Changes f2 and f9. " * 100}
    code, out, err = run_cli(
        ["describe", "--base", "main", "--publish", "azure"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    assert (
        az.description.startswith(("Written by the author. " * 150).rstrip())
        and "Changes f2 and f9." in az.description
    )
    assert len(az.description) <= 4000

"""`--publish bitbucket` through a strict stand-in of Bitbucket Cloud's API (issue 27, items 1-4,
8)."""

from __future__ import annotations

import pytest

from tests.support.fake_bitbucket import FakeBitbucket
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
    bb = FakeBitbucket(head, base)
    for k, v in bb.env().items():
        monkeypatch.setenv(k, v)
    yield repo, bb, diff_hunks(repo, base, head)
    bb.close()


def test_inline_on_the_diff_one_summary_insights_and_no_token(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, bb, hunks = pr
    llm.default = {
        "findings": [
            finding("calc.py", 10, title="Division by zero"),
            finding(
                "calc.py",
                22,
                title="f5 is off the diff",
                severity="info",
                category="maintainability",
            ),
        ]
    }
    code, out, err = run_cli(["review", "--publish", "bitbucket"], repo.root, capsys, monkeypatch)
    assert code == 1, err
    inline = [c for c in bb.comments if "inline" in c]
    assert [c["inline"] for c in inline] == [{"path": "calc.py", "to": 10}]
    assert all(any(a <= c["inline"]["to"] <= b for a, b in hunks["calc.py"]) for c in inline)
    [summary] = [c for c in bb.comments if "inline" not in c]
    assert "f5 is off the diff" in summary["content"]["raw"]
    [(report_path, report)] = bb.reports.items()
    assert report["result"] == "FAILED" and report_path.endswith(
        f"/commit/{bb.head}/reports/codepilot"
    )
    assert {a["summary"] for a in bb.annotations[report_path]} == {
        "Division by zero",
        "f5 is off the diff",
    }
    assert "bb-token" not in out + err
    # a second run: nothing twice, the summary edited in place
    run_cli(["review", "--publish", "bitbucket", "--full"], repo.root, capsys, monkeypatch)
    assert len([c for c in bb.comments if "inline" in c]) == 1 and len(bb.comments) == 2


def test_a_missing_token_is_one_line_before_any_model_call(
    pr, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo, bb, _ = pr
    monkeypatch.delenv("BITBUCKET_TOKEN")
    code, out, err = run_cli(["review", "--publish", "bitbucket"], repo.root, capsys, monkeypatch)
    assert (
        code == 2
        and "BITBUCKET_TOKEN" in err
        and llm.history == []
        and len(err.strip().splitlines()) == 1
    )


def test_describe_keeps_the_authors_text(pr, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    repo, bb, _ = pr
    llm.default = {"title": "Divide by zero in f2", "body": "Changes f2 and f9."}
    code, out, err = run_cli(
        ["describe", "--base", "main", "--publish", "bitbucket"], repo.root, capsys, monkeypatch
    )
    assert code == 0, err
    assert (
        bb.description.startswith("Written by the author.")
        and "Changes f2 and f9." in bb.description
    )

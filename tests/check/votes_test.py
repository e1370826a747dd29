"""--votes N: N readings of each request (the extra ones sampled), only what a majority reports
kept; every reading's tokens counted."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from codepilot.check import votes
from codepilot.model.answers import AnswerFinding, ReviewAnswer
from codepilot.model.calls import Outcome
from codepilot.model.models import Usage
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

ZERO = finding("stats.py", 2, title="Division by zero on an empty list")


def readings() -> Any:
    sampled = itertools.count()

    def answer(body: dict[str, Any]) -> dict[str, Any]:
        if not body.get("temperature"):  # the usual reading
            return {
                "findings": [
                    ZERO,
                    finding("stats.py", 1, category="maintainability", title="Vague name"),
                ]
            }
        if next(sampled) == 0:
            return {
                "findings": [finding("stats.py", 2, title="Divides by zero when values is empty")]
            }
        return {"findings": [finding("stats.py", 2, category="security", title="Injection"), ZERO]}

    return answer


def test_votes_keep_what_a_majority_reports(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = readings()
    code, out, err = run_cli(
        ["review", "--votes", "3", "--format", "json"], changed.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert [f["title"] for f in doc["findings"]] == ["Division by zero on an empty list"], err
    assert doc["stats"]["sent"] == 3 and doc["stats"]["requests"] == 3  # every reading is a request
    assert doc["stats"]["dropped"] == {"not reported by a majority of 3 readings": 2}
    assert sorted(b.get("temperature") or 0 for b in llm.history) == [0, 0.7, 0.7]
    one = llm.history[0]
    assert all(b["messages"] == one["messages"] for b in llm.history)
    # every reading counts: the stand-in bills the same tokens for each
    assert doc["stats"]["prompt_tokens"] % 3 == 0 and doc["stats"]["prompt_tokens"] > 0


def test_votes_are_cached_apart_and_estimated(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = readings()
    run_cli(["review", "--votes", "3", "--format", "json"], changed.root, capsys, monkeypatch)
    sent = len(llm.history)
    code, out, _ = run_cli(
        ["review", "--votes", "3", "--format", "json"], changed.root, capsys, monkeypatch
    )
    assert len(llm.history) == sent and json.loads(out)["stats"]["cached"] == 3
    once = json.loads(
        run_cli(["review", "--dry-run", "--format", "json"], changed.root, capsys, monkeypatch)[1]
    )
    thrice = json.loads(
        run_cli(
            ["review", "--dry-run", "--votes", "3", "--format", "json"],
            changed.root,
            capsys,
            monkeypatch,
        )[1]
    )
    assert thrice["estimate"]["prompt_tokens"] == 3 * once["estimate"]["prompt_tokens"]


def test_every_request_is_counted(repo, llm, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Issue 23, item 4: the stats, the summary and the history count what the server received."""
    import json

    from tests.support.fake_openai import finding
    from tests.support.repos import run_cli

    repo.write("a.py", "def f(x):\n    return x\n")
    repo.commit("base")
    repo.write("a.py", "def f(x):\n    return 1 / x\n")
    llm.default = {"findings": [finding("a.py", 2, title="x may be zero")]}
    code, out, err = run_cli(
        ["review", "--votes", "3", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert json.loads(out)["stats"]["requests"] == len(llm.history) == 3, err
    sent = len(llm.history)
    llm.default = lambda body: (
        {"verdicts": [{"title": "x may be zero", "confirmed": True, "reason": "yes"}]}
        if "verdicts" in json.dumps(body.get("response_format") or body.get("tools") or "")
        else {"findings": [finding("a.py", 2, title="x may be zero")]}
    )
    code, out, err = run_cli(
        ["review", "--verify", "--no-cache", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert json.loads(out)["stats"]["requests"] == len(llm.history) - sent == 2, err
    code, out, err = run_cli(["review", "--verify", "--no-cache"], repo.root, capsys, monkeypatch)
    assert "2 request(s)" in out, out
    code, out, err = run_cli(["usage", "--format", "json"], repo.root, capsys, monkeypatch)
    assert json.loads(out)["total"]["requests"] == 3 + 2 + 2, out


# the majority itself (check/votes.py), from answers made by hand


def _f(line: int, title: str, category: str = "bug", path: str = "a.py") -> AnswerFinding:
    return AnswerFinding(path=path, line=line, severity="error", category=category, title=title)


def _sample(*found: AnswerFinding, tokens: int = 10) -> Outcome:
    return Outcome(ReviewAnswer(findings=list(found)), Usage(tokens, 1), attempts=1)


@pytest.mark.parametrize(
    ("a", "b", "alike"),
    [
        (_f(5, "Division by zero"), _f(7, "Other words", "bug"), True),  # near, same category
        (_f(5, "Division by zero"), _f(9, "Division by zero"), False),  # too far apart
        (_f(5, "Division by zero", path="./a.py"), _f(5, "x", path="a.py"), True),
        (_f(5, "Unchecked empty list", "bug"), _f(5, "Empty list unchecked", "style"), True),
        (_f(5, "Unchecked empty list", "bug"), _f(5, "Naming of variable", "style"), False),
    ],
)
def test_same(a: AnswerFinding, b: AnswerFinding, alike: bool) -> None:
    assert votes.same(a, b) is alike and votes.same(b, a) is alike


def test_majority_keeps_what_most_samples_report_and_counts_every_token() -> None:
    zero, naming = _f(2, "Division by zero"), _f(9, "Naming", "style")
    samples = [_sample(zero, naming), _sample(_f(3, "Zero division")), _sample()]
    outcome, lacking = votes.majority(samples)
    assert isinstance(outcome.answer, ReviewAnswer)
    assert [f.title for f in outcome.answer.findings] == ["Division by zero"]
    assert lacking == 1  # naming: one of three
    assert (outcome.usage.prompt_tokens, outcome.attempts) == (30, 3)


def test_majority_among_the_samples_that_answered() -> None:
    failed = Outcome(error="timed out", usage=Usage(5, 0), attempts=2)
    outcome, _ = votes.majority([_sample(_f(2, "Division by zero")), failed])
    assert isinstance(outcome.answer, ReviewAnswer) and len(outcome.answer.findings) == 1
    assert outcome.usage.prompt_tokens == 15  # the failed sample was billed too
    none, _ = votes.majority([failed, failed])
    assert none.error == "timed out" and none.usage.prompt_tokens == 10

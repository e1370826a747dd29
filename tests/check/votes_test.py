"""--votes N: N readings of each request (the extra ones sampled), only what a majority reports
kept; every reading's tokens counted."""

from __future__ import annotations

import itertools
import json
from typing import Any

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

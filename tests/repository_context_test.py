"""What a repository tells the model (issue 12): instruction files reach exactly the files they
apply to and are listed in the dry run; the run's cost is estimated before spending; --max-cost
sends nothing when the estimate is higher, and stops sending when the spend would pass it."""

from __future__ import annotations

import json

from tests.support.fake_openai import FakeOpenAI
from tests.support.repos import GitRepo, dry_json, run_cli, user_config


def _repo(repo: GitRepo) -> GitRepo:
    for name in ("api/views.py", "api/deep/models.py", "web/app.js", "docs/notes.py"):
        repo.write(name, "X = 0\n")
    repo.write("AGENTS.md", "ROOT RULE: money is integer cents.\n")
    repo.write("api/AGENTS.md", "API RULE: every view checks permissions.\n")
    repo.write(
        ".github/instructions/js.instructions.md",
        '---\napplyTo: "**/*.js"\n---\nJS RULE: no var.\n',
    )
    repo.write(
        ".github/instructions/skip.instructions.md",
        '---\napplyTo: "**"\nexcludeAgent: "code-review"\n---\nCHAT ONLY RULE\n',
    )
    repo.write(".cursor/rules/docs.mdc", "---\nglobs: docs/**\n---\nDOCS RULE: plain words.\n")
    repo.write(".github/copilot-instructions.md", "COPILOT RULE: be kind.\n")
    repo.commit("base")
    for name in ("api/views.py", "api/deep/models.py", "web/app.js", "docs/notes.py"):
        repo.write(name, "X = 1\n")
    return repo


def _sent_for(doc: dict, path: str) -> str:  # type: ignore[type-arg]
    return "\n".join(r["messages"][1]["content"] for r in doc["requests"] if path in r["paths"])


def test_instruction_files_reach_exactly_their_files(repo: GitRepo, capsys, monkeypatch) -> None:
    _repo(repo)
    sent = {
        p: _sent_for(dry_json([p], repo.root, capsys, monkeypatch), p)  # one file a run
        for p in ("api/views.py", "api/deep/models.py", "web/app.js", "docs/notes.py")
    }
    views, deep, js, docs = sent.values()
    doc = dry_json(["api/views.py"], repo.root, capsys, monkeypatch)
    assert (
        "ROOT RULE" in views
        and "API RULE" in views
        and "JS RULE" not in views
        and "DOCS RULE" not in views
    )
    assert "API RULE" in deep  # ancestors apply
    assert "JS RULE" in js and "API RULE" not in js and "ROOT RULE" in js
    assert "DOCS RULE" in docs and "API RULE" not in docs
    assert all(
        "COPILOT RULE" in t for t in (views, js, docs)
    ) and "CHAT ONLY RULE" not in json.dumps(doc)
    ctx = next(r["context"] for r in doc["requests"] if "api/views.py" in r["paths"])
    assert {(c["path"], c["kind"]) for c in ctx} >= {
        ("AGENTS.md", "instructions"),
        ("api/AGENTS.md", "instructions"),
    }
    repo.write(".codepilot.toml", "max_request_tokens = 500\ninstruction_files = []\n")
    assert "ROOT RULE" not in json.dumps(dry_json([], repo.root, capsys, monkeypatch))


def test_estimate_and_max_cost(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    _repo(repo)
    repo.write(".codepilot.toml", "max_request_tokens = 500\n")
    user_config('[prices."test-model"]\ninput = 1000\noutput = 1000\n')  # prices: the user's to set
    doc = dry_json([], repo.root, capsys, monkeypatch)
    est = doc["estimate"]
    assert (
        est["prompt_tokens"] == sum(r["prompt_tokens"] for r in doc["requests"])
        and est["cost_usd"] > 0
    )
    code, _, err = run_cli(
        ["review", "--max-cost", str(est["cost_usd"] / 2)], repo.root, capsys, monkeypatch
    )
    assert code == 2 and "exceeds --max-cost" in err and llm.history == []  # nothing sent
    llm.default = {"findings": []}
    one = est["cost_usd"] / len(doc["requests"])
    code, out, err = run_cli(
        [
            "review",
            "--format",
            "json",
            "--max-cost",
            str(est["cost_usd"] * 1.01),
            "--concurrency",
            "1",
        ],
        repo.root,
        capsys,
        monkeypatch,
    )
    assert code in (0, 3), err
    spent = json.loads(out)["stats"]["cost_usd"]
    assert spent <= est["cost_usd"] * 1.01 + one


def test_max_cost_stops_sending_when_the_spend_would_pass(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    from tests.support.fake_openai import finding

    _repo(repo)
    repo.write(".codepilot.toml", "max_request_tokens = 500\n")
    user_config('[prices."test-model"]\ninput = 1000\noutput = 1000\n')  # prices: the user's to set
    est = dry_json([], repo.root, capsys, monkeypatch)["estimate"]
    llm.default = {
        "findings": [finding("api/views.py", 1, severity="info", title="Long", body="x " * 6000)]
    }
    code, out, err = run_cli(
        ["review", "--format", "json", "--max-cost", str(est["cost_usd"]), "--concurrency", "1"],
        repo.root,
        capsys,
        monkeypatch,
    )
    doc = json.loads(out)
    assert code == 3 and any("max_cost" in e["error"] for e in doc["errors"])
    assert len(llm.history) < len(doc["errors"]) + len(llm.history) and len(llm.history) >= 1

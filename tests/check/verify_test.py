"""Double-check the double-check (issue 13): verification drops exactly the refuted findings and
keeps those without a verdict; dismissals survive code moving; `codepilot: ignore` in several
comment syntaxes; eval scoring on a hand-computed suite; suites built from real fix commits."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

OLD = (
    "def average(values):\n    return 0\n\n\ndef ratio(a, b):\n    return 0\n\n\ndef half(x):\n   "
    " return 0\n"
)
NEW = (
    "def average(values):\n    return sum(values) / len(values)\n\n\ndef ratio(a, b):\n    "
    "return a / b\n\n\n"
    "def half(x):\n    return x / 2\n"
)


def _verifier(findings: list[dict[str, Any]], refute: set[str], silent: set[str]) -> Any:
    def answer(body: dict[str, Any]) -> dict[str, Any]:
        user = body["messages"][-1]["content"]
        if "Findings to double-check" not in user:
            return {"findings": findings}
        verdicts = [
            {
                "title": f["title"],
                "confirmed": f["title"] not in refute,
                "reason": "the code guards it",
            }
            for f in findings
            if f["title"] not in silent and f["title"] in user
        ]
        return {"verdicts": verdicts}

    return answer


def test_verification_drops_exactly_the_refuted(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("m.py", OLD)
    repo.commit("base")
    repo.write("m.py", NEW)
    found = [
        finding("m.py", 2, title="Empty list"),
        finding("m.py", 6, title="Zero divisor"),
        finding("m.py", 10, severity="info", title="Integer halving"),
    ]
    llm.default = _verifier(found, refute={"Zero divisor"}, silent={"Integer halving"})
    code, out, err = run_cli(
        ["review", "--verify", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert {f["title"] for f in doc["findings"]} == {"Empty list", "Integer halving"}, err
    assert [r["title"] for r in doc["refuted"]] == ["Zero divisor"] and doc["refuted"][0]["reason"]
    assert (
        doc["stats"]["verify_requests"] == 1
        and doc["stats"]["dropped"]["refuted by verification"] == 1
    )
    assert len(llm.history) == 2 and doc["stats"]["prompt_tokens"] > 0
    code, out, _ = run_cli(
        ["review", "--no-verify", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert len(json.loads(out)["findings"]) == 3


def test_dismissal_survives_code_moving(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("m.py", OLD)
    repo.commit("base")
    repo.write("m.py", NEW)
    llm.default = {"findings": [finding("m.py", 6, title="Zero divisor")]}
    code, out, _ = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    fid = json.loads(out)["findings"][0]["id"]
    code, out, err = run_cli(
        ["dismiss", fid[:10], "--reason", "b is never zero here"], repo.root, capsys, monkeypatch
    )
    assert code == 0 and "dismissed" in out, err
    repo.write("m.py", "import math\n\n\n" + NEW)  # the code moves down three lines
    llm.default = {"findings": [finding("m.py", 9, title="Zero divisor")]}
    code, out, _ = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    doc = json.loads(out)
    assert doc["findings"] == [] and doc["stats"]["dropped"]["dismissed (codepilot dismiss)"] == 1
    # guidance reaches the prompt
    assert "b is never zero here" in llm.history[-1]["messages"][-1]["content"]
    code, out, _ = run_cli(["dismiss", "--list"], repo.root, capsys, monkeypatch)
    assert fid in out and "Zero divisor" in out
    code, out, _ = run_cli(["dismiss", fid, "--undo"], repo.root, capsys, monkeypatch)
    assert code == 0
    code, out, _ = run_cli(
        ["review", "--no-cache", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert len(json.loads(out)["findings"]) == 1


def test_ignore_comments_in_any_syntax(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    files = {
        "a.py": ("x = 0\n", "def f(a):\n    # codepilot: ignore\n    return 1 / a\n", 3),
        "b.js": ("let x = 0;\n", "function f(a) {\n  return 1 / a; // codepilot: ignore\n}\n", 2),
        "c.go": (
            "package c\n",
            "package c\n\n/* codepilot: ignore */\nfunc F(a int) int { return 1 / a }\n",
            4,
        ),
    }
    for name, (old, _, _) in files.items():
        repo.write(name, old)
    repo.commit("base")
    for name, (_, new, _) in files.items():
        repo.write(name, new)
    llm.default = {
        "findings": [
            finding(n, line, title=f"Division in {n}") for n, (_, _, line) in files.items()
        ]
    }
    code, out, _ = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    doc = json.loads(out)
    assert (
        doc["findings"] == []
        and doc["stats"]["dropped"]["kept off by a `codepilot: ignore` comment"] == 3
    )


def test_eval_scores_a_hand_computed_suite(tmp_path, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    """A caught bug plus a wrong finding, a missed bug, a false positive on a clean change: F1
    0.4."""
    from tests.support.repos import GitRepo

    repo = GitRepo(tmp_path / "suite" / "repos" / "calc")
    repo.write("calc.py", "def div(a, b):\n    return 0\n")
    repo.commit("a")
    repo.git("tag", "a")
    repo.write(
        "calc.py", "def div(a, b):\n    return a / b\n\n\ndef pct(a, b):\n    return 100 * a / b\n"
    )
    repo.commit("b")
    repo.git("tag", "b")
    repo.write(
        "calc.py",
        "def div(a, b):\n    return a / b\n\n\ndef pct(a, b):\n    return 100 * a / b\n# done\n",
    )
    repo.commit("c")
    repo.git("tag", "c")
    suite = tmp_path / "suite" / "suite.toml"
    suite.write_text(
        "tolerance = 1\n\n"
        '[[case]]\nname = "caught"\nrepo = "repos/calc"\nbase = "a"\nhead = "b"\n'
        'bugs = [{ path = "calc.py", line = 2, end_line = 2, title = "division by zero" }]\n\n'
        '[[case]]\nname = "missed"\nrepo = "repos/calc"\nbase = "a"\nhead = "b"\n'
        'bugs = [{ path = "calc.py", line = 6, title = "pct by zero" }]\n\n'
        '[[case]]\nname = "clean"\nrepo = "repos/calc"\nbase = "b"\nhead = "c"\nbugs = []\n'
    )
    answers = iter(
        [
            {
                "findings": [
                    finding("calc.py", 2, title="Zero divisor"),
                    finding("calc.py", 5, title="Name is odd", severity="info"),
                ]
            },
            {"findings": []},
            {"findings": [finding("calc.py", 7, title="Comment is useless", severity="info")]},
        ]
    )
    llm.default = lambda body: next(answers)
    code, out, err = run_cli(
        ["eval", str(suite), "--format", "json", "--no-cache"], tmp_path, capsys, monkeypatch
    )
    assert code == 0, err
    run = json.loads(out)["runs"][0]
    assert (run["bugs"], run["caught"], run["findings"], run["matched_findings"]) == (2, 1, 3, 1)
    assert run["catch_rate"] == 0.5 and run["precision"] == 0.3333 and run["f1"] == 0.4
    assert [c["caught"] for c in run["per_case"]] == [1, 0, 0] and run["per_case"][1]["missed"] == [
        "pct by zero"
    ]


def test_a_failed_case_is_reported_not_a_crash(
    tmp_path, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    suite = tmp_path / "suite.toml"
    suite.write_text(
        '[[case]]\nname = "gone"\nrepo = "nowhere"\nbase = "a"\nhead = "b"\nbugs = []\n'
    )
    code, out, err = run_cli(["eval", str(suite)], tmp_path, capsys, monkeypatch)
    assert code == 3 and "gone:" in out and "failed" in err and "Traceback" not in err


def test_eval_build_from_a_real_fix_commit(repo: GitRepo, tmp_path, capsys, monkeypatch) -> None:
    repo.write("shop.py", "def total(items):\n    return sum(i.price for i in items)\n")
    repo.commit("add total")
    repo.write("shop.py", "def total(items):\n    return sum(i.price * i.qty for i in items)\n")
    repo.commit("Fix total ignoring the quantity")
    repo.write(
        "shop.py",
        "def total(items):\n    return sum(i.price * i.qty for i in items)\n\n\nTAX = 0.2\n",
    )
    repo.commit("Add the tax rate")
    out_dir = tmp_path / "built"
    code, out, err = run_cli(
        ["eval", "build", str(repo.root), "--out", str(out_dir)], tmp_path, capsys, monkeypatch
    )
    assert code == 0 and "1 bug case(s)" in out, err
    from codepilot import evaluate

    suite = evaluate.load(out_dir / "suite.toml")
    fix = next(c for c in suite.cases if c.name == "fix-01")
    assert [b.ranges for b in fix.bugs] == [[("shop.py", 2, 2)]]
    shown = subprocess.run(
        ["git", "show", f"{fix.head}:shop.py"], cwd=fix.repo, capture_output=True, text=True
    )
    assert "i.price for i in items" in shown.stdout  # the change under review puts the bug back
    assert any(c.name.startswith("clean-") and not c.bugs for c in suite.cases)


def test_dismissing_an_unknown_id_is_a_usage_error(repo: GitRepo, capsys, monkeypatch) -> None:
    """Issue 23, item 9: a mistyped id is not "dismissed"."""
    repo.write("m.py", OLD)
    repo.commit("base")
    code, out, err = run_cli(["dismiss", "0123456789ab"], repo.root, capsys, monkeypatch)
    assert code == 2 and "no finding" in err and len(err.strip().splitlines()) == 1
    assert not (repo.root / ".codepilot" / "dismissals.json").exists()
    code, out, err = run_cli(["dismiss", "0123456789ab", "--force"], repo.root, capsys, monkeypatch)
    assert code == 0 and "dismissed" in out


def test_eval_checks_only_scores_the_checks_alone_and_a_case_nothing_checks_has_no_score(
    tmp_path, capsys, monkeypatch
) -> None:
    """Issue 24: the floor a model must beat, with no model and no key; a case no check applies to
    is unscored (never a zero that reads as 'the checks miss it')."""
    import os
    import sys
    from pathlib import Path

    monkeypatch.setenv(
        "PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    )
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    py = GitRepo(tmp_path / "suite" / "repos" / "py")
    py.write("calc.py", "def ratio(a, b):\n    return a / b\n")
    py.commit("a")
    py.git("tag", "a")
    py.write("calc.py", "def ratio(a, b):\n    return a / totl\n")  # an undefined name: ruff's F821
    py.commit("b")
    py.git("tag", "b")
    js = GitRepo(tmp_path / "suite" / "repos" / "js")
    js.write("a.js", "module.exports = 1;\n")
    js.commit("a")
    js.git("tag", "a")
    js.write("a.js", "module.exports = 2;\n")
    js.commit("b")
    js.git("tag", "b")
    suite = tmp_path / "suite" / "suite.toml"
    suite.write_text(
        '[[case]]\nname = "typo"\nrepo = "repos/py"\nbase = "a"\nhead = "b"\n'
        'bugs = [{ path = "calc.py", line = 2, title = "undefined name" }]\n\n'
        '[[case]]\nname = "js"\nrepo = "repos/js"\nbase = "a"\nhead = "b"\n'
        'bugs = [{ path = "a.js", line = 1, title = "wrong value" }]\n'
    )
    code, out, err = run_cli(
        ["eval", str(suite), "--checks-only", "--format", "json"], tmp_path, capsys, monkeypatch
    )
    [run] = json.loads(out)["runs"]
    assert run["model"] == "checks-only" and run["cost_usd"] == 0 and run["prompt_tokens"] == 0
    assert (run["bugs"], run["caught"], run["catch_rate"], run["failed_cases"]) == (1, 1, 1.0, 1)
    assert "no check ran" in run["per_case"][1]["error"]
    assert code == 3 and "missing, not zero" in err

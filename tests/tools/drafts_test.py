"""generate's draft, run, correct loop (issue 24, items 6-8): the draft is applied in a copy of the
work tree, the tests and linters run there, failures go back to the model, and the result says what
passed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI
from tests.support.repos import GitRepo, run_cli

CALC = '''def ratio(a, b):
    """a / b, or 0.0 when b is 0."""
    if b == 0:
        return 0.0
    return a / b
'''
# no plugin autoload: the venv's plugins (hypothesis, ...) cost 2 s a run and these tests use none
PYTEST = f"PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 {sys.executable} -m pytest -q -p no:cacheprovider"


def _test(body: str) -> str:
    return f"from calc import ratio\n\n\ndef test_ratio():\n{body}\n"


GOOD = _test("    assert ratio(1, 2) == 0.5\n    assert ratio(1, 0) == 0.0")
BAD = _test("    assert ratio(1, 2) == 0.6")
HOLLOW = _test("    assert ratio is not None")


def created(text: str, summary: str = "Tests for ratio.") -> dict:  # type: ignore[type-arg]
    return {
        "summary": summary,
        "edits": [{"path": "tests/test_calc.py", "find": "", "replace": text}],
    }


def corrected(old: str, new: str) -> dict:  # type: ignore[type-arg]
    return {
        "summary": "Fixed the expectation.",
        "edits": [{"path": "tests/test_calc.py", "find": old, "replace": new}],
    }


@pytest.fixture
def calc(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    repo.write("calc.py", CALC)
    repo.commit("calc")
    repo.write("notes.txt", "uncommitted work\n")  # the user's work in progress: never touched
    # tools are found on PATH, as in a developer's shell with the project's venv active
    monkeypatch.setenv(
        "PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
    )
    return repo


def gen(repo: GitRepo, capsys, monkeypatch, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = run_cli(
        ["generate", "--format", "json", *args], repo.root, capsys, monkeypatch
    )
    return code, json.loads(out), err


def test_a_failing_draft_is_corrected_and_the_second_request_carries_the_failure(
    calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.enqueue(
        created(BAD), corrected("    assert ratio(1, 2) == 0.6", "    assert ratio(1, 2) == 0.5")
    )
    code, doc, err = gen(
        calc,
        capsys,
        monkeypatch,
        "write pytest tests for ratio",
        "--path",
        "calc.py",
        "--test-cmd",
        PYTEST,
    )
    assert code == 0, err
    assert doc["rounds"] == 2 and doc["checks"][0] == {
        "name": "tests",
        "status": "passed",
        "output": "",
    }
    assert doc["stats"]["requests"] == 2
    second = llm.history[1]["messages"]
    assert second[-2]["role"] == "assistant" and "0.6" in second[-2]["content"]
    assert (
        "assert 0.5 == 0.6" in second[-1]["content"]
        and "tests/test_calc.py" in second[-1]["content"]
    )
    # the patch is the whole change against the user's content; the work tree is untouched until
    # --apply
    [patch] = doc["patches"]
    text = Path(calc.root / patch).read_text()
    assert "+    assert ratio(1, 2) == 0.5" in text and "0.6" not in text
    assert (
        not (calc.root / "tests").exists()
        and (calc.root / "notes.txt").read_text() == "uncommitted work\n"
    )
    llm.enqueue(
        created(BAD), corrected("    assert ratio(1, 2) == 0.6", "    assert ratio(1, 2) == 0.5")
    )
    code, out, err = run_cli(
        [
            "generate",
            "write pytest tests for ratio",
            "--path",
            "calc.py",
            "--test-cmd",
            PYTEST,
            "--no-cache",
        ],
        calc.root,
        capsys,
        monkeypatch,
    )
    assert code == 0 and "tests passed after 2 rounds" in out, out + err


def test_two_failing_drafts_exit_1_say_which_check_and_apply_needs_force(
    calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    args = [
        "write pytest tests for ratio",
        "--path",
        "calc.py",
        "--test-cmd",
        PYTEST,
        "--rounds",
        "1",
        "--apply",
    ]
    llm.enqueue(
        created(BAD), corrected("    assert ratio(1, 2) == 0.6", "    assert ratio(1, 2) == 0.7")
    )
    code, doc, err = gen(calc, capsys, monkeypatch, *args)
    assert code == 1 and "tests failed after 2 rounds" in err, err
    [tests] = [c for c in doc["checks"] if c["name"] == "tests"]
    assert tests["status"] == "failed" and "assert 0.5 == 0.7" in tests["output"]
    assert doc["patches"] and doc["applied"] == [] and not (calc.root / "tests").exists()
    llm.enqueue(
        created(BAD), corrected("    assert ratio(1, 2) == 0.6", "    assert ratio(1, 2) == 0.7")
    )
    code, doc, err = gen(calc, capsys, monkeypatch, *args, "--force", "--no-cache")
    assert code == 1 and doc["applied"] and (calc.root / "tests" / "test_calc.py").exists()


def test_the_mutation_check_tells_tests_that_prove_nothing(
    calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    base = ["write pytest tests for ratio", "--symbol", "ratio", "--test-cmd", PYTEST]
    llm.enqueue(created(HOLLOW))
    code, doc, err = gen(calc, capsys, monkeypatch, *base)
    assert code == 0, err
    assert doc["mutation"]["symbol"] == "ratio" and doc["mutation"]["noticed"] is False
    llm.enqueue(created(GOOD))
    code, doc, err = gen(calc, capsys, monkeypatch, *base, "--no-cache")
    assert code == 0 and doc["mutation"]["noticed"] is True, err
    assert (calc.root / "calc.py").read_text() == CALC


def test_detected_pytest_runs_only_once_trusted(
    calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    # conftest.py is the repository's code: it must not run before the user trusts the repository
    calc.write("pytest.ini", "[pytest]\ntestpaths = tests\n")
    calc.write("conftest.py", "import pathlib\npathlib.Path('/tmp').exists()\n")
    calc.write("tests/test_old.py", _test("    assert ratio(4, 2) == 2.0"))
    calc.commit("tests")
    # the venv's plugins: 2 s a run, not needed here
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    args = ["implement a clearer ratio", "--symbol", "ratio"]
    edit = {
        "summary": "s",
        "edits": [
            {"path": "calc.py", "find": "    return a / b", "replace": "    return a / b * 2"}
        ],
    }
    llm.default = edit
    code, doc, err = gen(calc, capsys, monkeypatch, *args)
    [tests] = [c for c in doc["checks"] if c["name"] == "tests"]
    assert code == 0 and tests["status"] == "not run" and "codepilot trust" in tests["output"], err
    assert run_cli(["trust"], calc.root, capsys, monkeypatch)[0] == 0
    code, doc, err = gen(calc, capsys, monkeypatch, *args, "--rounds", "0")
    [tests] = [c for c in doc["checks"] if c["name"] == "tests"]
    # the existing test of ratio (found through the repository index) runs, and catches the draft
    assert code == 1 and tests["status"] == "failed" and "test_old.py" in tests["output"], err


def test_a_linter_counts_only_what_the_draft_adds(
    calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    calc.write(
        "pyproject.toml", '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["F"]\n'
    )
    # the user's own unused import: not the draft's doing
    calc.write("calc.py", "import os\n\n" + CALC)
    calc.commit("ruff")
    add = {
        "summary": "s",
        "edits": [{"path": "calc.py", "find": "import os", "replace": "import os\nimport sys"}],
    }
    llm.enqueue(
        add,
        {
            "summary": "s",
            "edits": [{"path": "calc.py", "find": "import os\nimport sys", "replace": "import os"}],
        },
    )
    code, doc, err = gen(
        calc, capsys, monkeypatch, "tidy the imports", "--path", "calc.py", "--no-cache"
    )
    [ruff] = [c for c in doc["checks"] if c["name"] == "ruff"]
    assert ruff["status"] == "passed" and doc["rounds"] == 2, doc
    assert (
        "F401" in llm.history[1]["messages"][-1]["content"]
        and "`sys` imported but unused" in llm.history[1]["messages"][-1]["content"]
    )


def test_no_checks_sends_one_request(calc: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    llm.enqueue(created(BAD))
    code, doc, err = gen(
        calc,
        capsys,
        monkeypatch,
        "write pytest tests for ratio",
        "--path",
        "calc.py",
        "--test-cmd",
        PYTEST,
        "--no-checks",
    )
    assert code == 0 and doc["checks"] == [] and doc["rounds"] == 1 and len(llm.history) == 1, err

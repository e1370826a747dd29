"""The project's own checks beside the model (issue 24): real ruff and mypy on the reviewed
content."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from tests.support import DATA
from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

# this environment's ruff and mypy, as a user's PATH has them
BIN = str(Path(sys.executable).parent)
BASE = "def total(prices: list[int]) -> int:\n    return sum(prices)\n"
CHANGED = (
    "import os\n\n\ndef total(prices: list[int]) -> int:\n    count: int = 'many'\n"
    "    return sum(prices) // len(prices)\n"
)
CONFIG = (
    '[project]\nname = "shop"\n\n[tool.ruff]\nline-length = 100\n\n[tool.mypy]\nstrict = true\n'
)


@pytest.fixture
def project(repo: GitRepo, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    repo.write("pyproject.toml", CONFIG)
    repo.write("shop.py", BASE)
    repo.commit("base")
    repo.write("shop.py", CHANGED)
    return repo


def test_checks_only_reports_the_tools_findings_offline(
    project: GitRepo, capsys, monkeypatch
) -> None:
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], project.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    by_rule = {(f["source"], f["rule"]): f for f in doc["findings"]}
    assert ("ruff", "F401") in by_rule and by_rule[("ruff", "F401")]["line"] == 1, doc["findings"]
    assert ("mypy", "assignment") in by_rule and by_rule[("mypy", "assignment")]["line"] == 5
    assert {c["name"]: c["status"] for c in doc["checks"]} == {"ruff": "ran", "mypy": "ran"}
    assert code == 1  # mypy's error is at or above --fail-on error
    fixed = by_rule[("ruff", "F401")]
    assert fixed["patch"], fixed  # ruff's own fix, through the checked patch path
    import subprocess

    subprocess.run(["git", "apply", "--check", fixed["patch"]], cwd=project.root, check=True)
    assert doc["stats"]["requests"] == 0


def test_checks_on_a_commit_never_touch_the_work_tree(
    project: GitRepo, capsys, monkeypatch
) -> None:
    project.commit("change")
    project.write("shop.py", CHANGED + "\n# work in progress\n")
    before = (project.root / "shop.py").read_bytes()
    code, out, err = run_cli(
        ["review", "--checks-only", "--commit", "HEAD", "--format", "json"],
        project.root,
        capsys,
        monkeypatch,
    )
    assert {f["rule"] for f in json.loads(out)["findings"]} >= {"F401", "assignment"}
    assert (project.root / "shop.py").read_bytes() == before
    assert project.git("status", "--porcelain").strip() == "M shop.py"


def test_with_a_model_a_repeated_finding_is_merged(
    project: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    llm.default = {
        "findings": [
            finding("shop.py", 6, title="Division by zero on an empty list"),
            finding("shop.py", 1, title="os is imported and never used", severity="warning"),
        ]
    }
    code, out, err = run_cli(["review", "--format", "json"], project.root, capsys, monkeypatch)
    doc = json.loads(out)
    titles = [(f["source"], f["title"]) for f in doc["findings"]]
    assert ("model", "Division by zero on an empty list") in titles
    # merged into ruff's F401
    assert not any(t == "os is imported and never used" for _, t in titles)
    assert len(llm.history) == 1
    # the request carried what the linter had said about its lines (mypy, slower, runs beside it)
    sent = llm.history[0]["messages"][-1]["content"]
    assert (
        "Already reported by the project's own checks" in sent and "shop.py:1: ruff F401" in sent
    ), sent


def test_a_repository_check_command_does_not_run_untrusted(
    repo: GitRepo, capsys, monkeypatch, tmp_path
) -> None:
    marker = tmp_path / "ran"
    repo.write(".codepilot.toml", f'[[checks]]\nname = "evil"\ncommand = ["touch", "{marker}"]\n')
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    repo.write("a.py", "A = 2\n")
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert not marker.exists() and "checks" in err  # ignored, and said
    code, out, err = run_cli(
        ["review", "--dry-run", "--format", "json"], repo.root, capsys, monkeypatch
    )
    run_cli(["trust"], repo.root, capsys, monkeypatch)
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    assert marker.exists(), err


def test_a_type_error_the_change_causes_elsewhere_counts_and_an_old_one_does_not(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    repo.write("pyproject.toml", "[tool.mypy]\nstrict = true\n")
    old = (
        "OLD: int = 'already wrong'\n\n\ndef size() -> int:\n    return 1\n\n\nTOTAL: int = "
        "size()\n"
    )
    repo.write("shop.py", old)
    repo.commit("base")
    repo.write(
        "shop.py",
        old.replace("def size() -> int:", "def size() -> str:").replace("return 1", "return '1'"),
    )
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    lines = {(f["rule"], f["line"]) for f in json.loads(out)["findings"]}
    # TOTAL's line is untouched, its error is the change's doing
    assert ("assignment", 8) in lines, lines
    assert ("assignment", 1) not in lines  # the base had this one already


def test_sarif_has_a_run_per_tool_with_its_rule_ids(project: GitRepo, capsys, monkeypatch) -> None:
    import jsonschema

    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "sarif"], project.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    jsonschema.validate(doc, schema)
    runs = {r["tool"]["driver"]["name"]: r for r in doc["runs"]}
    assert set(runs) == {"codepilot", "ruff", "mypy"} and runs["codepilot"]["results"] == []
    # unused import, unused local
    assert {r["ruleId"] for r in runs["ruff"]["results"]} == {
        "F401",
        "F841",
    }
    assert {r["id"] for r in runs["ruff"]["tool"]["driver"]["rules"]} == {"F401", "F841"}
    assert "assignment" in {r["ruleId"] for r in runs["mypy"]["results"]}


def test_flake8_from_its_configuration_and_local_plugins_only_when_trusted(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    repo.write(".flake8", "[flake8]\nmax-line-length = 100\n")
    repo.write("shop.py", BASE)
    repo.commit("base")
    repo.write("shop.py", "import os\n" + BASE)
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert {(f["source"], f["rule"], f["line"]) for f in doc["findings"]} == {
        ("flake8", "F401", 1)
    }, doc
    assert code == 0  # an unused import warns; --fail-on error
    # a configuration that names local plugins would import the repository's code
    repo.write(
        ".flake8",
        "[flake8]\n[flake8:local-plugins]\nextension =\n    X1 = plugin:Check\npaths = .\n",
    )
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    [run] = [c for c in json.loads(out)["checks"] if c["name"] == "flake8"]
    assert run["status"] == "untrusted" and "codepilot trust" in run["reason"]


def test_shellcheck_on_changed_scripts(repo: GitRepo, capsys, monkeypatch) -> None:
    import shutil

    if shutil.which("shellcheck") is None:
        if os.environ.get("CODEPILOT_REQUIRE_SHELLCHECK"):
            pytest.fail(
                "shellcheck is required here (CODEPILOT_REQUIRE_SHELLCHECK) but not installed"
            )
        pytest.skip("shellcheck is not installed")
    repo.write("deploy.sh", "#!/bin/sh\necho hello\n")
    repo.commit("base")
    repo.write("deploy.sh", "#!/bin/sh\necho hello\nrm -rf $TARGET/\n")
    code, out, err = run_cli(
        ["review", "--checks-only", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert ("shellcheck", "SC2086", 3) in {
        (f["source"], f["rule"], f["line"]) for f in doc["findings"]
    }, doc


def test_a_range_gives_the_linters_their_configuration_from_above(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """A linter on a commit range sees the changed files and every configuration file above them
    (not the whole tree): a rule chosen in the root's pyproject.toml and a nested ruff.toml still
    apply."""
    monkeypatch.setenv("PATH", BIN + os.pathsep + os.environ.get("PATH", ""))
    repo.write(
        "pyproject.toml", '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E501"]\n'
    )
    repo.write("pkg/ruff.toml", 'line-length = 30\n[lint]\nselect = ["E501"]\n')
    repo.write("pkg/mod.py", "X = 1\n")
    repo.write("top.py", "Y = 1\n")
    repo.commit("base")
    repo.write("pkg/mod.py", "X = 'a string long enough to pass thirty'\n")
    repo.write("top.py", "Y = 'a string long enough to pass thirty'\n")
    repo.commit("long lines")
    code, out, err = run_cli(
        ["review", "--checks-only", "--commit", "HEAD", "--format", "json"],
        repo.root,
        capsys,
        monkeypatch,
    )
    found = {(f["path"], f["rule"]) for f in json.loads(out)["findings"]}
    # 42 characters: over pkg's 30, under the root's 100
    assert found == {("pkg/mod.py", "E501")}, (
        found,
        err,
    )

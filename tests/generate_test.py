"""`codepilot generate` end to end through the test server, and `--apply` for review and
generate."""

from __future__ import annotations

import json
import subprocess

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli

BILLING = """def parse_invoice(text):
    lines = []
    for row in text.strip().splitlines():
        description, quantity, price = row.split(";")
        lines.append((description, int(quantity), float(price)))
    return lines


class Cart:
    def total(self):
        # TODO: sum the prices
        return 0
"""
TEST_FILE = """from billing import parse_invoice


def test_parse_invoice():
    assert parse_invoice("a;1;2.5") == [("a", 1, 2.5)]
"""


def setup(repo: GitRepo) -> GitRepo:
    repo.write("billing.py", BILLING)
    repo.commit("base")
    return repo


def gen(repo: GitRepo, capsys, monkeypatch, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = run_cli(
        ["generate", "--format", "json", *args], repo.root, capsys, monkeypatch
    )
    return code, json.loads(out), err


def test_generate_tests_creates_a_new_file(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    setup(repo)
    llm.enqueue(
        {
            "summary": "Added tests.",
            "edits": [{"path": "tests/test_billing.py", "find": "", "replace": TEST_FILE}],
        }
    )
    code, doc, err = gen(repo, capsys, monkeypatch, "write pytest tests for parse_invoice")
    assert code == 0, err
    assert doc["summary"] == "Added tests." and doc["edits"][0]["placed"]
    [patch] = doc["patches"]
    subprocess.run(["git", "apply", "--check", patch], cwd=repo.root, check=True)
    user = llm.history[0]["messages"][1]["content"]
    assert "def parse_invoice(text):" in user and "## billing.py" in user
    assert not (repo.root / "tests" / "test_billing.py").exists()


def test_generate_symbol_and_apply(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    setup(repo)
    llm.enqueue(
        {
            "summary": "Implemented total.",
            "edits": [
                {
                    "path": "billing.py",
                    "find": "# TODO: sum the prices\nreturn 0",  # indentation lost, as models do
                    "replace": "return sum(item.price for item in self.items)",
                }
            ],
        }
    )
    code, doc, err = gen(
        repo, capsys, monkeypatch, "implement the TODO", "--symbol", "Cart.total", "--apply"
    )
    assert code == 0, err
    assert doc["applied"] == doc["patches"] and len(doc["patches"]) == 1
    assert (
        "        return sum(item.price for item in self.items)\n"
        in (repo.root / "billing.py").read_text()
    )
    user = llm.history[0]["messages"][1]["content"]
    assert "Cart.total (method, lines 10-12)" in user


def test_generate_unplaceable_and_hostile_edits(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    setup(repo)
    llm.enqueue(
        {
            "summary": "x",
            "edits": [
                {
                    "path": "billing.py",
                    "find": "def parse_invoise(text):",
                    "replace": "def parse(text):",
                },
                {"path": "../evil.py", "find": "", "replace": "import os\n"},
                {"path": ".git/hooks/pre-commit", "find": "", "replace": "rm -rf /\n"},
            ],
        }
    )
    code, doc, err = gen(repo, capsys, monkeypatch, "rename parse_invoice", "--path", "billing.py")
    assert code == 3
    assert [e["placed"] for e in doc["edits"]] == [False, False, False]
    assert doc["patches"] == [] and "3 edit(s) could not be placed" in doc["errors"][-1]
    assert (
        not (repo.root.parent / "evil.py").exists()
        and not (repo.root / ".git/hooks/pre-commit").exists()
    )


def test_generate_dry_run_sends_nothing(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    setup(repo)
    code, out, _ = run_cli(
        ["generate", "add docstrings to the public functions", "--path", "billing.py", "--dry-run"],
        repo.root,
        capsys,
        monkeypatch,
    )
    assert code == 0 and "parse_invoice" in out and llm.history == []


CHANGED = BILLING.replace("float(price)", "float(price) / int(quantity)")


def test_review_apply(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    setup(repo)
    repo.write("billing.py", CHANGED)
    fix = {
        "find": "        lines.append((description, int(quantity), float(price) / int(quantity)))",
        "replace": "        lines.append((description, int(quantity), float(price)))",
    }
    overlapping = {"find": fix["find"], "replace": fix["replace"] + "  # again"}
    llm.enqueue(
        {
            "findings": [
                finding("billing.py", 5, title="Division by zero", fix=fix),
                finding("billing.py", 5, title="Unit price wrong", category="bug", fix=overlapping),
            ]
        }
    )
    code, out, err = run_cli(
        ["review", "--apply", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert [f["applied"] for f in doc["findings"]] == [True, False]
    assert "overlaps" in doc["findings"][1]["note"]
    assert (repo.root / "billing.py").read_text() == BILLING
    assert "applied .codepilot/patches/review/0001" in err


def test_review_apply_refuses_changed_files_and_foreign_heads(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    setup(repo)
    repo.write("billing.py", CHANGED)
    repo.git("add", "billing.py")
    repo.write("billing.py", CHANGED + "\n# edited after staging\n")
    fix = {
        "find": "        lines.append((description, int(quantity), float(price) / int(quantity)))",
        "replace": "        lines.append((description, int(quantity), float(price)))",
    }
    llm.default = {"findings": [finding("billing.py", 5, fix=fix)]}
    code, out, err = run_cli(
        ["review", "--staged", "--apply", "--format", "json"], repo.root, capsys, monkeypatch
    )
    doc = json.loads(out)
    assert (
        doc["findings"][0]["applied"] is False
        and "changed since it was reviewed" in doc["findings"][0]["note"]
    )
    assert (repo.root / "billing.py").read_text().endswith("# edited after staging\n")
    repo.commit("two")
    repo.git("checkout", "-q", "HEAD~1")
    code, _, err = run_cli(
        ["review", "--base", "HEAD", "--head", "main", "--apply"], repo.root, capsys, monkeypatch
    )
    assert code == 2 and "checked out" in err


GUARDED_FILES = [
    ".gitea/workflows/ci.yml",
    ".forgejo/workflows/ci.yml",
    ".drone.yml",
    "bitbucket-pipelines.yml",
    ".buildkite/pipeline.yml",
    ".woodpecker.yml",
    "lefthook.yml",
    ".vscode/tasks.json",
    "conftest.py",
    "sitecustomize.py",
    "evil.pth",
    "Makefile",
    "package.json",
    "pyproject.toml",
    ".GitHub/workflows/x.yml",
    ".Pre-Commit-Config.yaml",
    ".GITLAB-CI.yml",
    "jenkinsfile",
]


def test_files_that_run_code_need_allow_path_in_any_letter_case(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 28, item 7: an answer may not create CI, hooks, editor tasks, start-up or build
    files."""
    setup(repo)
    edits = [{"path": p, "find": "", "replace": "echo pwned\n"} for p in GUARDED_FILES]
    edits.append({"path": "tests/test_billing.py", "find": "", "replace": TEST_FILE})
    llm.enqueue({"summary": "x", "edits": edits})
    code, doc, err = gen(
        repo, capsys, monkeypatch, "write tests", "--path", "billing.py", "--apply"
    )
    assert code == 3
    refused = {e["path"] for e in doc["edits"] if not e["placed"]}
    assert refused == set(GUARDED_FILES), refused ^ set(GUARDED_FILES)
    assert all("--allow-path" in e["note"] for e in doc["edits"] if not e["placed"])
    # and a run that failed applies nothing, not even its placed edit
    assert doc["applied"] == [] and not (repo.root / "tests" / "test_billing.py").exists()
    assert any("nothing applied" in e for e in doc["errors"])
    for p in GUARDED_FILES:
        assert not (repo.root / p).exists()

    llm.enqueue(
        {
            "summary": "x",
            "edits": [{"path": "Makefile", "find": "", "replace": "all:\n\techo ok\n"}],
        }
    )
    code, doc, err = gen(
        repo,
        capsys,
        monkeypatch,
        "add a Makefile",
        "--path",
        "billing.py",
        "--allow-path",
        "makefile",
        "--apply",
    )
    assert code == 0 and (repo.root / "Makefile").exists(), err


def test_generate_finds_the_right_code_without_path(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    """Issue 26, items 5 and 6: an untracked file's definition is found; a path or a defined name in
    the instruction picks the target, never files by word count; nothing found is a clear usage
    error."""
    setup(repo)
    repo.write("tox.ini", "[tox]\nenvlist = py312 tests for ratio\n")
    repo.write("docs/notes.md", "tests for ratio in the helper\n")
    repo.commit("config")
    # untracked, the newest code
    repo.write("src/calc/newhelper.py", "def ratio(a, b):\n    return a / b\n")
    llm.default = {"summary": "x", "edits": []}
    code, doc, err = gen(
        repo, capsys, monkeypatch, "write pytest tests for ratio", "--symbol", "ratio", "--dry-run"
    )
    assert code == 0 and doc["targets"] == ["src/calc/newhelper.py"], err
    code, doc, err = gen(
        repo,
        capsys,
        monkeypatch,
        "write pytest tests for ratio in src/calc/newhelper.py",
        "--dry-run",
    )
    assert doc["targets"] == ["src/calc/newhelper.py"], err
    code, doc, err = gen(repo, capsys, monkeypatch, "write pytest tests for ratio", "--dry-run")
    # by definition, not tox.ini by word count
    assert doc["targets"] == ["src/calc/newhelper.py"], err
    code, doc, err = gen(
        repo,
        capsys,
        monkeypatch,
        "add docstrings to the public functions in billing.py",
        "--dry-run",
    )
    assert doc["targets"] == ["billing.py"], err
    code, out, err = run_cli(
        ["generate", "make it better", "--dry-run"], repo.root, capsys, monkeypatch
    )
    assert code == 2 and "--path FILE or --symbol NAME" in err

"""Hostile input (issue 11): a client's repository, a model's answer and a bad day must not hurt the
user. Each test would have caught a defect that was reproduced."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.fake_openai import FakeOpenAI, finding
from tests.support.repos import GitRepo, run_cli
from tests.support.samples import FIX, SRC


def test_repository_config_cannot_move_writes_outside(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, tmp_path: Path
) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "0001-important.patch").write_text("mine\n")
    changed.write(".codepilot.toml", 'patch_dir = "../victim"\n')
    llm.default = {"findings": [finding("stats.py", 2, title="Empty list", fix=FIX)]}
    code, _, err = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert code == 2 and "outside the repository" in err
    assert (victim / "0001-important.patch").read_text() == "mine\n" and not (
        victim / ".gitignore"
    ).exists()
    code, _, err = run_cli(
        ["review", "--patch-dir", str(victim)], changed.root, capsys, monkeypatch
    )
    assert code == 1, err  # the user's own command line may point anywhere
    # and nothing of theirs is deleted
    assert (victim / "0001-important.patch").read_text() == "mine\n"


@pytest.mark.parametrize("link", [(".codepilot", ".git"), (".codepilot/patches", "../.git/hooks")])
def test_symlinks_never_lead_patches_into_git(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, link: tuple[str, str]
) -> None:
    name, target = link
    full = changed.root / name
    full.parent.mkdir(parents=True, exist_ok=True)
    full.symlink_to(target)
    llm.default = {"findings": [finding("stats.py", 2, title="Empty list", fix=FIX)]}
    code, _, err = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert code == 2 and ".git" in err
    assert not any(p.name.endswith(".patch") for p in (changed.root / ".git").rglob("*"))


def test_nothing_outside_the_repository_is_read(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, tmp_path: Path
) -> None:
    secret = tmp_path / "private_notes.txt"
    secret.write_text("PRIVATE NOTES nobody may see\n")
    repo.write("billing.py", "def total():\n    return 0\n")
    (repo.root / "test_billing.py").symlink_to(secret)
    repo.commit("base")
    llm.default = {"summary": "ok", "edits": []}
    run_cli(
        ["generate", "write tests for total", "--path", "test_billing.py"],
        repo.root,
        capsys,
        monkeypatch,
    )
    run_cli(["generate", "write tests for billing"], repo.root, capsys, monkeypatch)
    assert "PRIVATE NOTES" not in json.dumps(llm.history)


@pytest.mark.parametrize(
    "args",
    [
        ["report", "--head=--output=FILE"],
        ["report", "--base=--output=FILE"],
        ["review", "--base=--output=FILE"],
        ["review", "--commit=--output=FILE"],
    ],
)
def test_refs_stay_refs(changed: GitRepo, capsys, monkeypatch, args: list[str]) -> None:
    (changed.root / "FILE").write_text("keep me\n")
    code, _, err = run_cli(
        [*args, "--no-ai"] if args[0] == "report" else args, changed.root, capsys, monkeypatch
    )
    assert code == 2 and "Traceback" not in err
    assert (changed.root / "FILE").read_text() == "keep me\n"


def test_generate_edits_with_odd_or_unaimed_paths(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    repo.write("cart.py", "def total():\n    return 0\n")
    repo.write("setup.py", "setup()\n")
    repo.write(".github/workflows/ci.yml", "on: push\n")
    repo.commit("base")
    edits = [
        {"path": "cart.py", "find": "    return 0", "replace": "    return 1"},
        {"path": "nul\u0000.py", "find": "", "replace": "x = 1\n"},
        {"path": "setup.py", "find": "setup()", "replace": "setup(evil=True)"},
        {
            "path": ".github/workflows/ci.yml",
            "find": "on: push",
            "replace": "on: [push, pull_request]",
        },
        {"path": ".codepilot.toml", "find": "", "replace": 'model = "x"\n'},
        {"path": "tests/test_cart.py", "find": "", "replace": "def test_total():\n    pass\n"},
    ]
    llm.enqueue({"summary": "done", "edits": edits})
    code, out, err = run_cli(
        ["generate", "fix total", "--path", "cart.py", "--format", "json", "--apply"],
        repo.root,
        capsys,
        monkeypatch,
    )
    doc = json.loads(out)
    placed = {e["path"] for e in doc["edits"] if e["placed"]}
    assert placed == {"cart.py", "tests/test_cart.py"}
    assert not any((repo.root / n).exists() for n in ("nul", "nul\u0000.py", ".codepilot.toml"))
    assert (repo.root / "setup.py").read_text() == "setup()\n"
    assert (repo.root / ".github/workflows/ci.yml").read_text() == "on: push\n"
    llm.enqueue({"summary": "done", "edits": edits[2:3]})
    code, out, _ = run_cli(
        [
            "generate",
            "fix setup",
            "--path",
            "cart.py",
            "--allow-path",
            "setup.py",
            "--format",
            "json",
        ],
        repo.root,
        capsys,
        monkeypatch,
    )
    assert json.loads(out)["edits"][0]["placed"]


def test_model_text_never_drives_the_terminal_or_breaks_markdown(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    evil = finding(
        "stats.py",
        2,
        title="Bad \u001b]0;pwned\u0007 \u202etitle",
        body="<script>alert(1)</script>\n```\nunclosed fence",
    )
    llm.default = {"findings": [evil]}
    code, out, _ = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert "\u001b]0;" not in out and "\u202e" not in out and "\u0007" not in out
    code, out, _ = run_cli(["review", "--format", "markdown"], changed.root, capsys, monkeypatch)
    assert "<script>" not in out and "&lt;script&gt;" in out and "\n  ```\nunclosed" not in out


def test_a_lone_surrogate_and_its_cached_copy(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch
) -> None:
    raw = json.dumps(
        {
            "findings": [
                finding(
                    "stats.py",
                    2,
                    title="Bad \udfff title",
                    fix={"find": FIX["find"], "replace": FIX["replace"] + "  # \udfff"},
                )
            ]
        }
    )
    from tests.support.fake_openai import Raw

    llm.default = Raw(raw)
    for fmt in ("text", "json", "markdown", "sarif", "github"):
        code, out, err = run_cli(["review", "--format", fmt], changed.root, capsys, monkeypatch)
        assert code == 1 and "Traceback" not in err, (fmt, err)
    assert len(llm.history) == 1  # the rest came from the cache, and it did not break them


@pytest.mark.parametrize("damage", ["truncated", "garbage", "directory"])
def test_damaged_databases_are_moved_aside(
    changed: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, hermetic, damage: str
) -> None:
    llm.default = {"findings": []}
    run_cli(["review"], changed.root, capsys, monkeypatch)  # creates both databases
    for path in (
        hermetic / "xdg_cache_home" / "codepilot" / "answers.sqlite3",
        hermetic / "xdg_data_home" / "codepilot" / "history.sqlite3",
    ):
        assert path.is_file()
        if damage == "truncated":
            path.write_bytes(path.read_bytes()[:200])
        elif damage == "garbage":
            path.write_bytes(b"this is not a database" * 100)
        else:
            path.unlink()
            path.mkdir()
    changed.write("stats.py", SRC + "\n")
    code, out, err = run_cli(["review"], changed.root, capsys, monkeypatch)
    assert code == 0 and "Traceback" not in err and "moved aside" in err
    assert "nothing to review" not in out and "no findings" in out


def test_first_runs_at_the_same_time(tmp_path: Path) -> None:
    from codepilot.output import history

    db_path = tmp_path / "h.sqlite3"
    script = (
        "import sys; from pathlib import Path; from codepilot.output import history\n"
        "with history.opened(Path(sys.argv[1])) as db: db.execute('SELECT count(*) FROM "
        "runs').fetchone()\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(db_path)], stderr=subprocess.PIPE)
        for _ in range(12)
    ]
    errors = [p.communicate()[1].decode() for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    with history.opened(db_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(history.MIGRATIONS)


def test_interrupted_apply_leaves_every_file_whole(repo: GitRepo, tmp_path: Path) -> None:
    """The apply step itself, killed at random moments: every file is as reviewed or fully
    patched."""
    from codepilot.check.apply import Planned, apply_all
    from codepilot.source.git import open_repo

    texts = {
        f"m{i}.py": "".join(f"def f{j}():\n    return {j}\n" for j in range(400)) for i in range(40)
    }
    for name, text in texts.items():
        repo.write(name, text)
    repo.commit("base")
    fixed = {n: t.replace("    return 7\n", "    return -7\n") for n, t in texts.items()}
    first = repo.root / "m0.py"
    interrupted = 0
    for trial in range(6):
        for name, text in texts.items():
            repo.write(name, text)
        child = os.fork()
        if child == 0:  # pragma: no cover - the child applies and is killed
            try:
                r = open_repo(repo.root)
                apply_all(
                    r,
                    [
                        Planned(f"{n}.patch", n, t, 16, 16, ("    return -7",))
                        for n, t in texts.items()
                    ],
                )
            finally:
                os._exit(0)
        # killed once the writing has begun (the first file is patched), so the kill lands among the
        # writes of the others, not before them (see issue 25: a fixed sleep never hit a write)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and first.read_text() != fixed["m0.py"]:
            pass
        os.kill(child, signal.SIGTERM if trial % 2 else signal.SIGKILL)
        os.waitpid(child, 0)
        done = 0
        for name in texts:
            got = (repo.root / name).read_text()
            assert got in (texts[name], fixed[name]), (trial, name, len(got))
            done += got == fixed[name]
        interrupted += 0 < done < len(texts)
    assert interrupted, "no trial stopped the apply in the middle: the test proves nothing"


def test_bad_configuration_values(changed: GitRepo, capsys, monkeypatch) -> None:
    for text in ('prices = "cheap"\n', "max_request_tokens = -5\n", "deny = 3\n"):
        changed.write(".codepilot.toml", text)
        code, _, err = run_cli(["review", "--dry-run"], changed.root, capsys, monkeypatch)
        assert code == 2 and len(err.strip().splitlines()) == 1, text


NAMES = ["plan b/x.py", "back\\slash.py", "trail .py", "tab\tname.py", "new\nline.py"]


def test_every_name_git_accepts(repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch) -> None:
    for name in NAMES:
        repo.write(name, "def average(values):\n    return 0\n")
    repo.commit("base")
    for name in NAMES:
        repo.write(name, SRC)
    llm.default = lambda body: {
        "findings": [
            finding(n, 2, title=f"Empty list in {n}", fix=FIX)
            for n in NAMES
            if n in body["messages"][1]["content"]
        ]
    }
    code, out, err = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    doc = json.loads(out)
    assert code == 1, err
    assert {f["path"] for f in doc["findings"]} == set(NAMES)
    for f in doc["findings"]:
        subprocess.run(["git", "apply", "--check", f["patch"]], cwd=repo.root, check=True)


def test_sqlite_migrations_keep_old_histories(tmp_path: Path) -> None:
    from codepilot.output import history

    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(history.MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.close()
    with history.opened(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(history.MIGRATIONS)


@pytest.mark.parametrize("odd", [b"\x0c", "\u2028".encode(), "\u0085".encode(), b"\r", b"caf\xe9"])
def test_odd_bytes_near_a_fix_still_give_a_patch(
    repo: GitRepo, llm: FakeOpenAI, capsys, monkeypatch, odd: bytes
) -> None:
    old = b"# note " + odd + b" here\ndef average(values):\n    return 0\n"
    repo.write("stats.py", old)
    repo.commit("base")
    repo.write("stats.py", old.replace(b"return 0", b"return sum(values) / len(values)"))
    llm.default = {"findings": [finding("stats.py", 3, title="Empty list", fix=FIX)]}
    code, out, err = run_cli(["review", "--format", "json"], repo.root, capsys, monkeypatch)
    f = json.loads(out)["findings"][0]
    assert f["patch"], f["note"]
    subprocess.run(["git", "apply", f["patch"]], cwd=repo.root, check=True)
    data = (repo.root / "stats.py").read_bytes()
    assert odd in data and b"if values else 0" in data  # the odd bytes kept as they were

"""Anything a user can cause is one clear line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from codepilot import __version__
from tests.support.repos import GitRepo, run_cli


def one_line(err: str) -> None:
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err


def test_not_a_repository(tmp_path: Path, capsys, monkeypatch) -> None:
    code, _, err = run_cli(["review", "--dry-run"], tmp_path, capsys, monkeypatch)
    assert code == 2 and "not a git repository" in err
    one_line(err)


@pytest.mark.parametrize(
    "args", [["--base", "nope"], ["--commit", "deadbeef"], ["--base", "main", "--head", "x"]]
)
def test_unknown_ref(repo: GitRepo, args: list[str], capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, _, err = run_cli(["review", "--dry-run", *args], repo.root, capsys, monkeypatch)
    assert code == 2 and "unknown revision" in err
    one_line(err)


@pytest.mark.parametrize(
    "args",
    [
        ["--bogus"],
        ["--format", "pdf"],
        ["--staged", "--commit", "HEAD"],
        ["--head", "HEAD"],
        ["--concurrency", "0"],
    ],
)
def test_bad_options(repo: GitRepo, args: list[str], capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, _, err = run_cli(["review", "--dry-run", *args], repo.root, capsys, monkeypatch)
    assert code == 2
    one_line(err)


def test_path_outside_repository(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, _, err = run_cli(["review", "--dry-run", "../elsewhere"], repo.root, capsys, monkeypatch)
    assert code == 2 and "outside the repository" in err
    one_line(err)


def test_bad_config(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write(".codepilot.toml", "max_request_tokens = 'lots'\n")
    repo.commit("base")
    code, _, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 2 and ".codepilot.toml: max_request_tokens" in err
    one_line(err)
    repo.write(".codepilot.toml", "modle = 'x'\n")
    code, _, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 2 and "modle" in err


def test_version(capsys, monkeypatch, tmp_path: Path) -> None:
    code, out, _ = run_cli(["--version"], tmp_path, capsys, monkeypatch)
    assert code == 0 and __version__ in out


def test_messages_say_what_is_so(repo: GitRepo, capsys, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 23, item 18: a few of the lines a user reads."""
    repo.write("a.py", "A = 1\n")
    repo.commit("base")
    code, out, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 0 and "nothing to review" in out and "--base REF or --commit REV" in out
    # bare codepilot: its help, as help
    code, out, err = run_cli([], repo.root, capsys, monkeypatch)
    assert code == 0 and out.startswith("Usage: codepilot") and "codepilot: Usage" not in out + err
    code, out, err = run_cli(["eval", "--help"], repo.root, capsys, monkeypatch)
    assert "--model NAME" in out and "--votes N" in out
    code, out, err = run_cli(["review", "--help"], repo.root, capsys, monkeypatch)
    assert "Exit codes:" in out and "Examples:" in out and "[default " not in out
    repo.write(".codepilot.toml", 'failon = "error"\n')
    code, out, err = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 2 and "did you mean fail_on?" in err
    repo.write(".codepilot.toml", "")
    repo.write("a.py", "A = 2\n")
    target = tmp_path / "plan.json"
    code, out, err = run_cli(
        ["review", "--dry-run", "--format", "json", "-o", str(target)],
        repo.root,
        capsys,
        monkeypatch,
    )
    assert code == 0 and f"wrote {target}" in err and target.is_file()

"""Paths (runtime/paths.py): the one rule for a path a repository names, files and folders only
this user can read, a tool found on PATH or in the repository's own virtual environment."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codepilot.runtime.paths import confined, executable, private_file, private_folder


@pytest.mark.parametrize(
    ("path", "inside"),
    [
        ("a/b.txt", True),
        ("./a/../a/b.txt", True),
        ("../outside.txt", False),
        ("/etc/passwd", False),
        (".git/config", False),
        ("sub/.git/HEAD", False),
        ("link-out/x", False),  # a symlink leading outside
        ("link-in/b.txt", True),  # a symlink that stays inside
    ],
)
def test_confined(tmp_path: Path, path: str, inside: bool) -> None:
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    (root / "a" / "b.txt").write_text("x")
    (root / "link-out").symlink_to(tmp_path)
    (root / "link-in").symlink_to(root / "a")
    found = confined(root, path)
    assert (found is not None) is inside
    if found is not None:
        assert found.is_relative_to(root.resolve())


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    assert confined(tmp_path, "loop/x") is None


def test_private_file_and_folder(tmp_path: Path) -> None:
    folder = private_folder(tmp_path / "a" / "b")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    loose = tmp_path / "loose.sqlite"
    loose.write_text("kept")
    loose.chmod(0o644)
    assert private_file(loose).read_text() == "kept"
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    assert stat.S_IMODE(private_file(tmp_path / "new").stat().st_mode) == 0o600


def test_a_tool_from_the_repositorys_own_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert executable(tmp_path, "sometool") is None
    tool = tmp_path / ".venv" / "bin" / "sometool"
    tool.parent.mkdir(parents=True)
    tool.write_text("#!/bin/sh\n")
    assert executable(tmp_path, "sometool") is None  # not executable: not a tool
    tool.chmod(0o755)
    assert executable(tmp_path, "sometool") == str(tool)
    on_path = tmp_path / "bin" / "sometool"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent) + os.pathsep + os.environ["PATH"])
    assert executable(tmp_path, "sometool") == str(on_path)  # PATH first

"""Change sources (the contract's table) in real repositories of every awkward shape."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.repos import GitRepo, dry_json, expected_lines, run_cli, seen_lines

BASE = "def f(x):\n    return x\n\n\ndef g(y):\n    return y\n"


def paths(doc: dict) -> set[str]:  # type: ignore[type-arg]
    return {f["path"] for f in doc["files"]}


@pytest.fixture
def committed(repo: GitRepo) -> GitRepo:
    repo.write("a.py", BASE)
    repo.write("b.py", BASE)
    repo.commit("base")
    return repo


def test_default_is_index_worktree_and_untracked(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.git("add", "a.py")
    committed.write("b.py", BASE.replace("return y", "return y * 2"))
    committed.write("new.py", "def h():\n    pass\n")
    doc = dry_json([], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py", "b.py", "new.py"}  # `git diff HEAD` plus the new file
    new = next(f for f in doc["files"] if f["path"] == "new.py")
    assert new["status"] == "added" and new["changes"][0]["added_lines"] == [1, 2]
    committed.write(".codepilot.toml", "untracked = false\n")
    doc = dry_json([], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py", "b.py"}  # as `git diff HEAD` ...
    assert set(seen_lines(doc)) == expected_lines(committed, "HEAD")
    skipped = {s["path"]: s["reason"] for s in doc["skipped"]}  # ... and never silently left out
    assert set(skipped) == {"new.py", ".codepilot.toml"} and "untracked" in skipped["new.py"]


def test_staged_only(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.git("add", "a.py")
    committed.write("b.py", BASE.replace("return y", "return y * 2"))
    doc = dry_json(["--staged"], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}
    assert doc["files"][0]["changes"][0]["symbol"] == "f"


def test_staged_reads_index_not_worktree(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.git("add", "a.py")
    committed.write("a.py", BASE.replace("return x", "return x + 999"))
    doc = dry_json(["--staged"], committed.root, capsys, monkeypatch)
    user = doc["requests"][0]["messages"][1]["content"]
    assert "x + 1" in user and "x + 999" not in user


def test_base_uses_merge_base(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.git("checkout", "-q", "-b", "feature")
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.commit("feature")
    committed.git("checkout", "-q", "main")
    committed.write("b.py", BASE.replace("return y", "return -y"))
    committed.commit("main moves on")
    doc = dry_json(["--base", "main", "--head", "feature"], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}  # b.py changed on main only: not part of the feature


def test_commit_against_first_parent_and_root_commit(
    committed: GitRepo, capsys, monkeypatch
) -> None:
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    sha = committed.commit("one")
    doc = dry_json(["--commit", sha], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}
    root = committed.git("rev-list", "--max-parents=0", "HEAD").strip()
    doc = dry_json(["--commit", root], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py", "b.py"}
    assert all(f["status"] == "added" for f in doc["files"])


def test_paths_filter_from_subfolder(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("src/pkg/a.py", BASE)
    repo.write("src/other.py", BASE)
    repo.write("top.py", BASE)
    repo.commit("base")
    for p in ("src/pkg/a.py", "src/other.py", "top.py"):
        repo.write(p, BASE + "\nX = 1\n")
    doc = dry_json(["pkg"], repo.root / "src", capsys, monkeypatch)
    assert paths(doc) == {"src/pkg/a.py"}
    doc = dry_json([], repo.root / "src", capsys, monkeypatch)
    assert paths(doc) == {"src/pkg/a.py", "src/other.py", "top.py"}
    doc = dry_json(["../top.py", "other.py"], repo.root / "src", capsys, monkeypatch)
    assert paths(doc) == {"top.py", "src/other.py"}


def test_no_commits_yet(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write("a.py", BASE)
    repo.git("add", "a.py")
    repo.write("b.py", BASE)
    doc = dry_json(["--staged"], repo.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}
    doc = dry_json([], repo.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py", "b.py"}  # the untracked file too
    repo.git("add", "b.py")
    doc = dry_json([], repo.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py", "b.py"}
    code, _, err = run_cli(
        ["review", "--dry-run", "--base", "main"], repo.root, capsys, monkeypatch
    )
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_detached_head(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.commit("one")
    committed.git("checkout", "-q", "--detach", "HEAD~1")
    committed.write("b.py", BASE.replace("return y", "return 0"))
    doc = dry_json([], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"b.py"}
    doc = dry_json(["--base", "HEAD", "--head", "main"], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}


def test_worktree(committed: GitRepo, tmp_path: Path, capsys, monkeypatch) -> None:
    wt = tmp_path / "wt"
    committed.git("worktree", "add", "-q", "-b", "side", str(wt))
    (wt / "a.py").write_text(BASE.replace("return x", "return x + 1"))
    doc = dry_json([], wt, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}
    subprocess.run(["git", "commit", "-qam", "wt"], cwd=wt, check=True)
    doc = dry_json(["--base", "main"], wt, capsys, monkeypatch)
    assert paths(doc) == {"a.py"}


def test_hook_environment(committed: GitRepo, tmp_path: Path, capsys, monkeypatch) -> None:
    """A hook runs at the top with GIT_DIR relative and GIT_INDEX_FILE pointing at a temporary index
    (as `git commit -a` and `git commit file` do)."""
    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.write("b.py", BASE.replace("return y", "return y + 1"))
    tmp_index = tmp_path / "index.tmp"
    env = {"GIT_INDEX_FILE": str(tmp_index)}
    subprocess.run(
        ["git", "read-tree", "HEAD"], cwd=committed.root, env={**os.environ, **env}, check=True
    )
    subprocess.run(
        ["git", "add", "b.py"], cwd=committed.root, env={**os.environ, **env}, check=True
    )
    monkeypatch.setenv("GIT_DIR", ".git")
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_index))
    doc = dry_json(["--staged"], committed.root, capsys, monkeypatch)
    assert paths(doc) == {"b.py"}


def test_odd_file_names(repo: GitRepo, capsys, monkeypatch) -> None:
    names = ["with space.py", "naïve café.py", "日本/ファイル.py", 'quote"d.py', "tab\tname.py"]
    for n in names:
        repo.write(n, BASE)
    repo.commit("base")
    for n in names:
        repo.write(n, BASE.replace("return x", "return x + 1"))
    doc = dry_json([], repo.root, capsys, monkeypatch)
    assert paths(doc) == set(names)
    assert all(f["changes"][0]["symbol"] == "f" for f in doc["files"])
    doc = dry_json(["with space.py", "日本"], repo.root, capsys, monkeypatch)
    assert paths(doc) == {"with space.py", "日本/ファイル.py"}


def test_shallow_clone_without_merge_base(
    committed: GitRepo, tmp_path: Path, capsys, monkeypatch
) -> None:
    committed.git("checkout", "-q", "-b", "feature")
    for i in range(3):
        committed.write("a.py", BASE + f"\nX = {i}\n")
        committed.commit(f"feature {i}")
    committed.git("checkout", "-q", "main")
    committed.write("b.py", BASE + "\nY = 1\n")
    committed.commit("main moves")
    clone = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth",
            "1",
            "--no-single-branch",
            f"file://{committed.root}",
            str(clone),
        ],
        check=True,
    )
    code, out, err = run_cli(
        ["review", "--dry-run", "--base", "origin/main", "--head", "origin/feature"],
        clone,
        capsys,
        monkeypatch,
    )
    assert code == 2
    assert "fetch-depth: 0" in err and len(err.strip().splitlines()) == 1


def test_every_changed_line_once_across_sources(committed: GitRepo, capsys, monkeypatch) -> None:
    committed.write(
        "a.py", "import os\n" + BASE.replace("return x", "y = x\n    return y") + "\nZ = 3\n"
    )
    committed.git("mv", "b.py", "c.py")
    committed.commit("two")
    doc = dry_json(["--commit", "HEAD"], committed.root, capsys, monkeypatch)
    seen = seen_lines(doc)
    assert len(seen) == len(set(seen))
    assert set(seen) == expected_lines(committed, "HEAD~1", "HEAD")


def test_the_patch_started_early_is_written_whatever_the_wait(committed: GitRepo) -> None:
    """The commands start `git diff` before loading the pipeline: git must finish on its own however
    large the patch (far past a pipe's buffer) and however long nobody reads it."""
    from codepilot.source import diff

    committed.write("big.py", "".join(f"value_{i} = {i}  # {'x' * 60}\n" for i in range(20_000)))
    committed.commit("big")
    begun = diff.begin(committed.root, base="HEAD~1", head="HEAD")
    running = begun.patch
    assert running is not None
    for _ in range(600):  # nobody reads: it ends by itself all the same
        if running.proc.poll() is not None:
            break
        time.sleep(0.05)
    assert running.proc.returncode == 0
    files = diff.changed_files(begun.repo, begun.source, begun.pathspecs, begun.take_patch())
    assert [f.path for f in files] == ["big.py"]
    assert sum(ln.kind == "+" for h in files[0].hunks for ln in h.lines) == 20_000


def test_a_run_that_fails_after_the_patch_started_leaves_no_git_running(committed: GitRepo) -> None:
    from codepilot import review
    from codepilot.runtime.errors import FatalError
    from codepilot.source import diff

    committed.write("a.py", BASE.replace("return x", "return x + 1"))
    committed.write(".codepilot.toml", "max_request_tokens = 'lots'\n")
    begun = diff.begin(committed.root)
    running = begun.patch
    assert running is not None
    with pytest.raises(FatalError):
        review.prepare(review.Options(cwd=committed.root), begun)
    assert begun.patch is None and running.proc.returncode is not None and running.out.closed


def _nodes(tree) -> list[tuple]:  # type: ignore[no-untyped-def, type-arg]
    out, stack = [], [tree.root_node]
    while stack:
        node = stack.pop()
        out.append((node.type, node.start_byte, node.end_byte, node.start_point, node.end_point))
        stack.extend(node.children)
    return out


def _one_change(repo: GitRepo, old: str, new: str):  # type: ignore[no-untyped-def]
    """m.py committed as `old`, then as `new`: the change between the two commits, as `review` reads
    it."""
    from codepilot.source import diff

    repo.write("m.py", old)
    repo.commit("old")
    repo.write("m.py", new)
    repo.commit("new")
    begun = diff.begin(repo.root, base="HEAD~1", head="HEAD")
    (fc,) = diff.changed_files(begun.repo, begun.source, begun.pathspecs, begun.take_patch())
    return fc


OLD_PY = (
    "import os\n\n\ndef f(x):\n    return x\n\n\nclass C:\n    def m(self):\n        return 1\n"
)


@pytest.mark.parametrize(
    "new",
    [
        OLD_PY.replace("return x", "y = x * 2\n    return y"),  # lines added inside
        OLD_PY.replace("import os\n", ""),  # the first line removed
        OLD_PY + "\n\ndef g():\n    pass",  # added at the end, no final newline
        OLD_PY.rstrip("\n"),  # only the final newline removed
        "x = 1\n",  # everything replaced
        OLD_PY.replace("\n", "\r\n"),  # CRLF
        "def f(:\n" + OLD_PY,  # a syntax error added
    ],
)
def test_the_old_version_parsed_from_the_new_one_is_the_same_parse(
    committed: GitRepo, new: str
) -> None:
    """The old version of a changed file is parsed incrementally from the new version's parse, with
    the hunks as edits: the result is exactly a fresh parse, node by node and position by
    position."""
    from codepilot.source import changes
    from codepilot.syntax import detect
    from codepilot.syntax.outline import parser_for, reparse

    fc = _one_change(committed, OLD_PY, new)
    old_b, new_b = OLD_PY.encode(), new.encode()
    lang = detect("m.py")
    edits = changes._edits(fc.hunks, new_b, old_b)
    assert edits is not None
    assert _nodes(reparse(lang, old_b, parser_for(lang).parse(new_b), edits)) == _nodes(
        parser_for(lang).parse(old_b)
    )


def test_hunks_that_do_not_describe_the_texts_give_no_edits(committed: GitRepo) -> None:
    """A work-tree file that git's filters changed may differ from what the hunks say outside them:
    then the old version is parsed whole, never from edits that would not be true."""
    from codepilot.source import changes

    old = "".join(f"v{i} = {i}\n" for i in range(30))
    new = old.replace("v15 = 15", "v15 = 16")
    fc = _one_change(committed, old, new)
    assert changes._edits(fc.hunks, new.encode(), old.encode()) is not None
    assert changes._edits(fc.hunks, new.replace("v2 = 2", "v2 = 3").encode(), old.encode()) is None
    assert changes._edits(fc.hunks, ("x = 0\n" + new).encode(), old.encode()) is None

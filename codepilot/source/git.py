"""The only place that runs git: a tiny helper with NUL-separated output, and blobs read in bulk
through one `git cat-file --batch` (all object names in, all contents out, started in the background
while the patch is parsed)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from codepilot.runtime.errors import GitError
from codepilot.runtime.paths import confined

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
NULL_SHA = "0" * 40
_PATH_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_COMMON_DIR",
)
# Options that make git's output independent of the user's settings where we parse it.
_STABLE = (
    "-c",
    "core.quotepath=off",
    "-c",
    "color.ui=never",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.external=",
    "-c",
    "core.pager=cat",
)


def git_env(cwd: Path) -> dict[str, str]:
    """The environment for git: hook variables (GIT_DIR, GIT_INDEX_FILE, ...) made absolute, so that
    commands run from the repository root still find what the hook meant."""
    env = dict(os.environ)
    for var in _PATH_VARS:
        if env.get(var) and not os.path.isabs(env[var]):
            env[var] = str((cwd / env[var]).resolve())
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.setdefault("LC_ALL", "C")
    return env


def first_line(stderr: bytes) -> str:
    lines = [ln for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or ["git failed"])[0].removeprefix("fatal: ").removeprefix("error: ")


def run(
    cwd: Path,
    env: dict[str, str],
    *args: str,
    check: bool = True,
    stdin: bytes | None = None,
    plain: bool = False,
) -> bytes:
    """git with our stable output settings (`plain`: without them, for commands that write
    commits)."""
    settings = () if plain else _STABLE
    proc = subprocess.run(
        ["git", *settings, *args], cwd=cwd, env=env, input=stdin, capture_output=True, check=False
    )
    if check and proc.returncode != 0:
        raise GitError(first_line(proc.stderr))
    return proc.stdout


def blob_id(data: bytes) -> str:
    """The id git gives these bytes as a blob (what `git hash-object` prints, without filters)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass
class Running:
    """A git command running in the background. It writes into temporary files, not pipes: it never
    waits for a reader, however long the program takes to come back for its output."""

    proc: subprocess.Popen[bytes]
    out: IO[bytes]
    err: IO[bytes]

    def finish(self) -> bytes:
        """Its output, once it has ended (GitError if it failed)."""
        try:
            self.proc.wait()
            self.out.seek(0)
            self.err.seek(0)
            out, err = self.out.read(), self.err.read()
        finally:
            self._close()
        if self.proc.returncode != 0:
            raise GitError(first_line(err))
        return out

    def stop(self) -> None:
        """End it without its output (its caller failed first, or did not need it); nothing once
        read."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    def _close(self) -> None:
        self.out.close()
        self.err.close()


@dataclass
class Repo:
    """A work tree and how to run git in it."""

    root: Path
    git_dir: Path
    env: dict[str, str]
    shallow: bool
    common_dir: Path | None = None  # shared by every worktree of the repository
    _prefetch: Any = field(default=None, repr=False)  # (thread, results) of a background bulk read

    def git(self, *args: str, check: bool = True, stdin: bytes | None = None) -> bytes:
        return run(self.root, self.env, *args, check=check, stdin=stdin)

    def start(self, *args: str) -> Running:
        """A git command running in the background (read it with `Running.finish`)."""
        with contextlib.ExitStack() as files:
            out = files.enter_context(tempfile.TemporaryFile())
            err = files.enter_context(tempfile.TemporaryFile())
            proc = subprocess.Popen(
                ["git", *_STABLE, *args], cwd=self.root, env=self.env, stdout=out, stderr=err
            )
            files.pop_all()  # started: the files are the command's now
        return Running(proc, out, err)

    def has_commit(self, sha: str) -> bool:
        """This clone holds that commit (a shallow or partial clone may not)."""
        return bool(sha) and self.try_git("cat-file", "-e", f"{sha}^{{commit}}") is not None

    def try_git(self, *args: str) -> bytes | None:
        """`git` as `git()` runs it, but None instead of an error when it fails."""
        try:
            return self.git(*args)
        except GitError:
            return None

    def inside(self, path: str) -> Path | None:
        """The work-tree file `path` resolved (symlinks followed), or None when that leads outside
        the repository or into .git: nothing outside the repository is ever read or written through
        it."""
        return confined(self.root, path)

    def worktree_files(self) -> list[str]:
        """The work tree's files: tracked and untracked that git does not ignore (the newest code is
        often not added yet)."""
        out = self.git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
        return list(
            dict.fromkeys(p for p in out.decode("utf-8", "surrogateescape").split("\0") if p)
        )

    def worktree_text(self, path: str) -> str | None:
        """A work-tree file as text (undecodable bytes replaced), or None when there is no such file
        (or it resolves outside the repository)."""
        full = self.inside(path)
        try:
            return (
                full.read_bytes().decode("utf-8", "replace")
                if full is not None and full.is_file()
                else None
            )
        except OSError:
            return None

    def head(self) -> str | None:
        """HEAD's commit, or None in a repository with no commits yet."""
        out = self.try_git("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return out.decode().strip() if out else None

    def commit(self, rev: str) -> str:
        if not rev or rev.startswith("-") or any(c in rev for c in "\0\n\r"):
            raise GitError(f"{rev!r} is not a revision (refs never start with '-')")
        out = self.try_git(
            "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"
        )
        if not out:
            raise GitError(f"unknown revision {rev!r}: not a commit in this repository")
        return out.decode().strip()

    def prefetch(self, shas: list[str]) -> None:
        """Start reading these blobs in the background (while the patch is parsed); `blobs` picks
        them up."""
        import threading

        results: dict[str, bytes] = {}

        def read() -> None:
            # `blobs` reads what is missing again, and reports it
            with contextlib.suppress(GitError):
                results.update(self._read_blobs(shas))

        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        self._prefetch = (thread, results)

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Many objects through one `git cat-file --batch` process, pipelined (one round trip)."""
        found: dict[str, bytes] = {}
        if self._prefetch is not None:
            thread, found = self._prefetch
            thread.join()
            self._prefetch = None
        missing = [s for s in dict.fromkeys(shas) if s not in found]
        return {**found, **self._read_blobs(missing)} if missing else found

    def _read_blobs(self, shas: list[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        out = self.git("cat-file", "--batch", stdin=("\n".join(wanted) + "\n").encode())
        found: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            eol = out.index(b"\n", pos)
            header = out[pos:eol].split()
            if len(header) < 3 or header[1] == b"missing":
                raise GitError(f"object {sha} is missing from the repository")
            size = int(header[2])
            found[sha] = out[eol + 1 : eol + 1 + size]
            pos = eol + 2 + size
        return found


def open_repo(cwd: Path | None = None) -> Repo:
    """The repository containing `cwd` (honours GIT_DIR/GIT_WORK_TREE as hooks set them)."""
    cwd = (cwd or Path.cwd()).resolve()
    env = git_env(cwd)
    proc = subprocess.run(
        [
            "git",
            "rev-parse",
            "--show-toplevel",
            "--absolute-git-dir",
            "--is-shallow-repository",
            "--git-common-dir",
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
    )
    if proc.returncode != 0:
        msg = first_line(proc.stderr)
        if "not a git repository" in msg:
            raise GitError(f"not a git repository: {cwd}")
        raise GitError(msg)
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines()
    if len(lines) < 3 or not lines[0]:
        raise GitError(f"no work tree here (a bare repository?): {cwd}")
    common = Path(lines[3]) if len(lines) > 3 else Path(lines[1])
    common = common if common.is_absolute() else (cwd / common).resolve()
    return Repo(
        root=Path(lines[0]),
        git_dir=Path(lines[1]),
        env=env,
        shallow=lines[2] == "true",
        common_dir=common,
    )

"""What changed: the change source (worktree, staged, range, commit) resolved to two sides, and the
files and hunks between them, from `git diff --raw -z` (names, modes, blobs) and the patch text
parsed by unidiff (hunks and line numbers)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, NamedTuple

from unidiff.errors import UnidiffParseError
from unidiff.patch import PatchSet

from codepilot.runtime.errors import GitError, UsageError
from codepilot.source.git import EMPTY_TREE, NULL_SHA, Repo, Running, open_repo

SourceKind = Literal["worktree", "staged", "range", "commit"]
SUBMODULE, SYMLINK = "160000", "120000"


@dataclass(frozen=True)
class Source:
    """The two sides of a review: `old` is a commit (or the empty tree); `new` a commit, or the
    index (`staged`) or the work tree (`worktree`) when None."""

    kind: SourceKind
    old: str
    new: str | None
    label: str

    def diff_args(self) -> list[str]:
        if self.kind == "staged":
            return ["--cached", self.old]
        if self.kind == "worktree":
            return [self.old]
        assert self.new is not None
        return [self.old, self.new]


class Line(NamedTuple):
    """One line of a hunk (a named tuple: a large change has tens of thousands)."""

    kind: str  # " " context, "+" added, "-" removed
    old: int | None
    new: int | None
    text: str


@dataclass
class Hunk:
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    lines: list[Line]

    def header(self) -> str:
        return f"@@ -{self.old_start},{self.old_len} +{self.new_start},{self.new_len} @@"

    @cached_property
    def where(self) -> dict[tuple[str, int], int]:
        """(kind, number) of each added or removed line -> its index in `lines`."""
        return {
            (ln.kind, (ln.new if ln.kind == "+" else ln.old) or 0): i
            for i, ln in enumerate(self.lines)
            if ln.kind != " "
        }

    @cached_property
    def counts(self) -> tuple[list[int], list[int]]:
        """Old-side and new-side lines before each index (prefix sums), for slicing in constant
        time."""
        old, new = [0], [0]
        for ln in self.lines:
            old.append(old[-1] + (ln.kind != "+"))
            new.append(new[-1] + (ln.kind != "-"))
        return old, new


# lines as plain tuples: quick to pickle
HunkRows = list[tuple[int, int, int, int, list[tuple[Any, ...]]]]


@dataclass
class FileChange:
    """One changed file: names, modes and blobs from the raw diff, hunks from the patch."""

    path: str
    old_path: str | None
    status: (
        str  # added, modified, deleted, renamed, binary (set later), untracked files are "added"
    )
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    # this file's part of the patch: read into hunks when first used
    patch: str = field(default="", repr=False)
    binary: bool = False
    untracked: bool = False
    _hunks: list[Hunk] | None = field(default=None, repr=False)

    @property
    def hunks(self) -> list[Hunk]:
        """The patch's hunks (read on first use: a file skipped by rule never needs them)."""
        if self._hunks is None:
            self._hunks = _read_hunks(self.path, self.patch) if self.patch else []
        return self._hunks

    @hunks.setter
    def hunks(self, hunks: list[Hunk]) -> None:
        self._hunks = hunks

    @property
    def hunks_read(self) -> bool:
        return self._hunks is not None

    def hunk_rows(self) -> HunkRows:
        """The hunks as plain rows (cheap to send back from a worker; `set_hunk_rows` reads
        them)."""
        return [
            (h.old_start, h.old_len, h.new_start, h.new_len, list(map(tuple, h.lines)))
            for h in self.hunks
        ]

    def set_hunk_rows(self, rows: HunkRows) -> None:
        self._hunks = [Hunk(a, b, c, d, list(map(Line._make, lines))) for a, b, c, d, lines in rows]


def check_source_options(
    *, staged: bool, base: str | None, head: str | None, commit: str | None
) -> None:
    """Conflicting source options are refused before anything else, whatever the repository's
    state."""
    if sum([staged, base is not None, commit is not None]) > 1:
        raise UsageError("choose one of --staged, --base and --commit")
    if head is not None and base is None:
        raise UsageError("--head needs --base")


def nothing_staged(repo: Repo, pathspecs: list[str]) -> bool:
    """The hook's light path: one `git diff --cached --quiet` before anything heavy is imported."""
    if repo.head() is None:
        return repo.git("--literal-pathspecs", "ls-files", "-z", "--", *pathspecs).strip() == b""
    args = ["--literal-pathspecs", "diff", "--cached", "--quiet", "--ignore-submodules=none"]
    return repo.try_git(*args, "--", *pathspecs) is not None


def resolve_source(
    repo: Repo,
    *,
    staged: bool = False,
    base: str | None = None,
    head: str | None = None,
    commit: str | None = None,
) -> Source:
    """The change source the options name (docs/reference.md); errors are one clear line."""
    check_source_options(staged=staged, base=base, head=head, commit=commit)
    if base is not None:
        return _range(repo, base, head or "HEAD")
    if commit is not None:
        sha = repo.commit(commit)
        parents = repo.git("rev-list", "--parents", "-n", "1", sha).decode().split()
        return Source(
            "commit", parents[1] if len(parents) > 1 else EMPTY_TREE, sha, f"commit {sha[:12]}"
        )
    old = repo.head() or EMPTY_TREE
    if staged:
        return Source("staged", old, None, "staged changes")
    return Source("worktree", old, None, "uncommitted changes")


def _range(repo: Repo, base: str, head: str) -> Source:
    # the whole history up to head (a hand-off report of a project with no tag)
    if base == EMPTY_TREE:
        head_sha = repo.commit(head)
        return Source("range", EMPTY_TREE, head_sha, f"everything up to {head}")
    if head == "HEAD" and repo.head() is None:
        raise GitError("HEAD has no commits yet: --base needs a commit to compare with")
    base_sha, head_sha = repo.commit(base), repo.commit(head)
    out = repo.try_git("merge-base", base_sha, head_sha)
    if not out:
        if repo.shallow:
            raise GitError(
                f"no merge base of {base} and {head} in this shallow clone: fetch more history "
                "(git fetch --unshallow, or fetch-depth: 0 in actions/checkout)"
            )
        raise GitError(f"{base} and {head} have no common history")
    mb = out.decode().split()[0]
    return Source("range", mb, head_sha, f"{base}...{head} (merge base {mb[:12]})")


def _parse_raw(data: bytes) -> list[FileChange]:
    fields = data.split(b"\0")
    out: list[FileChange] = []
    i = 0
    while i < len(fields) - 1:
        meta = fields[i].decode().lstrip(":").split()
        old_mode, new_mode, old_sha, new_sha, status = meta[:5]
        if status[0] in "RC":
            old_path, path = (
                fields[i + 1].decode(errors="surrogateescape"),
                fields[i + 2].decode(errors="surrogateescape"),
            )
            i += 3
        else:
            old_path = path = fields[i + 1].decode(errors="surrogateescape")
            i += 2
        kind = {"A": "added", "D": "deleted", "R": "renamed", "C": "added"}.get(
            status[0], "modified"
        )
        out.append(
            FileChange(
                path,
                None if kind == "added" else old_path,
                kind,
                old_mode,
                new_mode,
                old_sha,
                new_sha,
            )
        )
    return out


def _hunks(patched: list[Any]) -> list[Hunk]:
    """unidiff's hunks (untyped) as ours."""
    hunks = []
    for h in patched:
        lines = [
            Line(ln.line_type, ln.source_line_no, ln.target_line_no, ln.value.rstrip("\n"))
            for ln in h
            if ln.line_type in " +-"
        ]
        hunks.append(Hunk(h.source_start, h.source_length, h.target_start, h.target_length, lines))
    return hunks


def _plain_header(chunk: str) -> str:
    """The chunk with neutral file names in its header: the names come from the raw diff, and names
    git quotes or pads (spaces, tabs, newlines, backslashes) must not confuse the hunk parser."""
    head, sep, body = chunk.partition("\n@@")
    lines = head.split("\n")
    for i, line in enumerate(lines):
        if i == 0:
            lines[i] = "diff --git a/f b/f"
        elif line.startswith("--- ") and line != "--- /dev/null":
            lines[i] = "--- a/f"
        elif line.startswith("+++ ") and line != "+++ /dev/null":
            lines[i] = "+++ b/f"
    return "\n".join(lines) + sep + body


def _attach_patch(files: list[FileChange], patch: str) -> None:
    """Give each raw entry its hunks. git writes the patch in the raw order, one `diff --git`
    each."""
    chunks = ["diff --git " + c for c in ("\n" + patch).split("\ndiff --git ")[1:]]
    if len(chunks) != len(files):
        raise GitError(f"git diff gave {len(chunks)} patches for {len(files)} files")
    for fc, chunk in zip(files, chunks, strict=True):
        fc.patch = chunk
        if "\n@@ " not in chunk:  # no hunks: binary, or a change of mode or name only
            parsed = _patchset(fc.path, chunk)
            fc.binary = bool(parsed and parsed[0].is_binary_file)


def _patchset(path: str, chunk: str) -> Any:
    try:
        return PatchSet(_plain_header(chunk))
    except UnidiffParseError as e:
        raise GitError(f"cannot parse the diff of {path}: {e}") from None


def _read_hunks(path: str, chunk: str) -> list[Hunk]:
    parsed = _patchset(path, chunk)
    return _hunks(list(parsed[0])) if parsed else []


def _diff_args(source: Source, pathspecs: list[str], *output: str) -> list[str]:
    """`git diff` of the source under `pathspecs`, in the `output` format, with the same options
    every time (so that the patch, the raw listing and the names always list the same files)."""
    common = ["--no-ext-diff", "--no-textconv", "--no-color", "-M", "--ignore-submodules=none"]
    return ["--literal-pathspecs", "diff", *output, *common, *source.diff_args(), "--", *pathspecs]


@dataclass
class DiffStarted:
    """A review's change found (its source resolved, its paths checked) and its patch already being
    written by git in the background: started before the rest of the program is even loaded, it is
    ready (or nearly) by the time `changed_files` reads it."""

    repo: Repo
    source: Source
    pathspecs: list[str]
    patch: Running | None = None

    def take_patch(self) -> Running | None:
        patch, self.patch = self.patch, None
        return patch

    def stop(self) -> None:
        """No git left running (when the run failed before reading the patch)."""
        patch = self.take_patch()
        if patch is not None:
            patch.stop()


def begin(
    cwd: Path,
    paths: tuple[str, ...] = (),
    *,
    staged: bool = False,
    base: str | None = None,
    head: str | None = None,
    commit: str | None = None,
) -> DiffStarted:
    """The repository at `cwd`, the source the options name, the PATHS as checked pathspecs, and the
    patch started. Light: the commands call it before they load the rest of the pipeline."""
    cwd = cwd.resolve()
    repo = open_repo(cwd)
    source = resolve_source(repo, staged=staged, base=base, head=head, commit=commit)
    specs = to_pathspecs(repo, paths, cwd)
    check_paths_match(repo, source, paths, specs)
    return DiffStarted(repo, source, specs, _start_patch(repo, source, specs))


def _start_patch(repo: Repo, source: Source, pathspecs: list[str]) -> Running:
    return repo.start(
        *_diff_args(source, pathspecs, "-p", "-U3", "--src-prefix=a/", "--dst-prefix=b/")
    )


class Listing:
    """The files a source changes, listed (without their hunks) while git still writes the patch:
    the caller may get ready for them meanwhile; `finish` attaches the hunks. For the default (work
    tree) source, untracked files that git does not ignore count as added (`untracked = false`
    skips them later, by rule, so they are listed as skipped and never silently left out)."""

    def __init__(
        self, repo: Repo, source: Source, pathspecs: list[str], patch: Running | None = None
    ) -> None:
        self.repo, self.source, self.pathspecs = repo, source, pathspecs
        # in parallel with the raw diff (`patch`: the patch already started by `begin`)
        self._patch = patch or _start_patch(repo, source, pathspecs)
        try:
            args = _diff_args(source, pathspecs, "--raw", "-z", "--no-abbrev")
            self.files = _parse_raw(repo.git(*args))
            repo.prefetch(
                [
                    sha
                    for fc in self.files
                    if SUBMODULE not in (fc.old_mode, fc.new_mode)
                    for sha in (fc.old_sha, fc.new_sha)
                    if sha != NULL_SHA
                ]
            )
        except BaseException:
            self._patch.finish()
            raise

    def finish(self) -> list[FileChange]:
        """The files with their hunks (waits for the patch)."""
        text = self._patch.finish()
        files = self.files
        if files:
            _attach_patch(files, text.decode("utf-8", "replace"))
        if self.source.kind == "worktree":
            files.extend(_untracked(self.repo, self.pathspecs))
        return files


def changed_files(
    repo: Repo, source: Source, pathspecs: list[str], patch: Running | None = None
) -> list[FileChange]:
    """Every file the source changes under `pathspecs`, with its hunks (see `Listing`)."""
    return Listing(repo, source, pathspecs, patch).finish()


def _untracked(repo: Repo, pathspecs: list[str]) -> list[FileChange]:
    out = repo.git(
        "--literal-pathspecs",
        "ls-files",
        "-z",
        "--others",
        "--exclude-standard",
        "--full-name",
        "--",
        *pathspecs,
    )
    files = []
    for name in filter(None, out.decode(errors="surrogateescape").split("\0")):
        full = repo.root / name
        mode = (
            SYMLINK
            if full.is_symlink()
            else ("100755" if full.stat().st_mode & 0o111 else "100644")
        )
        files.append(
            FileChange(name, None, "added", "000000", mode, NULL_SHA, NULL_SHA, untracked=True)
        )
    return files


def whole_file_hunk(text: str) -> list[Hunk]:
    """An untracked file as one hunk of added lines (what `git diff /dev/null file` would show)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if not lines:
        return []
    return [Hunk(0, 0, 1, len(lines), [Line("+", None, i + 1, t) for i, t in enumerate(lines)])]


def check_paths_match(repo: Repo, source: Source, paths: tuple[str, ...], specs: list[str]) -> None:
    """Every PATH names a file or folder: in the work tree, the index, or either side of the source.
    One that matches nothing is a usage error (a typo must not read as "nothing to review")."""
    trees = [t for t in (source.old, source.new) if t and t != EMPTY_TREE]
    for raw, spec in zip(paths, specs, strict=True):
        if spec in ("", ".") or os.path.lexists(repo.root / spec):
            continue
        if repo.git("--literal-pathspecs", "ls-files", "-z", "--", spec).strip():
            continue
        if any(
            repo.git(
                "--literal-pathspecs", "ls-tree", "-r", "-z", "--name-only", t, "--", spec
            ).strip()
            for t in trees
        ):
            continue
        raise UsageError(f"{raw}: matches no file in the repository or the change")


def to_pathspecs(repo: Repo, paths: tuple[str, ...], cwd: Path) -> list[str]:
    """User paths (relative to where they stand) as repository-relative literal pathspecs."""
    specs = []
    for p in paths:
        rel = os.path.relpath(os.path.abspath(os.path.join(cwd, p)), repo.root)
        if rel == ".." or rel.startswith(".." + os.sep) or os.path.isabs(rel):
            raise UsageError(f"{p}: outside the repository {repo.root}")
        specs.append(Path(rel).as_posix())
    return specs

"""Fixes as patch files: one unified diff per fix in the patch folder, each checked with `git apply
--check` against the reviewed tree before it is written (the work tree for the default and --staged
sources; the head commit, through a temporary index, for --base and --commit)."""

from __future__ import annotations

import difflib
import functools
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from codepilot.check.apply import Planned
from codepilot.check.placement import Lines, NotPlaced, Placed, place, replace_lines, split_lines
from codepilot.runtime.errors import GitError, UsageError
from codepilot.source.diff import Source
from codepilot.source.git import Repo, run
from codepilot.syntax import string_lines, syntax_errors

if TYPE_CHECKING:
    from codepilot.check.findings import Finding
    from codepilot.prompt.prepared import Prepared

_OURS = re.compile(r"^\d{4}-.*\.patch$")


@dataclass
class PatchFile:
    path: str  # as reported: relative to the repository root when inside it
    file: str  # the file it changes
    start: int
    end: int


def git_quote(prefix: str, path: str) -> str:
    """A file name as git writes it in a patch header: C-quoted when it holds a quote, a backslash
    or a control character (tab, newline, ...), so that `git apply` reads every name git accepts."""
    name = prefix + path
    if not any(c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F for c in name):
        return name
    special = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    out = "".join(
        special.get(c, f"\\{ord(c):03o}" if ord(c) < 0x20 or ord(c) == 0x7F else c) for c in name
    )
    return f'"{out}"'


def _lines(text: str) -> list[str]:
    """Lines split at \\n only (form feeds, U+2028, NEL and lone CRs are characters inside a line,
    as for git), each with its ending."""
    parts = text.split("\n")
    out = [p + "\n" for p in parts[:-1]]
    return out + ([parts[-1]] if parts[-1] else [])


def unified(
    path: str, old: str | None, new: str, window: tuple[int, int, int] | None = None
) -> str:
    """A git-style unified diff of one file (a new file when `old` is None), with "No newline at end
    of file" markers; names quoted as git quotes them. `window` (first line, lines replaced, lines
    put in their place) limits the comparison to that stretch and its context: one fix in a large
    file."""
    a, b = _lines(old or ""), _lines(new)
    offset = 0
    if window is not None and old is not None:
        start, old_len, new_len = window
        lo = max(start - 1 - 3, 0)
        a, b, offset = a[lo : start - 1 + old_len + 3], b[lo : start - 1 + new_len + 3], lo
    pad = "\t" if " " in path else ""  # as git: a name with a space ends with a tab in ---/+++
    old_name = "/dev/null" if old is None else git_quote("a/", path) + pad
    out = [f"diff --git {git_quote('a/', path)} {git_quote('b/', path)}\n"]
    if old is None:
        out.append("new file mode 100644\n")
    for line in difflib.unified_diff(
        a, b, old_name, git_quote("b/", path) + pad, n=3, lineterm="\n"
    ):
        if offset and line.startswith("@@"):
            line = _HUNK.sub(lambda m: _shifted(m, offset), line)
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


_HUNK = re.compile(r"^@@ -(\d+)((?:,\d+)?) \+(\d+)((?:,\d+)?) @@")


def _shifted(m: re.Match[str], offset: int) -> str:
    old, new = int(m.group(1)), int(m.group(3))
    return (
        f"@@ -{old + offset if old else old}{m.group(2)} "
        f"+{new + offset if new else new}{m.group(4)} @@"
    )


def slug(text: str, limit: int = 40) -> str:
    s = re.sub(r"[^A-Za-z0-9._]+", "-", text).strip("-.").lower()
    return s[:limit].rstrip("-.") or "fix"


def patch_dir(repo: Repo, configured: str, trusted: bool = False) -> Path:
    """The patch folder. Symlinks are followed: it is never inside .git, and a folder that comes
    from the repository's own configuration (not `trusted`, i.e. not the user's command line) must
    resolve inside the repository — a client's repository cannot make codepilot write elsewhere."""
    d = Path(configured).expanduser()
    d = (d if d.is_absolute() else repo.root / d).resolve()
    root = repo.root.resolve()
    gits = {g.resolve() for g in (repo.git_dir, repo.common_dir, root / ".git") if g is not None}
    if any(d == g or g in d.parents for g in gits) or ".git" in d.relative_to(d.anchor).parts:
        raise UsageError(f"patch folder {configured}: patches are never written inside .git")
    if not trusted and d != root and root not in d.parents:
        raise UsageError(
            f"patch folder {configured} (from the repository's configuration) resolves outside the "
            f"repository to {d}: only --patch-dir may point elsewhere"
        )
    return d


MANIFEST = ".codepilot-written"


class Writer:
    """Checks and writes the patches of one run into `folder/kind` (review and generate keep their
    own subfolders); numbering follows the report's order. At the start of a run the patches of the
    run before are removed — only files codepilot wrote (listed in the subfolder's manifest)."""

    def __init__(self, repo: Repo, source: Source, folder: Path, kind: str = "review") -> None:
        self.repo, self.source, self.root_folder = repo, source, folder
        self.folder = folder / kind
        self.written: list[PatchFile] = []
        self._proven: set[tuple[str, str | None]] = set()
        self._index: str | None = None
        self._clear()

    def _clear(self) -> None:
        """Remove what an earlier run wrote here (and only that)."""
        manifest = self.folder / MANIFEST
        if not self.folder.is_dir() or self.folder.is_symlink() or not manifest.is_file():
            return
        for name in manifest.read_text(encoding="utf-8", errors="replace").splitlines():
            old = self.folder / name
            if _OURS.match(name) and "/" not in name and old.is_file() and not old.is_symlink():
                old.unlink()
        manifest.unlink()

    def _prepare_folder(self) -> None:
        for d in (self.root_folder, self.folder):
            if d.is_symlink():
                raise UsageError(f"patch folder {d} is a symbolic link: not followed")
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.root_folder / ".gitignore"
        if not ignore.exists():  # patches are for applying, not for committing by accident
            ignore.write_text("# written by codepilot\n*\n")

    def add(
        self, path: str, old_text: str | None, placed: Placed | NotPlaced, title: str
    ) -> tuple[str | None, str | None]:
        """(patch path, None) when written; (None, why) when not."""
        if isinstance(placed, NotPlaced):
            return None, placed.reason
        if placed.new_text == old_text:
            return None, "fix changes nothing"
        new_len = len(placed.lines)
        window = (
            (placed.start, placed.end - placed.start + 1, new_len)
            if placed.how not in ("create", "combined")
            else None
        )
        raw = self._raw(path) if old_text and "\ufffd" in old_text and window else None
        # bytes that are not UTF-8: the patch keeps them as they are
        if raw is not None and window is not None:
            new_raw = replace_lines(raw, placed.start, window[1], list(placed.lines))
            text = unified(path, raw, new_raw, window)
        else:
            text = unified(path, old_text, placed.new_text, window)
        # `git apply --check` proves that this file's reviewed text is what the tree holds and that
        # its name and diff are read right; every later patch of the file is made the same way from
        # the same text, so one check per file holds for all of them (thousands of fixes stay fast)
        if (path, old_text) not in self._proven:
            problem = self.check(text)
            if problem:
                return None, f"patch does not apply to the reviewed tree: {problem}"
            self._proven.add((path, old_text))
        if not self.written:
            self._prepare_folder()
        name = f"{len(self.written) + 1:04d}-{slug(path.replace('/', '-'))}-{slug(title, 30)}.patch"
        target = self.folder / name
        # listed before it exists
        with (self.folder / MANIFEST).open("a", encoding="utf-8") as manifest:
            manifest.write(name + "\n")
        target.write_text(text, encoding="utf-8", errors="surrogateescape", newline="")
        shown = (
            os.path.relpath(target, self.repo.root)
            if self.repo.root in target.parents
            else str(target)
        )
        overlap = next(
            (
                p
                for p in self.written
                if p.file == path and p.start <= placed.end and placed.start <= p.end
            ),
            None,
        )
        self.written.append(PatchFile(shown, path, placed.start, placed.end))
        return shown, (f"overlaps {overlap.path}: apply one of them" if overlap else None)

    def _raw(self, path: str) -> str | None:
        """The reviewed file's bytes as text that keeps undecodable bytes (surrogateescape), or
        None."""
        try:
            if self.source.new is None:
                full = self.repo.inside(path)
                data = full.read_bytes() if full is not None else None
            else:
                data = self.repo.git("cat-file", "blob", f"{self.source.new}:{path}")
        except (OSError, GitError):
            return None
        return None if data is None else data.decode("utf-8", "surrogateescape")

    def check(self, patch: str) -> str | None:
        with tempfile.NamedTemporaryFile(
            "w",
            suffix=".patch",
            delete=False,
            encoding="utf-8",
            errors="surrogateescape",
            newline="",
        ) as tmp:
            tmp.write(patch)
        try:
            if self.source.new is None:
                args, env = ["apply", "--check", tmp.name], self.repo.env
            else:
                args, env = (
                    ["apply", "--cached", "--check", tmp.name],
                    {**self.repo.env, "GIT_INDEX_FILE": self._head_index()},
                )
            try:
                run(self.repo.root, env, *args)
            except GitError as e:
                return str(e)
            return None
        finally:
            os.unlink(tmp.name)

    def _head_index(self) -> str:
        """A temporary index holding the head tree, for checking without touching the work tree."""
        if self._index is None:
            fd, self._index = tempfile.mkstemp(suffix=".index")
            os.close(fd)
            os.unlink(self._index)
            assert self.source.new is not None
            run(
                self.repo.root,
                {**self.repo.env, "GIT_INDEX_FILE": self._index},
                "read-tree",
                self.source.new,
            )
        return self._index

    def close(self) -> None:
        if self._index and os.path.exists(self._index):
            os.unlink(self._index)


def for_findings(
    prepared: Prepared, findings: list[Finding], deadline: float | None = None
) -> list[Planned]:
    """A patch for each finding whose fix places in the reviewed file; a note on the others."""
    writer = Writer(prepared.repo, prepared.changeset.source, prepared.patch_dir, "review")
    planned = []
    split: dict[str, Lines] = {}
    try:
        for f in findings:
            if f.fix is None:
                continue
            if deadline is not None and time.monotonic() > deadline:
                f.add_note("no patch: the time limit ran out")
                continue
            rf = prepared.changeset.file(f.path)
            if rf is None or rf.new_text is None:
                continue
            lines = split.get(f.path)
            if lines is None:  # split once per file, however many fixes it has
                lines = split[f.path] = Lines(split_lines(rf.new_text))
            check = functools.partial(syntax_errors, rf.language)
            bom = rf.new_text.startswith("\ufeff")
            strings = functools.partial(string_lines, rf.language)
            placed = place(
                rf.new_text,
                f.fix.find,
                f.fix.replace,
                f.line,
                check,
                None if bom else lines,
                strings,
            )
            f.patch, why = writer.add(f.path, rf.new_text, placed, f.title)
            if why:
                f.add_note(why)
            if f.patch and isinstance(placed, Placed):
                planned.append(
                    Planned(f.patch, f.path, rf.new_text, placed.start, placed.end, placed.lines)
                )
                f.line, f.end_line = placed.start, placed.end
                f.suggestion = list(placed.lines)
                f.replaced = lines[placed.start - 1 : placed.end]
    finally:
        writer.close()
    return planned

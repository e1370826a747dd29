"""The project's own checks beside the model (issue 24): linters and type checkers, which cannot
hallucinate, run on exactly the reviewed content; their results become findings of their own (with
the tool's name and rule id), on the changed lines — and, for a type checker, the errors the change
caused elsewhere in its files (new against the base: the rule reviewdog and mypy-baseline use).

Which checks: the configuration's `checks`, else the usual ones detected from the repository's own
configuration when the tool is installed (on PATH or in the repository's virtual environment): ruff,
mypy, flake8; shellcheck on changed shell scripts whenever it is installed; codepilot never installs
a tool. A check that would run the repository's code (a command written in its configuration; mypy
with plugins) runs only where the user trusted the repository (`codepilot trust`); ruff's
configuration is plain data. A check that is missing, untrusted, times out or fails is listed with
its reason: its absence never reads as "no findings"."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codepilot.check.findings import Finding, stable_id
from codepilot.model.answers import Fix
from codepilot.runtime.config import CheckConfig, Config
from codepilot.runtime.paths import executable
from codepilot.source.changes import ChangeSet, ReviewFile
from codepilot.source.git import EMPTY_TREE, Repo

FLAKE8_FORMAT = "%(path)s:%(row)d:%(col)d: %(code)s %(text)s"
_FLAKE8_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):\d+: (?P<code>[A-Z]+\d+) (?P<message>.*)$"
)
_SHELLCHECK_LEVELS = {"error": "error", "warning": "warning", "info": "info", "style": "info"}
_MYPY_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<level>error|warning|note): "
    r"(?P<message>.*?)"
    r"(?:  \[(?P<code>[\w-]+)\])?$"
)


@dataclass
class Check:
    """A check this run would run: what, how its output reads, and whether it may run."""

    name: str
    command: list[str]
    format: str  # ruff-json | mypy | flake8 | shellcheck | sarif | pattern
    pattern: str | None = None
    # globs it applies to (empty: the language's files)
    files: list[str] = field(default_factory=list)
    timeout: float = 120.0
    type_checker: bool = (
        False  # its errors outside the changed lines count when the change caused them
    )
    runs_repository_code: bool = False  # needs the user's trust in this repository
    suffixes: tuple[str, ...] = (".py", ".pyi")
    by_presence: bool = (
        False  # run because it is installed (no configuration asks for it): unlisted when idle
    )


@dataclass
class CheckRun:
    name: str
    status: str  # ran | skipped | failed | timed out | untrusted | would run
    reason: str = ""
    findings: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "status": self.status,
            "reason": self.reason,
            "findings": self.findings,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Outcome:
    runs: list[CheckRun] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def find_tool(repo: Repo, name: str) -> str | None:
    """The tool's executable: on PATH, or in the repository's own virtual environment."""
    return executable(repo.root, name)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def plan(repo: Repo, cfg: Config, trusted: bool) -> tuple[list[Check], list[CheckRun]]:
    """The checks to run and those that will not (each with why)."""
    if cfg.checks is not None:  # configured: exactly these (a repository's only once trusted)
        return _gate([_configured(c) for c in cfg.checks], trusted)
    checks: list[Check] = []
    skipped: list[CheckRun] = []
    pyproject = _text(repo.root / "pyproject.toml")
    if "[tool.ruff" in pyproject or any(
        (repo.root / n).is_file() for n in ("ruff.toml", ".ruff.toml")
    ):
        exe = find_tool(repo, "ruff")
        if exe is None:
            skipped.append(
                CheckRun("ruff", "skipped", "configured in the repository, not installed")
            )
        else:
            cmd = [
                exe,
                "check",
                "--output-format=json",
                "--exit-zero",
                "--no-cache",
                "--force-exclude",
            ]
            checks.append(Check("ruff", cmd, "ruff-json"))
    mypy_conf = [
        t
        for t in (
            pyproject if "[tool.mypy" in pyproject else "",
            _text(repo.root / "mypy.ini"),
            _text(repo.root / ".mypy.ini"),
        )
        if t
    ]
    if mypy_conf:
        exe = find_tool(repo, "mypy")
        if exe is None:
            skipped.append(
                CheckRun("mypy", "skipped", "configured in the repository, not installed")
            )
        else:
            cmd = [
                exe,
                "--no-error-summary",
                "--show-column-numbers",
                "--show-error-codes",
                "--no-color-output",
            ]
            cmd += [
                "--hide-error-context",
                "--no-pretty",
                "--no-incremental",
                "--follow-imports=silent",
            ]
            # a plugin is the repository's code, run by mypy
            plugins = any("plugins" in t for t in mypy_conf)
            checks.append(
                Check(
                    "mypy",
                    cmd,
                    "mypy",
                    type_checker=True,
                    runs_repository_code=plugins,
                    timeout=300,
                )
            )
    flake8_conf = [
        t
        for t in (
            _text(repo.root / ".flake8"),
            _text(repo.root / "setup.cfg"),
            _text(repo.root / "tox.ini"),
        )
        if "[flake8" in t
    ]
    if flake8_conf:
        exe = find_tool(repo, "flake8")
        if exe is None:
            skipped.append(
                CheckRun("flake8", "skipped", "configured in the repository, not installed")
            )
        else:
            cmd = [exe, "--exit-zero", f"--format={FLAKE8_FORMAT}"]
            # plugins from the repository: its code
            local = any("local-plugins" in t for t in flake8_conf)
            checks.append(Check("flake8", cmd, "flake8", runs_repository_code=local))
    shell = find_tool(repo, "shellcheck")  # its configuration (.shellcheckrc) is plain data
    if shell is not None:
        checks.append(
            Check(
                "shellcheck",
                [shell, "--format=json1"],
                "shellcheck",
                suffixes=(".sh", ".bash"),
                by_presence=True,
            )
        )
    for name, present in (
        ("eslint", any(repo.root.glob("eslint.config.*")) or any(repo.root.glob(".eslintrc*"))),
        ("tsc", (repo.root / "tsconfig.json").is_file()),
        ("go vet", (repo.root / "go.mod").is_file()),
        ("pyright", (repo.root / "pyrightconfig.json").is_file() or "[tool.pyright" in pyproject),
    ):
        if present:
            skipped.append(
                CheckRun(name, "skipped", "configured in the repository; not run by this version")
            )
    ran, gated = _gate(checks, trusted)
    return ran, skipped + gated


def _configured(c: CheckConfig) -> Check:
    command = c.command if isinstance(c.command, list) else c.command.split()
    return Check(
        c.name,
        command,
        c.format,
        c.pattern,
        list(c.files),
        c.timeout,
        type_checker=c.type_checker,
        runs_repository_code=True,  # a command written in a configuration: only where trusted
        suffixes=(),
    )


def _gate(checks: list[Check], trusted: bool) -> tuple[list[Check], list[CheckRun]]:
    ok, refused = [], []
    for c in checks:
        if c.runs_repository_code and not trusted:
            refused.append(
                CheckRun(
                    c.name,
                    "untrusted",
                    "it runs the repository's code: run codepilot trust to allow it",
                )
            )
        else:
            ok.append(c)
    return ok, refused


def applies(check: Check, path: str) -> bool:
    from codepilot.source import globs

    if check.files:
        return globs.matches(path, check.files) is not None
    return not check.suffixes or path.endswith(check.suffixes)


# the files that configure the linters, wherever they sit above a changed file (ruff and flake8 read
# the nearest; shellcheck its .shellcheckrc)
LINT_CONFIG = {
    "pyproject.toml",
    "ruff.toml",
    ".ruff.toml",
    "setup.cfg",
    "tox.ini",
    ".flake8",
    ".shellcheckrc",
}


@contextmanager
def content(
    repo: Repo, changeset: ChangeSet, side: str = "new", whole: bool = True
) -> Iterator[Path]:
    """A folder holding exactly the reviewed content (`side` new) or its base (`side` old): the work
    tree itself for uncommitted changes, else a temporary copy made from git's objects (the user's
    files are never touched). `whole` False: only the changed files and the linters' configuration
    files above them (a linter reads nothing else; a type checker needs the whole tree for its
    imports)."""
    source = changeset.source
    if side == "new" and source.kind == "worktree":
        yield repo.root
        return
    tree = source.old if side == "old" else (source.new or source.old)
    with tempfile.TemporaryDirectory(prefix="codepilot-checks-") as tmp:
        folder = Path(tmp)
        if tree != EMPTY_TREE:
            wanted: list[str] = []
            if not whole:
                listed = repo.git("ls-tree", "-r", "-z", "--name-only", tree).decode(
                    "utf-8", "surrogateescape"
                )
                changed = {f.path for f in changeset.files}
                folders = {str(Path(p).parent) for p in changed} | {"."}
                folders |= {str(parent) for p in changed for parent in Path(p).parents}
                wanted = [
                    p
                    for p in listed.split("\0")
                    if p
                    and (
                        p in changed
                        or (Path(p).name in LINT_CONFIG and str(Path(p).parent) in folders)
                    )
                ]
            # a command line has its limits: then the whole tree
            whole = whole or len(wanted) > 1000
            data = (
                repo.git("archive", "--format=tar", tree, *(() if whole else ("--", *wanted)))
                if whole or wanted
                else b""
            )
            if data:
                with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                    archive.extractall(folder, filter="data")
        if side == "new" and source.kind == "staged":  # the index's versions of the changed files
            staged = repo.blobs([f.diff.new_sha for f in changeset.files if f.new_text is not None])
            for f in changeset.files:
                target = folder / f.path
                if f.status == "deleted":
                    target.unlink(missing_ok=True)
                elif f.new_text is not None:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(staged.get(f.diff.new_sha, f.new_text.encode()))
        yield folder


@dataclass
class Result:
    path: str
    line: int
    end_line: int
    code: str
    message: str
    severity: str
    fix: Fix | None = None


def run_all(
    repo: Repo,
    changeset: ChangeSet,
    cfg: Config,
    trusted: bool,
    limit: float | None = None,
    phase: str = "all",
    planned: tuple[list[Check], list[CheckRun]] | None = None,
) -> Outcome:
    """Every planned check on the reviewed content; findings on the changed lines (and the new
    errors a type checker finds elsewhere in the changed files). `phase`: "lint" runs the linters
    (quick: their results go into the model's requests) and lists the checks that do not run;
    "types" the type checkers (slow: they run beside the requests). `planned`: `plan`'s answer,
    when the caller has it already."""
    checks, out_runs = planned or plan(repo, cfg, trusted)
    if phase != "all":
        checks = [c for c in checks if c.type_checker == (phase == "types")]
        out_runs = out_runs if phase == "lint" else []
    outcome = Outcome(list(out_runs))
    files = [
        f
        for f in changeset.files
        if f.new_text is not None and not f.diff.binary and f.status != "deleted"
    ]
    if not checks:
        return outcome
    with content(
        repo, changeset, whole=any(c.type_checker or not c.suffixes for c in checks)
    ) as folder:
        for check in checks:
            mine = [f for f in files if applies(check, f.path)]
            if not mine:
                if not check.by_presence:
                    outcome.runs.append(
                        CheckRun(check.name, "skipped", "no changed file it applies to")
                    )
                continue
            started = time.monotonic()
            results, run = run_check(check, folder, [f.path for f in mine], limit)
            if run is not None:
                run.seconds = time.monotonic() - started
                outcome.runs.append(run)
                continue
            base: set[tuple[str, str, str, int]] = set()
            by_path = {f.path: f for f in mine}
            # the base is read only when an error lies outside the changed lines (on them an error
            # is the change's anyway): a clean change costs one run of the type checker, not two
            if (
                check.type_checker
                and changeset.source.old != EMPTY_TREE
                and any(not _on_change(r, by_path) for r in results)
            ):
                with content(repo, changeset, "old") as old_folder:
                    olds = [f.diff.old_path or f.path for f in mine if f.status != "added"]
                    present = [p for p in olds if (old_folder / p).is_file()]
                    base_results, _ = (
                        run_check(check, old_folder, present, limit) if present else ([], None)
                    )
                base = {(r.path, r.code, r.message, r.line) for r in base_results}
            found = _findings(check, results, by_path, base)
            outcome.findings += found
            outcome.runs.append(
                CheckRun(check.name, "ran", "", len(found), time.monotonic() - started)
            )
    return outcome


def run_check(
    check: Check, folder: Path, paths: list[str], limit: float | None
) -> tuple[list[Result], CheckRun | None]:
    timeout = min(check.timeout, limit) if limit else check.timeout
    try:
        proc = subprocess.run(
            [*check.command, *paths],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return [], CheckRun(check.name, "timed out", f"no result within {timeout:g} s")
    except OSError as e:
        return [], CheckRun(
            check.name, "failed", f"cannot run {check.command[0]}: {e.strerror or e}"
        )
    try:
        results = _parse(check, proc.stdout, folder)
    except (ValueError, KeyError, TypeError) as e:
        tail = " ".join((proc.stderr or proc.stdout).split())[-200:]
        return [], CheckRun(check.name, "failed", f"its output could not be read ({e}); {tail}")
    if proc.returncode not in (0, 1) and not results:
        tail = " ".join((proc.stderr or proc.stdout).split())[-200:]
        return [], CheckRun(check.name, "failed", f"exit {proc.returncode}: {tail}")
    return results, None


def _parse(check: Check, out: str, folder: Path) -> list[Result]:
    if check.format == "ruff-json":
        return _ruff(json.loads(out or "[]"), folder)
    if check.format == "sarif":
        return _sarif(json.loads(out), folder)
    if check.format == "shellcheck":
        return _shellcheck(json.loads(out or "{}"), folder)
    if check.format == "flake8":
        return [
            Result(
                _rel(m["path"], folder),
                int(m["line"]),
                int(m["line"]),
                m["code"],
                m["message"].strip(),
                "error" if _RUFF_ERRORS.match(m["code"]) else "warning",
            )
            for m in map(_FLAKE8_LINE.match, out.splitlines())
            if m
        ]
    rx = (
        _MYPY_LINE
        if check.format == "mypy"
        else re.compile(check.pattern or r"^(?P<path>[^:]+):(?P<line>\d+):")
    )
    results = []
    for line in out.splitlines():
        m = rx.match(line.strip())
        if not m or m.groupdict().get("level") == "note":
            continue
        g = m.groupdict()
        level = g.get("level") or "warning"
        results.append(
            Result(
                _rel(g["path"], folder),
                int(g["line"]),
                int(g["line"]),
                g.get("code") or check.name,
                (g.get("message") or "").strip(),
                "error" if level == "error" else "warning",
            )
        )
    return results


def _rel(path: str, folder: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return p.resolve().relative_to(folder.resolve()).as_posix()
        except ValueError:
            return p.as_posix()
    return p.as_posix().removeprefix("./")


# ruff's (and flake8's) rules that are errors: syntax, undefined names, misused comparisons and the
# like (pyflakes' F8xx, F63x, F7xx, E9xx); the rest warn
_RUFF_ERRORS = re.compile(r"^(E9|F63|F7|F82)")


def _ruff(items: list[dict[str, Any]], folder: Path) -> list[Result]:
    out = []
    for item in items:
        path = _rel(str(item["filename"]), folder)
        start, end = int(item["location"]["row"]), int(item["end_location"]["row"])
        code = str(item.get("code") or "ruff")
        fix = _ruff_fix(item.get("fix"), folder / path)
        severity = "error" if _RUFF_ERRORS.match(code) else "warning"
        out.append(Result(path, start, end, code, str(item.get("message", "")), severity, fix))
    return out


def _ruff_fix(fix: dict[str, Any] | None, file: Path) -> Fix | None:
    """ruff's own fix as the find/replace of whole lines our patch path takes (its edits applied to
    the lines they span); None for an unsafe fix or one that cannot be read."""
    if not fix or fix.get("applicability") != "safe" or not fix.get("edits"):
        return None
    lines = _text(file).split("\n")
    edits = sorted(
        fix["edits"], key=lambda e: (e["location"]["row"], e["location"]["column"]), reverse=True
    )
    first = min(e["location"]["row"] for e in edits)
    last = max(e["end_location"]["row"] for e in edits)
    if first < 1 or last > len(lines):
        return None
    block = "\n".join(lines[first - 1 : last])
    starts = [0]
    for ln in lines[first - 1 : last]:
        starts.append(starts[-1] + len(ln) + 1)
    for e in edits:  # offsets into the block, from the last edit back
        a = starts[e["location"]["row"] - first] + e["location"]["column"] - 1
        b = starts[e["end_location"]["row"] - first] + e["end_location"]["column"] - 1
        block = block[:a] + (e.get("content") or "") + block[b:]
    find = "\n".join(lines[first - 1 : last])
    return Fix(find=find, replace=block.rstrip("\n") if block.strip() else "")


def _shellcheck(doc: dict[str, Any], folder: Path) -> list[Result]:
    return [
        Result(
            _rel(str(c["file"]), folder),
            int(c["line"]),
            int(c.get("endLine") or c["line"]),
            f"SC{c['code']}",
            str(c.get("message", "")),
            _SHELLCHECK_LEVELS.get(str(c.get("level")), "warning"),
        )
        for c in doc.get("comments", [])
    ]


def _sarif(doc: dict[str, Any], folder: Path) -> list[Result]:
    out = []
    for run in doc.get("runs", []):
        for r in run.get("results", []):
            loc = (r.get("locations") or [{}])[0].get("physicalLocation", {})
            uri = loc.get("artifactLocation", {}).get("uri", "")
            region = loc.get("region", {})
            if not uri or "startLine" not in region:
                continue
            level = r.get("level", "warning")
            out.append(
                Result(
                    _rel(uri.removeprefix("file://"), folder),
                    int(region["startLine"]),
                    int(region.get("endLine", region["startLine"])),
                    str(r.get("ruleId", "sarif")),
                    str((r.get("message") or {}).get("text", "")),
                    "error" if level == "error" else ("info" if level == "note" else "warning"),
                )
            )
    return out


def _old_line(rf: ReviewFile, line: int) -> int | None:
    """The base's number of an unchanged line `line` of the new file (None: the change made it)."""
    offset = 0
    for h in rf.diff.hunks:
        if line < h.new_start:
            break
        if line < h.new_start + h.new_len:
            same = next((ln for ln in h.lines if ln.new == line), None)
            return same.old if same is not None and same.kind == " " else None
        offset += h.new_len - h.old_len
    return line - offset


def _on_change(r: Result, files: dict[str, ReviewFile]) -> bool:
    rf = files.get(r.path)
    return rf is not None and any(
        r.line in c.added_lines or r.end_line in c.added_lines for c in rf.changes
    )


def _findings(
    check: Check,
    results: list[Result],
    files: dict[str, ReviewFile],
    base: set[tuple[str, str, str, int]],
) -> list[Finding]:
    out = []
    for r in results:
        rf = files.get(r.path)
        if rf is None:
            continue
        change = next(
            (c for c in rf.changes if r.line in c.added_lines or r.end_line in c.added_lines), None
        )
        # the same error on the same line of the base (the line moved by the hunks above it) was
        # there before: not the change's doing
        old = _old_line(rf, r.line)
        caused = check.type_checker and (
            old is None or (rf.diff.old_path or r.path, r.code, r.message, old) not in base
        )
        if change is None and not caused:
            continue  # on a line the change left alone, and not the change's doing
        text = rf.new_lines[r.line - 1] if 0 < r.line <= len(rf.new_lines) else ""
        category = "bug" if r.severity == "error" or check.type_checker else "maintainability"
        title = f"{r.code}: {r.message}" if r.code and r.code != check.name else r.message
        out.append(
            Finding(
                stable_id(r.path, category, f"{check.name} {r.code}", text),
                r.path,
                r.line,
                max(r.end_line, r.line),
                r.severity,
                category,
                title[:200],
                f"Reported by {check.name}" + (f" ({r.code})" if r.code else "") + ".",
                r.fix,
                change.symbol if change is not None else None,
                "change" if change is not None else "file",
                f"check:{check.name}",
                r.line,
                source=check.name,
                rule=r.code,
            )
        )
    return out


def note_for(findings: list[Finding]) -> str:
    """What the checks already reported on a request's lines, for the model (it need not repeat
    them)."""
    rows = [
        f"- {f.path}:{f.line}: {f.source} {f.rule or ''}: {f.title}".replace("  ", " ")
        for f in findings[:30]
    ]
    return (
        "Already reported by the project's own checks (do not repeat these; look for what a "
        "linter or type "
        "checker cannot see):\n" + "\n".join(rows)
    )


def merge(tool: list[Finding], model: list[Finding]) -> list[Finding]:
    """The model's findings less those repeating a tool's on the same lines (merged into the tool's:
    the tool cannot hallucinate)."""
    kept = []
    for f in model:
        twin = next(
            (t for t in tool if t.path == f.path and t.line <= f.end_line and f.line <= t.end_line),
            None,
        )
        if twin is None:
            kept.append(f)
        else:
            twin.merged += 1
            twin.add_note("also reported by the model")
    return kept

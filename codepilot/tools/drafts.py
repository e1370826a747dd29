"""Running a draft before it is offered (issue 24, items 6-8): the draft is written into a temporary
copy of the user's work tree (uncommitted and untracked files included; the user's files are never
touched), then the project's linters (new problems only, against the user's own content) and the
tests that use the target run there. A drafted test is also run against the target with its body
replaced by `raise NotImplementedError`: a test that still passes proves nothing about it (reported,
never failed on).

What runs: `--lint-cmd` / `--test-cmd` when given (typed by the user: trusted), else the checks the
review detects (ruff, mypy) and pytest where the repository sets it up — pytest runs the
repository's code, so only in a repository the user trusted (`codepilot trust`)."""

from __future__ import annotations

import ast
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from codepilot.runtime.config import Config
from codepilot.runtime.paths import venv_bins
from codepilot.runtime.trust import test_setup
from codepilot.source.git import Repo
from codepilot.tools import checks

TEST_TIMEOUT = 300.0
TAIL_LINES, TAIL_CHARS = 30, 3000


@dataclass
class DraftCheck:
    """One check of a draft, as the result reports it."""

    name: str
    status: str  # passed | failed | not run
    output: str = ""  # the tail of its output when it failed; why, when it did not run

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "output": self.output}


@dataclass
class Mutation:
    """Whether the drafted tests notice the target's body being gone."""

    symbol: str
    noticed: bool
    output: str = ""

    def to_json(self) -> dict[str, object]:
        return {"symbol": self.symbol, "noticed": self.noticed, "output": self.output}


@dataclass
class Runner:
    """What checks a draft: a linter the review detects (`check`), or a command (`shell`: the user's
    own command line, run as typed; else an argument list)."""

    name: str
    kind: str  # lint | tests
    check: checks.Check | None = None
    shell: str | None = None
    argv: list[str] = field(default_factory=list)


@dataclass
class Plan:
    runners: list[Runner]
    not_run: list[DraftCheck]
    tests: list[str]  # the tests that use the target (pytest node ids)
    # a linter's results on the user's own content, per linter and files: the same every round
    baseline: dict[tuple[str, tuple[str, ...]], list[checks.Result]] = field(default_factory=dict)

    @property
    def test_runner(self) -> Runner | None:
        return next((r for r in self.runners if r.kind == "tests"), None)


def plan(
    repo: Repo,
    cfg: Config,
    trusted: bool,
    test_cmd: str | None,
    lint_cmd: str | None,
    tests: list[str],
) -> Plan:
    runners: list[Runner] = []
    not_run: list[DraftCheck] = []
    if lint_cmd:
        runners.append(Runner("lint", "lint", shell=lint_cmd))
    else:
        found, skipped = checks.plan(repo, cfg, trusted)
        runners += [Runner(c.name, "lint", check=c) for c in found]
        not_run += [DraftCheck(r.name, "not run", f"{r.status}: {r.reason}") for r in skipped]
    if test_cmd:
        runners.append(Runner("tests", "tests", shell=test_cmd))
    elif test_setup(repo.root) is None:
        not_run.append(DraftCheck("tests", "not run", "no pytest set-up found; give --test-cmd"))
    elif not trusted:
        not_run.append(
            DraftCheck(
                "tests",
                "not run",
                "they run the repository's code: run codepilot trust, or give --test-cmd",
            )
        )
    else:
        exe = checks.find_tool(repo, "pytest")
        if exe is None:
            not_run.append(
                DraftCheck(
                    "tests", "not run", "pytest is not installed (nor in the repository's venv)"
                )
            )
        else:
            runners.append(
                Runner("tests", "tests", argv=[exe, "-q", "-p", "no:cacheprovider", "--no-header"])
            )
    return Plan(runners, not_run, tests)


@contextmanager
def workspace(repo: Repo) -> Iterator[Path]:
    """A temporary copy of the work tree as the user has it now: tracked and untracked files that
    git does not ignore, uncommitted changes included (never git's folder; the user's files stay as
    they are)."""
    with tempfile.TemporaryDirectory(prefix="codepilot-draft-") as tmp:
        folder = Path(tmp)
        for name in repo.worktree_files():
            source, target = repo.root / name, folder / name
            if not source.is_symlink() and not source.is_file():
                continue  # deleted in the work tree, or a submodule
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                target.symlink_to(os.readlink(source))
            else:
                shutil.copyfile(source, target)
        yield folder


def put(folder: Path, files: dict[str, str | None]) -> None:
    """The draft's files into the workspace (None: the file is gone)."""
    for path, text in files.items():
        target = folder / path
        if text is None:
            target.unlink(missing_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")


def _env(repo: Repo, folder: Path) -> dict[str, str]:
    """The environment a check runs in: the workspace's code first on the import path (an editable
    install would otherwise import the user's code, not the draft), the repository's venv first on
    PATH, the interpreter codepilot runs on last."""
    env = dict(os.environ)
    paths = [str(folder / "src"), str(folder)] + (
        [env["PYTHONPATH"]] if env.get("PYTHONPATH") else []
    )
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    venvs = [str(p) for p in venv_bins(repo.root)]
    env["PATH"] = os.pathsep.join([*venvs, env.get("PATH", ""), str(Path(sys.executable).parent)])
    return env


def _tail(text: str) -> str:
    lines = [ln for ln in text.rstrip().split("\n")][-TAIL_LINES:]
    return "\n".join(lines)[-TAIL_CHARS:]


def _command(runner: Runner, repo: Repo, folder: Path, args: list[str]) -> tuple[int, str]:
    """Exit code and output of a command runner in the workspace (124: timed out)."""
    env = _env(repo, folder)
    command: str | list[str]
    if runner.shell is not None:
        quoted = "".join(" " + shlex.quote(a) for a in args) if runner.kind == "lint" else ""
        command = runner.shell + quoted
    else:
        command = [*runner.argv, *args]
    try:
        proc = subprocess.run(
            command,
            shell=runner.shell is not None,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=TEST_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        return 124, f"no result within {TEST_TIMEOUT:g} s"
    except OSError as e:
        return 127, f"cannot run it: {e.strerror or e}"
    return proc.returncode, proc.stdout + proc.stderr


def _key(r: checks.Result) -> tuple[str, str, str]:
    return r.path, r.code, r.message


def run(p: Plan, repo: Repo, folder: Path, touched: dict[str, str | None]) -> list[DraftCheck]:
    """Each runner on the draft in `folder`: a linter on the touched files (only problems the user's
    own content does not have), the tests on the target's tests and the drafted test files."""
    from codepilot.index.related import is_test

    present = sorted(path for path, text in touched.items() if text is not None)
    out: list[DraftCheck] = []
    for runner in p.runners:
        if runner.check is not None:
            mine = [path for path in present if checks.applies(runner.check, path)]
            if not mine:
                if not runner.check.by_presence:
                    out.append(
                        DraftCheck(
                            runner.name, "not run", "the draft touches no file it applies to"
                        )
                    )
                continue
            after, failed = checks.run_check(runner.check, folder, mine, None)
            if failed is not None:
                out.append(DraftCheck(runner.name, "not run", f"{failed.status}: {failed.reason}"))
                continue
            had = [path for path in mine if (repo.root / path).is_file()]
            key = (runner.name, tuple(had))
            if key not in p.baseline:
                p.baseline[key] = (
                    checks.run_check(runner.check, repo.root, had, None)[0] if had else []
                )
            before = p.baseline[key]
            new = Counter(map(_key, after)) - Counter(map(_key, before))
            problems = [r for r in after if new[_key(r)] > 0]
            if problems:
                text = "\n".join(f"{r.path}:{r.line}: {r.code} {r.message}" for r in problems[:20])
                out.append(DraftCheck(runner.name, "failed", text))
            else:
                out.append(DraftCheck(runner.name, "passed"))
            continue
        if runner.kind == "lint":
            code, text = _command(runner, repo, folder, present)
        else:
            targets = list(dict.fromkeys([*p.tests, *(path for path in present if is_test(path))]))
            if not targets and runner.shell is None:
                out.append(
                    DraftCheck(
                        runner.name, "not run", "no test uses the target and the draft adds none"
                    )
                )
                continue
            code, text = _command(runner, repo, folder, targets)
            if code == 5 and runner.shell is None:
                text = "no tests were collected\n" + text
        out.append(
            DraftCheck(
                runner.name, "passed" if code == 0 else "failed", "" if code == 0 else _tail(text)
            )
        )
    return out


def hollowed(text: str, symbol: str) -> str | None:
    """`text` (Python) with the body of the function `symbol` (Class.method for a method) replaced
    by `raise NotImplementedError`, its docstring kept; None when it is not found or not a
    function."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    parts = symbol.split(".")
    scope: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for i, name in enumerate(parts):
        node = next(
            (
                n
                for n in scope
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and n.name == name
            ),
            None,
        )
        if node is None:
            return None
        if i < len(parts) - 1:
            scope = node.body if isinstance(node, ast.ClassDef) else []
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return None
    body = node.body
    doc = (
        isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    )
    first = body[1] if doc and len(body) > 1 else body[0]
    if first.lineno == node.lineno or node.end_lineno is None:
        return None  # a one-line function: its body shares the def's line
    lines = text.split("\n")
    start = first.lineno - 1 if not (doc and len(body) == 1) else (node.end_lineno or first.lineno)
    indent = " " * first.col_offset
    lines[start : node.end_lineno] = [
        f"{indent}raise NotImplementedError  # codepilot: does a test notice?"
    ]
    return "\n".join(lines)


def mutation(
    p: Plan, repo: Repo, folder: Path, touched: dict[str, str | None], target: str, symbol: str
) -> Mutation | None:
    """The drafted tests run against `symbol` with its body gone (Python; only when the draft wrote
    tests and a test runner is there)."""
    from codepilot.index.related import is_test

    runner = p.test_runner
    drafted = [
        path
        for path, text in touched.items()
        if text is not None and is_test(path) and path.endswith(".py")
    ]
    current = touched.get(target) if target in touched else _read(folder / target)
    if runner is None or not drafted or current is None or not target.endswith(".py"):
        return None
    hollow = hollowed(current, symbol)
    if hollow is None:
        return None
    put(folder, {target: hollow})
    try:
        code, text = _command(runner, repo, folder, drafted)
    finally:
        put(folder, {target: current})
    return Mutation(symbol, code != 0, _tail(text) if code == 0 else "")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None

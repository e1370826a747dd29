"""`codepilot eval SUITE`: the same review pipeline, with the same options, on each case of a suite
of changes with known bugs, scored — how many bugs a model (and its settings) catches, how precise
it is, and what it costs. Suite format and scoring rule: docs/reference.md (the contract's
`eval`)."""

from __future__ import annotations

import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codepilot.runtime.errors import FatalError, UsageError

Range = tuple[str, int, int]  # path, first line, last line (new file)


@dataclass
class Bug:
    """One bug, wherever it is spread: a reverted fix touching three hunks is still one bug to
    catch."""

    ranges: list[Range]
    title: str = ""

    @property
    def where(self) -> str:
        path, line, _ = self.ranges[0]
        return f"{path}:{line}"


@dataclass
class Case:
    name: str
    repo: Path
    base: str
    head: str
    bugs: list[Bug]


@dataclass
class Suite:
    path: Path
    tolerance: int
    cases: list[Case]


@dataclass
class CaseScore:
    name: str
    bugs: int = 0
    caught: int = 0
    findings: int = 0
    matched_findings: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0
    seconds: float = 0.0
    error: str | None = None
    missed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.name,
            "bugs": self.bugs,
            "caught": self.caught,
            "findings": self.findings,
            "matched_findings": self.matched_findings,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "seconds": round(self.seconds, 2),
            "error": self.error,
            "missed": self.missed,
        }


@dataclass
class Run:
    model: str
    settings: dict[str, Any]
    per_case: list[CaseScore]

    def total(self, key: str, scored: bool = False) -> int:
        """`key` summed over every case (what was spent), or over the scored ones only (`scored`: a
        case whose run failed has no score, and counts neither as caught nor as missed)."""
        return sum(int(getattr(c, key)) for c in self.per_case if not scored or c.error is None)

    def to_json(self) -> dict[str, Any]:
        bugs, caught = self.total("bugs", True), self.total("caught", True)
        findings, matched = self.total("findings", True), self.total("matched_findings", True)
        recall = caught / bugs if bugs else None
        precision = matched / findings if findings else None
        f1 = (
            2 * recall * precision / (recall + precision)
            if recall is not None and precision is not None and recall + precision
            else 0.0
            if bugs or findings
            else None
        )
        costs = [c.cost_usd for c in self.per_case]
        return {
            "model": self.model,
            "settings": self.settings,
            "cases": len(self.per_case),
            "bugs": bugs,
            "caught": caught,
            "catch_rate": _round(recall),
            "findings": findings,
            "matched_findings": matched,
            "precision": _round(precision),
            "f1": _round(f1),
            "prompt_tokens": self.total("prompt_tokens"),
            "completion_tokens": self.total("completion_tokens"),
            "cost_usd": None
            if any(c is None for c in costs)
            else round(sum(c or 0.0 for c in costs), 6),
            "seconds": round(sum(c.seconds for c in self.per_case), 2),
            "failed_cases": sum(c.error is not None for c in self.per_case),
            "per_case": [c.to_json() for c in self.per_case],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def load(path: Path) -> Suite:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"{path}: cannot read the suite: {e}") from None
    try:
        tolerance = int(data.get("tolerance", 3))
        cases = [
            Case(
                str(c["name"]),
                (path.parent / str(c["repo"])).resolve(),
                str(c["base"]),
                str(c["head"]),
                [_bug(b) for b in c.get("bugs", [])],
            )
            for c in data.get("case", [])
        ]
    except (KeyError, TypeError, ValueError) as e:
        raise UsageError(
            f"{path}: a case lacks or mistypes {e}: each needs name, repo, base, head, bugs"
        ) from None
    if not cases:
        raise UsageError(f"{path}: no [[case]] in the suite")
    return Suite(path, tolerance, cases)


def _bug(b: dict[str, Any]) -> Bug:
    """A suite's bug: `{path, line, end_line}`, or `{ranges = [{path, line, end_line}, ...]}` for
    one bug spread over several places; `title` either way."""
    raw = b.get("ranges", [b])
    ranges = [(str(r["path"]), int(r["line"]), int(r.get("end_line", r["line"]))) for r in raw]
    if not ranges:
        raise ValueError("ranges")
    return Bug(ranges, str(b.get("title", "")))


def score(
    bugs: list[Bug], findings: list[tuple[str, int, int]], tolerance: int
) -> tuple[int, int, list[str]]:
    """(bugs caught, findings matched, titles of missed bugs): a finding catches a bug when the path
    is the same and its lines overlap one of the bug's ranges widened by `tolerance`; each finding
    catches at most one bug and each bug is caught at most once (a maximum matching)."""
    hits = [
        [
            j
            for j, (path, line, end) in enumerate(findings)
            if any(
                path == p and line <= e + tolerance and end >= s - tolerance for p, s, e in b.ranges
            )
        ]
        for b in bugs
    ]
    owner: dict[int, int] = {}

    def augment(i: int, seen: set[int]) -> bool:
        for j in hits[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(bugs)):
        augment(i, set())
    caught = set(owner.values())
    missed = [b.title or b.where for i, b in enumerate(bugs) if i not in caught]
    return len(caught), len(owner), missed


CHECKS_ONLY = "checks-only"  # the run of the project's checks alone: the floor a model must beat
RUFF_DEFAULT = ("ruff", "check", "--isolated", "--output-format=json", "--exit-zero", "--no-cache")


def _configures_checks(repo: Path) -> bool:
    """Whether the case's repository configures a check codepilot detects (ruff, mypy)."""
    names = ("ruff.toml", ".ruff.toml", "mypy.ini", ".mypy.ini")
    if any((repo / n).is_file() for n in names):
        return True
    try:
        text = (repo / "pyproject.toml").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[tool.ruff" in text or "[tool.mypy" in text


def run_case(
    case: Case,
    tolerance: int,
    model: str | None,
    overrides: dict[str, Any],
    use_cache: bool,
    checks: bool = False,
) -> CaseScore:
    """One case reviewed and scored: by `model` (with the project's checks beside it when `checks`),
    or by the checks alone (`model` CHECKS_ONLY: no model, no cost)."""
    from codepilot import review

    out = CaseScore(case.name, bugs=len(case.bugs))
    started = time.monotonic()
    alone = model == CHECKS_ONLY
    if alone and not _configures_checks(case.repo):
        # a recipe-built case holds only the fixed files, not the project's configuration: the floor
        # is then what ruff's default rules catch (Python; other languages have no check that runs
        # here)
        ruff = {
            "name": "ruff",
            "command": list(RUFF_DEFAULT),
            "format": "ruff-json",
            "files": ["**/*.py", "*.py"],
        }
        overrides = {**overrides, "checks": [ruff]}
    try:
        opts = review.Options(
            base=case.base,
            head=case.head,
            cwd=case.repo,
            use_cache=use_cache,
            history=False,
            overrides={
                **overrides,
                "model": None if alone else model or overrides.get("model"),
                "patch_dir": None,
            },
            checks=checks or alone,
            plan=not alone,
        )
        result = review.review(opts)
    except (FatalError, OSError) as e:
        out.error = str(e)
        out.seconds = time.monotonic() - started
        return out
    out.seconds = time.monotonic() - started
    found = [(f.path, f.line, f.end_line) for f in result.findings]
    out.caught, out.matched_findings, out.missed = score(case.bugs, found, tolerance)
    out.findings = len(found)
    s = result.stats
    out.prompt_tokens, out.completion_tokens, out.cost_usd = (
        s.prompt_tokens,
        s.completion_tokens,
        s.cost_usd,
    )
    if result.errors:
        out.error = f"{len(result.errors)} request(s) failed: {result.errors[0].error}"
    ran = [c for c in result.checks if c.status == "ran"]
    # nothing ran: no score, never a zero that reads as "the checks catch nothing"
    if alone and not ran:
        why = (
            "; ".join(f"{c.name}: {c.status} ({c.reason})" for c in result.checks)
            or "no check applies"
        )
        out.error = f"no check ran: {why}"
    return out


def run(
    suite: Suite,
    models: list[str | None],
    overrides: dict[str, Any],
    use_cache: bool,
    progress: Callable[[str], None] = lambda _: None,
    checks: bool = False,
) -> list[Run]:
    """One run per model (CHECKS_ONLY: the checks alone) over every case."""
    runs = []
    for model in models:
        per_case = []
        for i, case in enumerate(suite.cases, 1):
            progress(f"{model or 'default model'}: case {i}/{len(suite.cases)} {case.name}")
            per_case.append(run_case(case, suite.tolerance, model, overrides, use_cache, checks))
        settings = {k: v for k, v in overrides.items() if v is not None and k != "model"}
        runs.append(Run(model or str(overrides.get("model") or "default"), settings, per_case))
    return runs


FIX_WORDS = r"\b(?:fix(?:es|ed)?|bug|crash|regression|wrong|incorrect|broken|off-by-one|leak)\b"


@dataclass
class Built:
    suite: Path
    fixes: int
    clean: int


def build(source: Path, out: Path, fixes: int = 20, clean: int = 10, max_lines: int = 40) -> Built:
    """A suite from a repository's history: each bug-fix commit reversed (the change under review
    puts the bug back; the lines it adds are the answer key), and ordinary commits as clean changes.
    The cases live in a clone under `out/repos/`, as tags; `out/suite.toml` lists them."""
    import re

    from codepilot.source.git import open_repo
    from codepilot.source.git import run as git_run
    from codepilot.syntax import detect

    src = open_repo(source.resolve())
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    clone = out / "repos" / src.root.name
    if not clone.exists():
        git_run(out, src.env, "clone", "-q", "--no-hardlinks", str(src.root), str(clone))
    repo = open_repo(clone)
    env = {
        **repo.env,
        "GIT_AUTHOR_NAME": "codepilot eval",
        "GIT_AUTHOR_EMAIL": "eval@codepilot.invalid",
        "GIT_COMMITTER_NAME": "codepilot eval",
        "GIT_COMMITTER_EMAIL": "eval@codepilot.invalid",
    }
    log = repo.git("log", "--no-merges", "-n", "2000", "--format=%H%x00%s%x00%P").decode(
        "utf-8", "replace"
    )
    picked_fix: list[tuple[str, str]] = []
    picked_clean: list[tuple[str, str]] = []
    lines: list[str] = []
    for entry in filter(None, log.split("\n")):
        sha, subject, parents = (entry.split("\0") + ["", ""])[:3]
        if len(parents.split()) != 1:
            continue
        stat = (
            repo.git("diff", "--no-ext-diff", "--numstat", f"{sha}^", sha)
            .decode("utf-8", "replace")
            .split("\n")
        )
        rows = [r.split("\t") for r in stat if r.count("\t") == 2]
        size = sum(int(a) + int(d) for a, d, _ in rows if a.isdigit() and d.isdigit())
        if (
            not rows
            or size > max_lines
            or len(rows) > 3
            or not all(detect(r[2]).parsed for r in rows)
        ):
            continue
        is_fix = re.search(FIX_WORDS, subject, re.IGNORECASE) is not None
        if is_fix and len(picked_fix) < fixes:
            picked_fix.append((sha, subject))
        elif not is_fix and len(picked_clean) < clean:
            picked_clean.append((sha, subject))
        if len(picked_fix) >= fixes and len(picked_clean) >= clean:
            break
    lines.append("tolerance = 3\n")
    for n, (sha, subject) in enumerate(picked_fix, 1):
        name = f"fix-{n:02d}"
        git_run(clone, env, "checkout", "-q", "--detach", sha)
        try:
            git_run(clone, env, "revert", "--no-edit", sha, plain=True)
        except FatalError:  # the fix does not revert cleanly on its own: no case
            git_run(clone, env, "revert", "--abort", check=False, plain=True)
            continue
        head = repo.git("rev-parse", "HEAD").decode().strip()
        git_run(clone, env, "tag", "-f", f"{name}-base", sha)
        git_run(clone, env, "tag", "-f", f"{name}-head", head)
        ranges = added_ranges(
            repo.git("diff", "--no-ext-diff", "-U0", sha, head).decode("utf-8", "replace")
        )
        if not ranges:
            continue
        bugs = [ranges]  # one reverted fix is one bug, however many hunks it has
        lines.append(
            case_toml(
                name,
                clone.relative_to(out),
                f"{name}-base",
                f"{name}-head",
                bugs,
                f"reverts {sha[:12]}: {subject}",
            )
        )
    for n, (sha, subject) in enumerate(picked_clean, 1):
        name = f"clean-{n:02d}"
        git_run(clone, env, "tag", "-f", f"{name}-base", f"{sha}^")
        git_run(clone, env, "tag", "-f", f"{name}-head", sha)
        lines.append(
            case_toml(name, clone.relative_to(out), f"{name}-base", f"{name}-head", [], subject)
        )
    suite = out / "suite.toml"
    suite.write_text("\n".join(lines), encoding="utf-8")
    return Built(suite, sum(1 for ln in lines if 'name = "fix-' in ln), len(picked_clean))


def added_ranges(diff: str, gaps: bool = False) -> list[Range]:
    """The new-file line ranges of a `-U0` diff's hunks (read by unidiff); with `gaps`, a hunk that
    only removes lines gives the line just before the gap."""
    from unidiff.patch import PatchSet

    out = []
    for f in PatchSet(diff):
        if f.is_removed_file:
            continue
        path = f.target_file[2:] if f.target_file.startswith("b/") else f.target_file
        for h in f:
            start, count = h.target_start, h.target_length
            if count:
                out.append((path, start, start + count - 1))
            elif gaps:
                out.append((path, max(start, 1), max(start, 1)))
    return out


def case_toml(
    name: str, repo: Path, base: str, head: str, bugs: list[list[Range]], about: str
) -> str:
    """A suite's case: each bug as its list of ranges (one range: the plain form)."""
    import json

    def one(ranges: list[Range]) -> str:
        items = [f"{{ path = {json.dumps(p)}, line = {a}, end_line = {b} }}" for p, a, b in ranges]
        return items[0] if len(items) == 1 else f"{{ ranges = [{', '.join(items)}] }}"

    return (
        f"[[case]]\nname = {json.dumps(name)}\nrepo = {json.dumps(repo.as_posix())}\nbase = "
        f"{json.dumps(base)}\n"
        f"head = {json.dumps(head)}\nabout = {json.dumps(about)}\nbugs = "
        f"[{', '.join(one(b) for b in bugs)}]\n"
    )

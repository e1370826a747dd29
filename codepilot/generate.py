"""Drafting code: the context for an instruction chosen with tree-sitter (the target definition or
file, the file's imports, the signatures of what the target calls, the existing tests and their
style), one model call through the shared call path, and the edits placed with the same machinery as
review fixes and written as patches."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codepilot.check import patches
from codepilot.check.apply import Planned
from codepilot.check.findings import confine
from codepilot.check.placement import NotPlaced, Placed, place
from codepilot.index.related import Drafting, Related, for_definition, render
from codepilot.model.answers import GENERATE_SCHEMA, Edit, GenerateAnswer
from codepilot.model.cache import open_cache
from codepilot.model.calls import Caller, cost
from codepilot.model.models import ModelSpec
from codepilot.prompt import tokens
from codepilot.prompt.templates import Templates
from codepilot.prompt.views import FENCE, numbered
from codepilot.runtime import config as config_mod
from codepilot.runtime.config import Config
from codepilot.runtime.errors import UsageError
from codepilot.secrets.redact import Redactor
from codepilot.source.diff import Source
from codepilot.source.git import EMPTY_TREE, Repo, open_repo
from codepilot.syntax import Definition, detect, outline, string_lines, syntax_errors
from codepilot.tools.drafts import DraftCheck, Mutation

SYSTEM_TEMPLATE, USER_TEMPLATE = "generate-system.md", "generate-user.md"
CORRECTION_TEMPLATE = "generate-correction.md"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{2,}")
_STOP = {
    "the",
    "and",
    "for",
    "add",
    "with",
    "write",
    "tests",
    "test",
    "pytest",
    "implement",
    "public",
    "functions",
    "function",
    "method",
    "class",
    "docstrings",
    "flag",
    "command",
    "make",
    "into",
    "from",
    "that",
    "this",
    "todo",
    "should",
    "when",
    "all",
    "new",
    "use",
    "code",
    "file",
}


@dataclass
class Options:
    instruction: str
    paths: tuple[str, ...] = ()
    symbol: str | None = None
    overrides: dict[str, object] = field(default_factory=dict)
    cwd: Path | None = None
    allow: tuple[str, ...] = ()  # --allow-path globs: edits the answer may make beyond the targets
    checks: bool = True  # run the draft (issue 24): --no-checks turns it off
    rounds: int = 2  # corrections after a failed check
    test_cmd: str | None = None
    lint_cmd: str | None = None


# files that make code run on their own — CI of every platform, git hooks, editor tasks, Python
# start-up files, build files, package manifests with scripts — and codepilot's own configuration:
# an answer may touch them only when the user allows it by name (--allow-path). Matched ignoring
# case: `.GitHub/` and `jenkinsfile` are the same files on the file systems of macOS and Windows
# (issue 28, item 7).
GUARDED = [
    # CI
    ".github/**",
    ".gitea/**",
    ".forgejo/**",
    ".gitlab-ci.yml",
    ".gitlab/**",
    ".circleci/**",
    ".travis.yml",
    "**/Jenkinsfile",
    "**/Jenkinsfile.*",
    "azure-pipelines.yml",
    "azure-pipelines.yaml",
    ".azure-pipelines/**",
    ".azuredevops/**",
    "bitbucket-pipelines.yml",
    ".drone.yml",
    ".drone.yaml",
    ".buildkite/**",
    ".woodpecker.yml",
    ".woodpecker.yaml",
    ".woodpecker/**",
    "appveyor.yml",
    ".appveyor.yml",
    ".semaphore/**",
    "cloudbuild.yaml",
    "cloudbuild.yml",
    "buildspec.yml",
    "codemagic.yaml",
    ".teamcity/**",
    # hooks
    ".pre-commit-config.yaml",
    ".pre-commit-hooks.yaml",
    ".husky/**",
    ".githooks/**",
    "lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yml",
    ".lefthook.yaml",
    "lefthook-local.yml",
    ".lefthook/**",
    ".overcommit.yml",
    # editors and dev environments
    ".vscode/**",
    ".idea/**",
    "*.code-workspace",
    ".devcontainer/**",
    ".envrc",
    # Python start-up and build
    "**/conftest.py",
    "**/sitecustomize.py",
    "**/usercustomize.py",
    "**/*.pth",
    "**/setup.py",
    "**/setup.cfg",
    "**/pyproject.toml",
    "**/tox.ini",
    "**/noxfile.py",
    "**/pytest.ini",
    # build files and package manifests (their scripts run on install or build)
    "**/Makefile",
    "**/GNUmakefile",
    "**/*.mk",
    "**/CMakeLists.txt",
    "**/meson.build",
    "**/justfile",
    "**/Taskfile.yml",
    "**/Rakefile",
    "**/Gemfile",
    "**/*.gemspec",
    "**/build.gradle",
    "**/build.gradle.kts",
    "**/settings.gradle",
    "**/settings.gradle.kts",
    "**/gradlew",
    "**/gradlew.bat",
    "**/gradle-wrapper.properties",
    "**/pom.xml",
    "**/build.xml",
    "**/Cargo.toml",
    "**/build.rs",
    "**/package.json",
    "**/.npmrc",
    "**/.yarnrc",
    "**/.yarnrc.yml",
    "**/composer.json",
    "**/Dockerfile",
    "**/Dockerfile.*",
    "**/docker-compose*.yml",
    "**/docker-compose*.yaml",
    "**/Vagrantfile",
    "**/WORKSPACE",
    "**/BUILD.bazel",
    "**/*.bzl",
    ".bazelrc",
    # git and codepilot itself
    ".codepilot.toml",
    ".codepilot/**",
    ".gitattributes",
    ".gitmodules",
    "**/.gitconfig",
]


@dataclass
class Target:
    path: str
    text: str | None  # None: the file does not exist yet
    definition: Definition | None = None


@dataclass
class Prepared:
    repo: Repo
    config: Config
    templates: Templates
    instruction: str
    targets: list[Target]
    messages: list[dict[str, str]]
    prompt_tokens: int
    redactions: Counter[str]
    patch_dir: Path
    allow: tuple[str, ...] = ()
    # the tests that use the targets (pytest node ids)
    tests: list[str] = field(default_factory=list)
    options: Options | None = None


@dataclass
class EditResult:
    path: str
    placed: bool
    how: str | None = None
    note: str | None = None
    round: int = 1  # the draft it belongs to: 1, then each correction


@dataclass
class Result:
    summary: str
    edits: list[EditResult]
    patches: list[str]
    errors: list[str]
    model: str
    usage_prompt: int = 0
    usage_completion: int = 0
    cached: bool = False
    cost_usd: float | None = 0.0
    applied: list[str] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)  # what --apply would apply
    # the draft's checks after the last round
    checks: list[DraftCheck] = field(default_factory=list)
    rounds: int = 0  # drafts made (the first and each correction)
    mutation: Mutation | None = None
    requests: int = 0
    # said beside the result (a correction that failed, ...)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[DraftCheck]:
        return [c for c in self.checks if c.status == "failed"]

    def checks_line(self) -> str:
        """One line on what the checks said, e.g. "tests passed after 2 rounds; ruff passed after 2
        rounds"."""
        if not self.checks:
            return "checks: none ran"
        after = f"after {self.rounds} round{'s' if self.rounds != 1 else ''}"
        return "; ".join(
            f"{c.name} not run ({c.output})"
            if c.status == "not run"
            else f"{c.name} {c.status} {after}"
            for c in self.checks
        )

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "summary": self.summary,
            "model": self.model,
            "edits": [e.__dict__ for e in self.edits],
            "patches": self.patches,
            "applied": self.applied,
            "errors": self.errors,
            "checks": [c.to_json() for c in self.checks],
            "rounds": self.rounds,
            "mutation": self.mutation.to_json() if self.mutation else None,
            "notes": self.notes,
            "stats": {
                "requests": self.requests,
                "cached": int(self.cached),
                "prompt_tokens": self.usage_prompt,
                "completion_tokens": self.usage_completion,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            },
        }


def _find_symbol(repo: Repo, symbol: str, paths: list[str]) -> list[Target]:
    """Files defining `symbol` (qualified, or its last part): the given paths, else `git grep`
    candidates."""
    last = symbol.split(".")[-1]
    if not paths:
        out = repo.try_git("grep", "--untracked", "-l", "-w", "-I", "-F", "-e", last) or b""
        paths = [
            p for p in out.decode("utf-8", "surrogateescape").splitlines() if detect(p).parsed
        ][:200]
    hits = []
    for p in paths:
        text = repo.worktree_text(p)
        if text is None:
            continue
        for d in outline(detect(p), text.encode()).definitions:
            if (
                d.symbol == symbol
                or d.symbol.endswith("." + symbol)
                or (d.symbol.split(".")[-1] == symbol)
            ):
                hits.append(Target(p, text, d))
    exact = [t for t in hits if t.definition and t.definition.symbol == symbol]
    return exact or hits


_PATHISH = re.compile(r"[\w./-]+\.[A-Za-z0-9]{1,8}\b|[\w.-]+(?:/[\w.-]+)+")


def _by_words(repo: Repo, instruction: str) -> list[Target]:
    """Without --path or --symbol (see issue 26): a file the instruction names is the target (its
    full path, or a file name that only one file of the work tree has); else the files that define a
    name the instruction uses; configuration and documentation files only when named. Nothing found:
    a usage error asking for --path or --symbol, never a guess by word count."""
    files = repo.worktree_files()
    named: list[str] = []
    for token in _PATHISH.findall(instruction):
        token = token.strip("./") if not token.startswith("./") else token[2:]
        if token in files:
            named.append(token)
            continue
        same = [f for f in files if f.rsplit("/", 1)[-1] == token or f.endswith("/" + token)]
        if len(same) == 1:
            named.append(same[0])
    if named:
        return [Target(p, repo.worktree_text(p)) for p in dict.fromkeys(named)][:3]
    words = [w for w in dict.fromkeys(_WORD.findall(instruction)) if w.lower() not in _STOP][:8]
    found: list[Target] = []
    for w in words:
        found += [t for t in _find_symbol(repo, w, []) if t.path not in {f.path for f in found}]
    if found:
        return found[:3]
    raise UsageError(
        "no file or definition named in the instruction was found: give --path FILE or "
        "--symbol NAME"
    )


def choose_targets(repo: Repo, opts: Options, cwd: Path) -> list[Target]:
    from codepilot.source.diff import to_pathspecs

    paths = to_pathspecs(repo, opts.paths, cwd) if opts.paths else []
    for p in paths:
        if p == ".git" or p.startswith(".git/"):
            raise UsageError(f"--path {p}: inside .git")
    if opts.symbol:
        found = _find_symbol(repo, opts.symbol, paths)
        if not found:
            where = f" in {', '.join(paths)}" if paths else ""
            raise UsageError(f"--symbol {opts.symbol}: no such definition{where}")
        return found[:3]
    if paths:
        return [Target(p, repo.worktree_text(p)) for p in paths]
    return _by_words(repo, opts.instruction)


def denied(cfg: Config, path: str) -> bool:
    from codepilot.source import globs

    return globs.matches(path, cfg.deny, ignore_case=True) is not None


def allowed_targets(targets: list[Target], cfg: Config, explicit: bool) -> list[Target]:
    """Credential files (the deny globs) are never read for a prompt; naming one is an error."""
    for t in targets:
        if explicit and denied(cfg, t.path):
            raise UsageError(f"{t.path}: denied by the deny globs (credentials are never sent)")
    return [t for t in targets if not denied(cfg, t.path)]


def _test_file(path: str, tracked: list[str]) -> str | None:
    stem = Path(path).stem
    names = {
        f"test_{stem}.py",
        f"{stem}_test.py",
        f"{stem}.test.js",
        f"{stem}.test.ts",
        f"{stem}.spec.ts",
        f"{stem}.spec.js",
        f"{stem}_test.go",
        f"{stem}_spec.rb",
        f"{stem}Test.java",
        f"{stem}Tests.cs",
        f"{stem}.test.tsx",
    }
    return next((p for p in tracked if Path(p).name in names), None)


def _section(
    t: Target,
    budget: int,
    repo: Repo,
    tracked: list[str],
    wants_tests: bool,
    related: Related | None,
) -> tuple[str, Drafting | None]:
    lang = detect(t.path, (t.text or "")[:200].encode())
    head = f"## {t.path} ({lang.name}{', does not exist yet' if t.text is None else ''})"
    if t.text is None:
        return head, None
    lines = t.text.split("\n")
    parts = [head]
    drafting = None
    if t.definition is None and tokens.count(t.text) <= budget:
        parts += [f"{FENCE}{lang.name}", numbered(lines, 1, len(lines), set()), FENCE]
    else:
        o = outline(lang, t.text.encode())
        for a, b in o.imports[:40]:
            parts.append(numbered(lines, a, b, set()))
        d = t.definition
        if d is not None:
            parts += [
                f"### {d.symbol} ({d.kind}, lines {d.start_line}-{d.end_line})",
                f"{FENCE}{lang.name}",
                numbered(lines, d.start_line, d.end_line, set()),
                FENCE,
            ]
            if related is not None:
                drafting = for_definition(
                    related, t.path, d.symbol, d.kind, (d.start_line, d.end_line), wants_tests
                )
                if drafting.items:
                    parts += [
                        "From the rest of the repository (what it calls, its callers, its "
                        "tests, the code around it):",
                        render(drafting.items, FENCE),
                    ]
        else:
            parts += [
                "Definitions in this file:",
                *[
                    f"- line {x.start_line}-{x.end_line}: {x.symbol} ({x.kind})"
                    for x in o.definitions[:200]
                ],
            ]
    if wants_tests:
        parts += _tests_part(t, repo, tracked, budget, drafting)
    return "\n".join(parts), drafting


def _tests_part(
    t: Target, repo: Repo, tracked: list[str], budget: int, drafting: Drafting | None
) -> list[str]:
    """Where the tests go: the file whose tests already use the symbol, else the file named after
    the target; its text, the fixtures its tests can use and the test folder's layout."""
    test = (
        drafting.test_file
        if drafting is not None and drafting.test_file
        else _test_file(t.path, tracked)
    )
    parts: list[str] = []
    if test:
        text = repo.worktree_text(test) or ""
        shown = text if tokens.count(text) <= budget // 2 else "\n".join(text.split("\n")[:120])
        parts += [
            f"## {test} (existing tests for {t.path}: add to this file, in its style)",
            f"{FENCE}",
            numbered(shown.split("\n"), 1, shown.count("\n") + 1, set()),
            FENCE,
        ]
    elif drafting is not None and drafting.folder is not None:
        stem = Path(t.path).stem
        parts.append(
            f"(no test file for {t.path} yet: create {drafting.folder}/test_{stem}.py, where "
            "this project keeps "
            "its tests, in the style of its neighbours)"
        )
    else:
        return [f"(no test file for {t.path} yet: create one where this project keeps its tests)"]
    if drafting is not None and drafting.fixtures:
        parts += [
            "Fixtures these tests can use (pytest, from conftest.py):",
            render(drafting.fixtures, FENCE),
        ]
    if drafting is not None and drafting.layout:
        parts.append("Test files in that folder: " + ", ".join(drafting.layout))
    return parts


def _repository(repo: Repo, cfg: Config, targets: list[Target]) -> Related | None:
    """The repository index of the work tree, for what the targets call, their callers and tests."""
    from codepilot.index import repo_index as index

    if not cfg.related_context or not any(t.definition is not None for t in targets):
        return None
    changed: dict[str, bytes | None] = {
        t.path: t.text.encode() for t in targets if t.text is not None
    }
    ix = index.build(repo, Source("worktree", "HEAD", None, "work tree"), cfg, changed)

    def read(path: str) -> list[str] | None:
        text = repo.worktree_text(path)
        return None if text is None else text.split("\n")

    return Related(ix, read)


def prepare(opts: Options) -> Prepared:
    if not opts.instruction.strip():
        raise UsageError("the instruction is empty")
    cwd = (opts.cwd or Path.cwd()).resolve()
    repo = open_repo(cwd)
    cfg = config_mod.load(repo.root, opts.overrides)
    folder = patches.patch_dir(
        repo, cfg.patch_dir, trusted=opts.overrides.get("patch_dir") is not None
    )
    targets = allowed_targets(choose_targets(repo, opts, cwd), cfg, explicit=bool(opts.paths))
    templates = Templates(repo.root, cfg.prompts_trusted)
    wants_tests = bool(re.search(r"\btests?\b|pytest|spec", opts.instruction, re.I))
    tracked = [p for p in repo.worktree_files() if not denied(cfg, p)] if wants_tests else []
    # drafting needs more room than reviewing one hunk
    budget = max(cfg.max_request_tokens * 3, 8000)
    related = _repository(repo, cfg, targets)
    try:
        share = budget // max(len(targets), 1)
        sections = [_section(t, share, repo, tracked, wants_tests, related) for t in targets]
        context = "\n\n".join(text for text, _ in sections)
        tests = list(dict.fromkeys(n for _, d in sections if d is not None for n in d.tests))
    finally:
        if related is not None:
            related.index.close()
    names = ", ".join(
        t.path + (f" ({t.definition.symbol})" if t.definition else "") for t in targets
    )
    from codepilot.review import instructions_for

    user_values = {
        "instruction": opts.instruction.strip(),
        "targets": f"Target: {names}" if names else "",
        "instructions": instructions_for(cfg, [t.path for t in targets]),
        "context": context,
    }
    redactor = Redactor()
    system = templates.render(SYSTEM_TEMPLATE)
    user = redactor.text(templates.render(USER_TEMPLATE, **user_values))
    messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
    return Prepared(
        repo,
        cfg,
        templates,
        opts.instruction,
        targets,
        messages,
        tokens.count(system) + tokens.count(user) + 8,
        redactor.found,
        folder,
        opts.allow,
        tests,
        opts,
    )


def run(p: Prepared, spec: ModelSpec, use_cache: bool, record: bool = True) -> Result:
    """The draft, then (unless --no-checks) its checks in a copy of the work tree and up to `rounds`
    corrections while one fails; the patch offered is the whole change against the user's
    content."""
    cache = open_cache(use_cache)
    result = Result("", [], [], [], spec.label, cost_usd=0.0)
    files: dict[str, tuple[str | None, str]] = {}
    try:
        caller = Caller(
            spec,
            p.config,
            cache,
            p.templates.version(SYSTEM_TEMPLATE, USER_TEMPLATE, CORRECTION_TEMPLATE),
        )
        messages = list(p.messages)
        answer = _ask(caller, messages, result, spec, p.config)
        if answer is not None:
            result.summary = answer.summary.strip()
            _place(p, answer.edits, files, result)
            result.rounds = 1
            opts = p.options or Options(p.instruction)
            if opts.checks and files and not result.errors:
                _check_loop(p, opts, caller, messages, answer, files, result, spec)
    finally:
        cache.close()
    if p.config.history and record:
        from codepilot.output import history
        from codepilot.output.history import repo_key

        history.record_usage(
            history.RunRecord(
                repo_key(p.repo),
                f"generate: {p.instruction[:80]}",
                "generate",
                None,
                p.repo.head(),
                spec.label,
                result.requests,
                int(result.cached),
                result.usage_prompt,
                result.usage_completion,
                result.cost_usd,
                int(answer is None),
                [],
            )
        )
    if files:
        _write_patches(p, files, result)
    return result


def _ask(
    caller: Caller, messages: list[dict[str, str]], result: Result, spec: ModelSpec, cfg: Config
) -> GenerateAnswer | None:
    """One request; its tokens and cost added to the result whether or not an answer came."""
    outcome = caller.call(messages, GenerateAnswer, GENERATE_SCHEMA)
    result.requests += 1
    result.cached = result.cached or outcome.cached
    result.usage_prompt += outcome.usage.prompt_tokens
    result.usage_completion += outcome.usage.completion_tokens
    spent = cost(cfg, spec, outcome.usage)
    result.cost_usd = None if spent is None or result.cost_usd is None else result.cost_usd + spent
    if outcome.error is not None or not isinstance(outcome.answer, GenerateAnswer):
        if result.rounds == 0:
            result.errors.append(outcome.error or "no answer")
        else:
            result.notes.append(f"the correction request failed: {outcome.error or 'no answer'}")
        return None
    return outcome.answer


def _check_loop(
    p: Prepared,
    opts: Options,
    caller: Caller,
    messages: list[dict[str, str]],
    answer: GenerateAnswer,
    files: dict[str, tuple[str | None, str]],
    result: Result,
    spec: ModelSpec,
) -> None:
    from codepilot.tools import drafts

    plan = drafts.plan(
        p.repo, p.config, p.config.checks_trusted, opts.test_cmd, opts.lint_cmd, p.tests
    )
    with drafts.workspace(p.repo) as folder:
        while True:
            touched: dict[str, str | None] = {path: text for path, (_, text) in files.items()}
            drafts.put(folder, touched)
            result.checks = [*drafts.run(plan, p.repo, folder, touched), *plan.not_run]
            if not result.failed or result.rounds > opts.rounds:
                break
            messages += [
                {"role": "assistant", "content": answer.model_dump_json()},
                {"role": "user", "content": _correction(p, result.failed, files)},
            ]
            corrected = _ask(caller, messages, result, spec, p.config)
            if corrected is None:
                break
            answer = corrected
            result.rounds += 1
            result.summary = corrected.summary.strip() or result.summary
            _place(p, corrected.edits, files, result, result.rounds)
        target = next((t for t in p.targets if t.definition is not None), None)
        wants_tests = bool(re.search(r"\btests?\b|pytest|spec", p.instruction, re.I))
        if wants_tests and target is not None and target.definition is not None:
            touched = {path: text for path, (_, text) in files.items()}
            result.mutation = drafts.mutation(
                plan, p.repo, folder, touched, target.path, target.definition.symbol
            )


def _correction(
    p: Prepared, failed: list[DraftCheck], files: dict[str, tuple[str | None, str]]
) -> str:
    """The next request: what failed, and the touched files as the draft left them (numbered; the
    next edits apply to these texts)."""
    shown = []
    for path, (_, text) in files.items():
        lines = text.split("\n")
        lang = detect(path, text[:200].encode())
        shown += [f"## {path}", f"{FENCE}{lang.name}", numbered(lines, 1, len(lines), set()), FENCE]
    failures = "\n\n".join(
        f"### {c.name}\n{FENCE}\n{c.output.replace(FENCE, '`' * 2)}\n{FENCE}" for c in failed
    )
    return Redactor().text(
        p.templates.render(CORRECTION_TEMPLATE, failures=failures, files="\n".join(shown))
    )


def _refused(p: Prepared, path: str) -> str | None:
    """Why the answer may not edit `path` (None: it may). New files are fine; an existing file must
    be one the user aimed at; build, CI, hook and codepilot's own files need --allow-path;
    credential files never."""
    from codepilot.source import globs

    if globs.matches(path, p.allow, ignore_case=True):
        return None
    if denied(p.config, path):
        return "refused: a credential file (deny globs)"
    if globs.matches(path, GUARDED, ignore_case=True):
        return (
            f"refused: {path} controls builds, hooks or codepilot itself; allow it with "
            f"--allow-path {path}"
        )
    exists = p.repo.inside(path) is not None and (p.repo.root / path).exists()
    if exists and path.lower() not in {t.path.lower() for t in p.targets}:
        return (
            f"refused: {path} exists and was not aimed at; allow it with --allow-path {path} (or "
            "--path)"
        )
    return None


def _place(
    p: Prepared,
    edits: list[Edit],
    files: dict[str, tuple[str | None, str]],
    result: Result,
    round_: int = 1,
) -> None:
    """Each edit placed in order on its file's current text (`files`: path -> the user's text, the
    draft's text so far)."""
    hints = {t.path: t.definition.start_line for t in p.targets if t.definition}
    unplaced = 0
    for e in edits:
        path, why = confine(e.path)
        if path is None:
            result.edits.append(EditResult(e.path, False, note=f"refused: {why}", round=round_))
            unplaced += 1
            continue
        refusal = _refused(p, path)
        if refusal:
            result.edits.append(EditResult(path, False, note=refusal, round=round_))
            unplaced += 1
            continue
        if path not in files:
            text = p.repo.worktree_text(path)
            files[path] = (text, text or "")
        original, current = files[path]
        lang = detect(path, current[:200].encode())
        placed = place(
            current,
            e.find,
            e.replace,
            hints.get(path, 1),
            functools.partial(syntax_errors, lang),
            string_lines=functools.partial(string_lines, lang),
        )
        if isinstance(placed, NotPlaced):
            result.edits.append(EditResult(path, False, note=placed.reason, round=round_))
            unplaced += 1
            continue
        files[path] = (original, placed.new_text)
        result.edits.append(EditResult(path, True, placed.how, round=round_))
    if unplaced and round_ == 1:
        result.errors.append(f"{unplaced} edit(s) could not be placed")
    elif unplaced:
        result.notes.append(
            f"round {round_}: {unplaced} edit(s) of the correction could not be placed"
        )


def _write_patches(p: Prepared, files: dict[str, tuple[str | None, str]], result: Result) -> None:
    """One checked patch per file: the whole change against the user's content."""
    source = Source("worktree", EMPTY_TREE, None, "work tree")
    writer = patches.Writer(p.repo, source, p.patch_dir, "generate")
    try:
        for path, (original, new_text) in files.items():
            if original is not None and new_text == original:
                continue
            final = Placed(1, max(1, new_text.count("\n")), new_text, "combined")
            patch, why = writer.add(path, original, final, p.instruction)
            if patch:
                result.patches.append(patch)
                result.planned.append(Planned(patch, path, original, 1, 10**9, whole=new_text))
            if why and not patch:
                result.errors.append(f"{path}: {why}")
    finally:
        writer.close()

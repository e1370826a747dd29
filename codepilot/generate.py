"""Drafting code: the context for an instruction chosen with tree-sitter (the target definition or file,
the file's imports, the signatures of what the target calls, the existing tests and their style), one
model call through the shared call path, and the edits placed with the same machinery as review fixes
and written as patches."""

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
from codepilot.prompt.context import FENCE, numbered
from codepilot.prompt.templates import Templates
from codepilot.runtime import config as config_mod
from codepilot.runtime.config import Config
from codepilot.runtime.errors import UsageError
from codepilot.secrets.redact import Redactor
from codepilot.source.diff import Source
from codepilot.source.git import EMPTY_TREE, Repo, open_repo
from codepilot.syntax import Definition, detect, outline, string_lines, syntax_errors

SYSTEM_TEMPLATE, USER_TEMPLATE = "generate-system.md", "generate-user.md"
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


# files that make code run on their own — CI of every platform, git hooks, editor tasks, Python start-up
# files, build files, package manifests with scripts — and codepilot's own configuration: an answer may
# touch them only when the user allows it by name (--allow-path). Matched ignoring case: `.GitHub/` and
# `jenkinsfile` are the same files on the file systems of macOS and Windows (issue 28, item 7).
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


@dataclass
class EditResult:
    path: str
    placed: bool
    how: str | None = None
    note: str | None = None


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

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "summary": self.summary,
            "model": self.model,
            "edits": [e.__dict__ for e in self.edits],
            "patches": self.patches,
            "applied": self.applied,
            "errors": self.errors,
            "stats": {
                "requests": 1,
                "cached": int(self.cached),
                "prompt_tokens": self.usage_prompt,
                "completion_tokens": self.usage_completion,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            },
        }


def _tracked(repo: Repo) -> list[str]:
    """The work tree's files: tracked and untracked (not ignored) — the newest code is often not added yet."""
    out = repo.git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    return list(dict.fromkeys(p for p in out.decode("utf-8", "surrogateescape").split("\0") if p))


def _find_symbol(repo: Repo, symbol: str, paths: list[str]) -> list[Target]:
    """Files defining `symbol` (qualified, or its last part): the given paths, else `git grep` candidates."""
    last = symbol.split(".")[-1]
    if not paths:
        out = repo.try_git("grep", "--untracked", "-l", "-w", "-I", "-F", "-e", last) or b""
        paths = [p for p in out.decode("utf-8", "surrogateescape").splitlines() if detect(p).parsed][:200]
    hits = []
    for p in paths:
        text = repo.worktree_text(p)
        if text is None:
            continue
        for d in outline(detect(p), text.encode()).definitions:
            if d.symbol == symbol or d.symbol.endswith("." + symbol) or (d.symbol.split(".")[-1] == symbol):
                hits.append(Target(p, text, d))
    exact = [t for t in hits if t.definition and t.definition.symbol == symbol]
    return exact or hits


_PATHISH = re.compile(r"[\w./-]+\.[A-Za-z0-9]{1,8}\b|[\w.-]+(?:/[\w.-]+)+")


def _by_words(repo: Repo, instruction: str) -> list[Target]:
    """Without --path or --symbol (see issue 26): a file the instruction names is the target (its full
    path, or a file name that only one file of the work tree has); else the files that define a name the
    instruction uses; configuration and documentation files only when named. Nothing found: a usage
    error asking for --path or --symbol, never a guess by word count."""
    files = _tracked(repo)
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
    raise UsageError("no file or definition named in the instruction was found: give --path FILE or --symbol NAME")


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


def _section(t: Target, budget: int, repo: Repo, tracked: list[str], wants_tests: bool, related: Related | None) -> str:
    lang = detect(t.path, (t.text or "")[:200].encode())
    head = f"## {t.path} ({lang.name}{', does not exist yet' if t.text is None else ''})"
    if t.text is None:
        return head
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
                drafting = for_definition(related, t.path, d.symbol, d.kind, (d.start_line, d.end_line), wants_tests)
                if drafting.items:
                    parts += [
                        "From the rest of the repository (what it calls, its callers, its tests, the code around it):",
                        render(drafting.items, FENCE),
                    ]
        else:
            parts += [
                "Definitions in this file:",
                *[f"- line {x.start_line}-{x.end_line}: {x.symbol} ({x.kind})" for x in o.definitions[:200]],
            ]
    if wants_tests:
        parts += _tests_part(t, repo, tracked, budget, drafting)
    return "\n".join(parts)


def _tests_part(t: Target, repo: Repo, tracked: list[str], budget: int, drafting: Drafting | None) -> list[str]:
    """Where the tests go: the file whose tests already use the symbol, else the file named after the
    target; its text, the fixtures its tests can use and the test folder's layout."""
    test = drafting.test_file if drafting is not None and drafting.test_file else _test_file(t.path, tracked)
    if not test:
        return [f"(no test file for {t.path} yet: create one where this project keeps its tests)"]
    text = repo.worktree_text(test) or ""
    shown = text if tokens.count(text) <= budget // 2 else "\n".join(text.split("\n")[:120])
    parts = [
        f"## {test} (existing tests for {t.path}: add to this file, in its style)",
        f"{FENCE}",
        numbered(shown.split("\n"), 1, shown.count("\n") + 1, set()),
        FENCE,
    ]
    if drafting is not None and drafting.fixtures:
        parts += ["Fixtures these tests can use (pytest, from conftest.py):", render(drafting.fixtures, FENCE)]
    if drafting is not None and drafting.layout:
        parts.append("Test files in that folder: " + ", ".join(drafting.layout))
    return parts


def _repository(repo: Repo, cfg: Config, targets: list[Target]) -> Related | None:
    """The repository index of the work tree, for what the targets call, their callers and tests."""
    from codepilot.index import repo_index as index

    if not cfg.related_context or not any(t.definition is not None for t in targets):
        return None
    changed: dict[str, bytes | None] = {t.path: t.text.encode() for t in targets if t.text is not None}
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
    folder = patches.patch_dir(repo, cfg.patch_dir, trusted=opts.overrides.get("patch_dir") is not None)
    targets = allowed_targets(choose_targets(repo, opts, cwd), cfg, explicit=bool(opts.paths))
    templates = Templates(repo.root, cfg.prompts_trusted)
    wants_tests = bool(re.search(r"\btests?\b|pytest|spec", opts.instruction, re.I))
    tracked = [p for p in _tracked(repo) if not denied(cfg, p)] if wants_tests else []
    budget = max(cfg.max_request_tokens * 3, 8000)  # drafting needs more room than reviewing one hunk
    related = _repository(repo, cfg, targets)
    try:
        share = budget // max(len(targets), 1)
        context = "\n\n".join(_section(t, share, repo, tracked, wants_tests, related) for t in targets)
    finally:
        if related is not None:
            related.index.close()
    names = ", ".join(t.path + (f" ({t.definition.symbol})" if t.definition else "") for t in targets)
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
    )


def run(p: Prepared, spec: ModelSpec, use_cache: bool, record: bool = True) -> Result:
    cache = open_cache(use_cache)
    try:
        caller = Caller(spec, p.config, cache, p.templates.version(SYSTEM_TEMPLATE, USER_TEMPLATE))
        outcome = caller.call(p.messages, GenerateAnswer, GENERATE_SCHEMA)
    finally:
        cache.close()
    result = Result(
        "",
        [],
        [],
        [],
        spec.label,
        outcome.usage.prompt_tokens,
        outcome.usage.completion_tokens,
        outcome.cached,
        cost(p.config, spec, outcome.usage),
    )
    if p.config.history and record:
        from codepilot.output import history
        from codepilot.review import repo_key

        history.record_usage(
            history.RunRecord(
                repo_key(p.repo),
                f"generate: {p.instruction[:80]}",
                "generate",
                None,
                p.repo.head(),
                spec.label,
                1,
                int(outcome.cached),
                result.usage_prompt,
                result.usage_completion,
                result.cost_usd,
                int(outcome.error is not None),
                [],
            )
        )
    if outcome.error is not None or not isinstance(outcome.answer, GenerateAnswer):
        result.errors.append(outcome.error or "no answer")
        return result
    result.summary = outcome.answer.summary.strip()
    write(p, outcome.answer.edits, result)
    return result


def _refused(p: Prepared, path: str) -> str | None:
    """Why the answer may not edit `path` (None: it may). New files are fine; an existing file must be
    one the user aimed at; build, CI, hook and codepilot's own files need --allow-path; credential files
    never."""
    from codepilot.source import globs

    if globs.matches(path, p.allow, ignore_case=True):
        return None
    if denied(p.config, path):
        return "refused: a credential file (deny globs)"
    if globs.matches(path, GUARDED, ignore_case=True):
        return f"refused: {path} controls builds, hooks or codepilot itself; allow it with --allow-path {path}"
    exists = p.repo.inside(path) is not None and (p.repo.root / path).exists()
    if exists and path.lower() not in {t.path.lower() for t in p.targets}:
        return f"refused: {path} exists and was not aimed at; allow it with --allow-path {path} (or --path)"
    return None


def write(p: Prepared, edits: list[Edit], result: Result) -> None:
    """Each file's edits placed in order on its current text; one checked patch per file."""
    source = Source("worktree", EMPTY_TREE, None, "work tree")
    writer = patches.Writer(p.repo, source, p.patch_dir, "generate")
    hints = {t.path: t.definition.start_line for t in p.targets if t.definition}
    files: dict[str, tuple[str | None, str]] = {}
    try:
        for e in edits:
            path, why = confine(e.path)
            if path is None:
                result.edits.append(EditResult(e.path, False, note=f"refused: {why}"))
                continue
            refusal = _refused(p, path)
            if refusal:
                result.edits.append(EditResult(path, False, note=refusal))
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
                result.edits.append(EditResult(path, False, note=placed.reason))
                continue
            files[path] = (original, placed.new_text)
            result.edits.append(EditResult(path, True, placed.how))
        for path, (original, new_text) in files.items():
            final = Placed(1, max(1, new_text.count("\n")), new_text, "combined")
            patch, why = writer.add(path, original, final, p.instruction)
            if patch:
                result.patches.append(patch)
                result.planned.append(Planned(patch, path, original, 1, 10**9, whole=new_text))
            if why and not patch:
                result.errors.append(f"{path}: {why}")
    finally:
        writer.close()
    if any(not e.placed for e in result.edits):
        result.errors.append(f"{sum(not e.placed for e in result.edits)} edit(s) could not be placed")

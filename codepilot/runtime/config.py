"""Configuration: `[tool.codepilot]` in pyproject.toml or `.codepilot.toml`; command-line options
win."""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from codepilot.runtime.errors import UsageError

if TYPE_CHECKING:
    from codepilot.runtime import trust

FailOn = Literal["error", "warning", "info", "never"]

DEFAULT_GENERATED = [
    "*.lock",
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "go.sum",
    "*.min.js",
    "*.min.css",
    "*.map",
    "*_pb2.py",
    "*_pb2_grpc.py",
    "*.pb.go",
    "*.generated.*",
    "**/vendor/**",
    "**/node_modules/**",
    "**/third_party/**",
    "dist/**",
    "*.snap",
    "*.dist-info",
    "*.egg-info",
    "__pycache__",
    "*.pyc",
    "*.pyo",
]
# credential files, by name (matched ignoring case): never read, never sent
DEFAULT_DENY = [
    ".env",
    ".env*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.ppk",
    "*.jks",
    "*.keystore",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    "*.kdbx",
    ".netrc",
    "_netrc",
    ".pgpass",
    ".git-credentials",
    ".aws/credentials",
    ".docker/config.json",
    ".npmrc",
    ".pypirc",
    "*.tfstate",
    "*.tfstate.backup",
    "*.tfvars",
    "credentials.json",
    "secrets/**",
    ".secrets/**",
]


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")
    input: float = Field(ge=0, description="USD per million prompt tokens")
    output: float = Field(ge=0, description="USD per million completion tokens")


DEFAULT_PRICES = {
    "gpt-4.1": Price(input=2.0, output=8.0),
    "gpt-4.1-mini": Price(input=0.4, output=1.6),
    "gpt-4.1-nano": Price(input=0.1, output=0.4),
    "gpt-4o": Price(input=2.5, output=10.0),
    "gpt-4o-mini": Price(input=0.15, output=0.6),
    "o4-mini": Price(input=1.1, output=4.4),
}


class CheckConfig(BaseModel):
    """One check of `checks`: a tool that cannot hallucinate, run on the reviewed content."""

    model_config = ConfigDict(extra="forbid")
    name: str
    command: list[str] | str = Field(
        description="the command; the changed files' paths are appended"
    )
    format: Literal["sarif", "ruff-json", "mypy", "pattern"] = "pattern"
    pattern: str | None = Field(
        None, description="format pattern: a regex with named groups path, line, message"
    )
    files: list[str] = Field(
        default_factory=list, description="globs of the files it applies to (all: [])"
    )
    timeout: float = Field(120.0, gt=0)
    type_checker: bool = Field(
        False, description="also count new errors the change caused on other lines"
    )


class Config(BaseModel):
    """Every setting, with its default. Unknown keys are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")

    model: str | None = None
    base_url: str | None = None
    max_request_tokens: int = Field(10000, ge=500)
    max_file_bytes: int = Field(1_000_000, ge=1)
    max_line_length: int = Field(1000, ge=80, description="longer average lines mean minified")
    include: list[str] = []
    exclude: list[str] = []
    generated: list[str] = Field(default_factory=lambda: list(DEFAULT_GENERATED))
    deny: list[str] = Field(default_factory=lambda: list(DEFAULT_DENY))
    untracked: bool = True
    history: bool = True
    instructions: str = ""
    path_instructions: dict[str, str] = {}
    instruction_files: list[str] = Field(
        default_factory=lambda: [
            "AGENTS.md",
            "CLAUDE.md",
            ".github/copilot-instructions.md",
            ".github/instructions/*.instructions.md",
            ".cursorrules",
            ".cursor/rules/*.mdc",
        ],
        description="the instruction files teams keep for AI tools that reach the model "
        "([] for none)",
    )
    related_context: bool = Field(
        True,
        description="send the signatures a change calls, call sites and tests from the "
        "repository index",
    )
    fail_on: FailOn = "error"
    concurrency: int = Field(4, ge=1, le=64)
    patch_dir: str = ".codepilot/patches"
    timeout: float = Field(120.0, gt=0)
    hook_timeout: float = Field(
        120.0, gt=0, description="a hook's model calls end within this many seconds"
    )
    network_retries: int = Field(4, ge=0, le=10)
    answer_retries: int = Field(2, ge=0, le=5)
    verify: bool = Field(
        False, description="double-check each finding in a second, focused request"
    )
    votes: int = Field(
        1,
        ge=1,
        le=9,
        description="independent readings of each request; a majority keeps a finding",
    )
    max_cost: float | None = Field(
        None, ge=0, description="refuse a run whose estimated cost (USD) is higher"
    )
    confirm_over: float | None = Field(
        0.50,
        ge=0,
        description="in a terminal, ask before sending when the estimate (USD) is higher "
        "(None: never)",
    )
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    checks: list[CheckConfig] | None = Field(
        None,
        description="the checks to run (None: detect ruff, mypy from the repository's "
        "configuration)",
    )
    # the repository's own prompt templates and code-running checks apply only when the user trusted
    # them
    _prompts_trusted: bool = PrivateAttr(default=False)
    _checks_trusted: bool = PrivateAttr(default=False)

    @property
    def prompts_trusted(self) -> bool:
        return self._prompts_trusted

    @property
    def checks_trusted(self) -> bool:
        """Checks that run the repository's code may run: the user trusted it, or named them."""
        return self._checks_trusted


def _read_toml(path: Path, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"cannot read {name}: {e}") from None


def user_path() -> Path:
    """The user's own configuration: every key allowed, a repository's configuration applies over
    it."""
    import platformdirs

    return Path(platformdirs.user_config_dir("codepilot")) / "config.toml"


def _repository(root: Path) -> tuple[dict[str, Any], str]:
    """The repository's settings and where they came from; a file that leads out of the repository
    through a symlink is not read (see `git.confined`)."""
    from codepilot.runtime.paths import confined

    for name in (".codepilot.toml", "pyproject.toml"):  # the first that exists wins
        if not (root / name).is_file():
            continue
        path = confined(root, name)
        if path is None:
            _say(f"{name} leads outside the repository (a symlink): not read")
            continue
        source: str = name
        if name == ".codepilot.toml":
            data: Any = _read_toml(path, name)
        else:
            tool = _read_toml(path, name).get("tool", {})
            source = "pyproject.toml [tool.codepilot]"
            if not isinstance(tool, dict):
                raise UsageError(f"pyproject.toml: tool must be a table, not {type(tool).__name__}")
            data = tool.get("codepilot", {})
        if not isinstance(data, dict):
            raise UsageError(f"{source}: must be a table of settings, not {type(data).__name__}")
        return {k.replace("-", "_"): v for k, v in data.items()}, source
    return {}, "defaults"


def _say(line: str) -> None:
    print(f"codepilot: {line}", file=sys.stderr)


def load(root: Path, overrides: dict[str, Any] | None = None) -> Config:
    """The defaults, then the user's own configuration, then the repository's (what it may decide:
    see `trust`), then command-line overrides (None means 'not given')."""
    from codepilot.runtime import trust

    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    user_file = user_path()
    user, repo, source, base, ask = _layers(root)
    accepted = bool(ask) and trust.trusted(root, ask)
    if ask and not accepted:
        for key in ask.settings:
            value = repo.pop(key)
            if key in trust.REPO_MAY_ADD:  # what it adds still holds; what it drops does not
                repo[key] = list(dict.fromkeys([*base[key], *value]))
        left = [
            f"{k} (its additions kept)" if k in trust.REPO_MAY_ADD else k
            for k in ask.settings
            if k not in given
        ]
        left += [f"{trust.PROMPTS.as_posix()}/{n}" for n in ask.templates]
        if left:
            _say(
                f"{source if ask.settings else trust.PROMPTS.as_posix()} asks for "
                f"{', '.join(left)}: ignored (a "
                "repository may not choose the model, the server, prompts, commands, prices "
                "or looser limits); "
                f"if you accept it: codepilot trust (or set them in {user_file} or on the "
                "command line)"
            )
    cfg = _validate(
        {**user, **repo, **given, "prices": {**user.get("prices", {}), **repo.get("prices", {})}},
        source,
    )
    cfg._prompts_trusted = accepted and bool(ask.templates)
    # the user's own, not the repository's
    cfg._checks_trusted = accepted or "checks" in user or "checks" in given
    return cfg


def _layers(root: Path) -> tuple[dict[str, Any], dict[str, Any], str, dict[str, Any], trust.Ask]:
    """The user's settings, the repository's (and where from), what holds without the repository's,
    and what the repository asks beyond that."""
    from codepilot.runtime import trust

    user_file = user_path()
    user = _read_toml(user_file, str(user_file)) if user_file.is_file() else {}
    user = {k.replace("-", "_"): v for k, v in user.items()}
    _validate(user, str(user_file))
    repo, source = _repository(root)
    _validate(repo, source)
    base = {**Config.model_validate({}).model_dump(), **user}
    return user, repo, source, base, trust.ask_of(root, repo, base)


def repository_ask(root: Path) -> tuple[trust.Ask, str]:
    """What this repository's configuration and files ask that needs the user's trust, and from
    where."""
    _user, _repo, source, _base, ask = _layers(root)
    return ask, source


def _validate(data: dict[str, Any], source: str) -> Config:
    data = dict(data)
    where = ""
    try:
        prices = dict(DEFAULT_PRICES)
        given = data.pop("prices", {})
        if not isinstance(given, dict):
            raise UsageError(
                f'{source}: prices must be a table such as [prices."my-model"] with input and '
                "output (USD per million tokens)"
            )
        for name, value in given.items():
            where = f"prices.{_key(name)}."
            prices[name] = Price.model_validate(value)
        where = ""
        return Config.model_validate({**data, "prices": prices})
    except ValidationError as e:
        err = e.errors()[0]
        path = where + ".".join(_key(str(p)) for p in err["loc"])
        hint = ""
        # a key written after [prices."x"] belongs to that table
        if where and err["type"] == "extra_forbidden":
            hint = (
                f" (keys after a [{where[:-1]}] header belong to that table: move top-level "
                "settings above it)"
            )
        elif err["type"] == "extra_forbidden" and err["loc"]:
            import difflib

            near = difflib.get_close_matches(
                str(err["loc"][0]), list(Config.model_fields), n=1, cutoff=0.6
            )
            hint = f" (did you mean {near[0]}?)" if near else ""
        raise UsageError(f"{source}: {path}: {err['msg']}{hint}") from None


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else f'"{name}"'

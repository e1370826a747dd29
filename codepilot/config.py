"""Configuration: `[tool.codepilot]` in pyproject.toml or `.codepilot.toml`; command-line options win."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from codepilot.errors import UsageError

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
        description="the instruction files teams keep for AI tools that reach the model ([] for none)",
    )
    related_context: bool = Field(
        True, description="send the signatures a change calls, call sites and tests from the repository index"
    )
    fail_on: FailOn = "error"
    concurrency: int = Field(4, ge=1, le=64)
    patch_dir: str = ".codepilot/patches"
    timeout: float = Field(120.0, gt=0)
    hook_timeout: float = Field(120.0, gt=0, description="a hook's model calls end within this many seconds")
    network_retries: int = Field(4, ge=0, le=10)
    answer_retries: int = Field(2, ge=0, le=5)
    verify: bool = Field(False, description="double-check each finding in a second, focused request")
    votes: int = Field(1, ge=1, le=9, description="independent readings of each request; a majority keeps a finding")
    max_cost: float | None = Field(None, ge=0, description="refuse a run whose estimated cost (USD) is higher")
    prices: dict[str, Price] = Field(default_factory=lambda: dict(DEFAULT_PRICES))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise UsageError(f"cannot read {path.name}: {e}") from None


def load(root: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read the repository's configuration and apply command-line overrides (None means 'not given')."""
    data: dict[str, Any] = {}
    source = "defaults"
    if (root / ".codepilot.toml").is_file():
        data, source = _read_toml(root / ".codepilot.toml"), ".codepilot.toml"
    elif (root / "pyproject.toml").is_file():
        tool = _read_toml(root / "pyproject.toml").get("tool", {})
        source = "pyproject.toml [tool.codepilot]"
        if not isinstance(tool, dict):
            raise UsageError(f"pyproject.toml: tool must be a table, not {type(tool).__name__}")
        data = tool.get("codepilot", {})
    if not isinstance(data, dict):
        raise UsageError(f"{source}: must be a table of settings, not {type(data).__name__}")
    data = {k.replace("-", "_"): v for k, v in data.items()}
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
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
        if where and err["type"] == "extra_forbidden":  # a key written after [prices."x"] belongs to that table
            hint = f" (keys after a [{where[:-1]}] header belong to that table: move top-level settings above it)"
        raise UsageError(f"{source}: {path}: {err['msg']}{hint}") from None


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else f'"{name}"'

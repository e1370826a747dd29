"""What a repository may decide, and the one way the user lets it decide more (issue 28).

A freelancer runs codepilot inside repositories they do not control, with their own API key in the
environment. So a repository's own configuration (`.codepilot.toml`, `[tool.codepilot]`) and files
(`.codepilot/prompts/`) may shape the review — instructions, globs, what is left out, stricter
limits — but never choose where code or credentials go (`model`, `base_url`), what runs (prompt
templates, check commands), how a cost is counted (`prices`), nor lift a limit that turns into
resource use or spending. Those asks are ignored, with one line naming them, until the user accepts
them: in their own configuration, on the command line, or with `codepilot trust`, which records this
repository together with a digest of exactly what it asks, so a pulled change to any of it asks
again.

The record lives in the user's configuration folder (`trusted.json`), readable by the user only."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# keys a repository never sets on its own: where code and credentials go, what runs, how a cost is
# counted
REPO_MAY_NOT = ("model", "base_url", "prices", "checks")
# limits a repository may make stricter, never looser: each is CPU, memory, time, requests or money
REPO_MAY_LOWER = (
    "max_file_bytes",
    "max_line_length",
    "max_request_tokens",
    "concurrency",
    "timeout",
    "hook_timeout",
    "network_retries",
    "answer_retries",
    "votes",
    "verify",
    "max_cost",
    "confirm_over",
)
# lists a repository may add to, never take from (credential files stay denied)
REPO_MAY_ADD = ("deny",)
PROMPTS = Path(".codepilot") / "prompts"


@dataclass
class Ask:
    """What a repository asks that needs the user's trust; `digest` identifies exactly that
    content."""

    settings: dict[str, Any] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)  # name -> sha256 of the text
    checks: list[str] = field(default_factory=list)  # commands it would run (issue 24)

    def __bool__(self) -> bool:
        return bool(self.settings or self.templates or self.checks)

    @property
    def digest(self) -> str:
        data = {"settings": self.settings, "templates": self.templates, "checks": self.checks}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()

    def names(self) -> list[str]:
        return [
            *self.settings,
            *(f"{PROMPTS.as_posix()}/{n}" for n in self.templates),
            *self.checks,
        ]

    def lines(self) -> list[str]:
        """What is asked, one line each, for a person to read before trusting it."""
        out = [f"{k} = {json.dumps(v, default=str)}" for k, v in self.settings.items()]
        out += [
            f"prompt template {PROMPTS.as_posix()}/{n} (sha256 {d[:12]})"
            for n, d in self.templates.items()
        ]
        out += [f"check command: {c}" for c in self.checks]
        return out


def looser(key: str, asked: Any, allowed: Any) -> bool:
    """Whether the repository's value for a limit is looser than what holds without it."""
    if key == "max_cost" or key == "confirm_over":  # None: no limit at all
        return (
            asked is None
            and allowed is not None
            or (asked is not None and allowed is not None and float(asked) > float(allowed))
        )
    if key == "verify":
        return bool(asked) and not bool(allowed)
    try:
        return bool(asked > allowed)
    except TypeError:
        return True  # not comparable (a wrong type): the validation that follows says what is wrong


def repo_templates(root: Path) -> dict[str, Path]:
    """The repository's prompt templates: regular files inside the repository, never a symlink
    out."""
    from codepilot.runtime.paths import confined

    folder = confined(root, PROMPTS.as_posix())
    if folder is None or not folder.is_dir():
        return {}
    out = {}
    for entry in sorted(folder.iterdir()):
        full = confined(root, f"{PROMPTS.as_posix()}/{entry.name}")
        if full is not None and full.is_file() and not entry.is_symlink():
            out[entry.name] = full
    return out


def ask_of(root: Path, repo_settings: dict[str, Any], base: dict[str, Any]) -> Ask:
    """What `repo_settings` (a repository's configuration) and its templates ask beyond `base` (the
    defaults with the user's own configuration)."""
    ask = Ask()
    for key, value in repo_settings.items():
        drops = (
            key in REPO_MAY_ADD
            and isinstance(value, list)
            and not set(base.get(key) or []) <= set(value)
        )
        if (
            key in REPO_MAY_NOT
            or (key in REPO_MAY_LOWER and looser(key, value, base.get(key)))
            or drops
        ):
            ask.settings[key] = value
    for name, path in repo_templates(root).items():
        try:
            ask.templates[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            continue
    checks = repo_settings.get("checks")
    if isinstance(checks, list):
        ask.checks = [str(c.get("command")) if isinstance(c, dict) else str(c) for c in checks]
    # mypy runs the plugins its configuration names; flake8 imports its local plugins
    for name, digest in _configs_with(
        root, ("pyproject.toml", "mypy.ini", ".mypy.ini"), ("plugins",), ("[mypy", "[tool.mypy")
    ):
        ask.checks.append(f"mypy with the plugins of {name} (sha256 {digest})")
    for name, digest in _configs_with(
        root, (".flake8", "setup.cfg", "tox.ini"), ("local-plugins",)
    ):
        ask.checks.append(f"flake8 with the local plugins of {name} (sha256 {digest})")
    tests = test_setup(root)
    if tests:
        ask.checks.append(tests)
    return ask


def _configs_with(
    root: Path, names: tuple[str, ...], needs: tuple[str, ...], within: tuple[str, ...] = ()
) -> Iterator[tuple[str, str]]:
    """Each of these configuration files that holds every one of `needs` and one of `within` (if
    any are named), with the first 12 hex digits of its content's sha256."""
    for name in names:
        try:
            text = (root / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if all(n in text for n in needs) and (not within or any(w in text for w in within)):
            yield name, hashlib.sha256(text.encode()).hexdigest()[:12]


# where a Python project says how its tests run (pytest reads them, and runs conftest.py)
TEST_SETUP = (
    "conftest.py",
    "tests/conftest.py",
    "pytest.ini",
    "pyproject.toml",
    "setup.cfg",
    "tox.ini",
)


def test_setup(root: Path) -> str | None:
    """The repository's pytest set-up as `generate` would run it to check a draft (issue 24), with a
    digest of the files that steer it; None when the repository shows no pytest set-up."""
    digest, found = hashlib.sha256(), []
    for name in TEST_SETUP:
        try:
            data = (root / name).read_bytes()
        except OSError:
            continue
        if (
            name.endswith((".py", ".ini"))
            or b"[tool.pytest" in data
            or b"[tool:pytest]" in data
            or b"[pytest]" in data
        ):
            found.append(name)
            digest.update(name.encode() + b"\0" + data)
    if not found:
        return None
    return f"tests: pytest, as {', '.join(found)} set it up (sha256 {digest.hexdigest()[:12]})"


def store_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("codepilot")) / "trusted.json"


def _key(root: Path) -> str:
    return str(root.resolve())


def _read() -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(store_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(data: dict[str, dict[str, Any]]) -> None:
    from codepilot.runtime.paths import private_file, private_folder

    path = store_path()
    private_folder(path.parent)
    tmp = private_file(path.with_name(path.name + f".{os.getpid()}.tmp"))
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def trusted(root: Path, ask: Ask) -> bool:
    """Whether the user trusted this repository asking exactly this."""
    entry = _read().get(_key(root))
    return bool(ask) and isinstance(entry, dict) and entry.get("digest") == ask.digest


def grant(root: Path, ask: Ask) -> None:
    data = _read()
    data[_key(root)] = {
        "digest": ask.digest,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "asks": ask.lines(),
    }
    _write(data)


def revoke(root: Path) -> bool:
    data = _read()
    if data.pop(_key(root), None) is None:
        return False
    _write(data)
    return True


def listed() -> dict[str, dict[str, Any]]:
    return _read()

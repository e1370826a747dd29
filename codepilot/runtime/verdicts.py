"""The pre-commit hook's memory of its last verdicts (issue 26, item 8): a commit that is retried
with the very same staged content — another hook failed, the message editor was closed — gets the
same verdict again without loading the pipeline or sending anything.

The key is everything that decides the review: the staged tree and the commit it goes on, the paths
and options given, the environment variables codepilot reads, the configuration files (the
repository's, the user's, the trust store), the dismissals and prompt templates under `.codepilot/`,
codepilot's version, and the checks' executables as installed (path, size, time). Anything else
changed means a new key, so a remembered verdict is one about exactly this content under exactly
these settings; a run that was incomplete is never remembered. Kept light: no import beyond the
standard library on the way to a hit."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from codepilot import __version__
from codepilot.runtime.paths import executable, private_file, private_folder

KEPT = 50  # verdicts remembered (the newest)
ENV = ("CODEPILOT_MODEL", "OPENAI_BASE_URL", "OPENAI_API_KEY", "PATH", "VIRTUAL_ENV")
TOOLS = ("ruff", "mypy", "flake8", "shellcheck")


def _file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b"-"


def key(
    root: Path, tree: str, head: str, paths: tuple[str, ...], options: dict[str, object]
) -> str:
    """The digest of everything that decides the hook's review of this staged content."""
    import platformdirs

    h = hashlib.sha256()

    def add(label: str, data: bytes | str) -> None:
        raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data
        h.update(f"{label}\0{len(raw)}\0".encode() + raw)

    add("version", __version__)
    add("tree", tree)
    add("head", head)
    add("paths", json.dumps(list(paths)))
    add("options", json.dumps(options, sort_keys=True, default=str))
    for name in ENV:
        add(name, os.environ.get(name, "\0unset"))
    config = Path(platformdirs.user_config_dir("codepilot"))
    for path in (
        root / ".codepilot.toml",
        root / "pyproject.toml",
        config / "config.toml",
        config / "trusted.json",
    ):
        add(str(path), _file(path))
    own = root / ".codepilot"
    if own.is_dir():  # dismissals, prompt templates
        for path in sorted(p for p in own.rglob("*") if p.is_file() and "patches" not in p.parts):
            add(str(path), _file(path))
    for tool in TOOLS:
        found = executable(root, tool)
        if found:
            st = os.stat(found)
            add(tool, f"{found}:{st.st_size}:{st.st_mtime_ns}")
    return h.hexdigest()


def _store() -> Path:
    from codepilot.runtime.paths import cache_dir

    return cache_dir() / "hook-verdicts.json"


def _read(path: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def recall(digest: str) -> dict[str, object] | None:
    """The verdict remembered under `digest`: {"out", "code", "when"}, or None."""
    entry = _read(_store()).get(digest)
    if (
        not isinstance(entry, dict)
        or not isinstance(entry.get("out"), str)
        or entry.get("code") not in (0, 1)
    ):
        return None
    return entry


def remember(digest: str, out: str, code: int, blocked: str = "") -> None:
    """Keep this verdict (the newest KEPT); a store that cannot be written is left as it is."""
    path = _store()
    data = _read(path)
    data[digest] = {
        "out": out,
        "code": code,
        "blocked": blocked,
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    newest = dict(sorted(data.items(), key=lambda kv: str(kv[1].get("when", "")))[-KEPT:])
    try:
        private_folder(path.parent)
        tmp = private_file(path.with_name(f"{path.name}.{os.getpid()}.tmp"))
        tmp.write_text(json.dumps(newest), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        return

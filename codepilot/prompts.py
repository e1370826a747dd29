"""Prompt templates: files in `prompts/` (shipped inside the package), overridable per repository in
`.codepilot/prompts/`. `$name` placeholders; the version is a hash of the templates' text, so a cached
answer never outlives the prompt that produced it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from string import Template

from codepilot.errors import UsageError

_PACKAGED = Path(__file__).parent / "prompts"  # in a wheel
_SOURCE = Path(__file__).parent.parent / "prompts"  # in a checkout / editable install


def _builtin_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE


class Templates:
    """The templates a run uses: the repository's overrides, else the built-in ones."""

    def __init__(self, root: Path | None = None) -> None:
        self.override = root / ".codepilot" / "prompts" if root else None
        self._cache: dict[str, str] = {}

    def text(self, name: str) -> str:
        if name not in self._cache:
            for folder in (self.override, _builtin_dir()):
                if folder is not None and (folder / name).is_file():
                    self._cache[name] = (folder / name).read_text(encoding="utf-8")
                    break
            else:
                raise UsageError(f"prompt template {name} not found")
        return self._cache[name]

    def render(self, name: str, **values: str) -> str:
        try:
            return Template(self.text(name)).substitute(values)
        except (KeyError, ValueError) as e:
            raise UsageError(f"prompt template {name}: bad placeholder {e}") from None

    def version(self, *names: str) -> str:
        digest = hashlib.sha256("\0".join(self.text(n) for n in names).encode()).hexdigest()
        return digest[:12]

"""Prompt templates: files in `prompts/` (shipped inside the package), overridable per repository in
`.codepilot/prompts/`. `$name` placeholders; the version is a hash of the templates' text, so a
cached answer never outlives the prompt that produced it."""

from __future__ import annotations

import hashlib
from pathlib import Path
from string import Template

from codepilot.runtime.errors import UsageError

_PACKAGED = Path(__file__).parent.parent / "prompts"  # in a wheel (codepilot/prompts)
_SOURCE = Path(__file__).parent.parent.parent / "prompts"  # in a checkout / editable install


def _builtin_dir() -> Path:
    return _PACKAGED if _PACKAGED.is_dir() else _SOURCE


class Templates:
    """The templates a run uses: the repository's overrides where the user trusted them (a template
    is what the model is told: a repository may not choose it on its own, see `trust`), else the
    built-in ones. An override is read only as a regular file inside the repository, and redacted
    like everything else that leaves the machine."""

    def __init__(self, root: Path | None = None, trusted: bool = False) -> None:
        from codepilot.runtime.trust import repo_templates

        self.overrides = repo_templates(root) if root is not None and trusted else {}
        self._cache: dict[str, str] = {}

    def text(self, name: str) -> str:
        if name not in self._cache:
            if name in self.overrides:
                from codepilot.secrets.redact import Redactor

                raw = self.overrides[name].read_text(encoding="utf-8", errors="replace")
                self._cache[name] = Redactor().text(raw, name)
            elif (_builtin_dir() / name).is_file():
                self._cache[name] = (_builtin_dir() / name).read_text(encoding="utf-8")
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

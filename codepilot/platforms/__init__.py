"""Publishing a review where people read it, one module per platform behind one interface
(`Platform`, found by name in `REGISTRY`): the CLI makes the same calls whatever the platform. All
HTTP goes through one client (`http`); incremental reviews are `incremental`."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from codepilot.output.results import ReviewResult
    from codepilot.platforms.github import Published
    from codepilot.source.git import Repo

# --publish NAME -> the module whose `Platform` class serves it (imported only when used)
REGISTRY = {
    "github": "codepilot.platforms.github",
    "gitlab": "codepilot.platforms.gitlab",
    "bitbucket": "codepilot.platforms.bitbucket",
    "azure": "codepilot.platforms.azure",
}


class Platform(Protocol):
    """A pull/merge request on a platform, from the pipeline's environment (made by `open`)."""

    name: str

    def review_range(
        self, repo: Repo, base: str | None, head: str | None
    ) -> tuple[str, str | None]:
        """The request's base and head as this clone has them (the head: None for HEAD)."""

    def previous_state(self) -> tuple[str | None, list[dict[str, Any]]]:
        """The head codepilot's own summary says it reviewed last, and the findings it counted
        open."""

    def publish(self, result: ReviewResult) -> Published:
        """Inline comments, one summary updated in place; drops what the team dismissed from
        `result`."""

    def set_description(self, text: str) -> str:
        """The request's description with codepilot's block set to `text`; where it can be seen."""


class _Module:
    """A platform module as a `Platform`: each module offers the same functions over its `Context`
    (`review_range(ctx, ...)`, `previous_state(ctx)`, `publish(result, ctx)`, `set_description(text,
    ctx)`), so one adapter serves them all."""

    def __init__(self, name: str, module: Any) -> None:
        self.name, self.module = name, module
        self.ctx = module.Context.from_env()

    def review_range(
        self, repo: Repo, base: str | None, head: str | None
    ) -> tuple[str, str | None]:
        return self.module.review_range(self.ctx, repo, base, head)  # type: ignore[no-any-return]

    def previous_state(self) -> tuple[str | None, list[dict[str, Any]]]:
        return self.module.previous_state(self.ctx)  # type: ignore[no-any-return]

    def publish(self, result: ReviewResult) -> Published:
        return self.module.publish(result, self.ctx)  # type: ignore[no-any-return]

    def set_description(self, text: str) -> str:
        return self.module.set_description(text, self.ctx)  # type: ignore[no-any-return]


def open_platform(name: str) -> Platform:
    """The platform `name` from its environment: a missing variable or token is one line (exit 2),
    said before anything is paid for."""
    return _Module(name, import_module(REGISTRY[name]))

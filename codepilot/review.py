"""The review pipeline as one straight line: git -> diff -> syntax -> context -> prompt -> model ->
findings -> patches -> report. Each stage lives in its own module; this one only wires them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from codepilot import config as config_mod
from codepilot import context, diff
from codepilot.changes import ChangeSet, collect
from codepilot.config import Config
from codepilot.git import Repo, open_repo
from codepilot.prompts import Templates
from codepilot.redact import Redactions, Redactor

SYSTEM_TEMPLATE, USER_TEMPLATE = "review-system.md", "review-user.md"


@dataclass
class Options:
    """What the user asked for; None means 'not given' (the config or the default decides)."""

    paths: tuple[str, ...] = ()
    staged: bool = False
    base: str | None = None
    head: str | None = None
    commit: str | None = None
    overrides: dict[str, object] = field(default_factory=dict)
    cwd: Path | None = None


@dataclass
class Prepared:
    repo: Repo
    config: Config
    changeset: ChangeSet
    templates: Templates
    requests: list[context.Request]
    redactions: Redactions


def system_prompt(cfg: Config, templates: Templates) -> str:
    style = "" if "style" in cfg.instructions.lower() else " (unless the project's instructions ask for it)"
    return templates.render(SYSTEM_TEMPLATE, style_clause=style)


def instructions_for(cfg: Config, changeset: ChangeSet) -> str:
    from codepilot import globs

    parts = [cfg.instructions.strip()] if cfg.instructions.strip() else []
    for pattern, text in cfg.path_instructions.items():
        hit = [f.path for f in changeset.files if globs.matches(f.path, [pattern])]
        if hit:
            parts.append(f"For files matching {pattern}: {text.strip()}")
    return ("\nProject instructions:\n" + "\n".join(f"- {p}" for p in parts) + "\n") if parts else ""


def prepare(opts: Options) -> Prepared:
    """Everything up to the model: the change, its files and symbols, and the requests to send."""
    cwd = (opts.cwd or Path.cwd()).resolve()
    repo = open_repo(cwd)
    cfg = config_mod.load(repo.root, opts.overrides)
    source = diff.resolve_source(repo, staged=opts.staged, base=opts.base, head=opts.head, commit=opts.commit)
    files = diff.changed_files(repo, source, diff.to_pathspecs(repo, opts.paths, cwd), cfg.untracked)
    changeset = collect(repo, source, files, cfg)
    templates = Templates(repo.root)
    values = {"source": source.label, "instructions": instructions_for(cfg, changeset)}
    redactor = Redactor()
    requests = context.plan(changeset, templates, cfg.max_request_tokens, system_prompt(cfg, templates), values,
                            redactor)
    return Prepared(repo, cfg, changeset, templates, requests, redactor.found)

"""What a review planned, as plain data: everything up to the model (what `--dry-run` prints)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from codepilot.prompt.context import Request
from codepilot.prompt.templates import Templates
from codepilot.runtime.config import Config
from codepilot.source.changes import ChangeSet
from codepilot.source.dismissals import Dismissal
from codepilot.source.git import Repo


@dataclass
class Prepared:
    """Everything up to the model: the change, its files and symbols, and the requests to send."""

    repo: Repo
    config: Config
    changeset: ChangeSet
    templates: Templates
    requests: list[Request]
    redactions: Counter[str]  # what redaction replaced, by kind (distinct secrets)
    patch_dir: Path  # where this run's patches go (checked: never inside .git)
    dismissed: list[Dismissal] = field(default_factory=list)  # the team's dismissals (.codepilot/)

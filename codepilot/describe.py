"""`codepilot describe`: the title and description of a change, or a git commit message, through the
same path as a review (the change read and redacted the same way, the cache, usage, cost). The model
is asked for `{"title", "body"}`."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from codepilot import review
from codepilot.model.answers import answer_schema
from codepilot.model.calls import Caller, cost
from codepilot.prompt.prepared import Prepared
from codepilot.runtime.errors import ServiceError, UsageError

SYSTEM, USER = "describe-system.md", "describe-user.md"
SUBJECT_LIMIT, WRAP = 72, 72
MARK_START, MARK_END = "<!-- codepilot:describe:start -->", "<!-- codepilot:describe:end -->"


class DescribeAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")
    title: str = Field(min_length=1, description="one imperative line, at most 72 characters")
    body: str = Field("", description="what and why, risks, how to test (Markdown)")


DESCRIBE_SCHEMA = answer_schema(DescribeAnswer, "describe")


@dataclass
class Description:
    title: str
    body: str
    source: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    cached: bool

    def commit_message(self) -> str:
        """A git commit message: a subject of at most 72 characters, a blank line, a wrapped
        body."""
        subject = " ".join(self.title.split()).rstrip(".")
        if len(subject) > SUBJECT_LIMIT:
            subject = subject[: SUBJECT_LIMIT - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
        paragraphs = [p.strip() for p in self.body.replace("\r", "").split("\n\n") if p.strip()]
        body = "\n\n".join(_wrap(p) for p in paragraphs)
        return subject + ("\n\n" + body if body else "") + "\n"

    def markdown(self) -> str:
        return f"## {self.title}\n\n{self.body.strip()}\n"

    def to_json(self) -> dict[str, object]:
        return {
            "version": 1,
            "title": self.title,
            "body": self.body,
            "source": self.source,
            "model": self.model,
            "commit_message": self.commit_message(),
            "stats": {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
                "cached": self.cached,
            },
        }


def _wrap(paragraph: str) -> str:
    lines = paragraph.split("\n")
    if all(
        ln.lstrip().startswith(("-", "*", "1", "2", "3", "4", "5", "6", "7", "8", "9"))
        for ln in lines
        if ln
    ):
        return "\n".join(textwrap.fill(ln, WRAP, subsequent_indent="  ") for ln in lines)
    return textwrap.fill(" ".join(paragraph.split()), WRAP)


def messages(prepared: Prepared, budget_tokens: int) -> list[dict[str, str]]:
    """One request: the review's (already redacted) view of the change, as much as the budget holds;
    the files' names and symbols for the rest."""
    parts, used, rest = [], 0, []
    for r in prepared.requests:
        body = r.messages[-1]["content"].split("\n", 2)[-1]
        if used + r.prompt_tokens <= budget_tokens:
            parts.append(body)
            used += r.prompt_tokens
        else:
            rest += r.paths
    if rest:
        parts.append("Also changed (not shown): " + ", ".join(sorted(set(rest))))
    if not prepared.requests:
        names = [f"{f.path} ({f.status})" for f in prepared.changeset.files] + [
            f"{s.path} (skipped: {s.reason})" for s in prepared.changeset.skipped
        ]
        parts.append("Changed files: " + (", ".join(names) or "none"))
    values = {
        "source": prepared.changeset.source.label,
        "instructions": "",
        "files": "\n\n".join(parts),
    }
    return [
        {"role": "system", "content": prepared.templates.render(SYSTEM)},
        {"role": "user", "content": prepared.templates.render(USER, **values)},
    ]


class NothingToDescribe(UsageError):
    """The change is empty (an empty repository, nothing staged, `git commit --allow-empty`)."""

    exit_code = 0


def describe(opts: review.Options, use_cache: bool = True) -> Description:
    from codepilot.model import models
    from codepilot.model.cache import open_cache
    from codepilot.output import history

    prepared = review.prepare(opts)
    # nothing sent, nothing invented
    if not prepared.changeset.files and not prepared.changeset.skipped:
        raise NothingToDescribe(
            f"nothing to describe: no changes ({prepared.changeset.source.label})"
        )
    spec = models.resolve(prepared.config.model, prepared.config.base_url)
    msgs = messages(prepared, prepared.config.max_request_tokens * 4)
    cache = open_cache(use_cache)
    try:
        outcome = Caller(
            spec, prepared.config, cache, prepared.templates.version(SYSTEM, USER)
        ).call(msgs, DescribeAnswer, DESCRIBE_SCHEMA)
    finally:
        cache.close()
    usd = cost(prepared.config, spec, outcome.usage)
    if prepared.config.history and opts.history:
        history.record_usage(
            history.RunRecord(
                history.repo_key(prepared.repo),
                f"describe: {prepared.changeset.source.label}",
                "describe",
                prepared.changeset.source.old,
                prepared.changeset.source.new,
                spec.label,
                1,
                int(outcome.cached),
                outcome.usage.prompt_tokens,
                outcome.usage.completion_tokens,
                usd,
                int(outcome.error is not None),
                [],
            )
        )
    if not isinstance(outcome.answer, DescribeAnswer):
        raise ServiceError(f"no description: {outcome.error or 'no answer'}")
    a = outcome.answer
    return Description(
        " ".join(a.title.split()),
        a.body.strip(),
        prepared.changeset.source.label,
        spec.label,
        outcome.usage.prompt_tokens,
        outcome.usage.completion_tokens,
        usd,
        outcome.cached,
    )


def merged_description(existing: str | None, ours: str) -> str:
    """The pull/merge request description with our block replaced (or added); the author's text
    outside the markers is kept as it was."""
    from codepilot.output.common import neutral

    # the model's text: no mentions, no remote images, no marker of ours that would move the block
    ours = neutral(ours.replace(MARK_START, "").replace(MARK_END, ""))
    block = f"{MARK_START}\n{ours.strip()}\n{MARK_END}"
    text = existing or ""
    if MARK_START in text and MARK_END in text:
        head, _, rest = text.partition(MARK_START)
        _, _, tail = rest.partition(MARK_END)
        return f"{head}{block}{tail}"
    return f"{text.rstrip()}\n\n{block}\n" if text.strip() else block + "\n"


def fill_message(path: str, source: str, message: str) -> bool:
    """prepare-commit-msg: put `message` into an empty commit message file (comments kept below it);
    never replace what the user gave (-m, -F, a merge, an amend, a template with text). True if
    written."""
    if source in ("message", "merge", "squash", "commit"):
        return False
    from pathlib import Path

    target = Path(path)
    text = target.read_text(encoding="utf-8", errors="replace") if target.exists() else ""
    if any(ln.strip() and not ln.startswith("#") for ln in text.splitlines()):
        return False
    target.write_text(message.rstrip("\n") + "\n" + ("\n" + text if text else ""), encoding="utf-8")
    return True

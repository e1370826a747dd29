"""Incremental reviews of a pull/merge request: the published summary records the head it reviewed; the
next run sends the model only what changed since that head (findings are still placed against the
whole request's diff, earlier comments stay), and says which commits it covered. A force-push that
dropped the recorded head, or `--full`, means a full review, said so."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codepilot.git import Repo

HEAD_MARK = re.compile(r"<!-- codepilot:head=([0-9a-f]{40}) -->\s*\Z")  # the summary's last line


def head_marker(sha: str | None) -> str:
    return f"<!-- codepilot:head={sha} -->" if sha else ""


def recorded_head(bodies: list[str]) -> str | None:
    """The head the last published summary says it reviewed."""
    for body in bodies:
        m = HEAD_MARK.search(body or "")
        if m:
            return m.group(1)
    return None


@dataclass
class Scope:
    base: str  # what the model is asked about starts here
    head: str | None  # the request's head (None: HEAD)
    whole_base: str | None  # the request's own base, when the review is incremental (for placing)
    covered: str  # one line for the summary: what this run covered
    nothing_new: bool = False


def scope(repo: Repo, base: str, head: str | None, previous: str | None, full: bool) -> Scope:
    head_sha = repo.commit(head or "HEAD")
    if full:
        return Scope(base, head, None, "Full review of the whole request (--full).")
    if previous is None:
        return Scope(base, head, None, "Full review of the whole request (its first review).")
    if previous == head_sha:
        return Scope(base, head, None, f"No new commits since the review of {head_sha[:12]}.", nothing_new=True)
    if not repo.has_commit(previous):
        return Scope(
            base,
            head,
            None,
            f"Full review: the head reviewed last ({previous[:12]}) is not in this clone "
            "(a force-push, or a shallow clone: fetch-depth: 0).",
        )
    if repo.try_git("merge-base", "--is-ancestor", previous, head_sha) is None:
        return Scope(
            base,
            head,
            None,
            f"Full review: the head reviewed last ({previous[:12]}) is no longer in the branch (force-push or rebase).",
        )
    count = len(repo.git("rev-list", f"{previous}..{head_sha}").split())
    return Scope(
        previous,
        head,
        base,
        f"This run reviewed only the {count} new commit(s) {previous[:12]}..{head_sha[:12]}; "
        "earlier comments are kept.",
    )

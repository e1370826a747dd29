"""GitLab merge requests (GitLab CI merge-request pipelines): the REST calls codepilot needs, on the
one platform client, with the token as `PRIVATE-TOKEN`. Today: setting the merge request description
(`describe --publish gitlab`), and the review (`review --publish gitlab`); the Code Quality report
is `review --format gitlab`."""

from __future__ import annotations

import os
import urllib.parse
from dataclasses import dataclass
from typing import Any

from codepilot.check.findings import Finding
from codepilot.output.results import ReviewResult
from codepilot.platforms.github import (
    Published,
    comment_body,
    drop_dismissed,
    is_summary,
    marked_id,
    summary_body,
)
from codepilot.platforms.http import ApiError, Client, PlatformApi, require_env
from codepilot.runtime.errors import ServiceError, UsageError
from codepilot.source.git import Repo

ENV = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "GITLAB_TOKEN")


@dataclass(frozen=True)
class Context:
    api: str
    project: str
    iid: int
    token: str

    @classmethod
    def from_env(cls) -> Context:
        values = require_env(
            ENV,
            "--publish gitlab runs in a GitLab CI merge request pipeline",
            "GITLAB_TOKEN: a project or personal access token with api scope",
            number="CI_MERGE_REQUEST_IID",
        )
        return cls(
            values["CI_API_V4_URL"].rstrip("/"),
            values["CI_PROJECT_ID"],
            int(values["CI_MERGE_REQUEST_IID"]),
            values["GITLAB_TOKEN"],
        )


class Api(PlatformApi):
    """The GitLab REST calls codepilot needs, through the one platform client
    (`platforms/http.py`)."""

    author_key, name_keys = "author", ("username",)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        refused = "GITLAB_TOKEN needs api scope on this project"
        super().__init__(
            Client("GitLab", ctx.api, {"PRIVATE-TOKEN": ctx.token}, (ctx.token,), refused)
        )

    def identity(self) -> str:
        """The username codepilot writes as (a project access token is a bot user of its own)."""
        return str(self.http.object(self.call("GET", "/user"), "/user").get("username") or "")


def set_description(text: str, ctx: Context | None = None) -> str:
    """The merge request's description with codepilot's block set to `text` (the author's text
    kept)."""
    from codepilot.describe import merged_description

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    path = f"/projects/{urllib.parse.quote(ctx.project, safe='')}/merge_requests/{ctx.iid}"
    mr = api.http.object(api.call("GET", path), path)
    api.call("PUT", path, {"description": merged_description(mr.get("description"), text)})
    return str(mr.get("web_url") or f"merge request !{ctx.iid}")


def _position(result: ReviewResult, f: Finding, refs: dict[str, str]) -> dict[str, Any] | None:
    """Where GitLab wants a diff note: the `diff_refs` shas, an added line by `new_line`, a context
    line by `new_line` and `old_line`; None for a line that is not on the merge request's diff."""
    rf = (result.whole or result.changeset).file(f.path)
    if rf is None:
        return None
    for h in rf.diff.hunks:
        for ln in h.lines:
            if ln.new == f.line and ln.kind in "+ ":
                pos: dict[str, Any] = {
                    "position_type": "text",
                    "base_sha": refs["base_sha"],
                    "start_sha": refs["start_sha"],
                    "head_sha": refs["head_sha"],
                    "old_path": rf.diff.old_path or f.path,
                    "new_path": f.path,
                    "new_line": f.line,
                }
                if ln.kind == " ":
                    pos["old_line"] = ln.old
                return pos
    return None


def publish(result: ReviewResult, ctx: Context | None = None) -> Published:
    """One diff discussion per finding on the merge request's diff (a suggestion when the fix
    replaces exactly its lines), the rest in one summary note updated in place; nothing posted twice
    (hidden id markers), resolved discussions left alone; a position GitLab refuses (400) moves to
    the summary."""
    ctx = ctx or Context.from_env()
    api = Api(ctx)
    mr_path = f"/projects/{urllib.parse.quote(ctx.project, safe='')}/merge_requests/{ctx.iid}"
    mr = api.http.object(api.call("GET", mr_path), mr_path)
    refs = mr.get("diff_refs") or {}
    if not all(refs.get(k) for k in ("base_sha", "start_sha", "head_sha")):
        raise ServiceError("GitLab gave no diff_refs for the merge request: is its diff ready?")
    author = str((mr.get("author") or {}).get("username") or "")
    discussions = api.pages(f"{mr_path}/discussions")
    notes = api.ours([n for d in discussions for n in d.get("notes") or [] if isinstance(n, dict)])
    seen = {i for n in notes for i in [marked_id(n.get("body"))] if i}
    # a discussion of ours resolved by someone other than the merge request's author dismisses its
    # finding
    drop_dismissed(
        result,
        {
            i
            for n in notes
            for i in [marked_id(n.get("body"))]
            if i
            and n.get("resolved")
            and (n.get("resolved_by") or {}).get("username") not in (author, None, "")
        },
    )
    inline = already = 0
    off_diff: list[Finding] = []
    refused: list[Finding] = []
    for f in result.findings:
        if f.id in seen:
            already += 1
            continue
        position = _position(result, f, refs)
        if position is None:
            off_diff.append(f)
            continue
        tag = f"suggestion:-0+{f.end_line - f.line}"
        try:
            api.call(
                "POST",
                f"{mr_path}/discussions",
                {"body": comment_body(f, tag), "position": position},
            )
            inline += 1
        except ApiError as e:
            if e.status != 400:
                raise
            refused.append(f)
    body = summary_body(result, off_diff, refused, inline + already)
    summary = next((n for n in notes if is_summary(n.get("body"))), None)
    if summary is None:
        summary = next(
            (n for n in api.ours(api.pages(f"{mr_path}/notes")) if is_summary(n.get("body"))), None
        )
    if summary is not None:
        api.call("PUT", f"{mr_path}/notes/{summary['id']}", {"body": body})
    else:
        api.call("POST", f"{mr_path}/notes", {"body": body})
    return Published(inline, already, len(off_diff) + len(refused), mr.get("web_url"))


def review_range(
    ctx: Context, repo: Repo, base: str | None, head: str | None
) -> tuple[str, str | None]:
    """The merge request's range in a GitLab CI pipeline:
    CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA (the head only when this clone has it; a missing
    base is a clear error)."""

    base_sha, head_sha = (
        os.environ.get(k, "") for k in ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "CI_COMMIT_SHA")
    )
    base = base or (base_sha if repo.has_commit(base_sha) else None)
    if base is None:
        raise UsageError(
            "the merge request's base "
            f"{base_sha[:12] or '(CI_MERGE_REQUEST_DIFF_BASE_SHA unset)'} is not "
            "in this clone: pass --base, or set GIT_DEPTH: 0 in the job"
        )
    return base, head or (head_sha if repo.has_commit(head_sha) else None)


def previous_state(ctx: Context | None = None) -> tuple[str | None, list[dict[str, Any]]]:
    """The head codepilot's own summary note on the merge request says was reviewed last, and the
    findings it counted as open."""
    from codepilot.platforms.incremental import recorded_head, recorded_open

    ctx = ctx or Context.from_env()
    mr_path = f"/projects/{urllib.parse.quote(ctx.project, safe='')}/merge_requests/{ctx.iid}"
    api = Api(ctx)
    bodies = [
        n.get("body") or ""
        for n in api.ours(api.pages(f"{mr_path}/notes"))
        if is_summary(n.get("body"))
    ]
    return recorded_head(bodies), recorded_open(bodies)

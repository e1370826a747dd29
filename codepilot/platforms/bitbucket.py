"""Bitbucket Cloud pull requests (Bitbucket Pipelines), behind `platforms.Platform`: inline comments
on lines of the pull request's diff only (Bitbucket accepts a comment anywhere, so the diff is
checked here, never left to an error), one summary comment updated in place, a Code Insights report
on the head commit with the findings as annotations (so they show in the diff and can gate a merge),
and the description. State is read only from comments codepilot's own identity wrote."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any

from codepilot.check.findings import Finding
from codepilot.output.results import ReviewResult
from codepilot.platforms.github import (
    Published,
    comment_body,
    commentable,
    drop_dismissed,
    is_summary,
    marked_id,
    summary_body,
)
from codepilot.platforms.http import ApiError, Client, PlatformApi, require_env
from codepilot.runtime.errors import GitError, ServiceError, UsageError
from codepilot.source.git import Repo

ENV = ("BITBUCKET_WORKSPACE", "BITBUCKET_REPO_SLUG", "BITBUCKET_PR_ID", "BITBUCKET_TOKEN")
REPORT = "codepilot"
ANNOTATIONS_PER_REQUEST, ANNOTATIONS_PER_REPORT, SUMMARY_CHARS = 100, 1000, 450
SEVERITY = {"error": "HIGH", "warning": "MEDIUM", "info": "LOW"}


@dataclass(frozen=True)
class Context:
    api: str
    workspace: str
    slug: str
    pr: int
    token: str
    user: str | None  # BITBUCKET_USER: Basic user:token; else the token is a Bearer access token

    @classmethod
    def from_env(cls) -> Context:
        values = require_env(
            ENV,
            "--publish bitbucket runs in a Bitbucket Pipelines pull request build",
            "BITBUCKET_TOKEN: a repository access token with pull request write",
            number="BITBUCKET_PR_ID",
        )
        api = os.environ.get("BITBUCKET_API_URL", "https://api.bitbucket.org/2.0").rstrip("/")
        user = os.environ.get("BITBUCKET_USER") or None
        pr = int(values["BITBUCKET_PR_ID"])
        return cls(
            api,
            values["BITBUCKET_WORKSPACE"],
            values["BITBUCKET_REPO_SLUG"],
            pr,
            values["BITBUCKET_TOKEN"],
            user,
        )

    @property
    def repo_path(self) -> str:
        return f"/repositories/{self.workspace}/{self.slug}"


class Api(PlatformApi):
    name_keys = ("uuid", "account_id")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        if ctx.user:
            auth = "Basic " + base64.b64encode(f"{ctx.user}:{ctx.token}".encode()).decode()
        else:
            auth = f"Bearer {ctx.token}"
        headers = {"Authorization": auth, "Accept": "application/json"}
        refused = "BITBUCKET_TOKEN needs pull request write on this repository"
        super().__init__(Client("Bitbucket", ctx.api, headers, (ctx.token,), refused))

    def values(self, path: str) -> list[dict[str, Any]]:
        """Every item of a Bitbucket page list (`values`, then `next` on the API's own origin)."""
        out: list[dict[str, Any]] = []
        url: str | None = f"{path}{'&' if '?' in path else '?'}pagelen=100"
        for _ in range(100):
            if url is None:
                break
            page = self.http.object(self.call("GET", url), path)
            out += self.http.items(page.get("values", []), path)
            nxt = page.get("next")
            url = nxt if isinstance(nxt, str) and nxt else None
        return out

    def identity(self) -> str | None:
        """The account codepilot writes as; None when the token may not say (then no state is
        read)."""
        try:
            who = self.http.object(self.call("GET", "/user"), "/user")
        except ApiError:
            return None
        return str(who.get("uuid") or who.get("account_id") or "") or None


def _raw(c: dict[str, Any]) -> str:
    content = c.get("content")
    return str(content.get("raw") or "") if isinstance(content, dict) else ""


def _pr(api: Api) -> dict[str, Any]:
    path = f"{api.ctx.repo_path}/pullrequests/{api.ctx.pr}"
    return api.http.object(api.call("GET", path), path)


def review_range(
    ctx: Context, repo: Repo, base: str | None, head: str | None
) -> tuple[str, str | None]:
    """The pull request's destination and source commits (Bitbucket gives 12-character hashes:
    resolved in this clone; a missing one is a clear error)."""
    if base and head:
        return base, head
    pr = _pr(Api(ctx))

    def full(side: str) -> str:
        short = str(((pr.get(side) or {}).get("commit") or {}).get("hash") or "")
        try:
            return repo.commit(short) if short else ""
        except GitError:
            return ""

    source, destination = full("source"), full("destination")
    if not destination:
        raise UsageError(
            "the pull request's destination commit is not in this clone: fetch more history "
            "(clone: depth: full)"
        )
    return base or destination, head or source or os.environ.get("BITBUCKET_COMMIT") or None


def publish(result: ReviewResult, ctx: Context | None = None) -> Published:
    ctx = ctx or Context.from_env()
    api = Api(ctx)
    comments_path = f"{ctx.repo_path}/pullrequests/{ctx.pr}/comments"
    pr = _pr(api)
    author = str((pr.get("author") or {}).get("uuid") or "")
    ours = api.ours([c for c in api.values(comments_path) if not c.get("deleted")])
    seen = {i for c in ours for i in [marked_id(_raw(c))] if i}
    # an inline comment of ours resolved by someone other than the author dismisses its finding
    drop_dismissed(
        result,
        {
            i
            for c in ours
            for i in [marked_id(_raw(c))]
            if i
            and isinstance(c.get("resolution"), dict)
            and ((c["resolution"].get("user") or {}).get("uuid") or "") not in (author, "")
        },
    )
    lines = commentable(result)
    inline, off_diff, already = 0, [], 0
    for f in result.findings:
        if f.id in seen:
            already += 1
        # Bitbucket accepts any line: only diff lines are used
        elif f.line in lines.get(f.path, set()):
            api.call(
                "POST",
                comments_path,
                {"content": {"raw": comment_body(f)}, "inline": {"path": f.path, "to": f.line}},
            )
            inline += 1
        else:
            off_diff.append(f)
    body = summary_body(result, off_diff, [], inline + already)
    summary = next((c for c in ours if is_summary(_raw(c)) and not c.get("inline")), None)
    if summary is not None:
        api.call("PUT", f"{comments_path}/{summary['id']}", {"content": {"raw": body}})
    else:
        api.call("POST", comments_path, {"content": {"raw": body}})
    head = result.changeset.source.new
    if head:
        _insights(api, head, result)
    links = pr.get("links") if isinstance(pr.get("links"), dict) else {}
    url = ((links or {}).get("html") or {}).get("href")
    return Published(inline, already, len(off_diff), url if isinstance(url, str) else None)


def _insights(api: Api, head: str, result: ReviewResult) -> None:
    """The Code Insights report on the head commit: PASSED or FAILED by --fail-on, the findings as
    annotations (100 a request, 1000 a report, summaries cut at 450 characters, never refused)."""
    from codepilot.output.common import counts

    c = counts(result.findings)
    path = f"{api.ctx.repo_path}/commit/{head}/reports/{REPORT}"
    api.call(
        "PUT",
        path,
        {
            "title": "codepilot review",
            "details": f"{len(result.findings)} finding(s) on this pull request ({result.source}).",
            "report_type": "BUG",
            "reporter": "codepilot",
            "result": "FAILED" if result.fails() else "PASSED",
            "data": [{"title": s, "type": "NUMBER", "value": n} for s, n in c.items()],
        },
    )
    notes = [_annotation(f) for f in result.findings[:ANNOTATIONS_PER_REPORT]]
    for i in range(0, len(notes), ANNOTATIONS_PER_REQUEST):
        api.call("POST", f"{path}/annotations", notes[i : i + ANNOTATIONS_PER_REQUEST])


def _annotation(f: Finding) -> dict[str, Any]:
    summary = f.title if len(f.title) <= SUMMARY_CHARS else f.title[: SUMMARY_CHARS - 1] + "…"
    return {
        "external_id": f"codepilot-{f.id}",
        "annotation_type": "BUG" if f.category in ("bug", "security") else "CODE_SMELL",
        "summary": summary,
        "details": f.body[:2000],
        "severity": SEVERITY.get(f.severity, "LOW"),
        "path": f.path,
        "line": f.line,
    }


def previous_state(ctx: Context | None = None) -> tuple[str | None, list[dict[str, Any]]]:
    from codepilot.platforms.incremental import recorded_head, recorded_open

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    comments = api.ours(api.values(f"{ctx.repo_path}/pullrequests/{ctx.pr}/comments"))
    bodies = [_raw(c) for c in comments if is_summary(_raw(c)) and not c.get("deleted")]
    return recorded_head(bodies), recorded_open(bodies)


def set_description(text: str, ctx: Context | None = None) -> str:
    from codepilot.describe import merged_description

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    pr = _pr(api)
    path = f"{ctx.repo_path}/pullrequests/{ctx.pr}"
    try:
        api.call("PUT", path, {"description": merged_description(pr.get("description"), text)})
    except ApiError as e:
        raise ServiceError(f"cannot set the pull request description: {e}") from None
    return f"pull request #{ctx.pr}"

"""Azure DevOps pull requests (Azure Pipelines, REST api-version 7.1), behind `platforms.Platform`:
threads anchored on new-file lines of the pull request's diff (`threadContext` with the file's
`changeTrackingId` and the latest iteration, so the thread attaches to the file), suggestions as
```suggestion blocks, one summary thread updated in place, a pull request status that can gate the
merge, and the description. Azure accepts a thread on any line and a path without "/" (the thread is
then orphaned), so every anchor is checked here, never left to an error. State is read only from
threads codepilot's own identity started."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from codepilot.check.findings import Finding
from codepilot.output.results import ReviewResult
from codepilot.platforms.github import (
    Published,
    comment_body,
    commentable,
    drop_dismissed,
    is_summary,
    marked_id,
    same_hunk,
    summary_body,
)
from codepilot.platforms.http import ApiError, Client, PlatformApi, require_env
from codepilot.runtime.errors import GitError, ServiceError, UsageError
from codepilot.source.git import Repo

ENV = (
    "SYSTEM_COLLECTIONURI",
    "SYSTEM_TEAMPROJECT",
    "BUILD_REPOSITORY_ID",
    "SYSTEM_PULLREQUEST_PULLREQUESTID",
)
API_VERSION = "7.1"
DESCRIPTION_CHARS = 4000
STATUS_CONTEXT = {"name": "codepilot", "genre": "review"}
# a thread of ours in one of these states was dismissed by the team (REST gives names; old servers
# numbers)
RESOLVED = {"fixed", "closed", "wontfix", "2", "3", "4"}


@dataclass(frozen=True)
class Context:
    collection: str  # SYSTEM_COLLECTIONURI, e.g. https://dev.azure.com/acme
    project: str
    repository: str  # BUILD_REPOSITORY_ID
    pr: int
    token: str
    basic: bool  # AZURE_DEVOPS_PAT: Basic ":PAT"; SYSTEM_ACCESSTOKEN: Bearer

    @classmethod
    def from_env(cls) -> Context:
        values = require_env(
            ENV,
            "--publish azure runs in an Azure Pipelines pull request build",
            number="SYSTEM_PULLREQUEST_PULLREQUESTID",
        )
        access, pat = (
            os.environ.get("SYSTEM_ACCESSTOKEN", ""),
            os.environ.get("AZURE_DEVOPS_PAT", ""),
        )
        if not (access or pat):
            raise UsageError(
                "--publish azure needs a token: SYSTEM_ACCESSTOKEN (map it in the step's env: "
                "SYSTEM_ACCESSTOKEN: $(System.AccessToken)) or AZURE_DEVOPS_PAT"
            )
        return cls(
            values["SYSTEM_COLLECTIONURI"].rstrip("/"),
            values["SYSTEM_TEAMPROJECT"],
            values["BUILD_REPOSITORY_ID"],
            int(values["SYSTEM_PULLREQUEST_PULLREQUESTID"]),
            access or pat,
            not access,
        )

    @property
    def pr_path(self) -> str:
        project, repository = quote(self.project, safe=""), quote(self.repository, safe="")
        return f"/{project}/_apis/git/repositories/{repository}/pullRequests/{self.pr}"


class Api(PlatformApi):
    author_key = "author"
    name_keys = ("id",)

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        basic = "Basic " + base64.b64encode(f":{ctx.token}".encode()).decode()
        auth = basic if ctx.basic else f"Bearer {ctx.token}"
        headers = {
            "Authorization": auth,
            "Accept": "application/json",
            "X-TFS-FedAuthRedirect": "Suppress",
        }
        refused = (
            "the build service needs 'Contribute to pull requests' here (a PAT: Code read & write)"
        )
        super().__init__(Client("Azure DevOps", ctx.collection, headers, (ctx.token,), refused))

    def call(self, method: str, path: str, body: Any = None, version: str = API_VERSION) -> Any:
        return self.http.call(method, path, body, params={"api-version": version})

    def values(self, path: str) -> list[dict[str, Any]]:
        """Every item of an Azure list (`value`; further pages by the continuation token header)."""
        out: list[dict[str, Any]] = []
        params: dict[str, Any] = {"api-version": API_VERSION}
        for _ in range(100):
            data, headers = self.http.request("GET", path, params=params)
            out += self.http.items(self.http.object(data, path).get("value", []), path)
            token = headers.get("x-ms-continuationtoken")
            if not token:
                break
            params = {"api-version": API_VERSION, "continuationToken": token}
        return out

    def identity(self) -> str | None:
        """The identity the token writes as; None when it may not say (then no state is read)."""
        try:
            data = self.call("GET", "/_apis/connectionData", version="7.1-preview")
        except ApiError:
            return None
        user = data.get("authenticatedUser") if isinstance(data, dict) else None
        return str(user.get("id") or "") or None if isinstance(user, dict) else None

    def threads(self) -> list[dict[str, Any]]:
        """The pull request's threads that codepilot started (its first comment is ours)."""
        threads = [t for t in self.values(f"{self.ctx.pr_path}/threads") if not t.get("isDeleted")]
        firsts = self.ours([_first(t) for t in threads])
        return [t for t in threads if any(_first(t) is c for c in firsts)]


def _first(thread: dict[str, Any]) -> dict[str, Any]:
    comments = thread.get("comments")
    first = (
        comments[0]
        if isinstance(comments, list) and comments and isinstance(comments[0], dict)
        else {}
    )
    return first


def _text(thread: dict[str, Any]) -> str:
    return str(_first(thread).get("content") or "")


def _pr(api: Api) -> dict[str, Any]:
    return api.http.object(api.call("GET", api.ctx.pr_path), "the pull request")


def review_range(
    ctx: Context, repo: Repo, base: str | None, head: str | None
) -> tuple[str, str | None]:
    """The pull request's target and source commits — never the merge commit a PR build checks out
    (BUILD_SOURCEVERSION): each must be in this clone."""
    if base and head:
        return base, head
    pr = _pr(Api(ctx))

    def commit(key: str) -> str:
        sha = str((pr.get(key) or {}).get("commitId") or "")
        try:
            return repo.commit(sha) if sha else ""
        except GitError:
            return ""

    source, target = commit("lastMergeSourceCommit"), commit("lastMergeTargetCommit")
    if not target or not source:
        raise UsageError(
            "the pull request's source or target commit is not in this clone: fetch the whole "
            "history "
            "(checkout: self, fetchDepth: 0)"
        )
    return base or target, head or source


def _latest_iteration(api: Api) -> tuple[int | None, dict[str, int]]:
    """The pull request's latest iteration and, per file of it ("/path"), its changeTrackingId."""
    iterations = api.values(f"{api.ctx.pr_path}/iterations")
    ids = [int(i["id"]) for i in iterations if isinstance(i.get("id"), int)]
    if not ids:
        return None, {}
    latest = max(ids)
    tracking: dict[str, int] = {}
    skip = 0
    for _ in range(100):
        path = f"{api.ctx.pr_path}/iterations/{latest}/changes"
        data = api.http.object(
            api.http.call(
                "GET", path, params={"api-version": API_VERSION, "$top": 2000, "$skip": skip}
            ),
            path,
        )
        for entry in api.http.items(data.get("changeEntries", []), path):
            item = entry.get("item") if isinstance(entry.get("item"), dict) else {}
            p, tid = (item or {}).get("path"), entry.get("changeTrackingId")
            if isinstance(p, str) and isinstance(tid, int):
                tracking[p] = tid
        nxt = data.get("nextSkip")
        if not isinstance(nxt, int) or nxt <= skip:
            break
        skip = nxt
    return latest, tracking


def _thread(f: Finding, iteration: int, tracking_id: int) -> dict[str, Any]:
    end = f.end_line
    return {
        "comments": [{"parentCommentId": 0, "content": comment_body(f), "commentType": 1}],
        "status": "active",
        "threadContext": {
            "filePath": "/" + f.path,
            "rightFileStart": {"line": f.line, "offset": 1},
            "rightFileEnd": {"line": end, "offset": 1 << 20},
        },
        "pullRequestThreadContext": {
            "changeTrackingId": tracking_id,
            "iterationContext": {
                "firstComparingIteration": 1,
                "secondComparingIteration": iteration,
            },
        },
    }


def publish(result: ReviewResult, ctx: Context | None = None) -> Published:
    ctx = ctx or Context.from_env()
    api = Api(ctx)
    pr = _pr(api)
    ours = api.threads()
    seen = {i for t in ours for i in [marked_id(_text(t))] if i}
    # a thread of ours the team resolved (fixed, closed, won't fix) dismisses its finding
    drop_dismissed(
        result,
        {
            i
            for t in ours
            for i in [marked_id(_text(t))]
            if i and str(t.get("status", "")).lower() in RESOLVED
        },
    )
    iteration, tracking = _latest_iteration(api)
    lines = commentable(result)
    inline, off_diff, already = 0, [], 0
    for f in result.findings:
        tracking_id = tracking.get("/" + f.path)
        if f.id in seen:
            already += 1
        elif (
            iteration is not None
            and tracking_id is not None
            and {f.line, f.end_line} <= lines.get(f.path, set())
            and same_hunk(result, f)
        ):
            try:
                api.call("POST", f"{ctx.pr_path}/threads", _thread(f, iteration, tracking_id))
                inline += 1
            except ApiError as e:
                if e.status != 400:
                    raise
                off_diff.append(f)  # refused anchor: the finding goes to the summary
        else:
            off_diff.append(f)
    body = summary_body(result, off_diff, [], inline + already)
    summary = next((t for t in ours if is_summary(_text(t)) and not t.get("threadContext")), None)
    if summary is not None:
        comment = _first(summary).get("id", 1)
        api.call(
            "PATCH", f"{ctx.pr_path}/threads/{summary['id']}/comments/{comment}", {"content": body}
        )
    else:
        # closed: the summary is read, not resolved (an active thread would hold a merge that
        # requires every comment resolved); the verdict gates through the status below
        api.call(
            "POST",
            f"{ctx.pr_path}/threads",
            {
                "comments": [{"parentCommentId": 0, "content": body, "commentType": 1}],
                "status": "closed",
            },
        )
    _status(api, result, iteration)
    repo_url = (
        ((pr.get("repository") or {}).get("webUrl"))
        if isinstance(pr.get("repository"), dict)
        else None
    )
    url = f"{repo_url}/pullrequest/{ctx.pr}" if isinstance(repo_url, str) and repo_url else None
    return Published(inline, already, len(off_diff), url)


def _status(api: Api, result: ReviewResult, iteration: int | None) -> None:
    """The pull request status codepilot/review: failed by --fail-on, else succeeded (a branch
    policy can require it)."""
    from codepilot.output.common import verdict

    status: dict[str, Any] = {
        "state": "failed" if result.fails() else "succeeded",
        "description": f"codepilot: {verdict(result)}"[:256],
        "context": STATUS_CONTEXT,
    }
    if iteration is not None:
        status["iterationId"] = iteration
    api.call("POST", f"{api.ctx.pr_path}/statuses", status)


def previous_state(ctx: Context | None = None) -> tuple[str | None, list[dict[str, Any]]]:
    from codepilot.platforms.incremental import recorded_head, recorded_open

    ctx = ctx or Context.from_env()
    bodies = [_text(t) for t in Api(ctx).threads() if is_summary(_text(t))]
    return recorded_head(bodies), recorded_open(bodies)


def set_description(text: str, ctx: Context | None = None) -> str:
    """The description with codepilot's block set to `text`, within Azure's 4000 characters (our
    text is cut to fit, the author's never)."""
    from codepilot.describe import merged_description

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    existing = _pr(api).get("description")
    merged, keep = merged_description(existing, text), len(text)
    while len(merged) > DESCRIPTION_CHARS:  # neutralising may lengthen our text: cut until it fits
        keep -= len(merged) - DESCRIPTION_CHARS + 1
        if keep < 1:
            raise ServiceError(
                "cannot set the pull request description: the author's text leaves no room "
                "(4000 characters)"
            )
        merged = merged_description(existing, text[:keep] + "…")
    try:
        api.call("PATCH", ctx.pr_path, {"description": merged})
    except ApiError as e:
        raise ServiceError(f"cannot set the pull request description: {e}") from None
    return f"pull request {ctx.pr}"

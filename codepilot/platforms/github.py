"""`--publish github`: one pull request review (event COMMENT) with inline comments on lines of the
pull request's diff (a committable suggestion when the fix replaces exactly the commented lines),
and one summary comment kept up to date in place. Our own comments carry a hidden marker with the
finding id, so a re-run never posts the same finding twice. A comment GitHub refuses (422) moves to
the summary; a read-only token (fork pull requests) falls back to workflow annotations."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Any

from codepilot.check.findings import Finding
from codepilot.output.common import ICONS, counts, md_text, usage_line, verdict
from codepilot.output.results import ReviewResult
from codepilot.platforms.http import ApiError, Client, PlatformApi
from codepilot.platforms.incremental import head_marker, open_marker, recorded_head, recorded_open
from codepilot.runtime.errors import ServiceError, UsageError
from codepilot.source.git import Repo

SUMMARY_MARKER = "<!-- codepilot:summary -->"
# our markers stand on a comment's last line: a marker quoted inside a fix or a path is never read
_ID = re.compile(r"\n<!-- codepilot:id=([0-9a-f]+) -->\Z")


def marked_id(body: str | None) -> str | None:
    m = _ID.search(body or "")
    return m.group(1) if m else None


def is_summary(body: str | None) -> bool:
    return (body or "").startswith(SUMMARY_MARKER)


@dataclass(frozen=True)
class Context:
    api: str
    repository: str
    token: str
    number: int
    head_sha: str
    base_sha: str
    author: str = ""  # the pull request's author: their 👎 on our comments dismisses nothing

    @classmethod
    def from_env(cls) -> Context:
        path, repo, token = (
            os.environ.get(k) for k in ("GITHUB_EVENT_PATH", "GITHUB_REPOSITORY", "GITHUB_TOKEN")
        )
        missing = [
            k
            for k, v in (
                ("GITHUB_EVENT_PATH", path),
                ("GITHUB_REPOSITORY", repo),
                ("GITHUB_TOKEN", token),
            )
            if not v
        ]
        if missing:
            raise UsageError(
                f"--publish github runs in GitHub Actions: {', '.join(missing)} not set"
            )
        try:
            with open(path or "", encoding="utf-8") as fh:
                event = json.load(fh)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read GITHUB_EVENT_PATH: {e}") from None
        pr = event.get("pull_request")
        if not isinstance(pr, dict):
            raise UsageError(
                "--publish github needs a pull_request event (this event has no pull_request)"
            )
        return cls(
            os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            repo or "",
            token or "",
            int(pr["number"]),
            pr["head"]["sha"],
            pr["base"]["sha"],
            str((pr.get("user") or {}).get("login") or ""),
        )


BOT = "github-actions[bot]"  # who GITHUB_TOKEN writes as in Actions (GET /user is refused to it)


class Api(PlatformApi):
    """The few GitHub REST calls we need, through the one platform client (`platforms/http.py`)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        headers = {
            "Authorization": f"Bearer {ctx.token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        super().__init__(Client("GitHub", ctx.api, headers, secrets=(ctx.token,)))

    def identity(self) -> str:
        """The token's user, or the Actions bot for GITHUB_TOKEN (GET /user is refused to it)."""
        try:
            return str(self.http.object(self.call("GET", "/user"), "/user").get("login") or BOT)
        except ApiError as e:
            if e.status not in (401, 403, 404):
                raise
            return BOT


@dataclass
class Published:
    inline: int
    already: int
    in_summary: int
    summary_url: str | None
    fallback: str | None = None  # why annotations were printed instead


def commentable(report: ReviewResult) -> dict[str, set[int]]:
    """New-file lines of the pull request's diff (added and context lines of each hunk), per
    file."""
    return {
        f.path: {ln.new for h in f.diff.hunks for ln in h.lines if ln.new is not None}
        for f in (report.whole or report.changeset).files
        if not f.diff.binary
    }


def same_hunk(report: ReviewResult, f: Finding) -> bool:
    rf = (report.whole or report.changeset).file(f.path)
    if rf is None:
        return False
    return any(
        h.new_start <= f.line and f.end_line <= h.new_start + h.new_len - 1 for h in rf.diff.hunks
    )


def comment_body(f: Finding, suggestion_tag: str = "suggestion") -> str:
    """A finding as a review comment (model text escaped), with a suggestion block when the fix
    replaces exactly the commented lines (GitHub: ```suggestion; GitLab: ```suggestion:-0+N)."""
    parts = [f"**{ICONS.get(f.severity, '')} {f.severity}** · {f.category}: **{md_text(f.title)}**"]
    if f.body:
        parts += ["", md_text(f.body)]
    if f.suggestion is not None:
        fence = "```"
        while any(fence in ln for ln in f.suggestion):
            fence += "`"
        parts += ["", f"{fence}{suggestion_tag}", *f.suggestion, fence]
    elif f.patch:
        parts += ["", f"Fix: `{f.patch}` (in the workflow's artifacts, if uploaded)"]
    parts += ["", f"<!-- codepilot:id={f.id} -->"]
    return "\n".join(parts)


def _comment(f: Finding) -> dict[str, Any]:
    c: dict[str, Any] = {
        "path": f.path,
        "line": f.end_line,
        "side": "RIGHT",
        "body": comment_body(f),
    }
    if f.end_line > f.line:
        c.update(start_line=f.line, start_side="RIGHT")
    return c


def summary_body(
    report: ReviewResult, off_diff: list[Finding], refused: list[Finding], inline: int
) -> str:
    c = counts(report.findings)
    out = [
        SUMMARY_MARKER,
        "## codepilot review",
        "",
        f"**{verdict(report)}** — {report.source}, model `{report.model}`",
        "",
        "| severity | findings |",
        "|---|---|",
        *[f"| {ICONS[s]} {s} | {n} |" for s, n in c.items()],
        "",
        f"{inline} finding(s) commented inline.",
    ]
    if report.covered:
        out += ["", f"_{report.covered}_"]
    if report.errors:
        out += [
            "",
            "### Not reviewed",
            *[f"- `{e.request}` ({', '.join(e.paths)}): {e.error}" for e in report.errors],
        ]
    earlier = [f for f in report.findings if f.found_in]
    if earlier:
        out += ["", "### Still open from earlier reviews (counted in the verdict)", ""]
        out += [
            f"- {ICONS.get(f.severity, '')} `{f.path}:{f.line}` **{md_text(f.title)}** "
            f"({f.severity}, "
            f"found by the review of `{f.found_in}`)"
            for f in earlier
        ]
    rest = off_diff + refused
    if rest:
        out += ["", "### Findings outside the diff", ""]
        out += [
            f"- {ICONS.get(f.severity, '')} `{f.path}:{f.line}` **{md_text(f.title)}** "
            f"({f.severity}, {f.category})"
            + (f": {md_text(f.body.splitlines()[0])}" if f.body else "")
            for f in rest
        ]
    if report.changeset.skipped:
        out += ["", "<details><summary>Skipped files</summary>", ""]
        out += [f"- `{s.path}`: {s.reason}" for s in report.changeset.skipped]
        out += ["", "</details>"]
    head = report.changeset.source.new
    out += ["", f"_{usage_line(report)}_", open_marker(report.findings, head), head_marker(head)]
    return "\n".join(out)


def publish(report: ReviewResult, ctx: Context | None = None) -> Published:
    ctx = ctx or Context.from_env()
    api = Api(ctx)
    repo, n = ctx.repository, ctx.number
    try:
        existing = api.ours(api.pages(f"/repos/{repo}/pulls/{n}/comments"))
    except ApiError as e:
        raise ServiceError(f"cannot read the pull request's comments: {e}") from None
    seen = {i for c in existing for i in [marked_id(c.get("body"))] if i}
    # a 👎 on a comment of ours by someone other than the pull request's author (and other than
    # codepilot) dismisses its finding: no longer reported, listed or failing the run
    drop_dismissed(report, _thumbs_down(api, existing))
    lines = commentable(report)
    inline, off_diff, already = [], [], 0
    for f in report.findings:
        if f.id in seen:
            already += 1
        elif {f.line, f.end_line} <= lines.get(f.path, set()) and same_hunk(report, f):
            inline.append(f)
        else:
            off_diff.append(f)
    try:
        posted, refused = _post_review(api, ctx, inline)
    except ApiError as e:
        if e.status in (403, 404):
            return Published(
                0,
                already,
                len(report.findings),
                None,
                f"the token cannot write to this pull request ({e}); printed annotations instead",
            )
        raise ServiceError(f"cannot post the review: {e}") from None
    url = _upsert_summary(api, ctx, summary_body(report, off_diff, refused, posted + already))
    return Published(posted, already, len(off_diff) + len(refused), url)


def _thumbs_down(api: Api, ours: list[dict[str, Any]]) -> set[str]:
    """Ids of our comments that someone allowed to dismiss marked 👎 (not the author, not
    codepilot)."""
    out = set()
    for c in ours:
        fid = marked_id(c.get("body"))
        if not fid or not (c.get("reactions") or {}).get("-1", 0):
            continue
        who = {
            (r.get("user") or {}).get("login")
            for r in api.pages(
                f"/repos/{api.ctx.repository}/pulls/comments/{c.get('id')}/reactions"
            )
            if r.get("content") == "-1"
        }
        if who - {api.ctx.author, api.me(), None, ""}:
            out.add(fid)
    return out


def _post_review(api: Api, ctx: Context, findings: list[Finding]) -> tuple[int, list[Finding]]:
    """Post the findings as one review; a refused (422) batch is halved until the refused comments
    are found, which then go to the summary."""
    if not findings:
        return 0, []
    body = {
        "commit_id": ctx.head_sha,
        "event": "COMMENT",
        "body": f"codepilot: {len(findings)} finding(s) on this diff; summary in the conversation.",
        "comments": [_comment(f) for f in findings],
    }
    try:
        api.call("POST", f"/repos/{ctx.repository}/pulls/{ctx.number}/reviews", body)
        return len(findings), []
    except ApiError as e:
        if e.status != 422:
            raise
    if len(findings) == 1:
        return 0, findings
    mid = len(findings) // 2
    a_ok, a_bad = _post_review(api, ctx, findings[:mid])
    b_ok, b_bad = _post_review(api, ctx, findings[mid:])
    return a_ok + b_ok, a_bad + b_bad


def _upsert_summary(api: Api, ctx: Context, body: str) -> str | None:
    base = f"/repos/{ctx.repository}/issues"
    try:
        mine = [
            c
            for c in api.ours(api.pages(f"{base}/{ctx.number}/comments"))
            if is_summary(c.get("body"))
        ]
        if mine:
            data = api.call("PATCH", f"{base}/comments/{mine[0]['id']}", {"body": body})
        else:
            data = api.call("POST", f"{base}/{ctx.number}/comments", {"body": body})
    except ApiError as e:
        raise ServiceError(f"cannot write the summary comment: {e}") from None
    return data.get("html_url") if isinstance(data, dict) else None


def review_range(
    ctx: Context, repo: Repo, base: str | None, head: str | None
) -> tuple[str, str | None]:
    """The pull request's base..head, each only when this clone has it (a missing head falls back to
    HEAD; a missing base is a clear error)."""

    base = base or (ctx.base_sha if repo.has_commit(ctx.base_sha) else None)
    head = head or (ctx.head_sha if repo.has_commit(ctx.head_sha) else None)
    if base is None:
        raise UsageError(
            f"the pull request's base {ctx.base_sha[:12]} is not in this clone: pass --base, or "
            "fetch more history (actions/checkout with fetch-depth: 0)"
        )
    return base, head


def set_description(text: str, ctx: Context | None = None) -> str:
    """The pull request's description with codepilot's block set to `text` (the author's text
    kept)."""
    from codepilot.describe import merged_description

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    path = f"/repos/{ctx.repository}/pulls/{ctx.number}"
    try:
        pr = api.http.object(api.call("GET", path), path)
        api.call("PATCH", path, {"body": merged_description(pr.get("body"), text)})
    except ApiError as e:
        raise ServiceError(f"cannot set the pull request description: {e}") from None
    return f"https://github.com/{ctx.repository}/pull/{ctx.number}"


def previous_state(ctx: Context | None = None) -> tuple[str | None, list[dict[str, Any]]]:
    """The head codepilot's own summary on the pull request says was reviewed last, and the findings
    it counted as open."""
    ctx = ctx or Context.from_env()
    api = Api(ctx)
    try:
        comments = api.ours(api.pages(f"/repos/{ctx.repository}/issues/{ctx.number}/comments"))
    except ApiError as e:
        raise ServiceError(f"cannot read the pull request's comments: {e}") from None
    bodies = [c.get("body") or "" for c in comments if is_summary(c.get("body"))]
    return recorded_head(bodies), recorded_open(bodies)


def drop_dismissed(report: ReviewResult, ids: set[str]) -> None:
    """Findings whose published comment the team dismissed on the request (👎, or a resolved
    thread)."""
    kept = [f for f in report.findings if f.id not in ids]
    if len(kept) != len(report.findings):
        report.stats.dropped["dismissed on the pull/merge request"] = len(report.findings) - len(
            kept
        )
        report.findings = kept

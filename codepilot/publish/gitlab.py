"""GitLab merge requests (GitLab CI merge-request pipelines): the REST calls codepilot needs, on the
standard library, with the token as `PRIVATE-TOKEN`. Today: setting the merge request description
(`describe --publish gitlab`); the Code Quality report is `review --format gitlab`."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from codepilot.errors import ServiceError, UsageError

ENV = ("CI_API_V4_URL", "CI_PROJECT_ID", "CI_MERGE_REQUEST_IID", "GITLAB_TOKEN")


@dataclass(frozen=True)
class Context:
    api: str
    project: str
    iid: int
    token: str

    @classmethod
    def from_env(cls) -> Context:
        values = {k: os.environ.get(k, "") for k in ENV}
        missing = [k for k, v in values.items() if not v]
        if missing:
            raise UsageError(
                f"--publish gitlab runs in a GitLab CI merge request pipeline: {', '.join(missing)} "
                "not set (GITLAB_TOKEN: a project or personal access token with api scope)"
            )
        try:
            iid = int(values["CI_MERGE_REQUEST_IID"])
        except ValueError:
            raise UsageError("CI_MERGE_REQUEST_IID is not a number") from None
        return cls(values["CI_API_V4_URL"].rstrip("/"), values["CI_PROJECT_ID"], iid, values["GITLAB_TOKEN"])


class Api:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def call(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.ctx.api}{path}"
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            url,
            data=data,
            method=method,
            headers={"PRIVATE-TOKEN": self.ctx.token, "Content-Type": "application/json", "User-Agent": "codepilot"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")[:300]
            if e.code in (401, 403):
                raise ServiceError(
                    f"GitLab refused the token (HTTP {e.code}): GITLAB_TOKEN needs api scope on this project"
                ) from None
            raise ServiceError(f"GitLab answered HTTP {e.code}: {text}") from None
        except (urllib.error.URLError, TimeoutError) as e:
            raise ServiceError(f"cannot reach {self.ctx.api}: {getattr(e, 'reason', e)}") from None


def set_description(text: str, ctx: Context | None = None) -> str:
    """The merge request's description with codepilot's block set to `text` (the author's text kept)."""
    from codepilot.describe import merged_description

    ctx = ctx or Context.from_env()
    api = Api(ctx)
    path = f"/projects/{urllib.parse.quote(ctx.project, safe='')}/merge_requests/{ctx.iid}"
    mr = api.call("GET", path) or {}
    api.call("PUT", path, {"description": merged_description(mr.get("description"), text)})
    return str(mr.get("web_url") or f"merge request !{ctx.iid}")

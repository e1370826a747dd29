"""A strict stand-in for Azure DevOps' Git REST API (api-version 7.1) on 127.0.0.1: every call must
carry `api-version` (7.1; connectionData 7.1-preview) and the token (Bearer, or Basic ":PAT"); the
pull request gives its source and target commits and a merge commit (what a PR build checks out);
iterations and their changes (with `changeTrackingId`s); threads, which must be anchored as the real
service wants them to attach to a file (`filePath` starting with "/", a changeTrackingId of that
iteration; lines are *not* checked, as Azure does not: the test checks placement); comments edited
in place; statuses; a description of at most 4000 characters."""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.support.http import JsonHandler

STATES = {"error", "failed", "notApplicable", "notSet", "pending", "succeeded"}


class FakeAzure:
    def __init__(
        self, head: str, base: str, merge: str = "", token: str = "az-token", pat: bool = False
    ) -> None:
        self.project, self.repo_id, self.pr = "Shop Project", "5f2c-repo", 7
        self.head, self.base, self.merge, self.token, self.pat = head, base, merge, token, pat
        self.me = {"id": "bot-0001", "displayName": "Project Collection Build Service"}
        self.author = {"id": "author-0001", "displayName": "Author"}
        self.description = "Written by the author."
        self.iterations: list[dict[str, Any]] = []
        self.changes: dict[int, list[dict[str, Any]]] = {}
        self.threads: list[dict[str, Any]] = []
        self.statuses: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def iterate(self, head: str, paths: list[str]) -> None:
        """A push: a new iteration whose changes are `paths` (tracking ids stay per file)."""
        self.head = head
        n = len(self.iterations) + 1
        self.iterations.append({"id": n, "sourceRefCommit": {"commitId": head}})
        known = {
            c["item"]["path"]: c["changeTrackingId"] for cs in self.changes.values() for c in cs
        }
        self.changes[n] = [
            {
                "changeTrackingId": known.get("/" + p, 100 + len(known) + i),
                "item": {"path": "/" + p},
                "changeType": "edit",
            }
            for i, p in enumerate(paths)
        ]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/acme/"

    def env(self) -> dict[str, str]:
        out = {
            "SYSTEM_COLLECTIONURI": self.url,
            "SYSTEM_TEAMPROJECT": self.project,
            "BUILD_REPOSITORY_ID": self.repo_id,
            "SYSTEM_PULLREQUEST_PULLREQUESTID": str(self.pr),
            "BUILD_SOURCEVERSION": self.merge or self.head,
        }
        out["AZURE_DEVOPS_PAT" if self.pat else "SYSTEM_ACCESSTOKEN"] = self.token
        return out

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        az = self
        pr = f"/acme/Shop%20Project/_apis/git/repositories/{self.repo_id}/pullRequests/{self.pr}"

        def error(message: str) -> dict[str, Any]:
            return {"$id": "1", "message": message, "typeKey": "InvalidArgumentValueException"}

        class Handler(JsonHandler):
            def _ok(self, version: str = "7.1") -> bool:
                basic = "Basic " + base64.b64encode(f":{az.token}".encode()).decode()
                if self.headers.get("Authorization") != (basic if az.pat else f"Bearer {az.token}"):
                    self._send(
                        401, error("TF400813: The user is not authorized to access this resource.")
                    )
                    return False
                got = parse_qs(self.path.partition("?")[2]).get("api-version", [""])[0]
                if got != version:
                    self._send(
                        400,
                        error(f"VS800075: The requested REST API version '{got}' is not supported"),
                    )
                    return False
                return True

            def _path(self, method: str) -> str:
                path = self.path.partition("?")[0]
                az.requests.append((method, path))
                return path

            def do_GET(self) -> None:  # noqa: N802
                path = self._path("GET")
                if path == "/acme/_apis/connectionData":
                    if self._ok("7.1-preview"):
                        self._send(200, {"authenticatedUser": az.me, "instanceId": "x"})
                    return
                if not self._ok():
                    return
                if path == pr:
                    return self._send(
                        200,
                        {
                            "pullRequestId": az.pr,
                            "description": az.description,
                            "createdBy": az.author,
                            "lastMergeSourceCommit": {"commitId": az.head},
                            "lastMergeTargetCommit": {"commitId": az.base},
                            "lastMergeCommit": {"commitId": az.merge or az.head},
                            "repository": {
                                "webUrl": "https://dev.azure.test/acme/Shop%20Project/_git/shop"
                            },
                        },
                    )
                if path == f"{pr}/iterations":
                    return self._send(200, {"value": az.iterations, "count": len(az.iterations)})
                if path.startswith(f"{pr}/iterations/") and path.endswith("/changes"):
                    n = int(path.split("/")[-2])
                    return self._send(200, {"changeEntries": az.changes.get(n, [])})
                if path == f"{pr}/threads":
                    return self._send(200, {"value": az.threads, "count": len(az.threads)})
                return self._send(404, error("not found"))

            def do_POST(self) -> None:  # noqa: N802
                path, body = self._path("POST"), self._body()
                if not self._ok():
                    return
                if path == f"{pr}/threads":
                    ctx = body.get("threadContext")
                    if ctx is not None:
                        if not str(ctx.get("filePath", "")).startswith("/"):
                            return self._send(400, error("filePath must start with /"))
                        tracked = body.get("pullRequestThreadContext") or {}
                        n = (tracked.get("iterationContext") or {}).get("secondComparingIteration")
                        ids = {c["changeTrackingId"] for c in az.changes.get(n, [])}
                        if tracked.get("changeTrackingId") not in ids:
                            return self._send(
                                400, error("changeTrackingId is not a change of that iteration")
                            )
                    comments = [
                        {
                            "id": i + 1,
                            "content": c["content"],
                            "author": az.me,
                            "commentType": "text",
                        }
                        for i, c in enumerate(body["comments"])
                    ]
                    thread = {
                        "id": 500 + len(az.threads),
                        "status": body.get("status", "unknown"),
                        "threadContext": ctx,
                        "pullRequestThreadContext": body.get("pullRequestThreadContext"),
                        "comments": comments,
                        "isDeleted": False,
                    }
                    az.threads.append(thread)
                    return self._send(200, thread)
                if path == f"{pr}/statuses":
                    if body.get("state") not in STATES or not (body.get("context") or {}).get(
                        "name"
                    ):
                        return self._send(400, error("a status needs a state and a context name"))
                    az.statuses.append(body)
                    return self._send(201, body)
                return self._send(404, error("not found"))

            def do_PATCH(self) -> None:  # noqa: N802
                path, body = self._path("PATCH"), self._body()
                if not self._ok():
                    return
                if path == pr:
                    if len(body.get("description", "")) > 4000:
                        return self._send(
                            400, error("The description can not exceed 4000 characters.")
                        )
                    az.description = body["description"]
                    return self._send(200, {"pullRequestId": az.pr, "description": az.description})
                for t in az.threads:
                    for c in t["comments"]:
                        if path == f"{pr}/threads/{t['id']}/comments/{c['id']}":
                            c["content"] = body["content"]
                            return self._send(200, c)
                return self._send(404, error("not found"))

        return Handler

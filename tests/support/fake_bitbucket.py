"""A strict stand-in for Bitbucket Cloud's REST API (2.0) on 127.0.0.1: the pull request
(12-character commit hashes, as Bitbucket gives them), paged comments (`values`, `next`), inline
comments, which Bitbucket accepts on any line (so the test, not the server, checks placement), the
token as Bearer, the current user, the description, and Code Insights reports with annotations (at
most 100 a request, summaries at most 450 characters: refused otherwise, as the real API does)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.http import JsonHandler


class FakeBitbucket:
    def __init__(self, head: str, base: str, token: str = "bb-token") -> None:
        self.workspace, self.slug, self.pr = "acme", "shop", 7
        self.head, self.base, self.token = head, base, token
        self.me = {"uuid": "{bot}", "display_name": "codepilot bot"}
        self.author = {"uuid": "{author}"}
        self.description = "Written by the author."
        self.comments: list[dict[str, Any]] = []
        self.reports: dict[str, dict[str, Any]] = {}
        self.annotations: dict[str, list[dict[str, Any]]] = {}
        self.requests: list[tuple[str, str]] = []
        self._next = 1000
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/2.0"

    def env(self) -> dict[str, str]:
        return {
            "BITBUCKET_WORKSPACE": self.workspace,
            "BITBUCKET_REPO_SLUG": self.slug,
            "BITBUCKET_PR_ID": str(self.pr),
            "BITBUCKET_TOKEN": self.token,
            "BITBUCKET_API_URL": self.url,
            "BITBUCKET_COMMIT": self.head,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        bb = self
        repo = f"/2.0/repositories/{self.workspace}/{self.slug}"
        pr = f"{repo}/pullrequests/{self.pr}"

        class Handler(JsonHandler):
            def _ok(self) -> bool:
                if self.headers.get("Authorization") != f"Bearer {bb.token}":
                    self._send(401, {"type": "error", "error": {"message": "Unauthorized"}})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                path, _, query = self.path.partition("?")
                bb.requests.append(("GET", path))
                if not self._ok():
                    return
                if path == "/2.0/user":
                    return self._send(200, bb.me)
                if path == pr:
                    return self._send(
                        200,
                        {
                            "id": bb.pr,
                            "description": bb.description,
                            "author": bb.author,
                            "source": {"commit": {"hash": bb.head[:12]}},
                            "destination": {"commit": {"hash": bb.base[:12]}},
                            "links": {
                                "html": {"href": "https://bitbucket.test/acme/shop/pull-requests/7"}
                            },
                        },
                    )
                if path == f"{pr}/comments":
                    page = int(
                        dict(q.split("=") for q in query.split("&") if "=" in q).get("page", "1")
                    )
                    # small pages: the client must follow `next`
                    chunk = bb.comments[(page - 1) * 2 : page * 2]
                    body: dict[str, Any] = {"values": chunk, "pagelen": 2}
                    if page * 2 < len(bb.comments):
                        body["next"] = f"{bb.url}{path.removeprefix('/2.0')}?page={page + 1}"
                    return self._send(200, body)
                return self._send(404, {"type": "error", "error": {"message": "Not found"}})

            def do_POST(self) -> None:  # noqa: N802
                path, body = self.path.partition("?")[0], self._body()
                bb.requests.append(("POST", path))
                if not self._ok():
                    return
                if path == f"{pr}/comments":
                    bb._next += 1
                    c = {
                        "id": bb._next,
                        "content": {"raw": body["content"]["raw"]},
                        "user": bb.me,
                        "deleted": False,
                    }
                    if "inline" in body:
                        c["inline"] = body["inline"]
                    bb.comments.append(c)
                    return self._send(201, c)
                if path.startswith(f"{repo}/commit/") and path.endswith("/annotations"):
                    key = path.rsplit("/annotations", 1)[0]
                    if not isinstance(body, list) or len(body) > 100:
                        return self._send(
                            400, {"type": "error", "error": {"message": "at most 100 annotations"}}
                        )
                    if any(len(a.get("summary", "")) > 450 for a in body):
                        return self._send(
                            400, {"type": "error", "error": {"message": "summary too long"}}
                        )
                    bb.annotations.setdefault(key, []).extend(body)
                    return self._send(200, body)
                return self._send(404, {"type": "error", "error": {"message": "Not found"}})

            def do_PUT(self) -> None:  # noqa: N802
                path, body = self.path.partition("?")[0], self._body()
                bb.requests.append(("PUT", path))
                if not self._ok():
                    return
                if path == pr:
                    bb.description = body["description"]
                    return self._send(200, {"id": bb.pr, "description": bb.description})
                if path.startswith(f"{repo}/commit/") and "/reports/" in path:
                    bb.reports[path] = body
                    return self._send(200, body)
                for c in bb.comments:
                    if path == f"{pr}/comments/{c['id']}":
                        c["content"] = {"raw": body["content"]["raw"]}
                        return self._send(200, c)
                return self._send(404, {"type": "error", "error": {"message": "Not found"}})

        return Handler

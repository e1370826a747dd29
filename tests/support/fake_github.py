"""A strict stand-in for the GitHub REST API on 127.0.0.1: pull request review comments must sit on
lines of the pull request's diff (RIGHT side, start and end in one hunk) or the whole review is
refused with 422, as GitHub does; issue comments can be listed, created and edited; a read-only
token gets 403."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.http import JsonHandler


class FakeGitHub:
    def __init__(
        self, repository: str, number: int, hunks: dict[str, list[tuple[int, int]]]
    ) -> None:
        self.repository, self.number = repository, number
        self.hunks = hunks  # path -> [(first new line, last new line)] of each hunk
        self.review_comments: list[dict[str, Any]] = []
        self.reviews: list[dict[str, Any]] = []
        self.issue_comments: list[dict[str, Any]] = []
        self.refuse: set[tuple[str, int]] = set()  # (path, line) refused even on the diff
        self.pr_body: str | None = "Notes by the author."
        self.requests: list[tuple[str, str]] = []
        self.read_only_token = "read-only"
        # token -> login of GET /user (None: 403, as GITHUB_TOKEN)
        self.users = {
            "t0ken": None,
            "read-only": None,
        }
        self.bot = "github-actions[bot]"  # who a token without a user writes as
        self.link_next: str | None = (
            None  # a Link rel="next" sent with the review comments (hostile tests)
        )
        self.malformed = False  # answer the review comments with {} instead of a list
        self._next_id = 100
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _valid(self, c: dict[str, Any]) -> bool:
        line, start = c.get("line"), c.get("start_line", c.get("line"))
        if c.get("side", "RIGHT") != "RIGHT" or (c["path"], line) in self.refuse:
            return False
        return any(a <= start <= line <= b for a, b in self.hunks.get(c["path"], []))

    def _id(self) -> int:
        self._next_id += 1
        return self._next_id

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gh = self
        base = f"/repos/{self.repository}"

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                gh.requests.append(("GET", path))
                if path == f"{base}/pulls/{gh.number}/comments":
                    if gh.malformed:
                        return self._send(200, {})
                    if gh.link_next:
                        return self._send(
                            200, gh.review_comments, {"Link": f'<{gh.link_next}>; rel="next"'}
                        )
                    return self._send(200, gh.review_comments)
                if path == f"{base}/issues/{gh.number}/comments":
                    return self._send(200, gh.issue_comments)
                if path == f"{base}/pulls/{gh.number}":
                    return self._send(200, {"number": gh.number, "body": gh.pr_body})
                if path == "/user":
                    login = gh.users.get(self._token())
                    if login is None:
                        return self._send(
                            403, {"message": "Resource not accessible by integration"}
                        )
                    return self._send(200, {"login": login})
                m = re.fullmatch(rf"{re.escape(base)}/pulls/comments/(\d+)/reactions", path)
                for c in gh.review_comments if m else []:
                    if c["id"] == int(m.group(1)):  # type: ignore[union-attr]
                        return self._send(200, c.get("reaction_list", []))
                return self._send(404, {"message": "Not Found"})

            def _token(self) -> str:
                return (self.headers.get("Authorization") or "").removeprefix("Bearer ")

            def _writer(self) -> dict[str, str]:
                return {"login": gh.users.get(self._token()) or gh.bot}

            def do_POST(self) -> None:  # noqa: N802
                path, body = self.path.split("?")[0], self._body()
                gh.requests.append(("POST", path))
                if self.headers.get("Authorization") == f"Bearer {gh.read_only_token}":
                    return self._send(403, {"message": "Resource not accessible by integration"})
                if path == f"{base}/pulls/{gh.number}/reviews":
                    if body.get("event") != "COMMENT" or not re.fullmatch(
                        r"[0-9a-f]{40}", body.get("commit_id", "")
                    ):
                        return self._send(422, {"message": "Unprocessable Entity"})
                    if not all(gh._valid(c) for c in body.get("comments", [])):
                        return self._send(
                            422,
                            {
                                "message": "Unprocessable Entity",
                                "errors": ["Line could not be resolved"],
                            },
                        )
                    gh.reviews.append(body)
                    for c in body.get("comments", []):
                        gh.review_comments.append({**c, "id": gh._id(), "user": self._writer()})
                    return self._send(200, {"id": gh._id()})
                if path == f"{base}/issues/{gh.number}/comments":
                    c = {
                        "id": gh._id(),
                        "body": body["body"],
                        "html_url": f"https://github.test/c/{gh._next_id}",
                        "user": self._writer(),
                    }
                    gh.issue_comments.append(c)
                    return self._send(201, c)
                return self._send(404, {"message": "Not Found"})

            def do_PATCH(self) -> None:  # noqa: N802
                path, body = self.path.split("?")[0], self._body()
                gh.requests.append(("PATCH", path))
                if path == f"{base}/pulls/{gh.number}":
                    gh.pr_body = body["body"]
                    return self._send(200, {"number": gh.number, "body": gh.pr_body})
                m = re.fullmatch(rf"{re.escape(base)}/issues/comments/(\d+)", path)
                for c in gh.issue_comments if m else []:
                    if c["id"] == int(m.group(1)):  # type: ignore[union-attr]
                        c["body"] = body["body"]
                        return self._send(200, c)
                return self._send(404, {"message": "Not Found"})

        return Handler

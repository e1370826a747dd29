"""A strict stand-in for the GitLab REST API (v4) on 127.0.0.1: merge request description reads and
updates, with the token checked as GitLab checks `PRIVATE-TOKEN`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.http import JsonHandler


class FakeGitLab:
    def __init__(
        self,
        project: str = "42",
        iid: int = 7,
        token: str = "glpat-test",
        hunks: dict[str, list[tuple[int, int]]] | None = None,
        refs: dict[str, str] | None = None,
    ) -> None:
        self.project, self.iid, self.token = project, iid, token
        self.description: str | None = "Written by the author."
        self.hunks = hunks or {}  # new_path -> new-line ranges of the merge request's diff
        self.refs = refs or {"base_sha": "b" * 40, "start_sha": "b" * 40, "head_sha": "a" * 40}
        self.discussions: list[dict[str, Any]] = []
        self.notes: list[dict[str, Any]] = []
        self.refuse: set[tuple[str, int]] = set()
        self.bot = "project_42_bot"  # the token's user (a project access token is a bot user)
        self.author = "author"  # the merge request's author
        self._next = 500
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v4"

    def env(self) -> dict[str, str]:
        return {
            "CI_API_V4_URL": self.url,
            "CI_PROJECT_ID": self.project,
            "CI_MERGE_REQUEST_IID": str(self.iid),
            "GITLAB_TOKEN": self.token,
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        gl = self
        mr_path = f"/api/v4/projects/{self.project}/merge_requests/{self.iid}"

        class Handler(JsonHandler):
            def _authorized(self) -> bool:
                if self.headers.get("PRIVATE-TOKEN") != gl.token:
                    self._send(401, {"message": "401 Unauthorized"})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                gl.requests.append(("GET", self.path))
                if not self._authorized():
                    return
                path, _, query = self.path.partition("?")
                page = int(
                    dict(q.split("=") for q in query.split("&") if "=" in q).get("page", "1")
                )
                if path == mr_path:
                    return self._send(
                        200,
                        {
                            "iid": gl.iid,
                            "description": gl.description,
                            "diff_refs": gl.refs,
                            "author": {"username": gl.author},
                            "web_url": f"https://gitlab.test/p/-/merge_requests/{gl.iid}",
                        },
                    )
                if path == "/api/v4/user":
                    return self._send(200, {"id": 1, "username": gl.bot})
                if path == f"{mr_path}/discussions":
                    return self._send(200, gl.discussions[(page - 1) * 100 : page * 100])
                if path == f"{mr_path}/notes":
                    return self._send(200, gl.notes[(page - 1) * 100 : page * 100])
                return self._send(404, {"message": "404 Not found"})

            def do_POST(self) -> None:  # noqa: N802
                gl.requests.append(("POST", self.path))
                if not self._authorized():
                    return
                body = self._body() or {}
                gl._next += 1
                if self.path == f"{mr_path}/discussions":
                    pos = body.get("position") or {}
                    line, path = pos.get("new_line"), pos.get("new_path")
                    on_diff = any(a <= (line or 0) <= b for a, b in gl.hunks.get(path, []))
                    shas = all(
                        pos.get(k) == gl.refs[k] for k in ("base_sha", "start_sha", "head_sha")
                    )
                    if (
                        not (on_diff and shas and pos.get("position_type") == "text")
                        or (path, line) in gl.refuse
                    ):
                        return self._send(
                            400, {"message": {"base": ['Note {:line_code=>["can\'t be blank"]}']}}
                        )
                    note = {
                        "id": gl._next,
                        "body": body["body"],
                        "position": pos,
                        "resolved": False,
                        "author": {"username": gl.bot},
                    }
                    gl.discussions.append({"id": f"d{gl._next}", "notes": [note]})
                    return self._send(201, {"id": f"d{gl._next}", "notes": [note]})
                if self.path == f"{mr_path}/notes":
                    note = {"id": gl._next, "body": body["body"], "author": {"username": gl.bot}}
                    gl.notes.append(note)
                    return self._send(201, note)
                return self._send(404, {"message": "404 Not found"})

            def do_PUT(self) -> None:  # noqa: N802
                gl.requests.append(("PUT", self.path))
                if not self._authorized():
                    return
                body = self._body() or {}
                for note in gl.notes:
                    if self.path == f"{mr_path}/notes/{note['id']}":
                        note["body"] = body["body"]
                        return self._send(200, note)
                if self.path.split("?")[0] == mr_path and isinstance(body.get("description"), str):
                    gl.description = body["description"]
                    return self._send(200, {"iid": gl.iid, "description": gl.description})
                return self._send(400, {"message": "400 Bad request"})

        return Handler

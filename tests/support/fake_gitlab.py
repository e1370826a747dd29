"""A strict stand-in for the GitLab REST API (v4) on 127.0.0.1: merge request description reads and
updates, with the token checked as GitLab checks `PRIVATE-TOKEN`."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.http import JsonHandler


class FakeGitLab:
    def __init__(self, project: str = "42", iid: int = 7, token: str = "glpat-test") -> None:
        self.project, self.iid, self.token = project, iid, token
        self.description: str | None = "Written by the author."
        self.requests: list[tuple[str, str]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

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
                if self.path.split("?")[0] == mr_path:
                    return self._send(
                        200,
                        {
                            "iid": gl.iid,
                            "description": gl.description,
                            "web_url": f"https://gitlab.test/p/-/merge_requests/{gl.iid}",
                        },
                    )
                return self._send(404, {"message": "404 Not found"})

            def do_PUT(self) -> None:  # noqa: N802
                gl.requests.append(("PUT", self.path))
                if not self._authorized():
                    return
                body = self._body() or {}
                if self.path.split("?")[0] == mr_path and isinstance(body.get("description"), str):
                    gl.description = body["description"]
                    return self._send(200, {"iid": gl.iid, "description": gl.description})
                return self._send(400, {"message": "400 Bad request"})

        return Handler

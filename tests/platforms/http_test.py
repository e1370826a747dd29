"""The platforms' one HTTP client (platforms/http.py) against a scripted server on 127.0.0.1,
through httpx itself: retries on rate limits and server errors (Retry-After honoured), none on a
refusal; the token never in a message; nothing followed to another origin; pages by Link or by
number; a wrong shape or a body that is not JSON is one clear error."""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from codepilot.platforms.http import ApiError, Client
from tests.support.http import JsonHandler

TOKEN = "tok-3f9a1b2c4d5e6f7a8b9c"

Reply = tuple[int, Any, dict[str, str]]


class Scripted:
    """Answers in order, then 200 []; every request's method, path and headers recorded."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        scripted = self

        class Handler(JsonHandler):
            def do_GET(self) -> None:  # noqa: N802
                scripted.seen.append(("GET", self.path, dict(self.headers)))
                code, body, headers = (
                    scripted.replies.popleft() if scripted.replies else (200, [], {})
                )
                if isinstance(body, bytes):
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._send(code, body, headers)

            do_POST = do_GET  # noqa: N815

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"

    def client(self, **extra: Any) -> Client:
        return Client(
            "Platform",
            self.url,
            {"Authorization": f"Bearer {TOKEN}"},
            secrets=(TOKEN,),
            refused="it needs pull request write",
            backoff=0.0,
            **extra,
        )


@pytest.fixture
def api() -> Iterator[Scripted]:
    s = Scripted()
    yield s
    s.server.shutdown()
    s.server.server_close()


def test_server_errors_and_rate_limits_are_retried(api: Scripted) -> None:
    api.replies.extend(
        [(503, {"message": "busy"}, {}), (429, {}, {"Retry-After": "0"}), (200, {"ok": 1}, {})]
    )
    assert api.client().call("GET", "/x") == {"ok": 1}
    assert len(api.seen) == 3 and api.seen[0][2]["Authorization"] == f"Bearer {TOKEN}"


def test_retries_end_in_one_clear_error(api: Scripted) -> None:
    api.replies.extend([(502, {"message": "bad gateway"}, {})] * 3)
    with pytest.raises(ApiError, match="HTTP 502: bad gateway") as e:
        api.client(retries=2).call("GET", "/x")
    assert e.value.status == 502 and len(api.seen) == 3


def test_a_refusal_is_not_retried_and_never_shows_the_token(api: Scripted) -> None:
    api.replies.append((401, {"message": f"bad credentials {TOKEN}"}, {}))
    with pytest.raises(ApiError) as e:
        api.client().call("POST", "/comments", {"body": "x"})
    assert len(api.seen) == 1 and e.value.status == 401
    assert "pull request write" in str(e.value) and TOKEN not in str(e.value)
    api.replies.append((404, {"message": f"no such thing for {TOKEN}"}, {}))
    with pytest.raises(ApiError) as e:
        api.client().call("GET", "/missing")
    assert str(e.value) == "HTTP 404: no such thing for ***"


def test_nothing_is_followed_to_another_origin(api: Scripted) -> None:
    api.replies.append(
        (200, [{"id": 1}], {"Link": '<http://127.0.0.2:9/api/x?page=2>; rel="next"'})
    )
    with pytest.raises(ApiError, match="another origin"):
        api.client().listing("/x")
    assert len(api.seen) == 1  # the next page was never asked for, with or without the token
    with pytest.raises(ApiError, match="another origin"):
        api.client().call("GET", "https://evil.example/api/x")


def test_pages_by_link_and_by_number(api: Scripted) -> None:
    nxt = f'<{api.url}/x?page=2&per_page=100>; rel="next"'
    api.replies.extend([(200, [{"id": 1}], {"Link": nxt}), (200, [{"id": 2}], {})])
    assert [i["id"] for i in api.client().listing("/x")] == [1, 2]
    api.seen.clear()
    api.replies.extend([(200, [{"id": i} for i in range(100)], {}), (200, [{"id": 100}], {})])
    assert len(api.client().listing("/y")) == 101
    assert "page=2" in api.seen[1][1]


def test_wrong_shapes_and_bodies_that_are_not_json(api: Scripted) -> None:
    api.replies.append((200, {"not": "a list"}, {}))
    with pytest.raises(ApiError, match="something other than a list of objects"):
        api.client().listing("/x")
    api.replies.append((200, b"<html>proxy error</html>", {}))
    with pytest.raises(ApiError, match="not JSON"):
        api.client().call("GET", "/x")
    api.replies.append((204, b"", {}))
    assert api.client().call("POST", "/x", {"a": json.dumps(1)}) is None


def test_an_unreachable_server_is_one_line_after_the_retries() -> None:
    with pytest.raises(ApiError, match="cannot reach Platform") as e:
        Client("Platform", "http://127.0.0.1:9/api", {}, retries=1, backoff=0.0).call("GET", "/x")
    assert e.value.status == 0 and "\n" not in str(e.value)

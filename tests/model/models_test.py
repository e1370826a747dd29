"""Every provider's failures are request failures (issue 23, item 15): a non-OpenAI provider through
its real SDK against a strict stand-in on loopback ends in the same one-line messages and exit
codes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer

import pytest

from tests.support.http import JsonHandler
from tests.support.repos import GitRepo, run_cli, user_config

pytest.importorskip("langchain_anthropic")


class _Anthropic(JsonHandler):
    """POST /v1/messages as Anthropic's API answers a wrong key (401) or an overload (529)."""

    status = 401

    def do_POST(self) -> None:  # noqa: N802
        self._body()
        kind = "authentication_error" if self.status == 401 else "overloaded_error"
        self._send(
            self.status, {"type": "error", "error": {"type": kind, "message": "invalid x-api-key"}}
        )


@pytest.fixture
def anthropic_server() -> Iterator[tuple[str, type[_Anthropic]]]:
    handler = type("Handler", (_Anthropic,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", handler
    server.shutdown()
    server.server_close()


def _change(repo: GitRepo) -> None:
    user_config("network_retries = 0\n")  # the SDK's own backoff is not what is tested
    repo.write("a.py", "def f(x):\n    return x\n")
    repo.commit("base")
    repo.write("a.py", "def f(x):\n    return 1 / x\n")


def test_a_wrong_anthropic_key_is_one_line_and_exit_3(
    repo: GitRepo, anthropic_server, capsys, monkeypatch
) -> None:
    url, handler = anthropic_server
    _change(repo)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong")
    args = ["review", "--model", "anthropic:claude-test", "--base-url", url, "--format", "json"]
    code, out, err = run_cli(args, repo.root, capsys, monkeypatch)
    assert code == 3 and "internal error" not in err and len(err.strip().splitlines()) == 1, err
    assert "refused the credentials" in err and "sk-ant-wrong" not in out + err


def test_an_overloaded_anthropic_server_is_a_request_failure(
    repo: GitRepo, anthropic_server, capsys, monkeypatch
) -> None:
    url, handler = anthropic_server
    handler.status = 529
    _change(repo)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    args = ["review", "--model", "anthropic:claude-test", "--base-url", url, "--format", "json"]
    code, out, err = run_cli(args, repo.root, capsys, monkeypatch)
    assert code == 3 and "internal error" not in err, err
    assert json.loads(out)["errors"] and "HTTP 529" in json.loads(out)["errors"][0]["error"]

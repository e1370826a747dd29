"""A small OpenAI-compatible server on 127.0.0.1 for the tests, reached through the real openai /
LangChain client. Script it with `enqueue()`; read what it received in `history`.

Each queued item answers one request:
  dict / list          the JSON answer (as message content, or as a tool call when tools were sent)
  Raw(text, finish)    this exact content (prose, cut-off JSON, ...)
  Status(code, ...)    an HTTP error (429 with Retry-After, 500, 401, ...)
  Delay(seconds, item) answer `item` after a pause
  callable(body)       computes the item from the request body
When the queue is empty, `default` answers (an empty review unless set)."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Raw:
    text: str
    finish: str = "stop"


@dataclass
class Status:
    code: int
    message: str = "error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Delay:
    seconds: float
    item: Any


class FakeOpenAI:
    def __init__(self) -> None:
        self.queue: deque[Any] = deque()
        self.history: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        self.default: Any = {"findings": []}
        self.json_schema_supported = True
        self.refusal = "response_format json_schema is not supported"
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def enqueue(self, *items: Any) -> None:
        with self._lock:
            self.queue.extend(items)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _next(self) -> Any:
        with self._lock:
            return self.queue.popleft() if self.queue else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(
                    self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}"
                )
                with fake._lock:
                    fake.history.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                rf = body.get("response_format") or {}
                if rf.get("type") == "json_schema" and not fake.json_schema_supported:
                    return self._send(
                        400, {"error": {"message": fake.refusal, "type": "invalid_request_error"}}
                    )
                item = fake._next()
                while True:
                    if callable(item) and not isinstance(item, type):
                        item = item(body)
                    elif isinstance(item, Delay):
                        time.sleep(item.seconds)
                        item = item.item
                    else:
                        break
                if isinstance(item, Status):
                    return self._send(
                        item.code,
                        {"error": {"message": item.message, "type": "server_error"}},
                        item.headers,
                    )
                if isinstance(item, Raw):
                    return self._send(200, _completion(body, item.text, item.finish))
                text = json.dumps(item)
                return self._send(200, _completion(body, text, "stop"))

            def _send(
                self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _completion(body: dict[str, Any], text: str, finish: str) -> dict[str, Any]:
    prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if body.get("tools") and finish == "stop":
        name = body["tools"][0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": name, "arguments": text}}
            ],
        }
        finish = "tool_calls"
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": max(1, len(text) // 4),
            "total_tokens": prompt + max(1, len(text) // 4),
        },
    }


def finding(
    path: str,
    line: int,
    *,
    severity: str = "error",
    category: str = "bug",
    title: str = "Bug",
    body: str = "Explained.",
    end_line: int | None = None,
    fix: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "path": path,
        "line": line,
        "end_line": end_line,
        "severity": severity,
        "category": category,
        "title": title,
        "body": body,
        "fix": fix,
    }


Responder = Callable[[dict[str, Any]], Any]

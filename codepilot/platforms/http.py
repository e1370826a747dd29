"""The one HTTP client every platform uses (httpx): retries with backoff on rate limits, server
errors and dropped connections; JSON in and out; and the rules that keep a token safe (issue 28):

- a request goes only to the API's own origin (scheme, host, port): a `Link: <http://other/...>;
  rel="next"` header or an absolute URL elsewhere is refused, never followed with the token;
- the token never appears in an error message (a server that echoes it is cut short);
- an answer of the wrong shape (`{}` where a list belongs) is a platform error, one line, exit 3."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from codepilot.runtime.errors import ServiceError

RETRY_STATUS = {429, 500, 502, 503, 504}
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ApiError(ServiceError):
    """The platform refused a request (`status`) or could not be reached (`status` 0)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class Client:
    def __init__(
        self,
        name: str,
        api: str,
        headers: dict[str, str],
        secrets: tuple[str, ...] = (),
        refused: str = "",
        retries: int = 3,
        backoff: float = 1.0,
        timeout: float = 30.0,
    ) -> None:
        self.name, self.api = name, api.rstrip("/")
        self._origin = origin(self.api)
        self._secrets = tuple(s for s in secrets if s)
        self.refused = refused  # what a refused token (401, 403) needs, said with the refusal
        self.retries, self.backoff = retries, backoff
        self._http = httpx.Client(
            headers={"User-Agent": "codepilot", "Content-Type": "application/json", **headers},
            timeout=timeout,
            follow_redirects=False,  # a redirect elsewhere would carry the token there
        )

    def clean(self, text: str) -> str:
        """A message as it may be shown: one line, short, with no token in it."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return " ".join(text.split())[:300]

    def url(self, path: str) -> str:
        url = path if re.match(r"(?i)https?://", path) else f"{self.api}{path}"
        if origin(url) != self._origin:
            host = urlsplit(url).netloc or url
            raise ApiError(
                0, self.clean(f"{self.name} pointed to another origin ({host}): not followed")
            )
        return url

    def call(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> Any:
        return self.request(method, path, body, params)[0]

    def request(
        self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None
    ) -> tuple[Any, httpx.Headers]:
        """The decoded JSON answer (None when empty) and the headers; ApiError when refused."""
        url = self.url(path)
        content = None if body is None else json.dumps(body).encode()
        for attempt in range(self.retries + 1):
            try:
                resp = self._http.request(method, url, content=content, params=params)
            except httpx.HTTPError as e:
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
                    continue
                raise ApiError(
                    0, self.clean(f"cannot reach {self.name} at {self.api}: {e}")
                ) from None
            if resp.status_code in RETRY_STATUS and attempt < self.retries:
                time.sleep(_wait(resp, self.backoff * 2**attempt))
                continue
            if resp.status_code in (401, 403) and self.refused:
                why = f"{self.name} refused the token (HTTP {resp.status_code}): {self.refused}"
                raise ApiError(resp.status_code, self.clean(why))
            if resp.status_code >= 400 or 300 <= resp.status_code < 400:
                raise ApiError(
                    resp.status_code, self.clean(f"HTTP {resp.status_code}: {_message(resp)}")
                )
            try:
                return (resp.json() if resp.content.strip() else None), resp.headers
            except ValueError:
                raise ApiError(
                    resp.status_code, f"{self.name} answered something that is not JSON"
                ) from None
        raise AssertionError("unreachable")

    def listing(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Every item of a paginated list: `Link: rel="next"` pages where the platform sends them
        (GitHub; only on the API's own origin), else numbered pages (`page=`) until one is short;
        each page must be a list of objects."""
        out: list[dict[str, Any]] = []
        url: str | None = path
        query: dict[str, Any] = {"per_page": 100, **(params or {})}
        for number in range(1, 101):
            data, headers = self.request("GET", url or path, params=query)
            items = self.items(data, path)
            out.extend(items)
            m = _LINK_NEXT.search(headers.get("link", ""))
            if m:
                url, query = m.group(1), {}  # the next URL carries its own query
            elif len(items) >= 100:
                url, query = path, {"per_page": 100, **(params or {}), "page": number + 1}
            else:
                break
        return out

    def items(self, data: Any, what: str) -> list[dict[str, Any]]:
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise ApiError(
                0, f"{self.name} answered {what} with something other than a list of objects"
            )
        return data

    def object(self, data: Any, what: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise ApiError(0, f"{self.name} answered {what} with something other than an object")
        return data

    def close(self) -> None:
        self._http.close()


class PlatformApi:
    """A platform's API as codepilot uses it: the one client, and who codepilot writes as there.
    Only what that identity wrote is read for state (anyone can paste a marker into a comment of
    their own, see issue 28). Subclasses say where an item names its author and how to ask who we
    are."""

    author_key = "user"  # the field of a comment that holds its author
    name_keys: tuple[str, ...] = ("login",)  # the author's fields that may name us

    def __init__(self, http: Client) -> None:
        self.http = http
        self._me: str | None = None
        self._asked = False

    def call(self, method: str, path: str, body: Any = None) -> Any:
        return self.http.call(method, path, body)

    def pages(self, path: str) -> list[dict[str, Any]]:
        return self.http.listing(path)

    def identity(self) -> str | None:
        raise NotImplementedError

    def me(self) -> str | None:
        if not self._asked:
            self._me, self._asked = self.identity() or None, True
        return self._me

    def ours(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        me = self.me()
        if me is None:  # who we are is unknown: nothing there is taken as ours
            return []
        return [
            c
            for c in items
            if isinstance(c.get(self.author_key), dict)
            and me in (c[self.author_key].get(k) for k in self.name_keys)
        ]


def _wait(resp: httpx.Response, default: float) -> float:
    try:
        return min(float(resp.headers.get("retry-after", default)), 60.0)
    except ValueError:
        return default


def _message(resp: httpx.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.text[:300]
    if isinstance(data, dict):
        msg = data.get("message", data.get("error", data))
        return msg if isinstance(msg, str) else json.dumps(msg)[:300]
    return str(data)[:300]


def require_env(
    names: tuple[str, ...], where: str, hint: str = "", number: str | None = None
) -> dict[str, str]:
    """The pipeline's variables `names`, or one usage line naming the missing ones (before anything
    is paid for); `number`: the one of them that must be a number (a pull request's id)."""
    import os

    from codepilot.runtime.errors import UsageError

    values = {k: os.environ.get(k, "") for k in names}
    missing = [k for k, v in values.items() if not v]
    if missing:
        raise UsageError(f"{where}: {', '.join(missing)} not set" + (f" ({hint})" if hint else ""))
    if number is not None and not values[number].isdigit():
        raise UsageError(f"{number} is not a number")
    return values

"""Our one model abstraction: `Model.execute(messages, schema) -> Reply`. OpenAI-compatible servers
are reached through the openai SDK alone; the other providers through LangChain. Either is imported
only when a model is really called, so the hook path never pays for it.

Providers: `openai:<model>` (Chat Completions, `--base-url` for any OpenAI-compatible server),
`ollama:<model>` (its OpenAI-compatible endpoint, localhost:11434 unless a base URL is given), and
the providers in PROVIDERS when their LangChain package is installed (`anthropic:` with
codepilot-review[anthropic])."""

from __future__ import annotations

import importlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from codepilot.runtime.errors import ServiceError, UsageError

DEFAULT_OPENAI_MODEL = "gpt-4.1-mini"
OLLAMA_URL = "http://localhost:11434/v1"
STRUCTURED_METHODS = ("json_schema", "function_calling", "json_mode")
# provider -> (package to install, module, chat class): each imported directly, no `langchain`
# needed
PROVIDERS = {
    "anthropic": ("codepilot-review[anthropic]", "langchain_anthropic", "ChatAnthropic"),
    "google_genai": ("langchain-google-genai", "langchain_google_genai", "ChatGoogleGenerativeAI"),
    "mistralai": ("langchain-mistralai", "langchain_mistralai", "ChatMistralAI"),
    "groq": ("langchain-groq", "langchain_groq", "ChatGroq"),
    "bedrock": ("langchain-aws", "langchain_aws", "ChatBedrockConverse"),
}
KNOWN_PROVIDERS = ("openai", "ollama", *PROVIDERS)


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __iadd__(self, other: Usage) -> Usage:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        return self


@dataclass
class Reply:
    """One answer: the parsed JSON (None when it could not be parsed), the raw text, the usage."""

    data: Any
    text: str
    usage: Usage = field(default_factory=Usage)
    problem: str | None = None  # why `data` is missing: prose, cut off, ...


class RequestFailed(Exception):
    """The request could not be done after the client's retries (network, 429, 5xx, timeout);
    `usage` counts the answers of this request that came before (re-asks: each was billed)."""

    usage: Usage | None = None
    attempts: int = 0


class Model(Protocol):
    id: str
    provider: str
    name: str
    base_url: str | None

    def execute(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply: ...


@dataclass(frozen=True)
class ModelSpec:
    provider: str
    name: str
    base_url: str | None

    @property
    def id(self) -> str:
        """Which model at which server: the cache key's part (never shown: an address is no
        label)."""
        return f"{self.provider}:{self.name}" + (f"@{self.base_url}" if self.base_url else "")

    @property
    def label(self) -> str:
        """The model as reports, comments, the history and the JSON name it: no server address
        (issue 23: `openai:gpt-4.1-mini@http://127.0.0.1:42501/v1` reached PR comments and client
        reports)."""
        name = f"{self.provider}:{self.name}"
        if not self.base_url or (self.provider == "ollama" and self.base_url == OLLAMA_URL):
            return name
        from urllib.parse import urlsplit

        host = (urlsplit(self.base_url).hostname or "").lower()
        local = (
            host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")
        )
        return f"{name} ({'local' if local else 'own'} server)"


NO_MODEL = (
    "no model configured: pass --model (e.g. openai:gpt-4.1-mini or ollama:qwen2.5-coder:7b), set "
    "CODEPILOT_MODEL, set model in [tool.codepilot] or .codepilot.toml, or set OPENAI_API_KEY; "
    "--dry-run works without one"
)


def resolve(model: str | None, base_url: str | None, need_key: bool = True) -> ModelSpec:
    """--model / CODEPILOT_MODEL / config (already merged into `model`), else OpenAI's default model
    when OPENAI_API_KEY is set; otherwise a usage error naming the ways to configure one.
    `need_key=False`: the model a run would use once its key is set (an estimate prices it without
    the key)."""
    if not model:
        if need_key and not os.environ.get("OPENAI_API_KEY"):
            raise UsageError(NO_MODEL)
        model = f"openai:{DEFAULT_OPENAI_MODEL}"
    provider, sep, name = model.partition(":")
    if not sep or not name:
        provider, name = "openai", model
    provider = provider.strip().lower()
    if provider == "ollama":
        return ModelSpec("ollama", name, base_url or OLLAMA_URL)
    if provider not in KNOWN_PROVIDERS:
        raise UsageError(
            f"unknown provider {provider!r} in {model!r}: use one of {', '.join(KNOWN_PROVIDERS)} "
            "(e.g. openai:gpt-4.1-mini)"
        )
    if need_key and provider == "openai" and not base_url and not os.environ.get("OPENAI_API_KEY"):
        raise UsageError(
            f"model {model} needs OPENAI_API_KEY (or --base-url for a local OpenAI-compatible "
            "server)"
        )
    return ModelSpec(provider, name, base_url)


class _Structured:
    """Structured output by JSON schema, falling back to tool calling and then JSON mode for servers
    that lack it (remembered for the rest of the run); each client says how one way is asked
    (`_call`)."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.id, self.provider, self.name, self.base_url = (
            spec.id,
            spec.provider,
            spec.name,
            spec.base_url,
        )
        self.label = spec.label
        self._method = 0
        self._lock = threading.Lock()

    def _call(self, method: str, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply:
        raise NotImplementedError

    def execute(self, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply:
        while True:
            method = STRUCTURED_METHODS[self._method]
            try:
                return self._call(method, messages, schema)
            except _Unsupported as e:
                with self._lock:
                    if STRUCTURED_METHODS[self._method] == method:
                        if self._method + 1 >= len(STRUCTURED_METHODS):
                            raise RequestFailed(
                                f"the server supports no structured output: {e}"
                            ) from None
                        self._method += 1

    def _failure(self, e: Exception, method: str) -> Exception | None:
        """An OpenAI SDK failure as ours (None: not one of them)."""
        import openai

        if isinstance(e, openai.BadRequestError):
            # A server that refuses this way of asking for structure (whatever its wording) gets the
            # next way; the request itself is refused only when no way is left.
            if method != STRUCTURED_METHODS[-1] or _is_unsupported(e, method):
                return _Unsupported(_message(e))
            return RequestFailed(f"the server refused the request: {_message(e)}")
        if isinstance(e, openai.AuthenticationError | openai.PermissionDeniedError):
            return ServiceError(
                f"the model server refused the credentials for {self.label}: {_message(e)}"
            )
        if isinstance(e, openai.NotFoundError):
            return ServiceError(f"model {self.name} not found on the server: {_message(e)}")
        if isinstance(e, openai.APITimeoutError):
            return RequestFailed("timed out")
        if isinstance(e, openai.APIConnectionError):
            return RequestFailed(f"cannot reach the model server of {self.label}: {_cause(e)}")
        if isinstance(e, openai.APIStatusError):
            return RequestFailed(f"HTTP {e.status_code} from the model server: {_message(e)}")
        return None


_FENCED = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)\n?\s*```", re.S)


def _loads(text: str) -> Any:
    """The JSON object of an answer, read as leniently as LangChain's parser reads it: inside a
    Markdown fence if there is one, control characters allowed in strings, prose around the object
    ignored."""
    m = _FENCED.search(text)
    body = (m.group(1) if m else text).strip()
    for candidate in (body, body[body.find("{") : body.rfind("}") + 1]):
        try:
            return json.loads(candidate, strict=False)
        except ValueError:
            continue
    return None


def _json_mode(messages: list[dict[str, str]], schema: dict[str, Any]) -> list[dict[str, str]]:
    return [
        *messages,
        {
            "role": "user",
            "content": "Answer with one JSON object matching this schema:\n" + json.dumps(schema),
        },
    ]


class OpenAIModel(_Structured):
    """OpenAI-compatible servers (`openai:`, `ollama:`, `--base-url`) through the openai SDK alone:
    the requests LangChain's ChatOpenAI sends, without importing LangChain (1.65 s against 0.84 s
    for the SDK here: a small review paid it on every run; see issue 26, item 9)."""

    def __init__(
        self, spec: ModelSpec, timeout: float, network_retries: int, temperature: float = 0.0
    ) -> None:
        import openai

        super().__init__(spec)
        key = os.environ.get("OPENAI_API_KEY") if spec.provider == "openai" else None
        self.temperature = temperature
        self._client = openai.OpenAI(
            api_key=key or "not-needed",
            base_url=spec.base_url,
            timeout=timeout,
            max_retries=network_retries,
        )

    def _call(self, method: str, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply:
        name = str(schema.get("title") or "answer")
        body = {k: v for k, v in schema.items() if k not in ("title", "description")}
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": messages,
            "temperature": self.temperature,
        }
        if method == "json_schema":
            spec = {"name": name, "strict": True, "schema": body}
            if schema.get("description"):
                spec["description"] = schema["description"]
            kwargs["response_format"] = {"type": "json_schema", "json_schema": spec}
        elif method == "function_calling":
            function = {
                "name": name,
                "description": str(schema.get("description") or ""),
                "parameters": body,
            }
            kwargs["tools"] = [{"type": "function", "function": function}]
            kwargs["tool_choice"] = {"type": "function", "function": {"name": name}}
        else:
            kwargs["messages"] = _json_mode(messages, schema)
            kwargs["response_format"] = {"type": "json_object"}
        try:
            resp = self._client.chat.completions.create(**kwargs)
        except Exception as e:  # the SDK's failures as ours; anything else is raised as it is
            mapped = self._failure(e, method)
            if mapped is None:
                raise
            raise mapped from None
        usage = Usage()
        if resp.usage is not None:
            usage = Usage(
                int(resp.usage.prompt_tokens or 0), int(resp.usage.completion_tokens or 0)
            )
        if not resp.choices:
            return Reply(None, "", usage, "the answer is empty")
        choice = resp.choices[0]
        calls = choice.message.tool_calls or []
        if method == "function_calling":
            first = calls[0] if calls else None
            text = (
                getattr(getattr(first, "function", None), "arguments", None)
                or choice.message.content
                or ""
            )
        else:
            text = choice.message.content or ""
        data = _loads(text) if method != "function_calling" or calls else None
        if not isinstance(data, dict):
            cut = choice.finish_reason == "length"
            return Reply(
                None,
                text,
                usage,
                "the answer was cut off (max tokens reached)" if cut else "the answer is not JSON",
            )
        return Reply(data, text, usage)


class LangChainModel(_Structured):
    """The other providers' chat models through LangChain (Anthropic, Google, Mistral, Groq,
    Bedrock)."""

    def __init__(
        self, spec: ModelSpec, timeout: float, network_retries: int, temperature: float = 0.0
    ) -> None:
        super().__init__(spec)
        self._chat = _chat_model(spec, timeout, network_retries, temperature)
        self._runnables: dict[tuple[str, int], Any] = {}

    def _call(self, method: str, messages: list[dict[str, str]], schema: dict[str, Any]) -> Reply:
        import openai

        runnable = self._runnable(method, schema)
        if method == "json_mode":
            messages = _json_mode(messages, schema)
        try:
            out = runnable.invoke(messages)
        except openai.LengthFinishReasonError as e:
            return Reply(
                None,
                "",
                _usage_of(getattr(e, "completion", None)),
                "the answer was cut off (max tokens reached); answer shorter",
            )
        except Exception as e:  # the SDK's failures as ours; another provider's too (issue 23)
            mapped = self._failure(e, method) or self._provider_error(e)
            if mapped is None:
                raise
            raise mapped from None
        raw = out.get("raw")
        text = _text_of(raw)
        usage = _usage_of(raw)
        if out.get("parsing_error") is not None or out.get("parsed") is None:
            finish = (getattr(raw, "response_metadata", None) or {}).get("finish_reason")
            why = (
                "the answer was cut off (max tokens reached)"
                if finish == "length"
                else "the answer is not JSON"
            )
            return Reply(None, text, usage, why)
        return Reply(out["parsed"], text, usage)

    def _provider_error(self, e: Exception) -> Exception | None:
        """A non-OpenAI SDK's failure as ours, by what every SDK shares (Anthropic, Groq, Mistral,
        Google, Bedrock): the error class names along its bases, an HTTP status, the transport's own
        exceptions; None for anything else (a bug stays a bug)."""
        names = " ".join(c.__name__ for c in type(e).__mro__)
        status = getattr(e, "status_code", None) or getattr(
            getattr(e, "response", None), "status_code", None
        )
        status = status if isinstance(status, int) else None
        if status in (401, 403) or any(
            w in names for w in ("Authentication", "PermissionDenied", "Unauthorized")
        ):
            return ServiceError(
                f"the model server refused the credentials for {self.label}: {_message(e)}"
            )
        if status == 404 or "NotFound" in names:
            return ServiceError(f"model {self.name} not found on the server: {_message(e)}")
        if "Timeout" in names or isinstance(e, TimeoutError):
            return RequestFailed("timed out")
        if status == 429 or "RateLimit" in names or "Throttl" in names:
            return RequestFailed(f"rate limited by the model server: {_message(e)}")
        if "Connect" in names or isinstance(e, ConnectionError):
            return RequestFailed(f"cannot reach the model server of {self.label}: {_cause(e)}")
        if status is not None or "APIStatusError" in names or "APIError" in names:
            return RequestFailed(f"HTTP {status or '?'} from the model server: {_message(e)}")
        return None

    def _runnable(self, method: str, schema: dict[str, Any]) -> Any:
        """One structured-output runnable per method and schema for the whole run (building one is
        slow)."""
        key = (method, id(schema))
        with self._lock:
            if key not in self._runnables:
                self._runnables[key] = self._chat.with_structured_output(
                    schema,
                    method=method,
                    include_raw=True,
                    **({"strict": True} if method == "json_schema" else {}),
                )
            return self._runnables[key]


class _Unsupported(Exception):
    pass


def _chat_model(spec: ModelSpec, timeout: float, retries: int, temperature: float = 0.0) -> Any:
    """The LangChain chat model of a provider in PROVIDERS (OpenAI-compatible servers:
    `OpenAIModel`)."""
    package, module_name, class_name = PROVIDERS[spec.provider]
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        raise UsageError(
            f"provider {spec.provider} needs {package}: pip install '{package}'"
        ) from None
    kwargs: dict[str, Any] = {
        "model": spec.name,
        "timeout": timeout,
        "max_retries": retries,
        "temperature": temperature,
    }
    if spec.base_url:
        kwargs["base_url"] = spec.base_url
    try:
        return getattr(module, class_name)(**kwargs)
    except (TypeError, ValueError) as e:
        raise UsageError(f"cannot use provider {spec.provider}: {e}") from None


def open_model(
    spec: ModelSpec, timeout: float, network_retries: int, temperature: float = 0.0
) -> Model:
    if spec.provider in ("openai", "ollama"):
        return OpenAIModel(spec, timeout, network_retries, temperature)
    return LangChainModel(spec, timeout, network_retries, temperature)


def _is_unsupported(e: Exception, method: str) -> bool:
    text = _message(e).lower()
    words = {
        "json_schema": ("response_format", "json_schema", "structured"),
        "function_calling": ("tool", "function"),
        "json_mode": ("response_format", "json_object"),
    }[method]
    return any(w in text for w in words)


def _message(e: Exception) -> str:
    body = getattr(e, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        msg = err.get("message") if isinstance(err, dict) else err
        if msg:
            return str(msg)[:300]
    return str(e).splitlines()[0][:300] if str(e) else type(e).__name__


def _cause(e: BaseException) -> str:
    while e.__cause__ is not None:
        e = e.__cause__
    return str(e).splitlines()[0][:200] or type(e).__name__


def _text_of(raw: Any) -> str:
    if raw is None:
        return ""
    content = getattr(raw, "content", "")
    if isinstance(content, str) and content:
        return content
    calls = getattr(raw, "tool_calls", None) or []
    return json.dumps(calls[0].get("args")) if calls else str(content)


def _usage_of(raw: Any) -> Usage:
    meta = getattr(raw, "usage_metadata", None)
    if meta:
        return Usage(int(meta.get("input_tokens", 0)), int(meta.get("output_tokens", 0)))
    usage = getattr(raw, "usage", None)
    if usage is not None:
        return Usage(
            int(getattr(usage, "prompt_tokens", 0) or 0),
            int(getattr(usage, "completion_tokens", 0) or 0),
        )
    return Usage()

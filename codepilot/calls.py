"""One path for every model call, review and generate alike: the cache first, the model opened only on
a miss (so LangChain is imported only when a model is really called), re-asks for invalid answers,
usage and cost counted."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from codepilot.answers import AnswerInvalid, ask, clean
from codepilot.cache import Cache
from codepilot.cache import key as cache_key
from codepilot.config import Config, Price
from codepilot.models import Model, ModelSpec, RequestFailed, Usage, open_model


@dataclass
class Outcome:
    answer: BaseModel | None = None
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    attempts: int = 0
    error: str | None = None


class Caller:
    """Calls for one run: one cache, one model (opened lazily, shared by the worker threads)."""

    def __init__(self, spec: ModelSpec, config: Config, cache: Cache, prompt_version: str) -> None:
        self.spec, self.config, self.cache, self.version = spec, config, cache, prompt_version
        self._model: Model | None = None
        self._lock = threading.Lock()

    def model(self) -> Model:
        with self._lock:
            if self._model is None:
                self._model = open_model(self.spec, self.config.timeout, self.config.network_retries)
            return self._model

    def call(self, messages: list[dict[str, str]], shape: type[BaseModel], schema: dict[str, Any]) -> Outcome:
        k = cache_key(self.spec.id, self.version, schema, messages)
        hit = self.cache.get(k)
        if hit is not None:
            return Outcome(shape.model_validate(clean(hit[0])), cached=True)
        try:
            answer, usage, attempts = ask(self.model(), messages, shape, schema, self.config.answer_retries)
        except (RequestFailed, AnswerInvalid) as e:  # what was billed before the failure still counts
            return Outcome(error=str(e), usage=e.usage or Usage(), attempts=e.attempts)
        self.cache.put(k, self.spec.id, answer.model_dump(), usage.prompt_tokens, usage.completion_tokens)
        return Outcome(answer, usage, attempts=attempts)


def price(cfg: Config, spec: ModelSpec) -> Price | None:
    """USD per million tokens for this model: local models are free; unknown models have no price."""
    if spec.provider == "ollama":
        return Price(input=0.0, output=0.0)
    names = sorted((n for n in cfg.prices if spec.name == n or spec.name.startswith(n + "-")), key=len)
    return cfg.prices[names[-1]] if names else None


def cost(cfg: Config, spec: ModelSpec, usage: Usage) -> float | None:
    p = price(cfg, spec)
    return None if p is None else (usage.prompt_tokens * p.input + usage.completion_tokens * p.output) / 1e6

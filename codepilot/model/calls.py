"""One path for every model call, review and generate alike: the cache first, the model opened only
on a miss (so LangChain is imported only when a model is really called), re-asks for invalid
answers, usage and cost counted."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from codepilot.model.answers import AnswerInvalid, ask, clean
from codepilot.model.cache import Cache
from codepilot.model.cache import key as cache_key
from codepilot.model.models import Model, ModelSpec, RequestFailed, Usage, open_model
from codepilot.runtime.config import Config, Price


@dataclass
class Outcome:
    answer: BaseModel | None = None
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    attempts: int = 0
    error: str | None = None


class Caller:
    """Calls for one run: one cache, one model (opened lazily, shared by the worker threads)."""

    def __init__(
        self, spec: ModelSpec, config: Config, cache: Cache, prompt_version: str, sample: int = 0
    ) -> None:
        self.spec, self.config, self.cache, self.version = spec, config, cache, prompt_version
        self.sample = (
            sample  # --votes: sample 0 is the usual reading; others are sampled, cached apart
        )
        self._model: Model | None = None
        self._lock = threading.Lock()
        self.spent = 0.0  # USD of the answers so far (max_cost stops sending before it would pass)
        self._root: Caller = (
            self  # whose `spent` counts (--votes samples share their first reading's)
        )
        self.trace: Callable[[str], None] | None = None  # --verbose: what is sent and received
        self._price = price(config, spec)

    def sampled(self, sample: int) -> Caller:
        """Another reading of the same requests (--votes): its own model, sampled; spend shared."""
        other = Caller(self.spec, self.config, self.cache, self.version, sample)
        other.trace, other._lock, other._root = self.trace, self._lock, self._root
        return other

    def model(self) -> Model:
        with self._lock:
            if self._model is None:
                temperature = SAMPLE_TEMPERATURE if self.sample else 0.0
                self._model = open_model(
                    self.spec, self.config.timeout, self.config.network_retries, temperature
                )
            return self._model

    def call(
        self, messages: list[dict[str, str]], shape: type[BaseModel], schema: dict[str, Any]
    ) -> Outcome:
        k = cache_key(
            self.spec.id + (f"#sample-{self.sample}" if self.sample else ""),
            self.version,
            schema,
            messages,
        )
        hit = self.cache.get(k)
        if hit is not None:
            return Outcome(shape.model_validate(clean(hit[0])), cached=True)
        refusal = self._over_budget(messages)
        if refusal:
            return Outcome(error=refusal)
        if self.trace:
            self.trace(
                "sent to "
                + self.spec.id
                + ":\n"
                + "\n".join(f"[{m['role']}]\n{m['content']}" for m in messages)
            )
        try:
            answer, usage, attempts = ask(
                self.model(), messages, shape, schema, self.config.answer_retries
            )
        # what was billed before the failure still counts
        except (
            RequestFailed,
            AnswerInvalid,
        ) as e:
            self._spend(e.usage or Usage())
            return Outcome(error=str(e), usage=e.usage or Usage(), attempts=e.attempts)
        self._spend(usage)
        if self.trace:
            self.trace(
                f"received ({usage.prompt_tokens} prompt + {usage.completion_tokens} "
                "completion tokens, "
                f"{attempts} attempt(s)):\n{answer.model_dump_json(indent=2)}"
            )
        self.cache.put(
            k, self.spec.id, answer.model_dump(), usage.prompt_tokens, usage.completion_tokens
        )
        return Outcome(answer, usage, attempts=attempts)

    def _over_budget(self, messages: list[dict[str, str]]) -> str | None:
        """Why this request is not sent: the spend would pass max_cost (estimated before it is
        sent)."""
        limit = self.config.max_cost
        if limit is None or self._price is None:
            return None
        from codepilot.prompt import tokens

        expected = Usage(sum(tokens.count(m["content"]) for m in messages), ESTIMATED_COMPLETION)
        with self._lock:
            spent = self._root.spent
            if spent + _usd(self._price, expected) > limit:
                return f"not sent: the spend would pass max_cost ${limit:g} (spent ${spent:.4f})"
            return None

    def _spend(self, usage: Usage) -> None:
        if self._price is not None:
            with self._lock:
                self._root.spent += _usd(self._price, usage)


SAMPLE_TEMPERATURE = 0.7  # --votes: the extra readings are sampled, so they can disagree
ESTIMATED_COMPLETION = 300  # tokens an answer is assumed to take, for estimates made before sending


def _usd(p: Price, usage: Usage) -> float:
    return (usage.prompt_tokens * p.input + usage.completion_tokens * p.output) / 1e6


def price(cfg: Config, spec: ModelSpec) -> Price | None:
    """USD per million tokens for this model: local models are free; unknown models have no
    price."""
    if spec.provider == "ollama":
        return Price(input=0.0, output=0.0)
    names = sorted(
        (n for n in cfg.prices if spec.name == n or spec.name.startswith(n + "-")), key=len
    )
    return cfg.prices[names[-1]] if names else None


def cost(cfg: Config, spec: ModelSpec, usage: Usage) -> float | None:
    """What `usage` cost in USD; None when the model's price is unknown — but nothing billed costs 0
    whatever the price (a run with the checks alone, or answered from the cache)."""
    if not usage.prompt_tokens and not usage.completion_tokens:
        return 0.0
    p = price(cfg, spec)
    return None if p is None else _usd(p, usage)

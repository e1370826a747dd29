"""What a review would cost before anything is sent, and the --max-cost refusal made on it."""

from __future__ import annotations

from dataclasses import dataclass

from codepilot.model.calls import cost
from codepilot.model.models import ModelSpec, Usage
from codepilot.prompt.prepared import Prepared


@dataclass
class Estimate:
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    model: str | None

    def to_json(self) -> dict[str, object]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": None if self.cost_usd is None else round(self.cost_usd, 6),
            "model": self.model,
        }


def estimate(prepared: Prepared) -> Estimate:
    """What the run would cost before anything is sent: the planned prompts (estimated offline) and
    an assumed answer size per request, at the configured model's price (None: unknown model or
    price)."""
    from codepilot.model import models
    from codepilot.model.calls import ESTIMATED_COMPLETION
    from codepilot.runtime.errors import UsageError

    n = prepared.config.votes  # --votes: every request is read that many times
    usage = Usage(
        n * sum(r.prompt_tokens for r in prepared.requests),
        n * ESTIMATED_COMPLETION * len(prepared.requests),
    )
    try:  # priced without the key: the model the run would use once it is set
        spec: ModelSpec | None = models.resolve(
            prepared.config.model, prepared.config.base_url, need_key=False
        )
    except UsageError:
        spec = None
    usd = cost(prepared.config, spec, usage) if spec is not None else None
    return Estimate(usage.prompt_tokens, usage.completion_tokens, usd, spec.label if spec else None)


def check_budget(prepared: Prepared) -> None:
    """max_cost: refuse before sending when the estimate is higher, or when it cannot be
    estimated."""
    from codepilot.runtime.errors import UsageError

    limit = prepared.config.max_cost
    if limit is None or not prepared.requests:
        return
    est = estimate(prepared)
    if est.cost_usd is None:
        raise UsageError(
            f"--max-cost ${limit:g}: the cost of {est.model or 'this model'} cannot be "
            "estimated (no "
            "price): add it under [prices] in the configuration, or leave out --max-cost"
        )
    if est.cost_usd > limit:
        raise UsageError(
            f"the estimated cost ${est.cost_usd:.4f} ({len(prepared.requests)} requests, "
            f"~{est.prompt_tokens} prompt tokens) exceeds --max-cost ${limit:g}: review fewer "
            "files "
            "(PATHS, --staged, a shorter --base range) or raise the limit"
        )

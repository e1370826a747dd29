"""`--votes N`: N independent readings of each request, and only the findings a majority of them
report — matched by place (same file, lines within a few of each other) and meaning (same category,
or titles sharing words). Runs before verification. Every sample's tokens count; a request is
reviewed when at least one sample answered, the majority then taken among the samples that did."""

from __future__ import annotations

import re

from codepilot.model.answers import AnswerFinding, ReviewAnswer
from codepilot.model.calls import Outcome
from codepilot.model.models import Usage

NEAR = 3  # lines apart two findings may be and still be the same one
_WORD = re.compile(r"[a-z0-9]{3,}")
_STOP = frozenset(
    {
        "the",
        "and",
        "for",
        "not",
        "with",
        "may",
        "can",
        "when",
        "this",
        "that",
        "from",
        "are",
        "into",
    }
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP}


def same(a: AnswerFinding, b: AnswerFinding) -> bool:
    """The same problem: same file, overlapping lines (give or take NEAR), same category or titles
    that share at least a third of their words."""
    if a.path.strip("./") != b.path.strip("./"):
        return False
    a_end, b_end = a.end_line or a.line, b.end_line or b.line
    if a.line > b_end + NEAR or b.line > a_end + NEAR:
        return False
    if a.category == b.category:
        return True
    wa, wb = _words(a.title), _words(b.title)
    return bool(wa and wb) and len(wa & wb) * 3 >= min(len(wa), len(wb))


def majority(samples: list[Outcome]) -> tuple[Outcome, int]:
    """One outcome for a request from its samples: the findings most samples agree on (each sample
    counted once per group), every sample's usage; and how many findings lacked a majority."""
    usage = Usage()
    for s in samples:
        usage += s.usage
    answered = [s.answer for s in samples if s.error is None and isinstance(s.answer, ReviewAnswer)]
    attempts = sum(s.attempts for s in samples)
    cached = all(s.cached for s in samples)
    if not answered:
        error = next((s.error for s in samples if s.error), "no sample answered")
        return Outcome(error=error, usage=usage, attempts=attempts, cached=cached), 0
    groups: list[list[tuple[int, AnswerFinding]]] = []
    for i, answer in enumerate(answered):
        for f in answer.findings:
            group = next(
                (g for g in groups if same(g[0][1], f) and all(j != i for j, _ in g)), None
            )
            if group is None:
                groups.append([(i, f)])
            else:
                group.append((i, f))
    need = len(answered) // 2 + 1
    kept = [g[0][1] for g in groups if len(g) >= need]
    unusable = [why for a in answered[:1] for why in a.unusable]
    merged = ReviewAnswer.model_construct(findings=kept, unusable=unusable)
    return Outcome(merged, usage, cached=cached, attempts=attempts), len(groups) - len(kept)

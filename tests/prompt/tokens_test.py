"""The offline token estimate (prompt/tokens.py): close to a BPE's count for prose and code, on the
high side for code, the same for ASCII and non-ASCII paths through it."""

from __future__ import annotations

import pytest

from codepilot.prompt.tokens import count

# def, " f", "(", x, "):", newline+indent, return, " x", " +", " 1", newline
CASES = [
    ("", 0),
    ("hello", 1),
    ("hello world", 2),
    ("supercalifragilistic", 4),  # a long word: a token per 6 letters
    ("1234567", 3),  # numbers: a token per 3 digits
    ("a == b", 3),
    ("    ", 1),  # a run of whitespace
    (
        "def f(x):\n    return x + 1\n",
        11,
    ),
]


@pytest.mark.parametrize(("text", "tokens"), CASES)
def test_the_estimate(text: str, tokens: int) -> None:
    assert count(text) == tokens


def test_ascii_and_unicode_paths_agree_on_ascii_pieces() -> None:
    # the fast ASCII expression and the general one split the same text the same way
    text = "def total(prices: list[int]) -> int:\n    return sum(prices)  # 12 items\n"
    assert count(text) == count(text + "é") - 1

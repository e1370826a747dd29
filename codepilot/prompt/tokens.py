"""Offline token estimates. No tokenizer tables are downloaded: this approximates OpenAI's BPE
(o200k/cl100k) by its pre-tokenizer pieces, in one regex pass: a word with its leading space is
about a token (long words a token per 6 letters), numbers a token per 3 digits, punctuation a token
per 2 characters, a run of whitespace a token per 16 characters. Real usage comes from the API's
answer; this is for planning requests under a budget, and errs on the high side for code."""

from __future__ import annotations

import re

_PIECES = re.compile(r" ?[^\W\d_]{1,6}| ?\d{1,3}| ?[^\w\s]{1,2}|_+|\s{1,16}")
# The same pieces in ASCII text, found faster: each alternative starts with a different kind of
# character (or a space before one), so at any position at most one can match, and the most common
# come first.
_ASCII_PIECES = re.compile(
    r"[A-Za-z]{1,6}| (?:[A-Za-z]{1,6}|[0-9]{1,3}|[^\w\s]{1,2})|[^\w\s]{1,2}|[0-9]{1,3}|_+|\s{1,16}",
    re.ASCII,
)


def count(text: str) -> int:
    return (_ASCII_PIECES if text.isascii() else _PIECES).subn("", text)[1]

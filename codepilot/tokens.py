"""Offline token estimates. No tokenizer tables are downloaded: this approximates OpenAI's BPE
(o200k/cl100k) by its pre-tokenizer pieces: a word is about a token, long identifiers a token per
~6 letters, punctuation a token per ~2 characters, each run of whitespace about one token. Real usage
comes from the API's answer; this is for planning requests under a budget."""

from __future__ import annotations

import re

_PIECES = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]+|_+|\s+")


def count(text: str) -> int:
    n = 0
    for piece in _PIECES.findall(text):
        c = piece[0]
        if c.isspace():
            n += 1 if len(piece) <= 16 else 2
        elif c.isalpha():
            n += (len(piece) + 5) // 6
        elif c.isdigit() or c == "_":
            n += 1
        else:
            n += (len(piece) + 1) // 2
    return n

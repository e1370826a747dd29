"""Placing a fix: where in the reviewed file a `find` text is, and the file text with it replaced.
Pure functions. The file's own line endings and final newline are kept."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Placed:
    start: int  # 1-based first line replaced
    end: int  # 1-based last line replaced (start - 1 when inserting)
    new_text: str  # the whole file after the replacement


@dataclass(frozen=True)
class NotPlaced:
    reason: str


def eol_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def split_lines(text: str) -> list[str]:
    """Lines without their line endings; a final newline does not make an extra line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def join_lines(lines: list[str], eol: str, final_newline: bool) -> str:
    return eol.join(lines) + (eol if final_newline and lines else "")


def place_exact(text: str, find: str, replace: str, hint: int) -> Placed | NotPlaced:
    """Replace the whole lines equal to `find`; several matches: the nearest to `hint` (a tie: refused)."""
    file_lines = split_lines(text)
    want = split_lines(find.replace("\r\n", "\n"))
    if not want:
        return NotPlaced("fix has an empty find text")
    hits = [i + 1 for i in range(len(file_lines) - len(want) + 1) if file_lines[i:i + len(want)] == want]
    return _choose(text, file_lines, hits, len(want), replace, hint)


def _choose(text: str, file_lines: list[str], hits: list[int], length: int, replace: str,
            hint: int) -> Placed | NotPlaced:
    if not hits:
        return NotPlaced("fix could not be placed: its find text does not match the reviewed file")
    ranked = sorted(hits, key=lambda h: abs(h - hint))
    if len(ranked) > 1 and abs(ranked[0] - hint) == abs(ranked[1] - hint):
        return NotPlaced(f"fix could not be placed: {len(hits)} equally near matches")
    start = ranked[0]
    new_lines = split_lines(replace.replace("\r\n", "\n")) if replace else []
    lines = file_lines[:start - 1] + new_lines + file_lines[start - 1 + length:]
    final_newline = text.endswith("\n") or not text
    return Placed(start, start + length - 1, join_lines(lines, eol_of(text), final_newline))

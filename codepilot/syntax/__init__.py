"""Syntax: which language a file is in, and which definition each line sits in (tree-sitter)."""

from codepilot.syntax.languages import Language, detect
from codepilot.syntax.outline import Definition, Outline, outline, string_lines, syntax_errors

__all__ = [
    "Definition",
    "Language",
    "Outline",
    "detect",
    "outline",
    "string_lines",
    "syntax_errors",
]

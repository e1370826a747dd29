"""Syntax: which language a file is in, and which definition each line sits in (tree-sitter)."""

from codepilot.syntax.languages import Language, detect
from codepilot.syntax.outline import Definition, Outline, outline, syntax_errors

__all__ = ["Definition", "Language", "Outline", "detect", "outline", "syntax_errors"]

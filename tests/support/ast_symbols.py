"""Python's own view of which definition each line sits in (an independent check of our
outlines)."""

from __future__ import annotations

import ast


def ast_symbols(source: str) -> dict[int, str]:
    """Line -> innermost def/class (decorators included), qualified by its parents."""
    out: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = f"{prefix}{child.name}"
                start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                for n in range(start, (child.end_lineno or child.lineno) + 1):
                    out[n] = name
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return out

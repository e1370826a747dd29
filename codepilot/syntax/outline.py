"""Which definition each line of a file sits in: the innermost one, qualified by its parents."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from codepilot.syntax.languages import Language, grammar

_CONTAINERS = {"class", "struct", "interface", "impl", "trait", "enum"}
_DECLARATOR_NAMES = {
    "identifier",
    "field_identifier",
    "qualified_identifier",
    "destructor_name",
    "operator_name",
    "template_function",
    "type_identifier",
}
# a named function expression takes the name of what it is assigned to, when it is assigned
_NAMED_BY_PARENT = {"variable_declarator", "pair", "public_field_definition", "field_definition"}
_GENERICS = re.compile(r"<[^<>]*>|\[[^\[\]]*\]")


@dataclass(frozen=True)
class Definition:
    """A definition's qualified name, its kind and its lines (1-based, inclusive)."""

    symbol: str
    kind: str
    start_line: int
    end_line: int


@dataclass
class Outline:
    """The definitions of one version of a file, and for each line the innermost one."""

    definitions: list[Definition]
    _owner: list[int]  # per 0-based line: index into definitions, or -1
    # 1-based line spans of top-level imports
    imports: list[tuple[int, int]] = field(default_factory=list)

    def at(self, line: int) -> Definition | None:
        """The innermost definition containing 1-based `line`, or None at module level."""
        if 1 <= line <= len(self._owner):
            i = self._owner[line - 1]
            return self.definitions[i] if i >= 0 else None
        return None

    def named(self, symbol: str) -> list[Definition]:
        return [d for d in self.definitions if d.symbol == symbol]


@cache
def outline_query(lang: Language) -> Any:
    import tree_sitter

    assert lang.query is not None
    text = (
        resources.files("codepilot.syntax")
        .joinpath("queries", lang.query)
        .read_text(encoding="utf-8")
    )
    return tree_sitter.Query(grammar(lang), text)


@cache
def parser_for(lang: Language) -> Any:
    import tree_sitter

    return tree_sitter.Parser(grammar(lang))


def _clean(name: str) -> str:
    """`Stack<T>` -> `Stack`, `*Server` -> `Server`, `ns::Foo::bar` -> `ns.Foo.bar`, quotes
    dropped."""
    if name.isidentifier():
        return name
    prev = None
    while prev != name:
        prev, name = name, _GENERICS.sub("", name)
    name = name.strip().lstrip("*&(").rstrip(")").strip().strip("'\"`")
    return ".".join(p for p in re.split(r"::|\\", name) if p.strip()).replace(" ", "")


def _declarator_name(node: Any) -> str | None:
    """The name inside a C/C++ declarator chain (`**f(int)`, `Foo::bar() const`)."""
    while node is not None and node.type not in _DECLARATOR_NAMES:
        nxt = node.child_by_field_name("declarator")
        node = nxt if nxt is not None else (node.named_children[0] if node.named_children else None)
    return node_text(node) if node is not None else None


def node_text(node: Any) -> str:
    return bytes(node.text or b"").decode("utf-8", "replace")


def _span(node: Any, lang: Language) -> tuple[int, int]:
    """The rows a definition covers, with its decorators, attributes and export/template
    wrappers."""
    while node.parent is not None and node.parent.type in lang.wrappers:
        node = node.parent
    start, end = node.start_point[0], node.end_point[0]
    prev = node.prev_named_sibling
    while prev is not None and prev.type in lang.leading and prev.end_point[0] >= start - 1:
        start = prev.start_point[0]
        prev = prev.prev_named_sibling
    return start, end


@dataclass
class RawDefinition:
    start_byte: int
    end_byte: int
    rows: tuple[int, int]
    name: str
    kind: str
    node: Any = None  # the definition's own node (not its wrapper), for signatures and docstrings


def _collect(
    tree: Any,
    lang: Language,
    rows: tuple[int, int] | None = None,
    raws: list[RawDefinition] | None = None,
) -> list[RawDefinition]:
    """The definitions in `tree` (only those that touch `rows`, 0-based and inclusive, when given);
    `raws`: all of them, found already (by the index's query): then only chosen here."""
    if raws is not None:
        if rows is None:
            return raws
        start, end = (rows[0], 0), (rows[1] + 1, 0)  # as the query's point range below chooses them
        return [
            r for r in raws if tuple(r.node.end_point) > start and tuple(r.node.start_point) < end
        ]
    import tree_sitter

    cursor = tree_sitter.QueryCursor(outline_query(lang))
    if rows is not None:
        cursor.set_point_range((rows[0], 0), (rows[1] + 1, 0))
    return raw_definitions(cursor.matches(tree.root_node), lang)


def raw_definitions(matches: Iterable[tuple[int, Any]], lang: Language) -> list[RawDefinition]:
    """The definitions in the outline query's matches, outermost first."""
    found: dict[tuple[int, int], RawDefinition] = {}
    for _, caps in matches:
        def_key = next(k for k in caps if k.startswith("def."))
        node = caps[def_key][0]
        if (
            node.type == "function_expression"
            and node.parent is not None
            and node.parent.type in _NAMED_BY_PARENT
        ):
            continue
        name = (
            _declarator_name(caps["declarator"][0])
            if "declarator" in caps
            else node_text(caps["name"][0])
        )
        if not name:
            continue
        name = _clean(name)
        if "receiver" in caps:
            name = _clean(node_text(caps["receiver"][0])) + "." + name
        found.setdefault(
            (node.start_byte, node.end_byte),
            RawDefinition(
                node.start_byte, node.end_byte, _span(node, lang), name, def_key[4:], node
            ),
        )
    return sorted(found.values(), key=lambda r: (r.start_byte, -r.end_byte))


def qualified_definitions(raws: list[RawDefinition]) -> list[Definition]:
    """Nest by byte range; qualify each name by its parents; a function in a class is a method."""
    out: list[Definition] = []
    stack: list[tuple[RawDefinition, Definition]] = []
    for raw in raws:
        while stack and stack[-1][0].end_byte < raw.end_byte:
            stack.pop()
        parent = stack[-1][1] if stack else None
        kind = raw.kind
        if kind == "function" and (
            parent is not None and parent.kind in _CONTAINERS or "." in raw.name
        ):
            kind = "method"
        elif kind == "method" and parent is None and "." not in raw.name:
            kind = "function"
        symbol = f"{parent.symbol}.{raw.name}" if parent else raw.name
        d = Definition(symbol, kind, raw.rows[0] + 1, raw.rows[1] + 1)
        out.append(d)
        stack.append((raw, d))
    return out


def _paint(defs: list[Definition], line_count: int) -> list[int]:
    owner = [-1] * line_count
    for i in sorted(range(len(defs)), key=lambda i: (defs[i].start_line, -defs[i].end_line)):
        d = defs[i]
        lo, hi = d.start_line - 1, min(d.end_line, line_count)
        owner[lo:hi] = [i] * (hi - lo)
    return owner


def outline(
    lang: Language,
    source: bytes,
    lines: tuple[int, int] | None = None,
    tree: Any = None,
    raws: list[RawDefinition] | None = None,
) -> Outline:
    """Parse `source` once (or take its `tree`) and index its definitions (an empty outline for
    unparsed languages). With `lines` (1-based, inclusive), only the definitions that touch those
    lines are indexed. `raws`: every definition in `tree`, as the index's query found them (see
    `facts.extract`)."""
    line_count = source.count(b"\n") + 1
    if not lang.parsed:
        return Outline([], [-1] * line_count)
    tree = tree if tree is not None else parser_for(lang).parse(source)
    defs = qualified_definitions(
        _collect(tree, lang, None if lines is None else (lines[0] - 1, lines[1] - 1), raws)
    )
    imports = [
        (n.start_point[0] + 1, n.end_point[0] + 1)
        for n in tree.root_node.children
        if n.type in lang.imports
    ]
    return Outline(defs, _paint(defs, line_count), imports)


# an edit from the start of a line: start byte, end byte before, end byte after; start row; how far
# the replaced and the replacing text reach from there (rows down, then the column)
Edit = tuple[int, int, int, int, int, int, int, int]


def reparse(lang: Language, source: bytes, tree: Any, edits: list[Edit]) -> Any:
    """`source` parsed from `tree`, the parse of a text that `edits` (in order) turn into `source`:
    tree-sitter re-parses only what they touch. `tree` itself is left as it was."""
    edited = tree.copy()
    for start, end_before, end_after, row, rows_before, col_before, rows_after, col_after in edits:
        before = (row + rows_before, col_before)
        edited.edit(start, end_before, end_after, (row, 0), before, (row + rows_after, col_after))
    return parser_for(lang).parse(source, edited)


def syntax_errors(lang: Language, text: str) -> int:
    """How many syntax errors tree-sitter finds (ERROR and MISSING nodes); 0 for unparsed
    languages."""
    if not lang.parsed:
        return 0
    root = parser_for(lang).parse(text.encode("utf-8", "replace")).root_node
    if not root.has_error:
        return 0
    count, stack = 0, [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            count += 1
        elif node.has_error:
            stack.extend(node.children)
    return count


def string_lines(lang: Language, text: str) -> set[int]:
    """The lines (1-based) that lie inside a multi-line string literal after its first line: there a
    line's leading blanks are the string's content, not indentation (see issue 23: a fix whose lost
    indentation was rebuilt there changed the string)."""
    if not lang.parsed:
        return set()
    out: set[int] = set()
    stack = [parser_for(lang).parse(text.encode("utf-8", "replace")).root_node]
    while stack:
        node = stack.pop()
        first, last = node.start_point[0], node.end_point[0]
        if first == last:
            continue
        kind = node.type
        if "string" in kind or "heredoc" in kind or "template" in kind:
            out.update(range(first + 2, last + 2))
            continue
        stack.extend(node.children)
    return out

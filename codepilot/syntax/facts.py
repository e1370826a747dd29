"""What one version of a file defines and uses, for the repository index: its definitions with their
signature and first docstring line, its references (calls, instantiations, types used) and its
imports — from one tree-sitter parse, with the language's queries (`queries/*.scm`,
`queries/refs/*.scm`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, NamedTuple

from codepilot.syntax.languages import Language, grammar
from codepilot.syntax.outline import (
    RawDefinition,
    node_text,
    outline_query,
    parser_for,
    qualified_definitions,
    raw_definitions,
)

MAX_SIGNATURE_LINES = 8
MAX_SIGNATURE_CHARS = 480
MAX_DOC_CHARS = 160


@dataclass(frozen=True)
class Signature:
    """A definition as the index keeps it: `line` is the line of its `def`/`class`/name (decorators
    excluded), `start`..`end` its whole span (decorators included)."""

    symbol: str
    kind: str
    start: int
    end: int
    line: int
    signature: str
    doc: str

    @property
    def name(self) -> str:
        return self.symbol.rsplit(".", 1)[-1]


class Reference(NamedTuple):
    """A name used on a line: called (`call`), instantiated (`new`), used as a type (`type`) or
    passed along (`use`); `through` is what it is reached through (`self`, `os.path`), or ''. (A
    named tuple: a file has hundreds, and the index stores them as plain rows.)"""

    name: str
    line: int
    kind: str
    through: str = ""


@dataclass(frozen=True)
class Import:
    """`local` names `name` of `module` (`name` '' when `local` is the module itself); `level`
    counts the leading dots of a relative Python import; JavaScript modules keep their specifier
    (`./util`)."""

    local: str
    module: str
    name: str
    level: int = 0


Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass
class Facts:
    definitions: list[Signature] = field(default_factory=list)
    # a file has thousands
    reference_rows: list[tuple[str, int, str, str]] = field(default_factory=list)
    imports: list[Import] = field(default_factory=list)
    # the definitions as found, for `outline`
    found: list[RawDefinition] = field(default_factory=list, repr=False)

    @property
    def references(self) -> list[Reference]:
        return list(map(Reference._make, self.reference_rows))

    def rows(self) -> Rows:
        """Definitions, references and imports as plain rows: cheap to send back from a worker."""
        return (
            [
                (d.name, d.symbol, d.kind, d.start, d.end, d.line, d.signature, d.doc)
                for d in self.definitions
            ],
            self.reference_rows,
            [(m.local, m.module, m.name, m.level) for m in self.imports],
        )


@cache
def _facts_query(lang: Language) -> tuple[Any, int, tuple[str | None, ...]]:
    """The outline query and the references query as one (one walk of the tree instead of two), how
    many of its patterns are the outline's (they come first), and each pattern's reference kind (its
    `(#set! ref <kind>)`; None for the outline's and the import patterns)."""
    import tree_sitter

    assert lang.query is not None
    queries = resources.files("codepilot.syntax").joinpath("queries")
    outline_text = queries.joinpath(lang.query).read_text("utf-8")
    refs_text = queries.joinpath("refs", f"{lang.name}.scm").read_text("utf-8")
    query = tree_sitter.Query(grammar(lang), outline_text + "\n" + refs_text)
    kinds = tuple(query.pattern_settings(i).get("ref") for i in range(query.pattern_count))
    return query, outline_query(lang).pattern_count, kinds


def prepare(langs: Iterable[Language], facts: bool = True, outlines: bool = False) -> None:
    """Compile these languages' parsers and queries (the index's; `outlines`: the outline's) here,
    before workers are forked: they inherit them instead of each compiling its own (~10-50 ms a
    language)."""
    for lang in set(langs):
        if lang.parsed:
            parser_for(lang)
            if facts:
                _facts_query(lang)
            if outlines:
                outline_query(lang)


def extract(lang: Language, source: bytes, tree: Any = None) -> Facts:
    """Everything the index keeps about `source` (nothing for languages without a grammar); `tree`:
    its parse, when the caller has it already."""
    if not lang.parsed:
        return Facts()
    import tree_sitter

    tree = tree if tree is not None else parser_for(lang).parse(source)
    query, first_ref, kinds = _facts_query(lang)
    outline_matches: list[Any] = []
    ref_matches: list[Any] = []
    for match in tree_sitter.QueryCursor(query).matches(tree.root_node):
        (outline_matches if match[0] < first_ref else ref_matches).append(match)
    raws = raw_definitions(outline_matches, lang)
    definitions = [
        Signature(
            d.symbol,
            d.kind,
            d.start_line,
            d.end_line,
            raw.node.start_point[0] + 1,
            *_head(raw.node, lang, source),
        )
        for raw, d in zip(raws, qualified_definitions(raws), strict=True)
    ]
    references, import_nodes = _references(ref_matches, kinds)
    imports = _python_imports(import_nodes) if lang.name == "python" else _js_imports(import_nodes)
    return Facts(definitions, references, imports, raws)


def _head(node: Any, lang: Language, source: bytes) -> tuple[str, str]:
    """The definition's signature (its text up to the body, capped) and its docstring's first
    line."""
    body = node.child_by_field_name("body")
    end = (
        body.start_byte if body is not None and body.start_byte > node.start_byte else node.end_byte
    )
    text = source[node.start_byte : min(end, node.start_byte + MAX_SIGNATURE_CHARS * 2)]
    lines = text.decode("utf-8", "replace").rstrip().split("\n")
    if body is None:
        lines = lines[:3]
    while len(lines) > 1 and lines[-1].lstrip().startswith(("#", "//", "/*", "*")):
        lines.pop()  # comments at the top of the body are not the signature
    signature = "\n".join(ln.rstrip() for ln in lines[:MAX_SIGNATURE_LINES])[:MAX_SIGNATURE_CHARS]
    if len(lines) > MAX_SIGNATURE_LINES or len(signature) == MAX_SIGNATURE_CHARS:
        signature += " …"
    return signature, _doc(node, body, lang)[:MAX_DOC_CHARS]


def _doc(node: Any, body: Any, lang: Language) -> str:
    if lang.name == "python":
        first = body.named_children[0] if body is not None and body.named_children else None
        if first is not None and first.type == "expression_statement" and first.named_children:
            string = first.named_children[0]
            if string.type == "string":
                return _first_line(node_text(string).strip("\"'rbuRBU"))
        return ""
    while node.parent is not None and node.parent.type in lang.wrappers:
        node = node.parent
    prev = node.prev_named_sibling
    while prev is not None and prev.type in lang.leading:
        prev = prev.prev_named_sibling
    if prev is not None and "comment" in prev.type and prev.end_point[0] >= node.start_point[0] - 1:
        return _first_line(node_text(prev))
    return ""


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        line = line.strip().lstrip("/*#!-").strip().removesuffix("*/").strip()
        if line:
            return line
    return ""


def _references(
    matches: list[tuple[int, dict[str, Any]]], kinds: tuple[str | None, ...]
) -> tuple[list[tuple[str, int, str, str]], list[Any]]:
    """The references query's matches as reference rows (a `Reference`'s fields), and the import
    statements (for the language's import reader). `kinds`: each pattern's reference kind."""
    seen: dict[tuple[str, int, str], str] = {}  # (name, line, kind) -> through
    imports = []
    for pattern, caps in matches:
        kind = kinds[pattern]
        if kind is None:
            if "import" in caps:
                imports.append(caps["import"][0])
            continue
        names = caps.get("name")
        if not names:
            continue
        node = names[0]
        raw = node.text or b""
        if not raw or len(raw) > 80:
            continue
        key = (raw.decode("utf-8", "replace"), node.start_point[0] + 1, kind)
        if key in seen:
            continue
        obj = caps.get("object")
        if not obj:
            through = ""
        elif obj[0].end_byte - obj[0].start_byte > 320:  # over 80 characters whatever they are
            through = "…"
        else:
            through = (obj[0].text or b"").decode("utf-8", "replace")
            if len(through) > 80 or "\n" in through:
                through = "…"
        seen[key] = through
    # a call's attribute is no read
    calls = {(name, line) for name, line, kind in seen if kind == "call"}
    refs = [
        (name, line, kind, through)
        for (name, line, kind), through in seen.items()
        if kind != "attr" or (name, line) not in calls
    ]
    return refs, imports


def _python_imports(nodes: list[Any]) -> list[Import]:
    out: list[Import] = []
    for node in nodes:
        if node.type == "import_statement":
            for name in node.children_by_field_name("name"):
                if name.type == "aliased_import":
                    module = node_text(name.child_by_field_name("name"))
                    out.append(Import(node_text(name.child_by_field_name("alias")), module, ""))
                else:
                    module = node_text(name)
                    out.append(Import(module, module, ""))
            continue
        mod = node.child_by_field_name("module_name")
        module, level = node_text(mod) if mod is not None else "", 0
        if mod is not None and mod.type == "relative_import":
            level = len(module) - len(module.lstrip("."))
            module = module.lstrip(".")
        names = node.children_by_field_name("name")
        if not names and any(c.type == "wildcard_import" for c in node.children):
            out.append(Import("*", module, "*", level))
        for name in names:
            if name.type == "aliased_import":
                out.append(
                    Import(
                        node_text(name.child_by_field_name("alias")),
                        module,
                        node_text(name.child_by_field_name("name")),
                        level,
                    )
                )
            else:
                out.append(Import(node_text(name), module, node_text(name), level))
    return out


def _js_imports(nodes: list[Any]) -> list[Import]:
    out: list[Import] = []
    for node in nodes:
        if node.type == "variable_declarator":
            out.extend(_require(node))
            continue
        source = node.child_by_field_name("source")
        if source is None:
            continue
        module = node_text(source).strip("'\"`")
        for clause in (c for c in node.named_children if c.type == "import_clause"):
            for part in clause.named_children:
                if part.type == "identifier":
                    out.append(Import(node_text(part), module, "default"))
                elif part.type == "namespace_import":
                    ids = [c for c in part.named_children if c.type == "identifier"]
                    if ids:
                        out.append(Import(node_text(ids[0]), module, ""))
                elif part.type == "named_imports":
                    for spec in (s for s in part.named_children if s.type == "import_specifier"):
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias")
                        if name is not None:
                            out.append(
                                Import(
                                    node_text(alias if alias is not None else name),
                                    module,
                                    node_text(name),
                                )
                            )
    return out


def _require(node: Any) -> list[Import]:
    """`const x = require('m')` and `const {a, b: c} = require('m')`."""
    value = node.child_by_field_name("value")
    if value is None or value.type != "call_expression":
        return []
    fn, args = value.child_by_field_name("function"), value.child_by_field_name("arguments")
    if fn is None or node_text(fn) != "require" or args is None or not args.named_children:
        return []
    module = node_text(args.named_children[0]).strip("'\"`")
    target = node.child_by_field_name("name")
    if target is None:
        return []
    if target.type == "identifier":
        return [Import(node_text(target), module, "")]
    out = []
    for part in target.named_children:
        if part.type == "shorthand_property_identifier_pattern":
            out.append(Import(node_text(part), module, node_text(part)))
        elif part.type == "pair_pattern":
            key, value_node = part.child_by_field_name("key"), part.child_by_field_name("value")
            if key is not None and value_node is not None:
                out.append(Import(node_text(value_node), module, node_text(key)))
    return out

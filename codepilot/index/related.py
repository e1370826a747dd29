"""Related code for each change, from the repository index: the signatures (and first docstring
line) of what its added lines call or instantiate and of the types they use — resolved through
imports where possible, a name-only match ranking lower — the call sites of a function whose
signature or return changed (nearest first), and the tests that reference the changed symbol. Each
item is labelled with its path and lines; `context.plan` budgets, ranks, de-duplicates and redacts
them per request."""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from codepilot.index.repo_index import Index, Located, Use
from codepilot.source.changes import Change, ReviewFile
from codepilot.syntax.facts import Import, Reference, Signature

MAX_CALLERS = 5
MAX_ITEMS = 7  # per change, best first: more never fits a request's share
MAX_TESTS = 2
MAX_NAME_MATCHES = 4  # a name defined in more places than this, unresolved, says nothing
SELF = frozenset({"self", "cls", "this", "super()", "Self", "static"})
_TEST_PARTS = ("test/", "tests/", "spec/", "__tests__/", "testing/")


@dataclass
class Item:
    """One piece of related code: `text` is what the request carries (numbered lines)."""

    path: str
    start_line: int
    end_line: int
    kind: str  # callee, caller, type, test
    symbol: str | None
    score: float
    text: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "kind": self.kind,
            "symbol": self.symbol,
        }


@functools.lru_cache(maxsize=16384)
def is_test(path: str) -> bool:
    name = posixpath.basename(path)
    return (
        any(part in f"/{path}" for part in (f"/{p}" for p in _TEST_PARTS))
        or name.startswith("test_")
        or name.endswith(("_test.py", "_test.go", "_spec.rb", "Test.java", "Tests.cs", "_test.rs"))
        or ".test." in name
        or ".spec." in name
        or name == "conftest.py"
    )


@dataclass
class Resolver:
    """Finds the definitions a reference means, for one reviewed head."""

    index: Index
    read: Callable[[str], list[str] | None] | None = (
        None  # a file's lines (receivers typed by assignment)
    )
    _modules: dict[str, list[str]] = field(default_factory=dict)
    _defs: dict[str, list[Signature]] = field(default_factory=dict)
    _imports: dict[str, list[Import]] = field(default_factory=dict)
    _named: dict[str, list[Located]] = field(default_factory=dict)
    # receiver typing, memoised for the run (a large change asks about the same names many times)
    _assigned: dict[tuple[str, int, str], list[tuple[int, list[str]]]] = field(default_factory=dict)
    _attributes: dict[tuple[str, str, str], list[str]] = field(default_factory=dict)
    _bases: dict[tuple[str, ...], list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path in self.index.paths:
            if path.endswith((".py", ".pyi")):
                parts = path.rsplit(".", 1)[0].split("/")
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                for i in range(len(parts)):
                    self._modules.setdefault(".".join(parts[i:]), []).append(path)

    def definitions(self, path: str) -> list[Signature]:
        if path not in self._defs:
            self._defs[path] = self.index.definitions(path)
        return self._defs[path]

    def imports(self, path: str) -> list[Import]:
        if path not in self._imports:
            self._imports[path] = self.index.imports(path)
        return self._imports[path]

    def prefetch(self, names: set[str]) -> None:
        wanted = names - self._named.keys()
        found = self.index.named(wanted)
        for name in wanted:
            self._named[name] = found.get(name, [])

    def named(self, name: str) -> list[Located]:
        if name not in self._named:
            self.prefetch({name})
        return self._named[name]

    def module_files(self, path: str, module: str, level: int) -> list[str]:
        """The files a Python module name or a JavaScript specifier means, seen from `path`."""
        if path.endswith((".py", ".pyi")):
            if level:
                base = posixpath.dirname(path)
                for _ in range(level - 1):
                    base = posixpath.dirname(base)
                rel = posixpath.join(base, *module.split(".")) if module else base
                options = [f"{rel}.py", f"{rel}/__init__.py", f"{rel}.pyi", f"{rel}/__init__.pyi"]
                return [p for p in options if p in self.index.paths]
            found = self._modules.get(module, [])
            return sorted(found, key=len)[:3]
        if not module.startswith("."):
            return []
        rel = posixpath.normpath(posixpath.join(posixpath.dirname(path), module))
        suffixes = (
            "",
            ".ts",
            ".tsx",
            ".js",
            ".jsx",
            ".mjs",
            ".cjs",
            "/index.ts",
            "/index.tsx",
            "/index.js",
        )
        return [rel + s for s in suffixes if rel + s in self.index.paths][:1]

    def top_level(self, files: list[str], name: str, hops: int = 3) -> list[Located]:
        """`name` defined at the top of one of `files`, following re-exports (`from .x import
        name`)."""
        out = [Located(p, d) for p in files for d in self.definitions(p) if d.symbol == name]
        if out or hops == 0:
            return out
        for p in files:
            for imp in self.imports(p):
                if imp.local == name and imp.name not in ("", "*"):
                    out += self.top_level(
                        self.module_files(p, imp.module, imp.level), imp.name, hops - 1
                    )
                elif imp.name == "*":
                    out += self.top_level(
                        self.module_files(p, imp.module, imp.level), name, hops - 1
                    )
            if out:
                break
        return out

    def _owner_types(self, path: str, line: int, enclosing: str | None, through: str) -> list[str]:
        """The classes a method call's receiver has where the code says so (see issue 26), its own
        first, then their bases: `super()` (the enclosing class's bases), a constructor call
        (`Text("").join`), a parameter's annotation (`ctx: Context`), an assignment earlier in the
        function (`table = Table(...)`, `t: Table = ...`, `x = make_thing()` with `-> Thing`,
        `with Console() as c`), an attribute of `self` (`self.app`, typed in the class)."""
        if not enclosing or not through:
            return []
        own = self.definitions(path)
        scopes = enclosing.split(".")
        if through == "super()":
            cls = self._enclosing_class(own, scopes)
            m = _BASES.search(cls.signature) if cls is not None else None
            return self._with_bases(_class_names(m.group(1))) if m else []
        m = _CONSTRUCTED.fullmatch(through)
        if m:
            return self._with_bases([m.group(1)])
        fn = next(
            (d for d in own if d.symbol == enclosing and d.kind in ("function", "method")), None
        )
        if through.startswith(("self.", "cls.")) and through.count(".") == 1:
            return self._with_bases(
                self._attribute_type(path, own, scopes, through.split(".", 1)[1])
            )
        if not through.isidentifier() or through in SELF or fn is None:
            return []
        typed = [t for name, t in _PARAM_TYPE.findall(fn.signature) if name == through][:1]
        if not typed:
            typed = self._assigned_type(path, fn, line, through)
        return self._with_bases(typed)

    @staticmethod
    def _enclosing_class(own: list[Signature], scopes: list[str]) -> Signature | None:
        """The innermost class among the scopes `scopes` names (`A.B.f` -> `A.B`, else `A`)."""
        return next(
            (
                d
                for i in range(len(scopes), 0, -1)
                for d in own
                if d.symbol == ".".join(scopes[:i]) and d.kind == "class"
            ),
            None,
        )

    def _lines(self, path: str) -> list[str]:
        return (self.read(path) if self.read is not None else None) or []

    def _assigned_type(self, path: str, fn: Signature, line: int, name: str) -> list[str]:
        """The class `name` was given by its last assignment in `fn` before `line`."""
        key = (path, fn.start, name)
        if key not in self._assigned:  # every assignment of `name` in `fn`, read once
            lines = self._lines(path)
            assign = re.compile(rf"^\s*{re.escape(name)}\s*{_ANNOTATED_VALUE}")
            within = re.compile(
                rf"\bwith\b.*?(?:[\w.]*\.)?([A-Z]\w*)\(.*\)\s+as\s+{re.escape(name)}\b"
            )
            loop = re.compile(
                rf"^\s*(?:async\s+)?for\s+{re.escape(name)}\s+in\s+(.+?):\s*(?:#.*)?$"
            )
            scope = (
                fn.symbol.rsplit(".", 1)[0] if fn.kind == "method" and "." in fn.symbol else None
            )
            found: list[tuple[int, list[str]]] = []
            for n in range(max(fn.start, 1), min(fn.end, len(lines)) + 1):
                text = lines[n - 1]
                if name not in text:
                    continue
                w = within.search(text)
                m = None if w else assign.match(text)
                f = None if w or m else loop.match(text)
                if w:
                    found.append((n, [w.group(1)]))
                elif m:
                    found.append(
                        (n, [m.group(1)] if m.group(1) else self._value_type(m.group(2), scope))
                    )
                elif f:  # a loop over a typed container: its items' class
                    found.append((n, self._value_type(f.group(1), scope, items=True)))
            self._assigned[key] = found
        before = [types for n, types in self._assigned[key] if n < line]
        return before[-1] if before else []

    def _value_type(self, value: str, scope: str | None = None, items: bool = False) -> list[str]:
        """The class a value has when it says: `Cls(...)`, or a call of a function (or of a method
        of the enclosing class `scope`, through `self.`) annotated `-> Cls`. `items`: the class of
        what the value holds when iterated (`-> list[Cls]`, or a class whose `__iter__` gives
        `Iterator[Cls]`)."""
        m = _CALLED.match(value.strip())
        if not m:
            return []
        called = m.group(1)
        name = called.rsplit(".", 1)[-1]
        if name[:1].isupper():
            return [] if items else [name]
        if called.startswith(("self.", "cls.")) and scope:
            owners = self._with_bases([scope.rsplit(".", 1)[-1]])
            sigs = [
                x.item.signature
                for x in self.named(name)
                if x.item.kind == "method" and x.item.symbol.split(".")[-2] in owners
            ][:1]
        else:
            sigs = [x.item.signature for x in self.named(name) if x.item.kind == "function"]
        annotations = {a.strip() for sig in sigs for a in _ANNOTATION.findall(sig)}
        if len(annotations) != 1:
            return []
        annotation = annotations.pop()
        if not items:
            found = _RETURNS.findall("-> " + annotation)
            return found[:1]
        inner = _ITEMS.search(annotation)
        if inner:
            return [inner.group(1)]
        container = _RETURNS.findall("-> " + annotation)[:1]
        for x in self.named("__iter__") if container else []:
            if x.item.symbol.split(".")[-2] == container[0]:
                got = _ITEMS.search(x.item.signature)
                return [got.group(1)] if got else []
        return []

    def _attribute_type(
        self, path: str, own: list[Signature], scopes: list[str], attr: str
    ) -> list[str]:
        """The class of `self.<attr>` as the enclosing class says: `attr: Cls` in its body,
        `self.attr: Cls = ...`, `self.attr = Cls(...)`, or `self.attr = param` with `param: Cls`."""
        cls = self._enclosing_class(own, scopes)
        if cls is None:
            return []
        key = (path, cls.symbol, attr)
        if key not in self._attributes:
            self._attributes[key] = self._read_attribute(path, own, cls, attr)
        return self._attributes[key]

    def _read_attribute(
        self, path: str, own: list[Signature], cls: Signature, attr: str
    ) -> list[str]:
        lines = self._lines(path)
        body = re.compile(rf"^\s+{re.escape(attr)}\s*:\s*[\"']?(?:[\w.]*\.)?([A-Z]\w*)")
        assign = re.compile(rf"\bself\.{re.escape(attr)}\s*{_ANNOTATED_VALUE}")
        methods = [d for d in own if d.symbol.startswith(cls.symbol + ".") and d.kind == "method"]
        for n in range(cls.start, min(cls.end, len(lines)) + 1):
            text = lines[n - 1]
            if attr not in text:
                continue
            m = body.match(text) if not any(d.start <= n <= d.end for d in methods) else None
            if m:
                return [m.group(1)]
            a = assign.search(text)
            if not a:
                continue
            if a.group(1):
                return [a.group(1)]
            value = a.group(2).strip()
            if value.isidentifier():
                fn = enclosing(methods, n)
                typed = (
                    [t for name, t in _PARAM_TYPE.findall(fn.signature) if name == value]
                    if fn
                    else []
                )
                if typed:
                    return typed[:1]
                continue
            found = self._value_type(value)
            if found:
                return found
        return []

    def _with_bases(self, names: list[str], depth: int = 3) -> list[str]:
        """`names` and the classes they derive from (as far as the index knows them)."""
        key = tuple(names)
        if key not in self._bases:
            self._bases[key] = self._derive(names, depth)
        return self._bases[key]

    def _derive(self, names: list[str], depth: int) -> list[str]:
        out = list(dict.fromkeys(names))
        frontier = list(out)
        for _ in range(depth):
            nxt = []
            for name in frontier:
                for x in self.named(name)[:MAX_NAME_MATCHES]:
                    if x.item.kind == "class":
                        m = _BASES.search(x.item.signature)
                        nxt += [
                            b
                            for b in (_class_names(m.group(1)) if m else [])
                            if b not in out and b != "object"
                        ]
            out += list(dict.fromkeys(nxt))
            frontier = nxt
        return out

    def receiver_matches(self, use: Use, owner: str) -> bool | None:
        """Whether a method call's receiver (`use`) is of class `owner` or a subclass: True, False,
        or None when the code does not say."""
        through = use.ref.through
        if not through:
            return None
        around = enclosing(self.definitions(use.path), use.ref.line)
        types = self._owner_types(
            use.path, use.ref.line, around.symbol if around else None, through
        )
        if through in SELF and around is not None:  # `self` in a class: that class and its bases
            cls = self._enclosing_class(self.definitions(use.path), around.symbol.split("."))
            types = self._with_bases([cls.symbol.rsplit(".", 1)[-1]] if cls is not None else [])
        if not types:
            return None
        return owner in types

    def _imported(self, path: str, ref: Reference, imp: Import) -> list[Located]:
        """What `ref` names through the import `imp` of `path`: the imported name itself, or (with
        `ref.through`) a name inside the imported module."""
        if not ref.through:
            if imp.name in ("", "*"):
                return []
            files = self.module_files(path, imp.module, imp.level)
            found = self.top_level(files, ref.name if imp.name == "default" else imp.name)
            if not found and imp.name == "default":
                found = [
                    Located(p, d) for p in files for d in self.definitions(p) if "." not in d.symbol
                ][:1]
            return found
        module = imp.module if imp.name in ("", "*") else f"{imp.module}.{imp.name}".strip(".")
        files = self.module_files(path, module, imp.level)
        if imp.name not in ("", "*") and not files and imp.level:
            files = self.module_files(
                path, f"{imp.module}.{imp.name}" if imp.module else imp.name, imp.level
            )
        return self.top_level(files, ref.name)

    def resolve(
        self, path: str, ref: Reference, enclosing: str | None
    ) -> list[tuple[float, Located]]:
        """What `ref` (on a line of `path`, inside `enclosing`) means, best first, with a score: 3
        resolved (an import, this file, the receiver's class or its bases); else a match by name
        alone: 2 in this file, 1.5 in its folder, 1 elsewhere (none when too many share it)."""
        imports = {i.local: i for i in self.imports(path)}
        through = ref.through
        if (through or ref.name) in imports:
            return [(3.0, x) for x in self._imported(path, ref, imports[through or ref.name])]
        own = self.definitions(path)
        owners = self._owner_types(path, ref.line, enclosing, through)
        if owners:  # `super().f()` in a subclass, or `ctx.f()` where `ctx: Context` is a parameter
            hit = [
                x
                for x in self.named(ref.name)
                if x.item.symbol.rsplit(".", 2)[-2:-1] and x.item.symbol.split(".")[-2] in owners
            ]
            hit.sort(key=lambda x: (x.path != path, owners.index(x.item.symbol.split(".")[-2])))
            if hit:
                return [(3.0, x) for x in hit[:2]]
        if through in SELF and enclosing:
            owner = enclosing.split(".")
            for i in range(len(owner), 0, -1):
                symbol = ".".join(owner[:i]) + "." + ref.name
                hit = [Located(path, d) for d in own if d.symbol == symbol]
                if hit:
                    return [(3.0, x) for x in hit]
            # inherited: a method of a base class, wherever the index has it
            cls = self._enclosing_class(own, owner)
            bases = self._with_bases([cls.symbol.rsplit(".", 1)[-1]])[1:] if cls is not None else []
            hit = [
                x
                for x in self.named(ref.name)
                if x.item.kind == "method" and x.item.symbol.split(".")[-2] in bases
            ]
            if hit:
                hit.sort(key=lambda x: bases.index(x.item.symbol.split(".")[-2]))
                return [(3.0, x) for x in hit[:2]]
        if not through:
            scopes = (enclosing or "").split(".")
            for i in range(len(scopes), -1, -1):
                symbol = ".".join([*scopes[:i], ref.name]) if i else ref.name
                hit = [Located(path, d) for d in own if d.symbol == symbol and d.kind != "method"]
                if hit:
                    return [(3.0, x) for x in hit]
        if ref.kind == "use":
            return []
        matches = [
            x
            for x in self.named(ref.name)
            if (x.item.kind == "method") == bool(through) or x.item.kind == "class"
        ]
        if not matches or len(matches) > MAX_NAME_MATCHES:
            return []
        here = posixpath.dirname(path)
        return [
            (2.0 if x.path == path else 1.5 if posixpath.dirname(x.path) == here else 1.0, x)
            for x in matches
        ]


_PARAM_TYPE = re.compile(r"\b(\w+)\s*:\s*[\"']?(?:[\w.]*\.)?([A-Z]\w*)")
_RETURNS = re.compile(r"->\s*[\"']?(?:[\w.]*\.)?([A-Z]\w*)")
# a receiver that is a constructor call
_CONSTRUCTED = re.compile(r"(?:[\w.]*\.)?([A-Z]\w*)\(.*\)", re.S)
_CALLED = re.compile(r"([\w.]+)\(")
_ANNOTATION = re.compile(r"->\s*([^:]+?)\s*:\s*$", re.M)  # a signature's return annotation
# the class a container annotation holds: list[Cls], Iterator["Cls"], Sequence[mod.Cls], ...
_ITEMS = re.compile(
    r"\b(?:list|List|Sequence|Iterable|Iterator|Generator|set|Set|frozenset|tuple|Tuple)\[\s*[\"']?(?:[\w.]*\.)?([A-Z]\w*)"
)
# after a name: an optional annotation (its class, group 1) and the value given (group 2)
_ANNOTATED_VALUE = r"(?::\s*[\"']?(?:[\w.]*\.)?([A-Z]\w*)[^=]*)?=\s*(.+)$"
_BASES = re.compile(r"^\s*class\s+\w+\s*(?:\[[^\]]*\])?\s*\(([^)]*)\)", re.M)


def _class_names(text: str) -> list[str]:
    return [
        part.strip().split("[")[0].rsplit(".", 1)[-1]
        for part in text.split(",")
        if part.strip() and "=" not in part
    ]


def enclosing(defs: list[Signature], line: int) -> Signature | None:
    """The innermost definition around `line`."""
    best = None
    for d in defs:
        if d.start <= line <= d.end and (best is None or d.end - d.start <= best.end - best.start):
            best = d
    return best


def _signature_item(x: Located, kind: str, score: float) -> Item:
    lines = x.item.signature.split("\n")
    end = x.item.line + len(lines) - 1
    text = [f"{x.item.line + i:>5} | {ln}" for i, ln in enumerate(lines)]
    if x.item.doc:
        text.append(f"      |     {x.item.doc}")
    return Item(x.path, x.item.line, end, kind, x.item.symbol, score, "\n".join(text))


def _window(
    path: str, line: int, lines: list[str], kind: str, symbol: str | None, score: float
) -> Item:
    """The line of a call site (or test) — one line is what says how it is called."""
    text = f"{line:>5} | {lines[line - 1].rstrip()}" if line <= len(lines) else ""
    return Item(path, line, line, kind, symbol, score, text)


@dataclass
class Related:
    """Related code for the changes of one file at a time (called in the workers that build the
    file's request units: each process keeps its own caches and database connection)."""

    index: Index
    # a file's lines at the reviewed head (None: unreadable)
    read: Callable[[str], list[str] | None]
    # read these in one go, before `read`
    prefetch: Callable[[list[str]], None] = lambda paths: None
    _resolver: Resolver | None = None

    @property
    def resolver(self) -> Resolver:
        """This process's resolver (its caches live as long as the run)."""
        if self._resolver is None:
            self._resolver = Resolver(self.index, self.read)
        return self._resolver

    def for_file(self, f: ReviewFile) -> dict[int, list[Item]]:
        """Items for each change of `f` (by index in `f.changes`), ranked best first."""
        index = self.index
        if f.new_text is None or f.path not in index.paths or not f.language.parsed:
            return {}
        resolver = self.resolver
        added_anywhere = [n for c in f.changes if c.side == "new" for n in c.added_lines]
        if not added_anywhere:
            return {}
        refs = index.references(f.path, (min(added_anywhere), max(added_anywhere)))
        defs = resolver.definitions(f.path)
        work: list[tuple[int, Change, list[Reference], Signature | None]] = []
        names: set[str] = set()
        for i, c in enumerate(f.changes):
            if c.side != "new":
                continue
            added = set(c.added_lines)
            mine = [r for r in refs if r.line in added]
            own = next((d for d in defs if d.symbol == c.symbol and d.start == c.start_line), None)
            work.append((i, c, mine, own))
            names.update(r.name for r in mine)
        resolver.prefetch(names)
        uses = index.uses({own.name for *_, own in work if own is not None})
        real = _from(resolver, f.path)
        candidates = {
            own.name: [u for u in uses.get(own.name, []) if real(u)]
            for *_, own in work
            if own is not None
        }
        # the files whose method calls are typed by their receivers, read in one go (see issue 26)
        to_type = {
            own.name: _to_type(f.path, own, candidates[own.name])
            for *_, own in work
            if own is not None
        }
        self.prefetch(
            list(
                dict.fromkeys(
                    u.path for us in to_type.values() for u in us if u.ref.through not in SELF
                )
            )
        )
        callers = {
            i: _callers(f, c, own, *_typed(resolver, own, candidates[own.name], to_type[own.name]))
            for i, c, _, own in work
            if own is not None
        }
        # the file's callers in one read
        self.prefetch([u.path for chosen in callers.values() for u in chosen])
        out: dict[int, list[Item]] = {}
        for i, c, mine, _ in work:
            items = _callees(resolver, f, c, mine)
            if i in callers:
                items += _caller_windows(resolver, callers[i], self.read)
            out[i] = _ranked(items)
        return out


def _callees(
    resolver: Resolver, f: ReviewFile | _Stub, c: Change, refs: list[Reference]
) -> list[Item]:
    items: list[Item] = []
    defs = resolver.definitions(f.path)
    for ref in refs:
        around = enclosing(defs, ref.line)
        kind = "type" if ref.kind == "type" else "callee"
        for score, x in resolver.resolve(f.path, ref, around.symbol if around else None):
            if x.path == f.path and c.start_line <= x.item.line <= c.end_line:
                continue  # shown already, in the change itself
            items.append(_signature_item(x, kind, score - (0.5 if kind == "type" else 0)))
            if x.item.kind == "class":  # instantiated: its constructor's signature too
                for d in resolver.definitions(x.path):
                    if d.symbol in (f"{x.item.symbol}.__init__", f"{x.item.symbol}.constructor"):
                        items.append(_signature_item(Located(x.path, d), kind, score - 0.25))
    return items


def _signature_changed(f: ReviewFile, c: Change, own: Signature) -> bool:
    """The change touches the definition's signature, or a line returning from it."""
    head = range(own.line, own.line + own.signature.count("\n") + 1)
    if any(n in head for n in c.added_lines) or c.removed_lines and not c.added_lines:
        return True
    lines = f.new_lines
    return any(
        n <= len(lines) and lines[n - 1].lstrip().startswith(("return", "yield"))
        for n in c.added_lines
    )


def _from(resolver: Resolver, target: str) -> Callable[[Use], bool]:
    """Whether a use names the definition of `target`'s file: a call, or a bare mention of a name
    the using file imports from that file (a local variable of the same name is no use: see issue
    26)."""
    memo: dict[str, set[str]] = {}

    def imported(u: Use) -> bool:
        if u.ref.kind != "use" or u.path == target:
            return True
        if u.path not in memo:
            memo[u.path] = {
                i.local
                for i in resolver.imports(u.path)
                if target in resolver.module_files(u.path, i.module, i.level)
            }
        return u.ref.name in memo[u.path] or bool(u.ref.through)

    return imported


MAX_TYPED = 24  # a method's uses whose receivers are typed, nearest first (each may read its file)


def _to_type(path: str, own: Signature, uses: list[Use]) -> list[Use]:
    """The uses of a method whose receivers are typed: those with a receiver, nearest first (code
    before tests, most of the path shared), at most MAX_TYPED (the rest are kept untyped)."""
    if own.kind != "method" or "." not in own.symbol:
        return []
    through = [u for u in uses if u.ref.through]
    mine = path.split("/")
    return sorted(through, key=lambda u: (is_test(u.path), -_shared(mine, u.path.split("/"))))[
        :MAX_TYPED
    ]


def _typed(
    resolver: Resolver, own: Signature, uses: list[Use], to_type: list[Use]
) -> tuple[list[Use], set[int]]:
    """A method's uses less those whose receiver the code types as another class
    (`app.register(...)` where `app = App()`, for `Blueprint.register`), and the ids of those typed
    as its class (shown first; see issue 26). Only `to_type` are typed."""
    if not to_type:
        return uses, set()
    owner = own.symbol.rsplit(".", 2)[-2]
    match = {id(u): resolver.receiver_matches(u, owner) for u in to_type}
    return [u for u in uses if match.get(id(u)) is not False], {
        i for i, m in match.items() if m is True
    }


def _callers(
    f: ReviewFile, c: Change, own: Signature, uses: list[Use], sure: set[int] | None = None
) -> list[Use]:
    """The call sites to show when the signature or a return changed (nearest first), else the tests
    using the symbol."""
    method = own.kind == "method"
    # `f()` is no call of a method
    elsewhere = [
        u
        for u in uses
        if (u.ref.kind in ("call", "new", "use") or (method and u.ref.kind == "attr"))
        and not (u.path == f.path and c.start_line <= u.ref.line <= c.end_line)
        and (bool(u.ref.through) or not method or u.ref.kind == "use")
    ]
    mine = f.path.split("/")
    typed = sure or set()

    def near(u: Use) -> tuple[bool, bool, int, str, int]:
        """Code before tests; calls whose receiver is typed as the method's class first; then the
        most path components shared with the changed file."""
        return (
            is_test(u.path),
            id(u) not in typed,
            -_shared(mine, u.path.split("/")),
            u.path,
            u.ref.line,
        )

    if _signature_changed(f, c, own):
        return sorted(elsewhere, key=near)[:MAX_CALLERS]
    return sorted((u for u in elsewhere if is_test(u.path)), key=near)[:MAX_TESTS]


def _caller_windows(
    resolver: Resolver, chosen: list[Use], read: Callable[[str], list[str] | None]
) -> list[Item]:
    """A few lines around each chosen call site, ranked in their order."""
    items: list[Item] = []
    for rank, u in enumerate(chosen):
        lines = read(u.path)
        if lines is None:
            continue
        around = enclosing(resolver.definitions(u.path), u.ref.line)
        kind, base = ("test", 1.8) if is_test(u.path) else ("caller", 2.5)
        items.append(
            _window(
                u.path,
                u.ref.line,
                lines,
                kind,
                around.symbol if around else None,
                base - rank * 0.1,
            )
        )
    return items


def _ranked(items: list[Item]) -> list[Item]:
    best: dict[tuple[str, int, int], Item] = {}
    for it in items:
        key = (it.path, it.start_line, it.end_line)
        if key not in best or it.score > best[key].score:
            best[key] = it
    return sorted(best.values(), key=lambda it: -it.score)[:MAX_ITEMS]


@dataclass
class Drafting:
    """What `generate` sends beside a definition: what it calls, who calls it (when asked to
    implement or change it), the tests that use it — whose file is where new tests go — with their
    fixtures and the test folder's layout."""

    items: list[Item]
    test_file: str | None
    fixtures: list[Item]
    layout: list[str]
    # the tests that use it, as pytest node ids (path::Class::test)
    tests: list[str] = field(default_factory=list)
    folder: str | None = (
        None  # where its tests live (or would: the project's test folder nearest to it)
    )


def _node_id(path: str, around: Signature | None) -> str:
    """The pytest node id of the test around a use (`path::Class::test`), else its file: what
    generate runs to check a draft (issue 24)."""
    parts = around.symbol.split(".") if around is not None else []
    parts = parts[:2] if len(parts) > 1 and parts[0].startswith("Test") else parts[:1]
    if not parts or not parts[-1].startswith("test") or not path.endswith(".py"):
        return path
    return "::".join([path, *parts])


def for_definition(
    related: Related, path: str, symbol: str, kind: str, span: tuple[int, int], tests: bool
) -> Drafting:
    index, read, resolver = related.index, related.read, related.resolver
    change = Change(symbol, kind, span[0], span[1], added_lines=list(range(span[0], span[1] + 1)))
    refs = [r for r in index.references(path) if span[0] <= r.line <= span[1]]
    resolver.prefetch({r.name for r in refs})
    items = _callees(resolver, _Stub(path), change, refs)
    name = symbol.rsplit(".", 1)[-1]
    real = _from(resolver, path)
    uses = [
        u
        for u in index.uses({name}).get(name, [])
        if not (u.path == path and span[0] <= u.ref.line <= span[1]) and real(u)
    ]
    mine = path.split("/")
    callers = sorted(
        (u for u in uses if not is_test(u.path)),
        key=lambda u: (_distance(mine, u.path), u.path, u.ref.line),
    )
    for u in callers[:MAX_CALLERS]:
        lines = read(u.path)
        if lines is not None:
            around = enclosing(resolver.definitions(u.path), u.ref.line)
            items.append(
                _window(u.path, u.ref.line, lines, "caller", around.symbol if around else None, 2.0)
            )
    in_tests = [u for u in uses if is_test(u.path) and not u.path.endswith("conftest.py")]
    counts: dict[str, int] = {}
    for u in in_tests:
        counts[u.path] = counts.get(u.path, 0) + 3
    # tests reach a symbol also through what it fills (`self.aborter = self.make_aborter()`: tests
    # use `aborter`), what it returns, and tests named after its stem (`test_app_aborter_class`):
    # issue 26
    indirect = _indirect_tests(resolver, read, path, symbol, span)
    for p, n in indirect.items():
        counts[p] = counts.get(p, 0) + n
    test_file = max(counts, key=lambda p: (counts[p], -_distance(mine, p))) if counts else None
    node_ids = {
        _node_id(u.path, enclosing(resolver.definitions(u.path), u.ref.line)) for u in in_tests
    }
    fixtures: list[Item] = []
    layout: list[str] = []
    folder = posixpath.dirname(test_file) if test_file is not None else _test_folder(index, path)
    if tests:
        for u in sorted(in_tests, key=lambda u: (u.path != test_file, u.ref.line))[:MAX_TESTS]:
            lines = read(u.path)
            if lines is not None:
                around = enclosing(resolver.definitions(u.path), u.ref.line)
                items.append(
                    _window(
                        u.path, u.ref.line, lines, "test", around.symbol if around else None, 1.5
                    )
                )
        if folder is not None:  # where the new tests live, even when none of the symbol exists yet
            layout = sorted(
                p for p in index.paths if posixpath.dirname(p) == folder and is_test(p)
            )[:40]
            fixtures = _fixtures(resolver, read, folder)
    parent = symbol.rsplit(".", 1)[0] if "." in symbol else ""
    for d in resolver.definitions(path):  # siblings: the pattern the project follows around it
        if d.symbol != symbol and (d.symbol.rsplit(".", 1)[0] if "." in d.symbol else "") == parent:
            items.append(_signature_item(Located(path, d), "sibling", 0.5))
    return Drafting(_ranked(items), test_file, fixtures, layout, sorted(node_ids), folder)


_MADE = re.compile(r"^(?:make|get|create|build|new|init|setup|load)_+")


def _indirect_tests(
    resolver: Resolver,
    read: Callable[[str], list[str] | None],
    path: str,
    symbol: str,
    span: tuple[int, int],
) -> dict[str, int]:
    """Test files that reach `symbol` other than by its name, weighted: 2 for each use of a name it
    fills (`self.x = self.symbol()`) or of the class it returns (`-> Aborter`), 1 for each test
    named after its stem (`make_aborter`: `test_app_aborter_class`)."""
    name = symbol.rsplit(".", 1)[-1]
    lines = read(path) or []
    filled = re.compile(
        rf"^\s*(?:self\.|cls\.)?(\w+)\s*(?::[^=]+)?=\s*(?:self\.|cls\.)?{re.escape(name)}\("
    )
    names = {m.group(1) for ln in lines if (m := filled.match(ln))} - {name}
    own = next(
        (d for d in resolver.definitions(path) if d.symbol == symbol and d.start == span[0]), None
    )
    if own is not None:
        names.update(_RETURNS.findall(own.signature))
    out: dict[str, int] = {}
    for uses in resolver.index.uses(names).values() if names else []:
        for u in uses:
            if is_test(u.path) and not u.path.endswith("conftest.py"):
                out[u.path] = out.get(u.path, 0) + 2
    stem = _MADE.sub("", name.lstrip("_"))
    if len(stem) >= 4:
        for p in [
            p
            for p in resolver.index.paths
            if is_test(p) and posixpath.basename(p).startswith("test")
        ][:400]:
            hits = sum(
                1
                for d in resolver.definitions(p)
                if stem in d.symbol.rsplit(".", 1)[-1] and "test" in d.symbol
            )
            if hits:
                out[p] = out.get(p, 0) + hits
    return out


def _test_folder(index: Index, path: str) -> str | None:
    """The folder where the project keeps the tests nearest to `path`: of the folders holding test
    files (of its language), the one sharing most of its path, then holding most tests."""
    suffix = posixpath.splitext(path)[1]
    counts: dict[str, int] = {}
    for p in index.paths:
        if (
            is_test(p)
            and p.endswith(suffix)
            and "test" in posixpath.basename(p)
            and not p.endswith("conftest.py")
        ):
            folder = posixpath.dirname(p)
            counts[folder] = counts.get(folder, 0) + 1
    if not counts:
        return None
    mine = path.split("/")
    return max(counts, key=lambda f: (_shared(mine, f.split("/")), counts[f], -len(f)))


def render(items: list[Item], fence: str) -> str:
    """Items grouped by file, in line order, each under a label saying what it is."""
    blocks = []
    ordered = sorted(items, key=lambda it: (it.path, it.start_line))
    for path in dict.fromkeys(it.path for it in ordered):
        body = []
        for it in (it for it in ordered if it.path == path):
            body.append(f"  # {it.kind}: {it.symbol}" if it.symbol else f"  # {it.kind}")
            body.append(it.text)
        blocks.append(f"{path}\n{fence}\n" + "\n".join(body) + f"\n{fence}")
    return "\n\n".join(blocks)


@dataclass(frozen=True)
class _Stub:
    path: str


def _shared(mine: list[str], theirs: list[str]) -> int:
    """How many leading path components two paths share."""
    return next(
        (i for i, (a, b) in enumerate(zip(mine, theirs, strict=False)) if a != b),
        min(len(mine), len(theirs)),
    )


def _distance(mine: list[str], path: str) -> int:
    """Steps up from one file's folder and down to the other's."""
    theirs = path.split("/")
    return len(mine) + len(theirs) - 2 * _shared(mine, theirs)


def _fixtures(
    resolver: Resolver, read: Callable[[str], list[str] | None], folder: str
) -> list[Item]:
    """pytest fixtures the tests in `folder` can use: those of every conftest.py from it upwards."""
    out: list[Item] = []
    parts = folder.split("/") if folder else []
    for i in range(len(parts), -1, -1):
        conftest = "/".join([*parts[:i], "conftest.py"])
        lines = read(conftest) if conftest in resolver.index.paths else None
        if lines is None:
            continue
        for d in resolver.definitions(conftest):
            decorators = "\n".join(lines[d.start - 1 : d.line - 1])
            if "fixture" in decorators and "." not in d.symbol:
                out.append(_signature_item(Located(conftest, d), "fixture", 1.0))
    return out[:20]

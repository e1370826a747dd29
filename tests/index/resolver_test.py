"""What a reference means (index/related.py, `Resolver.resolve`), as a table over a small project
indexed from texts: imports, a module's attribute, own and inherited methods, receivers typed by a
parameter, an assignment or a constructor, a JavaScript import, and a name-only match ranked
lower."""

from __future__ import annotations

import pytest

from codepilot.index.related import Resolver
from codepilot.index.repo_index import index_texts
from codepilot.syntax import detect
from codepilot.syntax.facts import Reference, extract

MONEY = """class Money:
    def add(self, other):
        return self


def parse(x):
    return Money()
"""
OTHER = """class Ledger:
    def add(self, entry):
        return entry
"""
CART = """from lib.money import Money, parse
from lib import money
from lib.base import Base
from lib.other import Ledger


class Cart(Base):
    def total(self, m: Money, book: Ledger):
        parse(1)
        money.parse(2)
        self.helper()
        self.save()
        m.add(m)
        local()
        Money().add(1)
        unknown_thing()
        book.add(1)
        c = Money()
        c.add(2)

    def helper(self):
        return 1


def local(x):
    x.add(3)
"""
FILES = {
    "lib/__init__.py": "",
    "lib/money.py": MONEY,
    "lib/other.py": OTHER,
    "lib/base.py": "class Base:\n    def save(self):\n        pass\n",
    "app/__init__.py": "",
    "app/cart.py": CART,
    "misc/thing.py": "def unknown_thing():\n    pass\n",
    "web/util.js": "export function fmt(x) {\n  return x;\n}\n",
    "web/app.js": 'import { fmt } from "./util";\n\nfunction show(v) {\n  return fmt(v);\n}\n',
}

# (file, line, name, enclosing) -> (score, path, symbol) of the best answer, or None for none
CASES = [
    (("app/cart.py", 9, "parse", "Cart.total"), (3.0, "lib/money.py", "parse")),  # imported name
    (("app/cart.py", 10, "parse", "Cart.total"), (3.0, "lib/money.py", "parse")),  # module.attr
    (("app/cart.py", 11, "helper", "Cart.total"), (3.0, "app/cart.py", "Cart.helper")),  # own
    (("app/cart.py", 12, "save", "Cart.total"), (3.0, "lib/base.py", "Base.save")),  # inherited
    (("app/cart.py", 13, "add", "Cart.total"), (3.0, "lib/money.py", "Money.add")),  # m: Money
    (("app/cart.py", 14, "local", "Cart.total"), (3.0, "app/cart.py", "local")),  # same file
    (("app/cart.py", 15, "add", "Cart.total"), (3.0, "lib/money.py", "Money.add")),  # Money().add
    (("app/cart.py", 16, "unknown_thing", "Cart.total"), (1.0, "misc/thing.py", "unknown_thing")),
    (("app/cart.py", 17, "add", "Cart.total"), (3.0, "lib/other.py", "Ledger.add")),  # book: Ledger
    (("app/cart.py", 19, "add", "Cart.total"), (3.0, "lib/money.py", "Money.add")),  # c = Money()
    (("web/app.js", 4, "fmt", "show"), (3.0, "web/util.js", "fmt")),  # a JavaScript import
]


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> Resolver:
    mp = pytest.MonkeyPatch()
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    try:
        index = index_texts(FILES)
    finally:
        mp.undo()
    return Resolver(index, lambda path: FILES[path].split("\n"))


def _reference(path: str, line: int, name: str) -> Reference:
    refs = extract(detect(path), FILES[path].encode()).references
    (ref,) = [r for r in refs if r.line == line and r.name == name and r.kind != "use"]
    return ref


@pytest.mark.parametrize(("where", "meant"), CASES, ids=[f"{c[0][0]}:{c[0][1]}" for c in CASES])
def test_resolve(
    resolver: Resolver, where: tuple[str, int, str, str], meant: tuple[float, str, str]
) -> None:
    path, line, name, enclosing = where
    found = resolver.resolve(path, _reference(path, line, name), enclosing)
    assert found, "nothing resolved"
    score, best = found[0]
    assert (score, best.path, best.item.symbol) == meant


def test_an_untyped_receiver_is_a_name_only_match_of_every_method() -> None:
    """`x.add()` with `x` unknown: both classes' `add`, ranked below anything resolved."""
    index = index_texts(FILES)
    found = Resolver(index).resolve("app/cart.py", _reference("app/cart.py", 26, "add"), "local")
    assert {(s, x.item.symbol) for s, x in found} == {(1.0, "Money.add"), (1.0, "Ledger.add")}


def test_a_star_import_resolves_nothing_by_its_name() -> None:
    files = {"a.py": "from b import *\n\nf()\n", "b.py": "def f():\n    pass\n"}
    resolver = Resolver(index_texts(files))
    ref = extract(detect("a.py"), files["a.py"].encode()).references[0]
    # not through the import (it names no `f`): a name-only match, ranked up for sharing a folder
    assert [(s, x.path) for s, x in resolver.resolve("a.py", ref, None)] == [(1.5, "b.py")]

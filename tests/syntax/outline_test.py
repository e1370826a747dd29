"""The innermost enclosing definition of a line, in each of the twelve parsed languages:
class method, nested function, decorated/attributed definition, module level."""

from __future__ import annotations

import pytest

from codepilot.syntax import detect, outline
from tests.support import ROOT
from tests.support.ast_symbols import ast_symbols

CASES: dict[str, tuple[str, dict[int, str | None]]] = {
    "a.py": (
        """import os

class Cart:
    @property
    def total(self):
        def inner():
            return 1
        return inner()

@cached
def helper(x):
    pass
""",
        {1: None, 3: "Cart", 4: "Cart.total", 7: "Cart.total.inner", 8: "Cart.total", 10: "helper"},
    ),
    "a.js": (
        """import x from "y";
class Greeter {
  greet(name) {
    function nested() {
      return 1;
    }
    return nested();
  }
}
const shout = (s) => {
  return s;
};
function* gen() {
  yield 1;
}
const api = { get: function () { return 1; } };
""",
        {1: None, 3: "Greeter.greet", 5: "Greeter.greet.nested", 11: "shout", 14: "gen", 16: "get"},
    ),
    "a.ts": (
        """@Component({})
export class X {
  @HostListener("x")
  onClick(): void {
    return;
  }
  handle = () => {
    return 1;
  };
}
export function over(a: string): void;
export function over(a: any) {
  return a;
}
const z = 1;
""",
        {1: "X", 3: "X.onClick", 5: "X.onClick", 8: "X.handle", 11: "over", 13: "over", 15: None},
    ),
    "a.tsx": (
        """export const App = () => {
  return <div>hi</div>;
};
export default function Page() {
  const cb = () => {
    return 1;
  };
  return <App />;
}
""",
        {2: "App", 6: "Page.cb", 8: "Page"},
    ),
    "a.go": (
        """package main

type Stack struct {
	items []int
}

func (s *Stack) Push(v int) {
	s.items = append(s.items, v)
}

func main() {
	f := func() {}
	f()
}
""",
        {1: None, 4: "Stack", 8: "Stack.Push", 12: "main"},
    ),
    "a.rs": (
        """use std::fmt;

#[derive(Debug)]
struct P { x: i32 }

impl P {
    fn get(&self) -> i32 {
        fn helper() -> i32 { 1 }
        self.x + helper()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn works() {}
}
""",
        {1: None, 3: "P", 7: "P.get", 8: "P.get.helper", 13: "tests", 15: "tests.works"},
    ),
    "A.java": (
        """package x;

public class A {
  @Override
  public String toString() {
    return "";
  }
  static class B {
    void m() {
      int y = 1;
    }
  }
}
""",
        {1: None, 4: "A.toString", 6: "A.toString", 10: "A.B.m"},
    ),
    "a.c": (
        """#include <stdio.h>

struct point { int x; };

static char **names(int n) {
  return 0;
}
""",
        {1: None, 3: "point", 6: "names"},
    ),
    "a.cpp": (
        """#include <vector>
namespace ns {
class Foo {
 public:
  int bar() {
    return 1;
  }
};
template <typename T>
T Foo::baz(T x) {
  return x;
}
}
""",
        {1: None, 6: "Foo.bar", 9: "Foo.baz", 11: "Foo.baz"},
    ),
    "a.rb": (
        """require "x"
module Shop
  class Cart
    def total
      1
    end
    def self.build
      new
    end
  end
end
""",
        {1: None, 5: "Shop.Cart.total", 8: "Shop.Cart.build", 3: "Shop.Cart"},
    ),
    "a.php": (
        """<?php
namespace App;
class Cart {
  #[Pure]
  public function total(): int {
    return 1;
  }
}
function helper() {
  return 2;
}
""",
        {2: None, 4: "Cart.total", 6: "Cart.total", 10: "helper"},
    ),
    "a.cs": (
        """using System;
namespace Shop {
  public class Cart {
    [Obsolete]
    public int Total() {
      int Local() { return 1; }
      return Local();
    }
  }
}
""",
        {1: None, 4: "Cart.Total", 6: "Cart.Total.Local", 7: "Cart.Total"},
    ),
}


@pytest.mark.parametrize("path", sorted(CASES))
def test_innermost_definition(path: str) -> None:
    source, expected = CASES[path]
    o = outline(detect(path), source.encode())
    got = {line: (d.symbol if (d := o.at(line)) else None) for line in expected}
    assert got == expected


@pytest.mark.parametrize("path", sorted(CASES))
def test_the_index_query_gives_the_same_outline_of_any_lines(path: str) -> None:
    """The outline of some lines, from the definitions the index's query found in the whole file
    (how a changed file's new version is mapped when the index needs it too), is the outline the
    outline's own query gives for those lines: for every span of lines."""
    from codepilot.syntax.facts import extract
    from codepilot.syntax.outline import parser_for

    lang, source = detect(path), CASES[path][0].encode()
    tree = parser_for(lang).parse(source)
    found = extract(lang, source, tree).found
    n = source.count(b"\n") + 1
    for first in range(1, n + 1):
        for last in range(first, n + 1):
            by_query, by_index = (
                outline(lang, source, (first, last), tree),
                outline(lang, source, (first, last), tree, found),
            )
            assert by_index.definitions == by_query.definitions, (first, last)
            assert [by_index.at(i) for i in range(1, n + 1)] == [
                by_query.at(i) for i in range(1, n + 1)
            ]


def test_kinds() -> None:
    o = outline(detect("a.py"), CASES["a.py"][0].encode())
    assert o.at(3).kind == "class"  # type: ignore[union-attr]
    assert o.at(5).kind == "method"  # type: ignore[union-attr]
    assert o.at(7).kind == "function"  # type: ignore[union-attr]
    go = outline(detect("a.go"), CASES["a.go"][0].encode())
    assert go.at(8).kind == "method"  # type: ignore[union-attr]


def test_language_detection() -> None:
    assert detect("tool", b"#!/usr/bin/env python3\nprint(1)\n").name == "python"
    assert detect("run", b"#!/usr/bin/env node\n").name == "javascript"
    assert detect("x.rb").name == "ruby" and detect("Gemfile").name == "ruby"
    assert detect("x.hpp").name == "cpp" and detect("x.cs").name == "csharp"
    assert detect("README.md").name == "markdown" and not detect("README.md").parsed
    assert detect("weird.xyz").name == "text"


def test_python_agrees_with_ast_on_this_repository() -> None:

    agree = total = 0
    for file in sorted((ROOT / "codepilot").rglob("*.py")):
        source = file.read_text()
        want = ast_symbols(source)
        o = outline(detect(file.name), source.encode())
        for line in range(1, source.count("\n") + 1):
            if (
                source.split("\n")[line - 1].strip().startswith("#")
                or not source.split("\n")[line - 1].strip()
            ):
                continue
            total += 1
            d = o.at(line)
            agree += (d.symbol if d else None) == want.get(line)
    assert total > 500 and agree == total

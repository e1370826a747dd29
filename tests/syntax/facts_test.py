"""What the index stores of a file (syntax/facts.py): definitions and references in every parsed
language, Python's imports and signatures."""

from __future__ import annotations

from codepilot.syntax import detect
from codepilot.syntax.facts import Import, extract

CALLS = {
    "x.py": ("def f(a: Money):\n    return g(a)\n", {"g", "Money"}),
    "x.js": ("function f(a) {\n  return g(new K(a));\n}\n", {"g", "K"}),
    "x.ts": ("function f(a: Money): T {\n  return g(a);\n}\n", {"g", "Money", "T"}),
    "x.tsx": ("function F() {\n  return <Panel v={g(1)} />;\n}\n", {"g", "Panel"}),
    "x.go": ("package m\n\nfunc f(a Money) int {\n\treturn pkg.G(a)\n}\n", {"G", "Money"}),
    "x.rs": ("fn f(a: Money) -> i32 {\n    g(a)\n}\n", {"g", "Money"}),
    "X.java": ("class X {\n  int f() {\n    return g(new K());\n  }\n}\n", {"g", "K"}),
    "x.c": ("int f(void) {\n  return g(1);\n}\n", {"g"}),
    "x.cpp": ("int f() {\n  return ns::g(1);\n}\n", {"g"}),
    "x.rb": ("def f(a)\n  K.new(g(a))\nend\n", {"g", "K"}),
    "x.php": ("<?php\nfunction f($a) {\n  return g(new K($a));\n}\n", {"g", "K"}),
    "x.cs": ("class X {\n  int F() {\n    return G(new K());\n  }\n}\n", {"G", "K"}),
}


def test_facts_find_definitions_and_references_in_every_parsed_language() -> None:
    for path, (src, names) in CALLS.items():
        facts = extract(detect(path), src.encode())
        assert facts.definitions, path
        assert names <= {r.name for r in facts.references}, (path, facts.references)


def test_python_imports_and_signatures() -> None:
    src = (
        b"from .a import b as c\nimport os.path as p\nfrom x import *\n\n\n"
        b'@dec\ndef f(\n    a,\n    b,\n):\n    # note\n    """Does f."""\n    return 1\n'
    )
    facts = extract(detect("m.py"), src)
    assert facts.imports == [
        Import("c", "a", "b", 1),
        Import("p", "os.path", ""),
        Import("*", "x", "*"),
    ]
    (d,) = facts.definitions
    assert (d.start, d.line, d.signature, d.doc) == (6, 7, "def f(\n    a,\n    b,\n):", "Does f.")

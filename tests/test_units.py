"""Unit tests of the pure modules a newcomer is likely to touch first: globs, findings merge,
request packing, the history's statuses; and a round trip in unidiff's style over real files: patch
-> parse -> `git apply` -> the expected text."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from unidiff import PatchSet

from codepilot.check.findings import Finding, _merge
from codepilot.check.patches import unified
from codepilot.check.placement import place
from codepilot.prompt.context import _pack
from codepilot.prompt.views import Unit
from codepilot.source import globs

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("path", "pattern", "hit"),
    [
        ("a/b/c.py", "*.py", True),
        ("c.py", "/c.py", True),
        ("a/c.py", "/c.py", False),
        ("vendor/x/y.js", "**/vendor/**", True),
        ("src/vendor/y.js", "**/vendor/**", True),
        ("docs/a.md", "docs", True),
        ("a/.ENV", ".env", False),
    ],
)
def test_globs(path: str, pattern: str, hit: bool) -> None:
    assert (globs.matches(path, [pattern]) is not None) is hit


def test_globs_ignoring_case_for_credentials() -> None:
    assert globs.matches("a/.ENV", [".env"], ignore_case=True) == ".env"
    assert globs.matches("keys/Server.PEM", ["*.p12", "*.pem"], ignore_case=True) == "*.pem"
    assert globs.matches("keys/Server.PEM", ["*.pem"]) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a/id_rsa.pub", "id_rsa*"),  # a name with a wildcard
        ("secrets/x/.env", ".env"),  # first in the list, though a later one matches too
        ("secrets/x/y", "secrets/**"),
        ("x/docs/a.min.js", "docs/"),  # a folder at any depth, before the suffix
        ("b.min.js", "*.min.js"),
        ("src/b.js", None),
    ],
)
def test_globs_give_the_first_pattern_that_matches(path: str, expected: str | None) -> None:
    """However the patterns are grouped to check many paths at once, the answer is the first in the
    list."""
    patterns = [".env", "id_rsa*", "docs/", "secrets/**", "*.min.js", "*.env"]
    assert globs.matches(path, patterns) == expected


def _finding(
    fid: str, line: int, title: str, severity: str = "warning", end: int | None = None
) -> Finding:
    return Finding(
        fid, "a.py", line, end or line, severity, "bug", title, "", None, None, "change", "r1", line
    )


def test_merge_keeps_one_of_each_meaning_and_the_highest_severity() -> None:
    found = [
        _finding("1", 5, "Division by zero on empty list"),
        _finding("2", 5, "Division by zero on an empty list", "error"),
        _finding("3", 5, "Unrelated naming problem"),
        _finding("1", 9, "Same id elsewhere"),
    ]
    kept = _merge(found)
    assert (
        [f.id for f in kept] == ["1", "3"] and kept[0].severity == "error" and kept[0].merged == 2
    )


def test_packing_fills_requests_and_keeps_a_files_units_together() -> None:
    groups = []
    for name in ("a.py", "b.py", "c.py"):
        header = Unit(name, None, f"## {name}", 5, header=True)
        groups.append([header, *[Unit(name, f"f{i}", "x", 100) for i in range(3)]])
    batches = _pack(groups, room=700)
    assert [len(b) for b in batches] == [8, 4]  # two files whole, then the third (with its header)
    assert all(b[0].header for b in batches)
    tight = _pack(groups[:1], room=150)
    assert all(sum(u.tokens + 2 for u in b) <= 150 or len(b) == 2 for b in tight)


def test_history_statuses(tmp_path: Path) -> None:
    from codepilot.output import history

    def run(ids: list[str]) -> dict[str, str]:
        rec = history.RunRecord(
            "repo", "src", "range", "a", "b", "m", 1, 0, 10, 2, 0.0, 0, ["a.py"], {"a.py": "x"}
        )
        with history.opened(tmp_path / "h.sqlite3") as db:
            return history.record(db, rec, [_finding(i, 1, f"t{i}") for i in ids], {})

    assert run(["1", "2"]) == {"1": "new", "2": "new"}
    assert run(["2"]) == {"2": "still present"}
    with history.opened(tmp_path / "h.sqlite3") as db:
        status = {r["id"]: r["status"] for r in db.execute("SELECT id, status FROM findings")}
    assert status == {"1": "resolved", "2": "still present"}


REAL = sorted(p for p in (ROOT / "codepilot").rglob("*.py") if p.stat().st_size > 2000)


@pytest.mark.parametrize("path", REAL[:12], ids=lambda p: p.name)
def test_round_trip_patch_parse_apply(path: Path, tmp_path: Path) -> None:
    """A fix placed in a real file: our patch parses (unidiff), `git apply` takes it, and the result
    is exactly the intended text."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    rng = random.Random(path.name)
    candidates = [i for i, ln in enumerate(lines) if ln.strip() and lines.count(ln) == 1]
    i = rng.choice(candidates)
    intended = "\n".join(lines[:i] + [lines[i] + "  # changed", "# added"] + lines[i + 1 :])
    placed = place(text, lines[i], lines[i] + "  # changed\n# added", i + 1)
    assert not isinstance(placed, str) and getattr(placed, "new_text", None) == intended
    patch = unified("pkg/" + path.name, text, placed.new_text)  # type: ignore[union-attr]
    parsed = PatchSet(patch)
    assert len(parsed) == 1 and parsed[0].added == 2 and parsed[0].removed == 1
    repo = tmp_path / "r"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / path.name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (tmp_path / "fix.patch").write_text(patch, encoding="utf-8")
    subprocess.run(["git", "apply", str(tmp_path / "fix.patch")], cwd=repo, check=True)
    assert (repo / "pkg" / path.name).read_text(encoding="utf-8") == intended


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
    from codepilot.syntax import detect
    from codepilot.syntax.facts import extract

    for path, (src, names) in CALLS.items():
        facts = extract(detect(path), src.encode())
        assert facts.definitions, path
        assert names <= {r.name for r in facts.references}, (path, facts.references)


def test_python_imports_and_signatures() -> None:
    from codepilot.syntax import detect
    from codepilot.syntax.facts import Import, extract

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

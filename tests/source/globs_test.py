"""gitignore-style globs (source/globs.py), as a table: what each pattern matches and what it does
not."""

from __future__ import annotations

import pytest

from codepilot.source import globs
from codepilot.source.globs import matches

CASES = [
    # pattern, path, matched
    ("*.pem", "certs/server.pem", True),  # a bare name matches at any depth
    ("*.pem", "certs/server.pem.bak", False),
    (".env", ".env", True),
    (".env", "app/.env", True),
    (".env*", "app/.env.local", True),
    ("docs/", "docs/guide/index.md", True),  # a folder: everything under it
    ("secrets/**", "secrets/a/b.txt", True),
    ("secrets/**", "app/secrets/a.txt", False),  # anchored: a slash inside the pattern
    ("src/*.py", "src/app.py", True),
    ("src/*.py", "src/pkg/app.py", False),  # `*` stays inside a folder
    ("src/**/*.py", "src/pkg/deep/app.py", True),  # `**` crosses folders
    ("src/**/*.py", "src/app.py", True),  # ... or none
    ("**/conftest.py", "conftest.py", True),
    ("**/conftest.py", "tests/unit/conftest.py", True),
    ("test_?.py", "tests/test_a.py", True),
    ("test_?.py", "tests/test_ab.py", False),
    ("migrations/**", "app/migrations/0001.py", False),
    ("**/migrations/**", "app/migrations/0001.py", True),
]


@pytest.mark.parametrize(("pattern", "path", "matched"), CASES)
def test_a_glob_matches_as_gitignore_does(pattern: str, path: str, matched: bool) -> None:
    assert (matches(path, [pattern]) is not None) == matched


def test_the_first_matching_pattern_is_named_and_case_is_ignored_when_asked() -> None:
    assert matches("a/b.PEM", ["*.txt", "*.pem", "*.PEM"]) == "*.PEM"
    assert matches("a/b.PEM", ["*.txt", "*.pem"], ignore_case=True) == "*.pem"
    assert matches(".GitHub/workflows/ci.yml", [".github/**"], ignore_case=True) == ".github/**"
    assert matches("a/b.py", []) is None


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

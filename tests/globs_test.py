"""gitignore-style globs (source/globs.py), as a table: what each pattern matches and what it does
not."""

from __future__ import annotations

import pytest

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

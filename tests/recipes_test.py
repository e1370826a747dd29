"""Eval suites from a recipe of released fixes: built from release archives (here made locally, as a
registry would serve them), the same commits on every build, the fix's own lines as the answer
key."""

from __future__ import annotations

import io
import tarfile
import tomllib
from pathlib import Path

import pytest

from codepilot import recipes
from codepilot.runtime.errors import UsageError
from tests.support import ROOT

BUGGY = '__version__ = "1.0.0"\n\n\ndef ratio(a, b):\n    return a / b\n'
FIXED = (
    '__version__ = "1.0.1"\n\n\ndef ratio(a, b):\n    if b == 0:\n        return 0.0\n    return '
    "a / b\n"
)
RECIPE = """
tolerance = 2

[[case]]
name = "calc-zero"
registry = "pypi"
package = "calc"
before = "1.0.0"
after = "1.0.1"
files = ["src/calc.py"]
kind = "bug"
license = "MIT"
fix = "calc 1.0.1 changelog: ratio() no longer divides by zero"

[[case]]
name = "clean-calc-zero"
registry = "pypi"
package = "calc"
before = "1.0.0"
after = "1.0.1"
files = ["src/calc.py"]
kind = "clean"
license = "MIT"
fix = "calc 1.0.1 fix, applied forwards"
"""


def fake_registry(calls: list[str]) -> recipes.Fetch:
    def fetch(registry: str, package: str, version: str, into: Path) -> Path:
        calls.append(f"{registry}:{package}:{version}")
        into.mkdir(parents=True, exist_ok=True)
        archive = into / f"{package}-{version}.tar.gz"
        with tarfile.open(archive, "w:gz") as t:
            data = (BUGGY if version == "1.0.0" else FIXED).encode()
            info = tarfile.TarInfo(f"{package}-{version}/src/calc.py")
            info.size, info.mtime = len(data), 0
            t.addfile(info, io.BytesIO(data))
        return archive

    return fetch


def test_recipe_builds_the_same_suite_twice(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE)
    calls: list[str] = []
    made = recipes.build(recipe, tmp_path / "a", fake_registry(calls))
    again = recipes.build(recipe, tmp_path / "b", fake_registry(calls))
    assert again.suite.read_text() == made.suite.read_text().replace(
        str(tmp_path / "a"), str(tmp_path / "b")
    )
    assert (made.bugs, made.clean, made.languages) == (1, 1, {"python": 2})
    assert recipes.fingerprint(tmp_path / "a") == recipes.fingerprint(tmp_path / "b")
    suite = tomllib.loads(made.suite.read_text())
    assert suite["tolerance"] == 2
    bug, clean = suite["case"]
    # the change puts the bug back: its only added line is the unguarded division
    assert bug["bugs"] == [{"path": "src/calc.py", "line": 4, "end_line": 4}]
    assert "calc 1.0.0 -> 1.0.1 (MIT)" in bug["about"] and "divides by zero" in bug["about"]
    assert clean["bugs"] == []
    head = (tmp_path / "a" / bug["repo"] / "src" / "calc.py").read_text()
    assert head.startswith('__version__ = "1.0.1"')  # the release bump is not part of the case


def test_key_is_the_gap_where_a_check_was_taken_out(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE)
    made = recipes.build(recipe, tmp_path / "out", fake_registry([]))
    repo = tmp_path / "out" / "repos" / "calc-zero"
    assert (repo / "src" / "calc.py").read_text().count("if b == 0") == 0
    assert made.suite.is_file()


def test_a_case_whose_files_did_not_change_is_refused(tmp_path: Path) -> None:
    recipe = tmp_path / "recipe.toml"
    recipe.write_text(RECIPE.replace('files = ["src/calc.py"]', 'files = ["src/other.py"]', 1))
    with pytest.raises(UsageError, match="did not change"):
        recipes.build(recipe, tmp_path / "out", fake_registry([]))


def test_the_starter_recipe_is_complete() -> None:
    """At least 30 cases, 4 languages and 10 clean changes, each with its origin and license."""
    from codepilot.syntax import detect

    _, cases = recipes.load(ROOT / "evals" / "starter.toml")
    assert len(cases) >= 30 and sum(c.kind == "clean" for c in cases) >= 10
    assert len({detect(c.files[0]).name for c in cases}) >= 4
    assert all(c.license and c.fix and c.before != c.after for c in cases)
    assert len({c.name for c in cases}) == len(cases)


# --- recipes are untrusted input (issue 28, items 9 and 10) ---


def _recipe(tmp_path: Path, **changes: object) -> Path:
    text = RECIPE.split("[[case]]")[0] + "[[case]]" + RECIPE.split("[[case]]")[1]
    for key, value in changes.items():
        text = "\n".join(
            f"{key} = {value!r}".replace("'", '"') if line.startswith(f"{key} =") else line
            for line in text.splitlines()
        )
    path = tmp_path / "recipe.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "../../victim"},
        {"name": "/tmp/victim-absolute"},
        {"name": ".."},
        {"files": ["../../../x.py"]},
        {"files": ["/etc/passwd"]},
        {"files": ["src/.git/hooks/pre-commit"]},
        {"before": "../../1.0"},
        {"package": "../calc"},
    ],
)
def test_names_and_paths_stay_inside_out(tmp_path: Path, changes: dict[str, object]) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    out = tmp_path / "out"  # out/repos/../../victim is the victim
    with pytest.raises(UsageError):
        recipes.build(_recipe(tmp_path, **changes), out, fake_registry([]))
    assert (victim / "keep.txt").read_text() == "mine"
    assert not out.exists() or not any(p for p in out.rglob("*") if p.is_file())


def test_release_archives_are_fetched_by_hash_never_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib
    import json
    import threading
    from http.server import ThreadingHTTPServer

    from codepilot.runtime.errors import EnvironmentProblem
    from tests.support.http import JsonHandler

    marker = tmp_path / "built"
    setup = (
        f"open({str(marker)!r}, 'w').write('ran')\nfrom setuptools import "
        "setup\nsetup(name='calc')\n"
    )
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, text in (("calc-1.0.0/setup.py", setup), ("calc-1.0.0/src/calc.py", BUGGY)):
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            t.addfile(info, io.BytesIO(text.encode()))
    sdist = buf.getvalue()
    served = {"digest": hashlib.sha256(sdist).hexdigest()}

    class Index(JsonHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/simple/calc/":
                files = [
                    {
                        "filename": "calc-1.0.0.tar.gz",
                        "url": "/files/calc-1.0.0.tar.gz",
                        "hashes": {"sha256": served["digest"]},
                    }
                ]
                data = json.dumps({"name": "calc", "files": files}).encode()
            elif self.path == "/files/calc-1.0.0.tar.gz":
                data = sdist
            else:
                return self._send(404, {})
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_address[1]}/simple")
        archive = recipes.fetch("pypi", "calc", "1.0.0", tmp_path / "downloads")
        assert archive.read_bytes() == sdist and not marker.exists()
        served["digest"] = "0" * 64  # a file that is not what the index says is refused
        with pytest.raises(EnvironmentProblem, match="does not match"):
            recipes.fetch("pypi", "calc", "1.0.0", tmp_path / "other")
    finally:
        server.shutdown()
        server.server_close()


def test_a_released_fix_over_several_hunks_is_one_bug(tmp_path: Path) -> None:
    """Issue 23, item 12: `semver` counted 10 bugs for one fix; a bug now carries all its ranges."""
    from codepilot import evaluate

    body = "".join(f"\n\ndef f{i}(x):\n    return x + {i}\n" for i in range(30))
    buggy = body.replace("return x + 3\n", "return x - 3\n").replace(
        "return x + 25\n", "return x - 25\n"
    )

    def fetch(registry: str, package: str, version: str, into: Path) -> Path:
        into.mkdir(parents=True, exist_ok=True)
        archive = into / f"{package}-{version}.tar.gz"
        with tarfile.open(archive, "w:gz") as t:
            data = (buggy if version == "1.0.0" else body).encode()
            info = tarfile.TarInfo(f"{package}-{version}/src/calc.py")
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        return archive

    recipe = tmp_path / "r.toml"
    recipe.write_text(RECIPE.split("[[case]]")[0] + "[[case]]" + RECIPE.split("[[case]]")[1])
    made = recipes.build(recipe, tmp_path / "out", fetch)
    [case] = evaluate.load(made.suite).cases
    assert len(case.bugs) == 1 and len(case.bugs[0].ranges) == 2
    # a finding on either place catches the one bug; two findings still catch it once
    assert (
        evaluate.score(
            case.bugs, [("src/calc.py", case.bugs[0].ranges[1][1], case.bugs[0].ranges[1][1])], 0
        )[0]
        == 1
    )
    assert evaluate.score(case.bugs, [(p, a, b) for p, a, b in case.bugs[0].ranges], 0)[:2] == (
        1,
        1,
    )


def test_a_suite_may_give_a_bug_several_ranges(tmp_path: Path) -> None:
    from codepilot import evaluate

    (tmp_path / "suite.toml").write_text(
        '[[case]]\nname = "x"\nrepo = "r"\nbase = "a"\nhead = "b"\n'
        'bugs = [{ title = "t", ranges = [{ path = "a.py", line = 3, end_line = 9 }, { path = '
        '"b.py", line = 40 }] }]\n'
    )
    [case] = evaluate.load(tmp_path / "suite.toml").cases
    assert case.bugs[0].ranges == [("a.py", 3, 9), ("b.py", 40, 40)] and case.bugs[0].title == "t"
    assert evaluate.score(case.bugs, [("b.py", 41, 41)], 1)[0] == 1

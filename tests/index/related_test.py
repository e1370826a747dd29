"""Related code from the repository index: what a change calls (through imports), the call sites of
a changed signature, the tests that use a symbol; moved code shown once; the index kept per blob."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.repos import GitRepo, dry_json, run_cli

UTIL = '''\
def parse_amount(text: str, default: int = 0) -> int:
    """Parse a money amount in cents."""
    text = text.strip()
    if not text:
        return default
    return int(float(text) * 100)


class Ledger:
    """Entries of one account."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.entries: list[int] = []
'''

CART = """\
from lib.util import Ledger, parse_amount


def total(lines):
    return sum(int(x) for x in lines)
"""

CART_NEW = """\
from lib.util import Ledger, parse_amount


def total(lines):
    book = Ledger("cart")
    return sum(parse_amount(x) for x in lines)
"""


def context_of(doc: dict, path: str) -> list[dict]:  # type: ignore[type-arg]
    return [item for r in doc["requests"] if path in r["paths"] for item in r["context"]]


def _cart_change(repo: GitRepo) -> None:
    """lib/util.py and shop/cart.py committed; the cart then calls into lib/util (in the work
    tree)."""
    repo.write("lib/__init__.py", "")
    repo.write("lib/util.py", UTIL)
    repo.write("shop/cart.py", CART)
    repo.commit("base")
    repo.write("shop/cart.py", CART_NEW)


def test_callee_signatures_resolved_through_imports(repo: GitRepo, capsys, monkeypatch) -> None:
    _cart_change(repo)
    doc = dry_json([], repo.root, capsys, monkeypatch)
    items = context_of(doc, "shop/cart.py")
    by_symbol = {i["symbol"]: i for i in items}
    assert by_symbol["parse_amount"] == {
        "path": "lib/util.py",
        "start_line": 1,
        "end_line": 1,
        "kind": "callee",
        "symbol": "parse_amount",
    }
    assert (
        by_symbol["Ledger"]["start_line"] == 9 and by_symbol["Ledger.__init__"]["start_line"] == 12
    )
    user = doc["requests"][0]["messages"][1]["content"]
    assert "for reference only" in user and "not under review" in user
    assert "    1 | def parse_amount(text: str, default: int = 0) -> int:" in user
    assert "Parse a money amount in cents." in user
    code, out, _ = run_cli(["review", "--dry-run"], repo.root, capsys, monkeypatch)
    assert code == 0 and "+ callee: lib/util.py:1-1 (parse_amount)" in out


def test_changed_signature_brings_its_call_sites_and_tests(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    repo.write("lib/__init__.py", "")
    repo.write("lib/util.py", UTIL)
    repo.write("shop/cart.py", CART_NEW)
    repo.write(
        "tests/test_util.py",
        "from lib.util import parse_amount\n\n\ndef test_cents():\n    assert "
        "parse_amount('1.5') == 150\n",
    )
    repo.commit("base")
    repo.write(
        "lib/util.py",
        UTIL.replace(
            "default: int = 0) -> int:", "default: int = 0, *, strict: bool = False) -> int:"
        ),
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    items = context_of(doc, "lib/util.py")
    kinds = {(i["kind"], i["path"], i["start_line"]) for i in items}
    assert ("caller", "shop/cart.py", 6) in kinds
    assert ("test", "tests/test_util.py", 5) in kinds
    caller = next(i for i in items if i["kind"] == "caller")
    assert caller["symbol"] == "total"
    assert (
        "    6 |     return sum(parse_amount(x) for x in lines)"
        in doc["requests"][0]["messages"][1]["content"]
    )


def test_denied_and_vendored_files_never_serve_as_context_secrets_redacted(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    repo.write("lib/__init__.py", "")
    repo.write(
        "lib/util.py",
        UTIL.replace('"""Parse a money amount in cents."""', '"""Key: AKIAIOSFODNN7EXAMPLE."""'),
    )
    repo.write("lib/vault.py", "def unlock(code):\n    return code\n")
    # vendored: not the project's code
    repo.write("vendor/helpers.py", "def shine(x):\n    return x\n")
    repo.write(
        "shop/cart.py",
        "from lib.util import parse_amount\nfrom lib.vault import unlock\nfrom vendor.helpers "
        "import shine\n\n\n"
        "def go(x):\n    return x\n",
    )
    repo.write(".codepilot.toml", 'deny = ["lib/vault.py"]\n')
    repo.commit("base")
    repo.write(
        "shop/cart.py",
        "from lib.util import parse_amount\nfrom lib.vault import unlock\nfrom vendor.helpers "
        "import shine\n\n\n"
        "def go(x):\n    return shine(unlock(parse_amount(x)))\n",
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    items = context_of(doc, "shop/cart.py")
    assert [i["path"] for i in items] == ["lib/util.py"]
    user = doc["requests"][0]["messages"][1]["content"]
    assert (
        "AKIAIOSFODNN7EXAMPLE" not in user and "unlock(code)" not in user and "shine(x)" not in user
    )


def test_javascript_imports_resolve_to_the_module_file(repo: GitRepo, capsys, monkeypatch) -> None:
    repo.write(
        "src/money.ts",
        "/** Sum of the line totals. */\nexport function total(lines: number[]): number {\n"
        "  return lines.reduce((a, b) => a + b, 0);\n}\n",
    )
    repo.write(
        "src/cart.ts",
        "import { total as sum } from './money';\n\nexport function pay(xs: number[]) {\n  "
        "return xs.length;\n}\n",
    )
    repo.commit("base")
    repo.write(
        "src/cart.ts",
        "import { total as sum } from './money';\n\nexport function pay(xs: number[]) {\n  "
        "return sum(xs);\n}\n",
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    (item,) = context_of(doc, "src/cart.ts")
    assert item == {
        "path": "src/money.ts",
        "start_line": 2,
        "end_line": 2,
        "kind": "callee",
        "symbol": "total",
    }
    assert "Sum of the line totals." in doc["requests"][0]["messages"][1]["content"]


def test_moved_code_is_shown_once_with_its_edits(repo: GitRepo, capsys, monkeypatch) -> None:
    body = "".join(
        f"    step_{i} = compute({i}, 'a line long enough to count as code')\n" for i in range(12)
    )
    repo.write("a.py", f"def keep():\n    return 1\n\n\ndef mover(x):\n{body}    return x\n")
    repo.write("b.py", "def other():\n    return 2\n")
    repo.commit("base")
    repo.write("a.py", "def keep():\n    return 1\n")
    edited = body.replace("compute(5,", "compute(-5,")
    repo.write("b.py", f"def other():\n    return 2\n\n\ndef mover(x):\n{edited}    return x\n")
    doc = dry_json([], repo.root, capsys, monkeypatch)
    text = "\n".join(m["content"] for r in doc["requests"] for m in r["messages"])
    assert "moved here unchanged from a.py:5" in text  # the run before the edit
    assert "   11+|     step_5 = compute(-5," in text  # the edit itself, on its new line
    assert "step_2 = compute(2," not in text  # moved lines are not repeated
    assert "Deleted here, moved unchanged to" not in text or "b.py" in text


def test_a_move_wins_over_a_copy_of_the_same_lines(repo: GitRepo, capsys, monkeypatch) -> None:
    body = "".join(
        f"    step_{i} = compute({i}, 'a line long enough to count as code')\n" for i in range(6)
    )
    block = f"def mover(x):\n{body}    return x\n"
    repo.write("a.py", f"def keep():\n    return 1\n\n\n{block}")  # stays: a copy's source
    repo.write("b.py", f"def other():\n    return 2\n\n\n{block}")  # removed here: a move's source
    repo.write("c.py", "def third():\n    return 3\n")
    repo.commit("base")
    repo.write("a.py", f"def keep():\n    return 10\n\n\n{block}")
    repo.write("b.py", "def other():\n    return 2\n")
    repo.write("c.py", f"def third():\n    return 3\n\n\n{block}")
    doc = dry_json([], repo.root, capsys, monkeypatch)
    text = "\n".join(m["content"] for r in doc["requests"] for m in r["messages"])
    assert (
        "moved here unchanged from b.py:5" in text and "copied here unchanged from a.py" not in text
    )


def test_the_index_parses_only_new_blobs(repo: GitRepo, capsys, monkeypatch) -> None:
    _cart_change(repo)
    cache = Path(os.environ["XDG_CACHE_HOME"]) / "codepilot"
    cache.mkdir(parents=True)
    for name in ("index-v1.sqlite", "index-v2.sqlite", "index-v2.sqlite-wal", "answers.sqlite3"):
        (cache / name).write_bytes(b"an earlier version's")
    dry_json([], repo.root, capsys, monkeypatch)
    from codepilot.index import repo_index as index

    # earlier versions' index files are gone, nothing else
    kept = [p.name for p in cache.glob("index-v*")]
    assert f"index-v{index.VERSION}.sqlite" in kept
    assert all(name.startswith(f"index-v{index.VERSION}.sqlite") for name in kept)
    assert (cache / "answers.sqlite3").exists()
    db = next(cache.glob("index-v*.sqlite"))
    count = sqlite3.connect(db).execute("SELECT count(*) FROM files").fetchone()[0]
    assert count == 3  # the files at the head: the changed one as it is in the work tree
    dry_json([], repo.root, capsys, monkeypatch)
    assert sqlite3.connect(db).execute("SELECT count(*) FROM files").fetchone()[0] == count
    repo.commit("cart")
    new_util = UTIL + "\n\ndef extra():\n    return parse_amount('1')\n"
    repo.write("lib/util.py", new_util)
    doc = dry_json([], repo.root, capsys, monkeypatch)
    assert sqlite3.connect(db).execute("SELECT count(*) FROM files").fetchone()[0] == count + 1
    # the new blob is in use
    assert [i["symbol"] for i in context_of(doc, "lib/util.py")] == ["parse_amount"]
    # the changed file was read for the index from the parse that mapped its changes: the same rows
    from codepilot.source.git import blob_id
    from codepilot.syntax import detect
    from codepilot.syntax.facts import extract

    con = sqlite3.connect(db)
    (fid,) = con.execute(
        "SELECT id FROM files WHERE blob = ?", (blob_id(new_util.encode()),)
    ).fetchone()
    defs, refs, imports = extract(detect("lib/util.py"), new_util.encode()).rows()
    assert (
        con.execute(
            'SELECT name, symbol, kind, start, "end", line, signature, doc FROM defs '
            "WHERE file = ?",
            (fid,),
        ).fetchall()
        == defs
    )
    assert (
        con.execute("SELECT name, line, kind, through FROM refs WHERE file = ?", (fid,)).fetchall()
        == refs
    )


APP = '''\
from werkzeug.exceptions import Aborter


class App:
    aborter_class = Aborter

    def make_config(self):
        return {}

    def make_aborter(self):
        """Create the object to assign to aborter."""
        return self.aborter_class()
'''


def test_generate_tests_go_where_the_symbol_is_already_tested(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    repo.write("src/flask/__init__.py", "")
    repo.write("src/flask/app.py", APP)
    repo.write(
        "tests/conftest.py",
        "import pytest\n\n\n@pytest.fixture\ndef app():\n    return make()\n\n\n"
        "@pytest.fixture\ndef client(app):\n    return app.test_client()\n",
    )
    repo.write(
        "tests/test_helpers.py",
        "def test_aborter(app):\n    aborter = app.make_aborter()\n    assert aborter\n",
    )
    repo.write("tests/test_basic.py", "def test_ok():\n    assert True\n")
    repo.commit("base")
    args = [
        "generate",
        "write pytest tests for make_aborter",
        "--symbol",
        "App.make_aborter",
        "--dry-run",
    ]
    code, out, err = run_cli(args, repo.root, capsys, monkeypatch)
    assert code == 0, err
    assert "## tests/test_helpers.py (existing tests for src/flask/app.py: add to this file" in out
    assert "no test file" not in out
    assert "  # fixture: app" in out and "  # fixture: client" in out and "def client(app):" in out
    assert (
        "Test files in that folder: tests/conftest.py, tests/test_basic.py, tests/test_helpers.py"
        in out
    )
    assert "  # sibling: App.make_config" in out


def _rows(db: Path) -> set[tuple[object, ...]]:
    """Every definition and reference in the index, by blob (not by row id: the order of storing
    differs)."""
    con = sqlite3.connect(db)
    defs = con.execute(
        "SELECT f.blob, d.symbol, d.line, d.signature FROM defs d JOIN files f ON f.id = d.file"
    )
    refs = con.execute(
        "SELECT f.blob, r.name, r.line, r.kind, r.through FROM refs r JOIN files f ON f.id = r.file"
    )
    return {("def", *r) for r in defs} | {("ref", *r) for r in refs}


_COUNTING_RUN = """
import sys
from codepilot.index import repo_index as index
from codepilot.cli.main import main

real, parsed_here = index._add, []


def add(db, repo, shas, *args):
    parsed_here.append(len(shas))  # in the forked process, this counts in its own memory only
    return real(db, repo, shas, *args)


index._add = add
code = main(sys.argv[1:])
print(f"parsed here: {sum(parsed_here)}", file=sys.stderr)
sys.exit(code)
"""


def test_the_rest_of_the_head_is_indexed_beside_the_mapping_alike(
    repo: GitRepo, capsys, monkeypatch, tmp_path: Path
) -> None:
    """The files the change does not touch are parsed by a forked process while the change is mapped
    (in a fresh process: this one may have loaded the secret engine, after which it never forks):
    the same index and the same requests as when the run parses them itself."""
    from codepilot.index import repo_index as index

    for i in range(12):
        repo.write(
            f"pkg/m{i}.py",
            f"from lib.util import parse_amount\n\n\ndef f{i}(x):\n    return parse_amount(x)\n",
        )
    _cart_change(repo)
    monkeypatch.setattr(index, "fork_call", lambda func: None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "here"))
    alone = dry_json([], repo.root, capsys, monkeypatch)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "forked")}
    args = ["review", "--dry-run", "--format", "json"]
    proc = subprocess.run(
        [sys.executable, "-c", _COUNTING_RUN, *args],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    # the forked process parsed every unchanged file; the changed one's rows go to the index from a
    # fork too, unless a thread of the run was still alive at that moment (then this process stores
    # them itself: never a fork beside a thread), which a loaded machine makes possible
    here = int(proc.stderr.rsplit("parsed here: ", 1)[1].split()[0])
    assert here <= 1, proc.stderr
    assert json.loads(proc.stdout)["requests"] == alone["requests"]
    dbs = [next((tmp_path / d / "codepilot").glob("index-v*.sqlite")) for d in ("here", "forked")]
    assert _rows(dbs[0]) == _rows(dbs[1])
    assert sqlite3.connect(dbs[1]).execute("SELECT count(*) FROM files").fetchone()[0] == 15
    assert context_of(alone, "shop/cart.py")


def test_the_same_head_gives_the_same_requests_whatever_the_cache_held(
    repo: GitRepo, capsys, monkeypatch, tmp_path: Path
) -> None:
    """Related code is chosen by path and line, never by the order the cache happened to store files
    in (a cache that indexed other commits first gives the same requests as an empty one)."""
    body = "def parse_amount(text):\n    return int(text)\n"
    repo.write("zz_late/money.py", body)
    repo.commit("one copy")
    first = repo.git("rev-parse", "HEAD").strip()
    repo.write("aa_early/money.py", body + "\n\nEXTRA = 1\n")
    repo.write("shop/cart.py", "def total(lines):\n    return sum(int(x) for x in lines)\n")
    repo.commit("two copies")
    repo.write(
        "shop/cart.py", "def total(lines):\n    return sum(parse_amount(x) for x in lines)\n"
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty"))
    fresh = dry_json([], repo.root, capsys, monkeypatch)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "used"))
    dry_json(["--commit", first], repo.root, capsys, monkeypatch)  # zz_late/money.py indexed first
    again = dry_json([], repo.root, capsys, monkeypatch)
    assert [i["path"] for i in context_of(fresh, "shop/cart.py")] == [
        "aa_early/money.py",
        "zz_late/money.py",
    ]
    assert again["requests"] == fresh["requests"]
    from codepilot.index import repo_index as index
    from codepilot.runtime import config
    from codepilot.source import diff
    from codepilot.source.git import open_repo

    git = open_repo(repo.root)
    source = diff.resolve_source(git, staged=False, base=None, head=None, commit=None)
    # the cache stored zz_late's file first
    built = index.build(git, source, config.load(git.root, {}))
    assert [x.path for x in built.named(["parse_amount"])["parse_amount"]] == [
        "aa_early/money.py",
        "zz_late/money.py",
    ]


def test_a_local_variable_of_the_same_name_is_no_test(repo: GitRepo, capsys, monkeypatch) -> None:
    """Issue 26, item 3: `isinstance(first, list)` with a local `first` is no test of a new `first`;
    a test that imports it and calls it is."""
    repo.write("lib/seq.py", "def head(xs):\n    return xs[0]\n")
    repo.write(
        "tests/test_other.py",
        "def test_lists():\n    first = [1]\n    assert isinstance(first, list)\n",
    )
    repo.write(
        "tests/test_seq.py",
        "from lib.seq import first\n\n\ndef test_first():\n    assert first([3]) == 3\n",
    )
    repo.commit("base")
    repo.write(
        "lib/seq.py",
        "def head(xs):\n    return xs[0]\n\n\ndef first(xs):\n    return xs[0] if xs else None\n",
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    ctx = [c for r in doc["requests"] for c in r.get("context", []) if c["kind"] == "test"]
    assert {c["path"] for c in ctx} == {"tests/test_seq.py"}, ctx


WIDGETS = """\
class Base:
    def render(self) -> str:
        return ""


class Table(Base):
    def add_column(self, name: str, width: int = 10) -> None:
        pass


class Text:
    def append_text(self, other: "Text") -> "Text":
        return self


class Console:
    def __enter__(self) -> "Console":
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def print(self, value: object) -> None:
        pass


class Grid:
    def add_column(self, name: str) -> None:
        pass


def make_text() -> Text:
    return Text()
"""


def test_receivers_typed_by_assignment_constructor_and_attribute(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """Issue 26, item 2: `table = Table(...)` then `table.add_column(...)`; `t = make_text()` with
    `-> Text`; `with Console() as c: c.print(...)`; `Text("").append_text`; `self.table` typed in
    the class; an inherited method through `self`."""
    repo.write("ui/__init__.py", "")
    repo.write("ui/widgets.py", WIDGETS)
    repo.write(
        "ui/report.py",
        "from ui.widgets import Console, Table, make_text, Text\n\n\ndef show():\n    pass\n",
    )
    repo.commit("base")
    repo.write(
        "ui/report.py",
        "from ui.widgets import Console, Table, make_text, Text\n\n\n"
        "def show():\n"
        "    table = Table()\n"
        "    table.add_column('name')\n"
        "    t = make_text()\n"
        "    t.append_text(Text('').append_text(t))\n"
        "    with Console() as c:\n"
        "        c.print(table)\n\n\n"
        "class Page(Table):\n"
        "    def __init__(self, console: Console) -> None:\n"
        "        self.console = console\n\n"
        "    def draw(self) -> None:\n"
        "        self.console.print(self.render())\n",
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    found = {
        (i["symbol"], i["start_line"])
        for i in context_of(doc, "ui/report.py")
        if i["kind"] == "callee"
    }
    assert ("Table.add_column", 7) in found and ("Grid.add_column", 28) not in found, found
    assert ("Text.append_text", 12) in found and ("Console.print", 23) in found
    assert ("Base.render", 2) in found  # inherited, through self


def test_a_call_on_a_receiver_of_another_class_is_no_caller(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """Issue 26, item 2 for callers: `grid.add_column(...)` with `grid = Grid()` does not call
    `Table.add_column`; `table.add_column(...)` with `table = Table()` does."""
    repo.write("ui/__init__.py", "")
    repo.write("ui/widgets.py", WIDGETS)
    repo.write(
        "ui/use.py",
        "from ui.widgets import Grid, Table\n\n\n"
        "def a():\n    grid = Grid()\n    grid.add_column('x')\n\n\n"
        "def b():\n    table = Table()\n    table.add_column('y')\n",
    )
    repo.commit("base")
    repo.write(
        "ui/widgets.py",
        WIDGETS.replace(
            "def add_column(self, name: str, width: int = 10)",
            "def add_column(self, name: str, width: int = 12)",
        ),
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    callers = {
        (i["path"], i["start_line"])
        for i in context_of(doc, "ui/widgets.py")
        if i["kind"] == "caller"
    }
    assert ("ui/use.py", 11) in callers and ("ui/use.py", 6) not in callers, callers


def test_tests_found_through_what_the_symbol_fills_and_fixtures_when_none_exist(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """Issue 26, item 7: flask tests the aborter through the attribute `make_aborter` fills; a
    symbol with no test at all still gets the folder, its layout and the conftest fixtures."""
    repo.write("src/flask/__init__.py", "")
    repo.write(
        "src/flask/app.py",
        APP.replace(
            "    def make_config(self):",
            "    def __init__(self):\n        self.aborter = self.make_aborter()\n\n    def "
            "make_config(self):",
        )
        + "\n\ndef ratio(a, b):\n    return a / b\n",
    )
    repo.write(
        "tests/conftest.py", "import pytest\n\n\n@pytest.fixture\ndef app():\n    return make()\n"
    )
    repo.write("tests/test_basic.py", "def test_ok():\n    assert True\n")
    repo.write(
        "tests/test_helpers.py",
        "def test_app_aborter_class(app):\n    assert app.aborter is not None\n",
    )
    repo.commit("base")
    args = [
        "generate",
        "write pytest tests for make_aborter",
        "--symbol",
        "App.make_aborter",
        "--dry-run",
    ]
    code, out, err = run_cli(args, repo.root, capsys, monkeypatch)
    assert code == 0, err
    assert (
        "## tests/test_helpers.py (existing tests for src/flask/app.py" in out
        and "no test file" not in out
    )
    args = ["generate", "write pytest tests for ratio", "--symbol", "ratio", "--dry-run"]
    code, out, err = run_cli(args, repo.root, capsys, monkeypatch)
    assert code == 0, err
    assert "create tests/test_app.py, where this project keeps its tests" in out, out
    assert (
        "  # fixture: app" in out
        and "Test files in that folder: tests/conftest.py, tests/test_basic.py" in out
    )


def test_a_loop_over_a_typed_container_types_its_variable(
    repo: GitRepo, capsys, monkeypatch
) -> None:
    """Issue 26, item 2: `for line in self.split(...)` where `split` returns `Lines`, whose
    `__iter__` gives `Iterator["Text"]`; `for t in texts()` where `texts` returns `list[Text]`."""
    repo.write("ui/__init__.py", "")
    repo.write(
        "ui/text.py",
        "from typing import Iterator\n\n\n"
        "class Text:\n    def pad(self, n: int) -> None:\n        pass\n\n"
        "    def split(self) -> 'Lines':\n        return Lines()\n\n"
        "    def expand(self) -> None:\n        pass\n\n\n"
        "class Lines:\n    def __iter__(self) -> Iterator['Text']:\n        return iter([])\n\n\n"
        "class Other:\n    def pad(self, n: int) -> None:\n        pass\n\n\n"
        "def texts() -> list[Text]:\n    return []\n",
    )
    repo.commit("base")
    text = (repo.root / "ui/text.py").read_text()
    repo.write(
        "ui/text.py",
        text.replace(
            "    def expand(self) -> None:\n        pass\n",
            "    def expand(self) -> None:\n        for line in self.split():\n            "
            "line.pad(2)\n"
            "        for t in texts():\n            t.pad(3)\n",
        ),
    )
    doc = dry_json([], repo.root, capsys, monkeypatch)
    found = {i["symbol"] for i in context_of(doc, "ui/text.py") if i["kind"] == "callee"}
    assert "Text.pad" in found and "Other.pad" not in found, found

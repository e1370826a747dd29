"""How every SQLite file is opened (runtime/store.py): migrated once and only forward, private, a
damaged file moved aside with one line and a new one started, a folder in the way said clearly,
many values queried in chunks, a connection per process."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from codepilot.runtime.errors import EnvironmentProblem
from codepilot.runtime.store import MAX_VARS, open_db, rows_in

MIGRATIONS = [
    "CREATE TABLE a (x INTEGER)",
    "CREATE TABLE b (y TEXT); CREATE INDEX b_y ON b (y)",
]


def test_migrations_run_once_and_only_forward(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "t.sqlite"
    db = open_db(path, MIGRATIONS[:1], "test file")
    db.execute("INSERT INTO a VALUES (1)")
    db.commit()
    db.close()
    db = open_db(path, MIGRATIONS, "test file")  # a newer version adds its step, keeps the rows
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    assert db.execute("SELECT x FROM a").fetchall() == [(1,)]
    db.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_damaged_file_is_moved_aside_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    db = open_db(path, MIGRATIONS, "test file", wal=True)
    assert db.execute("SELECT count(*) FROM b").fetchone() == (0,)
    db.close()
    err = capsys.readouterr().err
    assert err.startswith("codepilot: the test file") and "moved aside to t.sqlite.damaged-" in err
    (aside,) = tmp_path.glob("t.sqlite.damaged-*")
    assert aside.read_bytes().startswith(b"this is not a database")


def test_a_folder_where_the_files_folder_should_be_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "blocked").write_text("a file, not a folder")
    with pytest.raises(EnvironmentProblem, match="cannot create the test file folder"):
        open_db(tmp_path / "blocked" / "t.sqlite", MIGRATIONS, "test file")


def test_rows_in_chunks_past_sqlites_parameter_limit(tmp_path: Path) -> None:
    db = open_db(tmp_path / "t.sqlite", MIGRATIONS, "test file")
    values = [str(i) for i in range(MAX_VARS * 2 + 5)]
    db.executemany("INSERT INTO b VALUES (?)", [(v,) for v in values])
    found = rows_in(db, "SELECT y FROM b WHERE y IN ({marks})", [*values, *values])
    assert sorted(r[0] for r in found) == sorted(values)


FORKED = """
import os, sqlite3, sys
from codepilot.runtime.store import ProcessConnection
opened = []
def connect():
    opened.append(os.getpid())
    return sqlite3.connect(sys.argv[1])
conn = ProcessConnection(connect)
first = conn.get()
assert conn.get() is first and opened == [os.getpid()]
pid = os.fork()
if pid == 0:  # the child: a connection of its own, never the parent's
    os._exit(0 if conn.get() is not first and len(opened) == 2 else 1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_process_connection_is_opened_again_in_a_forked_child(tmp_path: Path) -> None:
    # in a fresh process: this one has stand-in servers' threads, beside which no fork is safe
    proc = subprocess.run(
        [sys.executable, "-c", FORKED, str(tmp_path / "t.sqlite")], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr

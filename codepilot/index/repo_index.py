"""The repository index: what every source file at the reviewed head defines (qualified name,
signature, first docstring line, lines), uses (calls, instantiations, types) and imports — kept on
disk per blob in the user cache (`index-v<VERSION>.sqlite`), so a re-run, or the next commit, parses
only the files that changed. Files are parsed in forked workers, a chunk at a time (bounded memory);
credential files (the deny globs) and files over `max_file_bytes` are never read, generated and
vendored files (the `generated` globs) not indexed."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codepilot.runtime.config import Config
from codepilot.runtime.parallel import Child, fork_call, fork_iter, will_fork
from codepilot.runtime.store import ProcessConnection, open_db, rows_in
from codepilot.secrets.redact import Redactor
from codepilot.source import globs
from codepilot.source.diff import Source
from codepilot.source.git import Repo, Running, blob_id
from codepilot.syntax import Language, detect
from codepilot.syntax.facts import Import, Reference, Rows, Signature, extract, prepare

VERSION = (
    4  # bump when what is stored changes: a new file, so old entries are never read (4: redacted)
)
CHUNK = 1000  # files read and parsed at a time (one pool of workers each)
MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY, blob TEXT UNIQUE NOT NULL, lang TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS defs (
  file INTEGER NOT NULL, name TEXT NOT NULL, symbol TEXT NOT NULL, kind TEXT NOT NULL,
  start INTEGER NOT NULL, "end" INTEGER NOT NULL, line INTEGER NOT NULL, signature TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS defs_name ON defs(name);
CREATE INDEX IF NOT EXISTS defs_file ON defs(file);
CREATE TABLE IF NOT EXISTS refs (
  file INTEGER NOT NULL, name TEXT NOT NULL, line INTEGER NOT NULL, kind TEXT NOT NULL,
  through TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refs_name ON refs(name);
CREATE INDEX IF NOT EXISTS refs_file ON refs(file, line);
CREATE TABLE IF NOT EXISTS imports (
  file INTEGER NOT NULL, local TEXT NOT NULL, module TEXT NOT NULL, name TEXT NOT NULL,
  level INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS imports_file ON imports(file)
"""
]
MAX_USES = 250


@dataclass(frozen=True)
class Located:
    """A definition or reference with the file it is in."""

    path: str
    item: Signature


@dataclass(frozen=True)
class Use:
    path: str
    ref: Reference


@dataclass
class Index:
    """The index for one reviewed head: `paths` maps every indexed file to its row in the
    database."""

    file: Path
    paths: dict[str, int]
    # path -> blob id, for reading a file at the head
    blobs: dict[str, str] = field(default_factory=dict)
    _by_file: dict[int, list[str]] = field(default_factory=dict)
    # what `uses` found, by name
    _uses: dict[tuple[str, int], list[Use]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for path, fid in self.paths.items():
            self._by_file.setdefault(fid, []).append(path)
        self._conn = ProcessConnection(
            lambda: sqlite3.connect(self.file, timeout=30, check_same_thread=False)
        )

    @property
    def db(self) -> sqlite3.Connection:
        """A read connection of this process's own."""
        return self._conn.get()

    def close(self) -> None:
        self._conn.close()

    def definitions(self, path: str) -> list[Signature]:
        fid = self.paths.get(path)
        if fid is None:
            return []
        rows = self.db.execute(
            'SELECT symbol, kind, start, "end", line, signature, doc FROM defs WHERE file = ?',
            (fid,),
        ).fetchall()
        return [Signature(*r) for r in rows]

    def references(self, path: str, lines: tuple[int, int] | None = None) -> list[Reference]:
        """The references in `path` (only on `lines`, first and last included, when given)."""
        fid = self.paths.get(path)
        if fid is None:
            return []
        query, args = "SELECT name, line, kind, through FROM refs WHERE file = ?", [fid]
        if lines is not None:
            query, args = query + " AND line BETWEEN ? AND ?", [fid, *lines]
        return [Reference(*r) for r in self.db.execute(query, args).fetchall()]

    def imports(self, path: str) -> list[Import]:
        fid = self.paths.get(path)
        if fid is None:
            return []
        rows = self.db.execute(
            "SELECT local, module, name, level FROM imports WHERE file = ?", (fid,)
        ).fetchall()
        return [Import(*r) for r in rows]

    def named(self, names: Iterable[str]) -> dict[str, list[Located]]:
        """Definitions at this head whose last name part is one of `names`, by path and line (never
        in the order the cache happened to store them: the same head gives the same answer)."""
        out: dict[str, list[Located]] = {}
        for rows in self._each(
            "defs", 'name, symbol, kind, start, "end", line, signature, doc', names
        ):
            fid, name, *rest = rows
            for path in self._by_file.get(fid, ()):
                out.setdefault(name, []).append(Located(path, Signature(*rest)))
        for found in out.values():
            found.sort(key=lambda x: (x.path, x.item.line, x.item.symbol))
        return out

    def uses(self, names: Iterable[str], limit: int = MAX_USES) -> dict[str, list[Use]]:
        """References at this head to any of `names`, by path and line: the first `limit` of each (a
        name used more often than that says little about one definition). The cache also holds other
        heads' files: they are left out before counting."""
        out: dict[str, list[Use]] = {}
        for name in sorted(set(names)):
            if (name, limit) not in self._uses:  # names recur across the changed files
                rows = self.db.execute(
                    "SELECT file, line, kind, through FROM refs WHERE name = ? AND kind != 'type'",
                    (name,),
                ).fetchall()
                found = sorted(
                    (path, line, kind, through)
                    for fid, line, kind, through in rows
                    for path in self._by_file.get(fid, ())
                )
                self._uses[name, limit] = [
                    Use(p, Reference(name, *rest)) for p, *rest in found[:limit]
                ]
            if self._uses[name, limit]:
                out[name] = self._uses[name, limit]
        return out

    def _each(self, table: str, columns: str, names: Iterable[str]) -> Iterator[Any]:
        yield from rows_in(
            self.db, f"SELECT file, {columns} FROM {table} WHERE name IN ({{marks}})", names
        )


def database() -> Path:
    from codepilot.runtime.paths import cache_dir

    return cache_dir() / f"index-v{VERSION}.sqlite"


def _listing_args(source: Source) -> list[str]:
    return (
        ["ls-tree", "-r", "-z", "--full-tree", source.new]
        if source.new is not None
        else ["ls-files", "-s", "-z"]
    )


def listing(repo: Repo, source: Source, started: Running | None = None) -> dict[str, str]:
    """Every file at the reviewed head with its blob id: the commit's tree, or the index (for staged
    and work-tree reviews; the work tree's changed files are added by `build` from their content).
    `started`: the git command listing them, started earlier."""
    out = started.finish() if started is not None else repo.git(*_listing_args(source))
    if source.new is not None:
        rows = [entry.split(b"\t", 1) for entry in out.split(b"\0") if entry]
        return {
            path.decode("utf-8", "surrogateescape"): meta.split()[2].decode()
            for meta, path in rows
            if meta.split()[1] == b"blob"
        }
    found: dict[str, str] = {}
    for entry in out.split(b"\0"):
        if entry:
            meta, path = entry.split(b"\t", 1)
            mode, sha, stage = meta.split()
            if stage == b"0" and mode != b"160000":
                found[path.decode("utf-8", "surrogateescape")] = sha.decode()
    return found


def _open() -> sqlite3.Connection:
    path = database()
    made = not path.exists()
    db = open_db(path, MIGRATIONS, "index", wal=True)
    if made:  # an earlier version's index is never read again: it goes when this one is made
        for old in path.parent.glob("index-v*.sqlite*"):
            if not old.name.startswith(path.name):
                with suppress(OSError):
                    old.unlink()
    return db


def missing(blobs: set[str]) -> set[str]:
    """Those of these blob ids the index does not hold yet."""
    with closing(_open()) as db:
        return blobs - _ids(db, blobs).keys()


def _ids(db: sqlite3.Connection, blobs: set[str]) -> dict[str, int]:
    """The row of each of these blobs the index holds."""
    return dict(rows_in(db, "SELECT blob, id FROM files WHERE blob IN ({marks})", blobs))


def build(
    repo: Repo,
    source: Source,
    cfg: Config,
    changed: dict[str, bytes | None] | None = None,
    parsed: dict[str, tuple[Language, Rows]] | None = None,
    listed: Running | None = None,
) -> Index:
    """The index at the reviewed head. `changed` gives the content of files whose head version is
    not in git's object store (work-tree and untracked files; None: deleted); `parsed` the rows of
    blobs already read elsewhere (the changed files, from the parse that mapped their changes);
    `listed` the listing of the head's files, started earlier (`IndexFilling.listed`)."""
    files = listing(repo, source, listed)
    content: dict[str, bytes] = {}
    for path, data in (changed or {}).items():
        if data is None:
            files.pop(path, None)
        else:
            files[path] = blob_id(data)
            content[files[path]] = data
    files = _wanted(files, cfg)
    with closing(_open()) as db:
        known = _complete(db, repo, files, cfg, content, parsed)
    return Index(database(), {p: known[sha] for p, sha in files.items() if sha in known}, files)


def index_texts(files: dict[str, str]) -> Index:
    """An index of these texts (path -> content), as `build` makes one from a reviewed head: for
    tools and tests that have files but no repository."""
    shas = {path: blob_id(text.encode()) for path, text in files.items()}
    langs = {path: detect(path) for path in files}
    rows = [(shas[p], (langs[p], _extract((langs[p], t.encode())))) for p, t in files.items()]
    with closing(_open()) as db:
        _store(db, rows, redacted=True)
        known = _ids(db, set(shas.values()))
    return Index(database(), {p: known[sha] for p, sha in shas.items()}, shas)


def _complete(
    db: sqlite3.Connection,
    repo: Repo,
    files: dict[str, str],
    cfg: Config,
    content: dict[str, bytes] | None = None,
    parsed: dict[str, tuple[Language, Rows]] | None = None,
) -> dict[str, int]:
    """Store what the index lacks of these files (path -> blob id): the rows already `parsed`, then
    the rest parsed here, a chunk at a time. The row of each of their blobs the index now holds."""
    known = _ids(db, set(files.values()))
    missing = set(files.values()) - known.keys()
    if missing:
        lang_of = {sha: detect(p) for p, sha in files.items() if sha in missing}
        ready = {sha: found for sha, found in (parsed or {}).items() if sha in missing}
        _store(db, ready.items())
        rest = sorted(missing - ready.keys())
        for i in range(0, len(rest), CHUNK):
            _add(db, repo, rest[i : i + CHUNK], lang_of, content or {}, cfg.max_file_bytes)
        known.update(_ids(db, missing))
    return known


@dataclass
class IndexFilling:
    """The index being filled beside the run by forked processes: `wait` before reading it. `build`
    then does itself whatever they did not (a child may fail or be unable to start: nothing is lost
    but time)."""

    children: list[Child] = field(default_factory=list)
    listed: Running | None = None  # the head's files being listed for `build`, meanwhile

    @classmethod
    def start(cls, repo: Repo, source: Source, cfg: Config, changed: set[str]) -> IndexFilling:
        """Start parsing the files at the reviewed head that the index lacks — all but the `changed`
        ones (the run parses those itself, to map their changes) — in a forked process, so that this
        work overlaps reading and mapping the change; none when no change is in a parsed language
        (the run then needs no index)."""

        def work() -> None:
            files = {
                p: sha for p, sha in _wanted(listing(repo, source), cfg).items() if p not in changed
            }
            with closing(_open()) as db:
                _complete(db, repo, files, cfg)

        filling = cls()
        if any(detect(p).parsed for p in changed):  # else the run builds no index: nothing to start
            _open().close()  # the database is made here: no two processes create it
            filling._fork(work)
            filling.listed = repo.start(*_listing_args(source))
        return filling

    def add(self, parsed: dict[str, tuple[Language, Rows]]) -> None:
        """Store these rows (of the changed files, from the parse that mapped them) in another
        process, while the run goes on."""

        def work() -> None:
            with closing(_open()) as db:
                _store(db, sorted(parsed.items(), key=lambda kv: kv[0]))

        if parsed:
            self._fork(work)

    def wait(self) -> None:
        for child in self.children:
            # its work is a gain, never a dependency: `build` does what it did not
            if not child.wait():
                print(
                    "codepilot: the repository index's filler did not finish in time: "
                    "stopped; the index is "
                    "completed in this process",
                    file=sys.stderr,
                )
        self.children.clear()

    def close(self) -> None:
        """Nothing left running: the children ended, the listing stopped (if `build` did not read
        it)."""
        self.wait()
        if self.listed is not None:
            self.listed.stop()

    def _fork(self, work: Callable[[], None]) -> IndexFilling:
        child = fork_call(work)
        if child is not None:
            self.children.append(child)
        return self


def _wanted(files: dict[str, str], cfg: Config) -> dict[str, str]:
    return {p: sha for p, sha in files.items() if detect(p).parsed and _indexed(p, cfg)}


def _indexed(path: str, cfg: Config) -> bool:
    """Credential files are never read; generated and vendored code (minified bundles, `vendor/`) is
    not the project's own: neither what a change should be checked against nor worth parsing."""
    return (
        globs.matches(path, cfg.deny, ignore_case=True) is None
        and globs.matches(path, cfg.generated) is None
    )


def _add(
    db: sqlite3.Connection,
    repo: Repo,
    shas: list[str],
    lang_of: dict[str, Language],
    content: dict[str, bytes],
    limit: int,
) -> None:
    """Parse these blobs in the workers and store what they hold, each file as its rows arrive."""
    stored = repo.blobs([s for s in shas if s not in content])
    jobs: list[tuple[Language, bytes]] = []
    for sha in shas:
        data = content.get(sha, stored.get(sha, b""))
        jobs.append(
            (lang_of[sha], data if len(data) <= limit and b"\0" not in data[:8000] else b"")
        )
    del stored
    langs = [lang for lang, _ in jobs]
    if will_fork(len(jobs)):
        prepare(langs)
    _store(
        db,
        zip(shas, zip(langs, fork_iter(_extract, jobs), strict=True), strict=True),
        redacted=True,
    )


def _store(
    db: sqlite3.Connection,
    found: Iterable[tuple[str, tuple[Language, Rows]]],
    redacted: bool = False,
) -> None:
    """Store files' rows; `redacted`: their definitions were redacted where they were made (a
    worker's `_extract`), else here."""
    redactor = Redactor()
    with db:
        for sha, (lang, (defs, refs, imports)) in found:
            defs = defs if redacted else _redacted(defs, redactor)
            cur = db.execute(
                "INSERT OR IGNORE INTO files (blob, lang) VALUES (?, ?)", (sha, lang.name)
            )
            if not cur.rowcount:
                continue  # another run indexed it meanwhile
            fid = cur.lastrowid
            db.executemany(
                'INSERT INTO defs (file, name, symbol, kind, start, "end", line, signature, doc) '
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(fid, *row) for row in defs],
            )
            db.executemany(
                "INSERT INTO refs (file, name, line, kind, through) VALUES (?, ?, ?, ?, ?)",
                [(fid, *row) for row in refs],
            )
            db.executemany(
                "INSERT INTO imports (file, local, module, name, level) VALUES (?, ?, ?, ?, ?)",
                [(fid, *row) for row in imports],
            )


def _redacted(defs: list[tuple[Any, ...]], redactor: Redactor) -> list[tuple[Any, ...]]:
    """Definition rows with the secrets redaction would remove from their signatures and docstrings
    replaced: the index on disk holds no credential a request would not carry (issue 28, item 11).
    One pass over a file's texts; rows stay as they are when nothing is found."""
    texts = [text for row in defs for text in (row[6], row[7])]
    if not texts:
        return defs
    joined = "\n".join(texts)
    redacted = redactor.text(joined, engine=False, code=True)
    if redacted == joined:
        return defs
    lines, out, at = redacted.split("\n"), [], 0
    for row in defs:
        parts = []
        for text in (row[6], row[7]):
            n = text.count("\n") + 1
            parts.append("\n".join(lines[at : at + n]))
            at += n
        out.append((*row[:6], *parts))
    return out


_WORKER_REDACTOR: list[Redactor] = []  # one per process that extracts


def _extract(job: tuple[Language, bytes]) -> Rows:
    """A file's rows, its definitions redacted here (in the worker, beside the parse)."""
    lang, data = job
    if not data:
        return ([], [], [])
    if not _WORKER_REDACTOR:
        _WORKER_REDACTOR.append(Redactor())
    defs, refs, imports = extract(lang, data).rows()
    return _redacted(defs, _WORKER_REDACTOR[0]), refs, imports

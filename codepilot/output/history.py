"""A local history of reviews (SQLite in the user data dir), per repository: every run with its
range, model, requests, tokens and cost, and every finding by its stable id with its status across
runs: new, still present, resolved. Schema migrations from the first version on (PRAGMA
user_version)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codepilot.check.findings import Finding
from codepilot.runtime.store import open_db
from codepilot.source.git import NULL_SHA, Repo, blob_id

if TYPE_CHECKING:
    from codepilot.output.results import ReviewResult
    from codepilot.prompt.prepared import Prepared

MIGRATIONS = [
    """
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      repo TEXT NOT NULL, started REAL NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
      base TEXT, head TEXT, model TEXT NOT NULL,
      requests INTEGER NOT NULL, cached INTEGER NOT NULL, prompt_tokens INTEGER NOT NULL,
      completion_tokens INTEGER NOT NULL, cost_usd REAL, findings INTEGER NOT NULL,
      errors INTEGER NOT NULL,
      reviewed_paths TEXT NOT NULL
    );
    CREATE INDEX runs_repo ON runs (repo, started);
    CREATE TABLE findings (
      repo TEXT NOT NULL, id TEXT NOT NULL, path TEXT NOT NULL, line INTEGER NOT NULL,
      end_line INTEGER NOT NULL,
      severity TEXT NOT NULL, category TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL,
      symbol TEXT, excerpt TEXT NOT NULL, status TEXT NOT NULL,
      first_run INTEGER NOT NULL, last_run INTEGER NOT NULL, resolved_run INTEGER,
      PRIMARY KEY (repo, id)
    );
    CREATE TABLE run_findings (
      run INTEGER NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL, PRIMARY KEY (run, id)
    );
    """,
    """
    CREATE TABLE run_files (
      run INTEGER NOT NULL, path TEXT NOT NULL, blob TEXT NOT NULL, PRIMARY KEY (run, path)
    );
    CREATE INDEX run_files_blob ON run_files (path, blob);
    """,
]

NEW, PRESENT, RESOLVED = "new", "still present", "resolved"


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("codepilot"))


def connect(path: Path | None = None) -> sqlite3.Connection:
    db = open_db(path or data_dir() / "history.sqlite3", MIGRATIONS, "history")
    db.row_factory = sqlite3.Row
    return db


@contextmanager
def opened(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    db = connect(path)
    try:
        yield db
    finally:
        db.close()


@dataclass
class RunRecord:
    repo: str
    source: str
    kind: str
    base: str | None
    head: str | None
    model: str
    requests: int
    cached: int
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None
    errors: int
    # files whose review completed: the only ones where a finding can resolve
    reviewed_paths: list[str]
    # path -> git blob id of the content reviewed
    reviewed_blobs: dict[str, str] = field(default_factory=dict)


def record(
    db: sqlite3.Connection, run: RunRecord, findings: list[Finding], excerpts: dict[str, str]
) -> dict[str, str]:
    """Store one run (each finding with its code excerpt); returns each finding's status (new /
    still present). Open findings of this repository in files this run reviewed completely, and
    which it no longer reports, become resolved."""
    with db:
        cur = db.execute(
            "INSERT INTO runs (repo, started, source, kind, base, head, model, requests, "
            "cached, prompt_tokens, "
            "completion_tokens, cost_usd, findings, errors, reviewed_paths) VALUES "
            "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                run.repo,
                time.time(),
                run.source,
                run.kind,
                run.base,
                run.head,
                run.model,
                run.requests,
                run.cached,
                run.prompt_tokens,
                run.completion_tokens,
                run.cost_usd,
                len(findings),
                run.errors,
                "\n".join(run.reviewed_paths),
            ),
        )
        run_id = int(cur.lastrowid or 0)
        db.executemany(
            "INSERT OR REPLACE INTO run_files VALUES (?, ?, ?)",
            [(run_id, path, blob) for path, blob in run.reviewed_blobs.items()],
        )
        statuses: dict[str, str] = {}
        for f in findings:
            old = db.execute(
                "SELECT status FROM findings WHERE repo = ? AND id = ?", (run.repo, f.id)
            ).fetchone()
            status = PRESENT if old is not None and old["status"] != RESOLVED else NEW
            statuses[f.id] = status
            db.execute(
                "INSERT INTO findings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,NULL) ON CONFLICT "
                "(repo, id) DO UPDATE SET "
                "path=excluded.path, line=excluded.line, end_line=excluded.end_line, "
                "severity=excluded.severity, "
                "title=excluded.title, body=excluded.body, symbol=excluded.symbol, "
                "excerpt=excluded.excerpt, "
                "status=excluded.status, last_run=excluded.last_run, resolved_run=NULL",
                (
                    run.repo,
                    f.id,
                    f.path,
                    f.line,
                    f.end_line,
                    f.severity,
                    f.category,
                    f.title,
                    f.body,
                    f.symbol,
                    excerpts.get(f.id, ""),
                    status,
                    run_id,
                    run_id,
                ),
            )
            db.execute(
                "INSERT OR REPLACE INTO run_findings VALUES (?, ?, ?)", (run_id, f.id, status)
            )
        reviewed = set(run.reviewed_paths)
        for row in db.execute(
            "SELECT id, path FROM findings WHERE repo = ? AND status != ?", (run.repo, RESOLVED)
        ):
            if row["id"] not in statuses and row["path"] in reviewed:
                db.execute(
                    "UPDATE findings SET status = ?, resolved_run = ? WHERE repo = ? AND id = ?",
                    (RESOLVED, run_id, run.repo, row["id"]),
                )
                db.execute(
                    "INSERT OR REPLACE INTO run_findings VALUES (?, ?, ?)",
                    (run_id, row["id"], RESOLVED),
                )
    return statuses


def runs(db: sqlite3.Connection, repo: str | None = None, since: float = 0.0) -> list[sqlite3.Row]:
    if repo is None:
        return list(db.execute("SELECT * FROM runs WHERE started >= ? ORDER BY started", (since,)))
    return list(
        db.execute(
            "SELECT * FROM runs WHERE repo = ? AND started >= ? ORDER BY started", (repo, since)
        )
    )


def reviews_of(db: sqlite3.Connection, repo: str, blobs: dict[str, str]) -> dict[int, list[str]]:
    """The runs of this repository that reviewed exactly these contents: run id -> the paths whose
    delivered blob it reviewed (whatever the source: hook, staged, range, commit)."""
    out: dict[int, list[str]] = {}
    for path, blob in blobs.items():
        for row in db.execute(
            "SELECT rf.run FROM run_files rf JOIN runs r ON r.id = rf.run "
            "WHERE rf.path = ? AND rf.blob = ? AND r.repo = ?",
            (path, blob, repo),
        ):
            out.setdefault(int(row[0]), []).append(path)
    return out


def found_in(db: sqlite3.Connection, finding_id: str, path: str) -> list[tuple[int, str]]:
    """The runs that reported this finding, each with the content (blob) of `path` it reviewed
    then."""
    return [
        (int(r[0]), str(r[1]))
        for r in db.execute(
            "SELECT rf.run, f.blob FROM run_findings rf JOIN run_files f ON f.run = rf.run "
            "AND f.path = ? "
            "WHERE rf.id = ? AND rf.status != ?",
            (path, finding_id, RESOLVED),
        )
    ]


def findings_for_paths(db: sqlite3.Connection, repo: str, paths: list[str]) -> list[sqlite3.Row]:
    """Every finding recorded in these files of this repository, with its current status."""
    rows: list[sqlite3.Row] = []
    for path in paths:
        rows += db.execute(
            "SELECT * FROM findings WHERE repo = ? AND path = ? ORDER BY line", (repo, path)
        )
    return rows


def record_usage(run: RunRecord) -> None:
    """A run that reviewed nothing (generate, describe, a report summary): counted for `usage`."""
    with opened() as db:
        record(db, run, [], {})


def record_history(prepared: Prepared, report: ReviewResult) -> None:
    """The run and its findings into the local history; each finding learns its status."""
    from codepilot.output.common import numbered_excerpt

    src = prepared.changeset.source
    run = RunRecord(
        repo_key(prepared.repo),
        src.label,
        src.kind,
        src.old,
        src.new or prepared.repo.head(),
        report.model,
        report.stats.requests,
        report.stats.cached,
        report.stats.prompt_tokens,
        report.stats.completion_tokens,
        report.stats.cost_usd,
        len(report.errors),
        report.reviewed_paths,
        reviewed_blobs(prepared, report),
    )
    excerpts = {f.id: "\n".join(numbered_excerpt(report, f)) for f in report.findings}
    with opened() as db:
        statuses = record(db, run, report.findings, excerpts)
    for f in report.findings:
        f.status = statuses.get(f.id)


def reviewed_blobs(prepared: Prepared, result: ReviewResult) -> dict[str, str]:
    """The exact content each completely reviewed file had: its blob id (from git for the index and
    commits; hashed from the reviewed bytes for the work tree)."""
    out = {}
    for path in result.reviewed_paths:
        rf = prepared.changeset.file(path)
        if rf is None or rf.new_text is None:
            continue
        sha = rf.diff.new_sha
        if sha == NULL_SHA:
            full = prepared.repo.inside(path)
            try:
                sha = blob_id(full.read_bytes()) if full is not None else NULL_SHA
            except OSError:
                continue
        if sha != NULL_SHA:
            out[path] = sha
    return out


def repo_key(repo: Repo) -> str:
    """One history per repository, whichever worktree it is reviewed from."""
    return str(repo.common_dir or repo.git_dir)

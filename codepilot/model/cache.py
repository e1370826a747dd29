"""Answers cached on disk (SQLite in the user cache dir), keyed by model, prompt version, answer
schema and the exact (redacted) messages: a re-run on an unchanged change sends nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from codepilot.runtime.paths import cache_dir
from codepilot.runtime.store import open_db

MIGRATIONS = [
    """
CREATE TABLE IF NOT EXISTS answers (
  key TEXT PRIMARY KEY, model TEXT NOT NULL, created REAL NOT NULL, answer TEXT NOT NULL,
  prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL
)"""
]


def key(
    model_id: str, prompt_version: str, schema: dict[str, Any], messages: list[dict[str, str]]
) -> str:
    blob = json.dumps(
        {"model": model_id, "prompt": prompt_version, "schema": schema, "messages": messages},
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


class Cache:
    """A thread-safe answer cache; `Cache(None)` is the disabled one (--no-cache)."""

    def __init__(self, path: Path | None) -> None:
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        if path is not None:
            self._db = open_db(path, MIGRATIONS, "answer cache", wal=True)

    def get(self, k: str) -> tuple[Any, int, int] | None:
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT answer, prompt_tokens, completion_tokens FROM answers WHERE key = ?", (k,)
            ).fetchone()
        return (json.loads(row[0]), int(row[1]), int(row[2])) if row else None

    def put(
        self, k: str, model_id: str, answer: Any, prompt_tokens: int, completion_tokens: int
    ) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                (k, model_id, time.time(), json.dumps(answer), prompt_tokens, completion_tokens),
            )
            self._db.commit()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def open_cache(enabled: bool) -> Cache:
    return Cache(cache_dir() / "answers.sqlite3" if enabled else None)

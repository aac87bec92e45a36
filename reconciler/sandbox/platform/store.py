"""SQLite persistence for the sandbox.

State is a set of JSON documents keyed by (kind, id), with an optional natural reference for
lookups (a Klarna ``account_reference``). A Klarna account is one document holding all of its
sub-resources, so a read with ``expand`` is one row. Every write is committed before the route
answers, so a killed server loses no acknowledged write (WAL journal).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Document = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    ref TEXT,
    body TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS docs_kind_ref ON docs (kind, ref) WHERE ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS idempotency (
    api TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (api, key)
);
-- Expiry runs before every keyed write: without the index each one scans every stored key, which
-- made an apply of ten thousand merchants quadratic in the sandbox.
CREATE INDEX IF NOT EXISTS idempotency_created_at ON idempotency (created_at);
"""


class Store:
    """A thread-safe document store on one SQLite connection."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = str(path) if path is not None else ":memory:"
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._depth = 0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group reads and writes atomically; nested use joins the outer transaction."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def get(self, kind: str, id: str) -> Document | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM docs WHERE kind=? AND id=?", (kind, id)).fetchone()
        return json.loads(row[0]) if row else None

    def get_by_ref(self, kind: str, ref: str) -> Document | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM docs WHERE kind=? AND ref=?", (kind, ref)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, kind: str, id: str, body: Document, ref: str | None = None) -> None:
        text = json.dumps(body, separators=(",", ":"))
        with self.transaction():
            self._conn.execute(
                "INSERT INTO docs (kind, id, ref, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO UPDATE SET ref=excluded.ref, body=excluded.body",
                (kind, id, ref, text),
            )

    def put_many(self, kind: str, rows: Iterable[tuple[str, str | None, Document]]) -> int:
        """Bulk insert of (id, ref, body); used by the seed route."""
        data = [(kind, id, ref, json.dumps(body, separators=(",", ":"))) for id, ref, body in rows]
        with self.transaction():
            self._conn.executemany(
                "INSERT INTO docs (kind, id, ref, body) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (kind, id) DO UPDATE SET ref=excluded.ref, body=excluded.body",
                data,
            )
        return len(data)

    def delete(self, kind: str, id: str) -> bool:
        with self.transaction():
            cur = self._conn.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, id))
        return cur.rowcount > 0

    def list(self, kind: str, *, after_id: str | None = None, limit: int | None = None) -> list[Document]:
        """Documents of a kind in creation order, optionally after a cursor id."""
        sql = "SELECT body FROM docs WHERE kind=?"
        args: list[Any] = [kind]
        if after_id is not None:
            sql += " AND seq > (SELECT seq FROM docs WHERE kind=? AND id=?)"
            args += [kind, after_id]
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql, args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM docs WHERE kind=?", (kind,)).fetchone()[0])

    def kinds(self) -> builtins.list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT DISTINCT kind FROM docs ORDER BY kind")]

    def get_idempotent(self, api: str, key: str) -> tuple[str, int, str] | None:
        """(fingerprint, status, body) stored for an idempotency key, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT fingerprint, status, body FROM idempotency WHERE api=? AND key=?", (api, key)
            ).fetchone()
        return (row[0], int(row[1]), row[2]) if row else None

    def put_idempotent(self, api: str, key: str, fingerprint: str, status: int, body: str, now: float) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT OR REPLACE INTO idempotency (api, key, fingerprint, status, body, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (api, key, fingerprint, status, body, now),
            )

    def expire_idempotent(self, older_than: float) -> None:
        with self.transaction():
            self._conn.execute("DELETE FROM idempotency WHERE created_at < ?", (older_than,))

    def reset(self) -> None:
        with self.transaction():
            self._conn.execute("DELETE FROM docs")
            self._conn.execute("DELETE FROM idempotency")

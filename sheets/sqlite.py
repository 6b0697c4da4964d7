"""One small helper for every SQLite file the app keeps in its instance folder
(the local store, the state database, the Google outbox)."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path


class SQLiteFile:
    """A database file opened per use: WAL, a generous busy timeout, and
    ``transaction()`` = ``BEGIN IMMEDIATE`` for every read-modify-write."""

    def __init__(self, path: str | Path, schema: str = ""):
        self.path = str(path)
        with self.connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            if schema:
                con.executescript(schema)

    @contextmanager
    def connect(self):
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout=30000")
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self):
        with self.connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

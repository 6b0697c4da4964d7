"""One small helper for every SQLite file the app keeps in its instance folder
(the local store, the state database, the Google outbox)."""
from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path


class SQLiteFile:
    """A database file opened per use: WAL, a generous busy timeout, and
    ``transaction()`` = ``BEGIN IMMEDIATE`` for every read-modify-write."""

    def __init__(self, path: str | Path, schema: str = "", pragmas: tuple[str, ...] = ()):
        self.path = str(path)
        self.pragmas = pragmas  # set on every connection, e.g. ``recursive_triggers=ON``
        private_file(self.path)
        with self.connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            if schema:
                con.executescript(schema)
        for suffix in ("-wal", "-shm"):  # SQLite gives them the database's mode; older ones may differ
            if os.path.exists(self.path + suffix):
                private_file(self.path + suffix)

    @contextmanager
    def connect(self):
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout=30000")
        for pragma in self.pragmas:
            con.execute(f"PRAGMA {pragma}")
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


def private_file(path: str | Path) -> None:
    """Create ``path`` if missing, readable and writable by its owner only
    (0600): the state database holds the users' password hashes."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)

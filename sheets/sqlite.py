"""One small helper for every SQLite file the app keeps in its instance folder
(the local store, the state database, the Google outbox)."""
from __future__ import annotations

import os
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path


class SQLiteFile:
    """A database file: WAL, a generous busy timeout, and ``transaction()`` =
    ``BEGIN IMMEDIATE`` for every read-modify-write.

    Each thread keeps one connection of its own (never shared: sqlite3's
    same-thread check stays on) and reuses it from one ``connect()`` to the
    next. Opening one per use cost a form POST about ten opens with their
    PRAGMAs, and each close of the file's last connection checkpointed the
    WAL into the database and truncated it (bench/RESULTS.md, "Form POST
    latency"). A use nested inside another of the same thread gets a
    connection of its own, closed after it, as before; a transaction left
    open is rolled back when its use ends; a forked child opens its own."""

    def __init__(self, path: str | Path, schema: str = "", pragmas: tuple[str, ...] = ()):
        self.path = str(path)
        self.pragmas = pragmas  # set on every connection, e.g. ``recursive_triggers=ON``
        self._local = threading.local()
        self.opened = 0  # connections opened so far (tests count them)
        private_file(self.path)
        with self.connect() as con:
            con.execute("PRAGMA journal_mode=WAL")
            if schema:
                con.executescript(schema)
        for suffix in ("-wal", "-shm"):  # SQLite gives them the database's mode; older ones may differ
            if os.path.exists(self.path + suffix):
                private_file(self.path + suffix)

    def _open(self) -> sqlite3.Connection:
        self.opened += 1
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.execute("PRAGMA busy_timeout=30000")
        for pragma in self.pragmas:
            con.execute(f"PRAGMA {pragma}")
        return con

    @contextmanager
    def connect(self):
        local = self._local
        if getattr(local, "busy", False):  # nested in another use of this thread: a connection of its own
            con = self._open()
            con.row_factory = sqlite3.Row
            try:
                yield con
            finally:
                con.close()
            return
        con = getattr(local, "con", None)
        if con is None or local.pid != os.getpid():
            # (a forked child never touches its parent's connection, not even to close it)
            con, local.pid = self._open(), os.getpid()
            local.con = con
        con.row_factory = sqlite3.Row  # a use may have changed it
        local.busy = True
        try:
            yield con
        finally:
            local.busy = False
            if con.in_transaction:  # as closing it would have
                con.rollback()

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

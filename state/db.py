"""The app's own state in the instance folder: users, audit log, login throttle.

One SQLite file (``instance/app.sqlite3``), opened per use. Rows of the
office worksheets are not here: they live in the store (``sheets/``).
"""
from __future__ import annotations

import json
from pathlib import Path

from domain.clock import Clock
from sheets.sqlite import SQLiteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username        TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    offices         TEXT NOT NULL DEFAULT '',
    disabled        INTEGER NOT NULL DEFAULT 0,
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    by      TEXT NOT NULL,
    office  TEXT NOT NULL,
    row_id  TEXT NOT NULL,
    action  TEXT NOT NULL,
    before  TEXT NOT NULL,
    after   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_office ON audit (office, id);
CREATE TABLE IF NOT EXISTS login_attempts (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_key ON login_attempts (key, at);
"""


class StateDB(SQLiteFile):
    def __init__(self, path: str | Path, clock=None):
        super().__init__(path, SCHEMA)
        self.clock = clock or Clock()

    # -- audit: who changed what in the supervisors' table -------------------

    def record_change(self, by: str, office: str, row_id: str, action: str, before: dict, after: dict) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT INTO audit (at, by, office, row_id, action, before, after) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (self.clock.iso(), by, office, row_id, action,
                 json.dumps(before, ensure_ascii=False), json.dumps(after, ensure_ascii=False)),
            )

    def changes(self, office: str, limit: int = 50) -> list[dict]:
        with self.connect() as con:
            records = con.execute(
                "SELECT * FROM audit WHERE office=? ORDER BY id DESC LIMIT ?", (office, limit)
            ).fetchall()
        return [dict(r, before=json.loads(r["before"]), after=json.loads(r["after"])) for r in records]

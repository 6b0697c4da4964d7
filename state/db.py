"""The app's own state in the instance folder: users, the audit trail, the
weeks' closing, clerks' absences, the login throttle.

One SQLite file (``instance/app.sqlite3``), opened per use. Rows of the
office worksheets are not here: they live in the store (``sheets/``).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterable

from domain.clock import Clock
from domain.trail import TRAIL_FIELDS, Closure, TrailLine, week_of
from sheets.sqlite import SQLiteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username        TEXT PRIMARY KEY COLLATE NOCASE,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'admin')),
    offices         TEXT NOT NULL DEFAULT '',
    disabled        INTEGER NOT NULL DEFAULT 0,
    session_version INTEGER NOT NULL DEFAULT 1,
    created_at      TEXT NOT NULL,
    full_name       TEXT NOT NULL DEFAULT '',
    must_change     INTEGER NOT NULL DEFAULT 0
);
-- Signed-in sessions, one row per sign-in: the cookie carries a random token,
-- this table its SHA-256 and its end. Sign-out deletes the row, so a copied
-- session or "remember me" cookie is refused from then on.
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    username   TEXT NOT NULL COLLATE NOCASE,
    created    REAL NOT NULL,
    expires    REAL NOT NULL,
    remember   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username);
-- Fresh Google reads asked with ?refresh=1, shared by every worker: at most
-- SHEETS_REFRESH_PER_MINUTE in any 60 seconds.
CREATE TABLE IF NOT EXISTS refresh_grants (
    at REAL NOT NULL
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
CREATE TABLE IF NOT EXISTS trail (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    by       TEXT NOT NULL,
    office   TEXT NOT NULL,
    week     TEXT NOT NULL,
    day      TEXT NOT NULL DEFAULT '',
    clerk    TEXT NOT NULL DEFAULT '',
    kind     TEXT NOT NULL,
    activity TEXT NOT NULL DEFAULT '',
    part     TEXT NOT NULL DEFAULT '',
    counter  TEXT NOT NULL DEFAULT '',
    old      TEXT NOT NULL DEFAULT '',
    new      TEXT NOT NULL DEFAULT '',
    reason   TEXT NOT NULL DEFAULT '',
    cell     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS trail_office_week ON trail (office, week, id);
CREATE TRIGGER IF NOT EXISTS trail_append_only_update BEFORE UPDATE ON trail
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS trail_append_only_delete BEFORE DELETE ON trail
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS trail_append_only_replace BEFORE INSERT ON trail
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM trail WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TABLE IF NOT EXISTS weeks (
    office    TEXT NOT NULL,
    week      TEXT NOT NULL,
    closed    INTEGER NOT NULL,
    by        TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (office, week)
);
CREATE TABLE IF NOT EXISTS absences (
    office  TEXT NOT NULL,
    clerk   TEXT NOT NULL COLLATE NOCASE,
    day     TEXT NOT NULL,
    by      TEXT NOT NULL,
    at      TEXT NOT NULL,
    PRIMARY KEY (office, clerk, day)
);
CREATE TABLE IF NOT EXISTS login_attempts (
    key TEXT NOT NULL,
    at  REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS login_attempts_key ON login_attempts (key, at);
-- The catalog's published versions (state/catalogs.py): one office's whole
-- document per row; never updated, never deleted.
CREATE TABLE IF NOT EXISTS catalog_versions (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    effective    TEXT NOT NULL,
    document     TEXT NOT NULL,
    published_by TEXT NOT NULL,
    published_at TEXT NOT NULL,
    UNIQUE (slug, version)
);
"""


#: Columns added to ``users`` after the first release: (name, declaration).
_USER_COLUMNS = (("full_name", "TEXT NOT NULL DEFAULT ''"), ("must_change", "INTEGER NOT NULL DEFAULT 0"))


class StateDB(SQLiteFile):
    def __init__(self, path: str | Path, clock=None):
        super().__init__(path, SCHEMA)
        self.clock = clock or Clock()
        self._migrate()

    def _migrate(self) -> None:
        """Add the columns an older state database lacks (CREATE TABLE IF NOT
        EXISTS keeps its old ``users`` table as it was)."""
        with self.transaction() as con:
            have = {r["name"] for r in con.execute("PRAGMA table_info(users)")}
            for name, declaration in _USER_COLUMNS:
                if name not in have:
                    con.execute(f"ALTER TABLE users ADD COLUMN {name} {declaration}")

    # -- the audit trail: every change of an office's week, append-only --------

    def record(self, lines: list[TrailLine]) -> None:
        """Append ``lines`` (one transaction); their ``at`` is now."""
        if not lines:
            return
        at = self.clock.iso()
        with self.transaction() as con:
            con.executemany(
                f"INSERT INTO trail (at, {', '.join(TRAIL_FIELDS)}) VALUES (?{', ?' * len(TRAIL_FIELDS)})",
                [(at, *(getattr(line, f) for f in TRAIL_FIELDS)) for line in lines])

    def trail(self, office: str, week: str | None = None, limit: int = 1000) -> list[dict]:
        """Newest first: dicts with ``at`` and the TrailLine fields."""
        where, args = "office=?", [office]
        if week:
            where, args = where + " AND week=?", args + [week]
        with self.connect() as con:
            return [dict(r) for r in con.execute(
                f"SELECT * FROM trail WHERE {where} ORDER BY id DESC LIMIT ?", (*args, limit))]

    # -- weeks that close ---------------------------------------------------

    def week_closure(self, office: str, week: str) -> Closure | None:
        with self.connect() as con:
            r = con.execute("SELECT by, at FROM weeks WHERE office=? AND week=? AND closed=1",
                            (office, week)).fetchone()
        return Closure(r["by"], r["at"]) if r else None

    def closures(self, offices, weeks) -> dict[tuple[str, str], Closure]:
        """(office, week) -> Closure for the closed ones among ``offices`` × ``weeks``."""
        offices, weeks = list(offices), list(weeks)
        if not offices or not weeks:
            return {}
        with self.connect() as con:
            records = con.execute(
                f"SELECT office, week, by, at FROM weeks WHERE closed=1 AND office IN "
                f"({', '.join('?' * len(offices))}) AND week IN ({', '.join('?' * len(weeks))})",
                (*offices, *weeks)).fetchall()
        return {(r["office"], r["week"]): Closure(r["by"], r["at"]) for r in records}

    def set_week(self, office: str, week: str, closed: bool, by: str, reason: str = "") -> bool:
        """Close (or reopen) the week; False when it already was. The trail
        records it in the same transaction."""
        at = self.clock.iso()
        with self.transaction() as con:
            r = con.execute("SELECT closed FROM weeks WHERE office=? AND week=?", (office, week)).fetchone()
            if bool(r and r["closed"]) == closed:
                return False
            con.execute("INSERT OR REPLACE INTO weeks (office, week, closed, by, at) VALUES (?, ?, ?, ?, ?)",
                        (office, week, int(closed), by, at))
            con.execute("INSERT INTO trail (at, by, office, week, kind, reason) VALUES (?, ?, ?, ?, ?, ?)",
                        (at, by, office, week, "close" if closed else "reopen", reason))
        return True

    # -- clerks marked absent (leave) by a supervisor ------------------------------

    def set_absent(self, office: str, clerk: str, days: Iterable[date], absent: bool, by: str) -> list[date]:
        """Mark ``clerk`` absent (or present again) on ``days``; returns the
        days that changed. The trail records each one in the same transaction."""
        at = self.clock.iso()
        changed = []
        with self.transaction() as con:
            for day in sorted(set(days)):
                key = (office, clerk, day.isoformat())
                was = con.execute("SELECT 1 FROM absences WHERE office=? AND clerk=? AND day=?", key).fetchone()
                if bool(was) == absent:
                    continue
                if absent:
                    con.execute("INSERT INTO absences (office, clerk, day, by, at) VALUES (?, ?, ?, ?, ?)",
                                (*key, by, at))
                else:
                    con.execute("DELETE FROM absences WHERE office=? AND clerk=? AND day=?", key)
                con.execute("INSERT INTO trail (at, by, office, week, day, clerk, kind) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (at, by, office, week_of(day), day.isoformat(), clerk, "absent" if absent else "present"))
                changed.append(day)
        return changed

    def absences(self, offices, start: date, end: date) -> dict[tuple[str, str], set[date]]:
        """(office, clerk) -> days marked absent within ``start``..``end``."""
        offices = list(offices)
        if not offices:
            return {}
        out: dict[tuple[str, str], set[date]] = {}
        with self.connect() as con:
            for r in con.execute(
                    f"SELECT office, clerk, day FROM absences WHERE office IN ({', '.join('?' * len(offices))}) "
                    "AND day BETWEEN ? AND ? ORDER BY day", (*offices, start.isoformat(), end.isoformat())):
                out.setdefault((r["office"], r["clerk"]), set()).add(date.fromisoformat(r["day"]))
        return out

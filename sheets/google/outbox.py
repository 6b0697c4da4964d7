"""The Google backend's durable outbox: what clerks and supervisors saved and
the spreadsheet has not confirmed yet.

An SQLite file in the instance folder (``outbox.sqlite3``, WAL; every write in
``BEGIN IMMEDIATE``) shared by every process of the app. Tables:

* ``ops``: one operation per save: ``day`` (replace a clerk's rows of an
  office on a day), ``update`` / ``delete`` (a supervisor's correction of one
  row). Status ``pending`` -> ``delivered`` | ``failed`` (attempts capped;
  retried by hand) | ``superseded`` (a newer save of the same day replaced it
  before it was sent) | ``dropped`` (a correction whose row no longer exists).
* ``ledger``: per (office, day, clerk) whether rows of it may be in the sheet
  (``maybe``: an attempt started, its outcome unknown; ``delivered``). Only a
  day never attempted may be sent as a blind append; every other write reads
  the worksheet first and finds rows by their ID, so nothing is duplicated.
* ``sheets``: each office's worksheet id (sheetId), to find it when renamed.
* ``lease``: the single sender across processes (holder, expiry); and, named
  ``pass``, when the last background pass of any process began.

No gspread here; ``sheets.google.model`` applies ops to rows (for the views
and to plan the writes).
"""
from __future__ import annotations

import json
import os
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

from domain.rows import Row
from domain.saving import Entry
from ..sqlite import SQLiteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS ops (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,            -- day | entry | update | delete | protect
    office       TEXT NOT NULL,
    day          TEXT NOT NULL DEFAULT '',
    clerk        TEXT NOT NULL DEFAULT '',
    row_id       TEXT NOT NULL DEFAULT '',
    payload      TEXT NOT NULL,            -- JSON: rows, or changes
    by_user      TEXT NOT NULL DEFAULT '',
    stamp        TEXT NOT NULL,            -- ISO time of the save
    created_at   REAL NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    done_at      REAL
);
CREATE INDEX IF NOT EXISTS ops_status ON ops (status, office, id);
CREATE INDEX IF NOT EXISTS ops_done ON ops (done_at);
CREATE TABLE IF NOT EXISTS ledger (
    office TEXT NOT NULL,
    day    TEXT NOT NULL,
    clerk  TEXT NOT NULL,                  -- lower case
    state  TEXT NOT NULL,                  -- maybe | delivered
    PRIMARY KEY (office, day, clerk)
);
CREATE TABLE IF NOT EXISTS sheets (
    office   TEXT PRIMARY KEY,
    sheet_id INTEGER NOT NULL,
    title    TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS lease (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

OPEN = ("pending", "failed")  # not delivered: shown in the views


def backoff_delay(failures: int, maximum: float, unit: float = 1.0,
                  rand: Callable[[], float] = random.random) -> float:
    """Google's truncated exponential backoff: after the n-th failure in a row
    (n >= 1) wait ``min(2**(n-1) + random(0..1), maximum)`` time ``unit``s
    (seconds by default: 1+r, 2+r, 4+r, ... capped at ``maximum`` seconds)."""
    n = max(failures, 1) - 1
    return min(unit * (2 ** min(n, 62) + rand()), maximum)


#: ops that write a clerk's day (their (office, day, clerk) is kept in the ledger)
DAY_KINDS = ("day", "entry")


@dataclass
class Op:
    id: int
    kind: str
    office: str
    day: date | None = None
    clerk: str = ""
    row_id: str = ""
    rows: list[Row] = field(default_factory=list)
    changes: dict = field(default_factory=dict)
    by: str = ""
    stamp: str = ""
    created_at: float = 0.0
    status: str = "pending"
    attempts: int = 0
    next_attempt: float = 0.0
    last_error: str = ""
    done_at: float | None = None
    entry: Entry | None = None  # kind "entry": a clerk's save, planned against the sheet at write time

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.office, self.day.isoformat() if self.day else "", self.clerk.lower())


def _row_to_json(row: Row) -> dict:
    return {"day": row.day.isoformat(), "activity": row.activity, "clerk": row.clerk, "lucrari": row.lucrari,
            "documente": row.documente, "part": row.part, "note": row.note, "entered_at": row.entered_at,
            "changed_by": row.changed_by, "changed_at": row.changed_at, "row_id": row.row_id}


def _entry_to_json(entry: Entry) -> dict:
    return {"values": [[*k, v] for k, v in entry.values.items()],
            "base": None if entry.base is None else [[*k, v] for k, v in entry.base.items()]}


def _entry(office: str, day: date, clerk: str, payload: dict) -> Entry:
    base = payload.get("base")
    return Entry(office, day, clerk, {(a, p, c): v for a, p, c, v in payload["values"]},
                 None if base is None else {(a, p, c): v for a, p, c, v in base})


def _op(record: sqlite3.Row) -> Op:
    payload = json.loads(record["payload"])
    office = record["office"]
    rows = [Row(office=office, **{**r, "day": date.fromisoformat(r["day"])}) for r in payload.get("rows", [])]
    return Op(
        id=record["id"], kind=record["kind"], office=office,
        day=date.fromisoformat(record["day"]) if record["day"] else None, clerk=record["clerk"],
        row_id=record["row_id"], rows=rows, changes=payload.get("changes", {}), by=record["by_user"],
        stamp=record["stamp"], created_at=record["created_at"], status=record["status"],
        attempts=record["attempts"], next_attempt=record["next_attempt"], last_error=record["last_error"],
        done_at=record["done_at"],
        entry=_entry(office, date.fromisoformat(record["day"]), record["clerk"], payload)
        if record["kind"] == "entry" else None,
    )


class Outbox:
    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.path = str(path)
        self.clock = clock
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.db = SQLiteFile(self.path, _SCHEMA)
        self._connect, self._write = self.db.connect, self.db.transaction

    # -- adding -------------------------------------------------------------

    def add_day(self, office: str, day: date, clerk: str, rows: Sequence[Row], stamp: str) -> int:
        """Queue "replace ``clerk``'s rows of ``office`` on ``day``"; an older
        op of the same day not sent yet is superseded (never sent)."""
        payload = json.dumps({"rows": [_row_to_json(r) for r in rows]}, ensure_ascii=False)
        with self._write() as con:
            con.execute(
                "UPDATE ops SET status='superseded', done_at=? WHERE kind='day' AND status IN ('pending','failed') "
                "AND office=? AND day=? AND lower(clerk)=?",
                (self.clock(), office, day.isoformat(), clerk.lower()),
            )
            cur = con.execute(
                "INSERT INTO ops (kind, office, day, clerk, payload, stamp, created_at) VALUES ('day',?,?,?,?,?,?)",
                (office, day.isoformat(), clerk, payload, stamp, self.clock()),
            )
            return cur.lastrowid

    def add_entry(self, entry: Entry, stamp: str) -> int:
        """Queue a clerk's save: the figures typed and what the form showed,
        planned against the sheet when it is written (domain/saving.py)."""
        payload = json.dumps(_entry_to_json(entry), ensure_ascii=False)
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO ops (kind, office, day, clerk, payload, stamp, created_at) VALUES ('entry',?,?,?,?,?,?)",
                (entry.office, entry.day.isoformat(), entry.clerk, payload, stamp, self.clock()),
            )
            return cur.lastrowid

    def add_protect(self, office: str, start: date, end: date, closed: bool, by: str, stamp: str) -> int:
        """Queue "protect (or unprotect) the rows of ``start``..``end`` in the
        worksheet": a closed week is read-only for people, in the sheet itself."""
        payload = json.dumps({"changes": {"end": end.isoformat(), "closed": closed}})
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO ops (kind, office, day, payload, by_user, stamp, created_at) "
                "VALUES ('protect',?,?,?,?,?,?)", (office, start.isoformat(), payload, by, stamp, self.clock()))
            return cur.lastrowid

    def add_edit(self, kind: str, office: str, row_id: str, changes: dict, by: str, stamp: str) -> int:
        assert kind in ("update", "delete")
        with self._write() as con:
            cur = con.execute(
                "INSERT INTO ops (kind, office, row_id, payload, by_user, stamp, created_at) VALUES (?,?,?,?,?,?,?)",
                (kind, office, row_id, json.dumps({"changes": changes}, ensure_ascii=False), by, stamp, self.clock()),
            )
            return cur.lastrowid

    # -- reading ------------------------------------------------------------

    def ops(self, offices: Iterable[str] | None = None, statuses: Sequence[str] = OPEN,
            delivered_since: float | None = None, limit: int | None = None,
            days: tuple[date, date] | None = None) -> list[Op]:
        """Ops with one of ``statuses`` (plus those delivered after
        ``delivered_since``), oldest first; with ``days``, only the ops of a
        day in that range and those of no day (corrections, deletions)."""
        where = [f"status IN ({', '.join('?' * len(statuses))})"]
        params: list = list(statuses)
        if delivered_since is not None:
            where = [f"({where[0]} OR (status='delivered' AND done_at > ?))"]
            params.append(delivered_since)
        if offices is not None:
            offices = list(offices)
            where.append(f"office IN ({', '.join('?' * len(offices))})")
            params += offices
        if days is not None:
            where.append("(day = '' OR day BETWEEN ? AND ?)")
            params += [days[0].isoformat(), days[1].isoformat()]
        sql = f"SELECT * FROM ops WHERE {' AND '.join(where)} ORDER BY id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as con:
            return [_op(r) for r in con.execute(sql, params)]

    def get(self, op_id: int) -> Op | None:
        with self._connect() as con:
            record = con.execute("SELECT * FROM ops WHERE id=?", (op_id,)).fetchone()
        return _op(record) if record else None

    def counts(self, offices: Iterable[str] | None = None) -> dict[str, int]:
        sql, params = "SELECT status, COUNT(*) FROM ops", []
        if offices is not None:
            offices = list(offices)
            sql += f" WHERE office IN ({', '.join('?' * len(offices))})"
            params = offices
        with self._connect() as con:
            found = dict(con.execute(sql + " GROUP BY status", params).fetchall())
        return {s: found.get(s, 0) for s in ("pending", "failed", "delivered", "superseded", "dropped")}

    def offices_pending(self) -> list[str]:
        with self._connect() as con:
            return [r[0] for r in con.execute(
                "SELECT office FROM ops WHERE status='pending' GROUP BY office ORDER BY MIN(id)")]

    def last_id(self) -> int:
        """The newest op's id (0: none)."""
        with self._connect() as con:
            return con.execute("SELECT COALESCE(MAX(id), 0) FROM ops").fetchone()[0]

    def oldest_pending(self) -> Op | None:
        """The oldest submission not delivered yet (pending or failed)."""
        with self._connect() as con:
            r = con.execute("SELECT * FROM ops WHERE status IN ('pending','failed') ORDER BY id LIMIT 1").fetchone()
        return _op(r) if r else None

    def next_due(self) -> float | None:
        """When the earliest office may be tried again (None: nothing pending)."""
        with self._connect() as con:
            rows = con.execute(
                "SELECT next_attempt FROM ops WHERE id IN (SELECT MIN(id) FROM ops WHERE status='pending' "
                "GROUP BY office)").fetchall()
        return min((r[0] for r in rows), default=None)

    def ledger(self, keys: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        keys = list(keys)
        if not keys:
            return {}
        with self._connect() as con:
            out = {}
            for office, day, clerk in keys:
                r = con.execute("SELECT state FROM ledger WHERE office=? AND day=? AND clerk=?",
                                (office, day, clerk)).fetchone()
                if r:
                    out[(office, day, clerk)] = r[0]
            return out

    # -- the sender's bookkeeping ---------------------------------------------

    def begin_attempt(self, ops: Sequence[Op], in_flight_until: float) -> list[tuple[str, str, str]]:
        """Write-ahead, before a write is sent: count the attempt, hold the ops
        until ``in_flight_until`` (a crash mid-request leaves them there) and
        mark their days ``maybe`` in the ledger. Returns the keys marked now."""
        keys = sorted({op.key for op in ops if op.kind in DAY_KINDS})
        added = []
        with self._write() as con:
            for op in ops:
                con.execute("UPDATE ops SET attempts=attempts+1, next_attempt=? WHERE id=?",
                            (in_flight_until, op.id))
            for key in keys:
                cur = con.execute("INSERT OR IGNORE INTO ledger (office, day, clerk, state) VALUES (?,?,?,'maybe')",
                                  key)
                if cur.rowcount:
                    added.append(key)
        return added

    def attempt_succeeded(self, ops: Sequence[Op], dropped: dict[int, str] | None = None) -> None:
        dropped = dropped or {}
        now = self.clock()
        with self._write() as con:
            for op in ops:
                if op.id in dropped:
                    con.execute("UPDATE ops SET status='dropped', last_error=?, done_at=? WHERE id=?",
                                (dropped[op.id], now, op.id))
                else:
                    con.execute("UPDATE ops SET status='delivered', last_error='', done_at=? WHERE id=?",
                                (now, op.id))
                if op.kind in DAY_KINDS:
                    con.execute("INSERT OR REPLACE INTO ledger (office, day, clerk, state) VALUES (?,?,?,'delivered')",
                                op.key)

    def attempt_failed(self, ops: Sequence[Op], *, error: str, next_attempt: float, max_attempts: int,
                       unmark: Sequence[tuple[str, str, str]] = ()) -> None:
        """A failed attempt: retry at ``next_attempt``, or ``failed`` once
        ``max_attempts`` are used. ``unmark``: ledger keys to clear again (the
        write certainly did not happen)."""
        with self._write() as con:
            for op in ops:
                con.execute(
                    "UPDATE ops SET next_attempt=?, last_error=?, "
                    "status=CASE WHEN status='pending' AND attempts>=? THEN 'failed' ELSE status END WHERE id=?",
                    (next_attempt, error[:500], max_attempts, op.id),
                )
            for key in unmark:
                con.execute("DELETE FROM ledger WHERE office=? AND day=? AND clerk=? AND state='maybe'", key)

    def retry(self, op_id: int) -> bool:
        """A failed op back to pending (attempts from zero); False if not failed."""
        with self._write() as con:
            cur = con.execute(
                "UPDATE ops SET status='pending', attempts=0, next_attempt=0 WHERE id=? AND status='failed'", (op_id,))
            return bool(cur.rowcount)

    def prune(self, older_than: float) -> None:
        """Forget finished ops (the ledger stays: it is what prevents duplicates)."""
        with self._write() as con:
            con.execute("DELETE FROM ops WHERE status IN ('delivered','superseded','dropped') AND done_at < ?",
                        (older_than,))

    # -- worksheets ---------------------------------------------------------

    def sheet_ids(self) -> dict[str, tuple[int, str]]:
        with self._connect() as con:
            return {r["office"]: (r["sheet_id"], r["title"]) for r in con.execute("SELECT * FROM sheets")}

    def remember_sheet(self, office: str, sheet_id: int, title: str) -> None:
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO sheets (office, sheet_id, title) VALUES (?,?,?)",
                        (office, sheet_id, title))

    # -- lease (one sender across processes) ------------------------------------

    def acquire_lease(self, holder: str, seconds: float, name: str = "sender") -> bool:
        """Take or renew the lease; True if ``holder`` has it now. An expired
        lease, or one held by a dead process of this host, is taken over."""
        now = self.clock()
        with self._write() as con:
            r = con.execute("SELECT holder, expires FROM lease WHERE name=?", (name,)).fetchone()
            if r is not None and r["holder"] != holder and r["expires"] > now and _alive(r["holder"]):
                return False
            con.execute("INSERT OR REPLACE INTO lease (name, holder, expires) VALUES (?,?,?)",
                        (name, holder, now + seconds))
            return True

    def claim_pass(self, interval: float, name: str = "pass") -> bool:
        """Whether a background pass may start now: none did, in any process, in the
        last ``interval`` seconds (then this one is noted). Every worker runs a sender
        thread; without this their passes would add up (3 workers: 3 passes, 3 writes,
        per interval)."""
        now = self.clock()
        with self._write() as con:
            r = con.execute("SELECT expires FROM lease WHERE name=?", (name,)).fetchone()
            if r is not None and now - r["expires"] < interval * 0.95 and r["expires"] <= now:
                return False
            con.execute("INSERT OR REPLACE INTO lease (name, holder, expires) VALUES (?,?,?)", (name, "", now))
            return True

    def release_lease(self, holder: str, name: str = "sender") -> None:
        with self._write() as con:
            con.execute("DELETE FROM lease WHERE name=? AND holder=?", (name, holder))

    def lease_holder(self, name: str = "sender") -> tuple[str, float] | None:
        with self._connect() as con:
            r = con.execute("SELECT holder, expires FROM lease WHERE name=?", (name,)).fetchone()
        return (r["holder"], r["expires"]) if r else None


def lease_holder_id() -> str:
    import socket
    import uuid

    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive(holder: str) -> bool:
    """False only when ``holder`` is a process of this host that is gone."""
    import socket

    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""How much of Google's quotas the app uses, shared by every worker: the
Sheets requests sent (from the HTTP seam, ``sheets.google.http``), the
sender's write budget, and the spreadsheet's size over time.

An SQLite file in the instance folder (``capacity.sqlite3``, WAL) with:

* ``requests``: one line per Sheets API request (time, read|write, endpoint,
  HTTP status, 0 when no answer came), kept about two hours: the *Capacitate*
  page's per-minute figures and its last errors;
* ``budget``: the times of the writes granted in the last minute, a sliding
  window shared by every worker: ``Budget.take`` grants a write while fewer
  than ``per_minute`` were granted in the last 60 seconds, else says how long
  to wait (Google allows 60 writes a minute per user; the sender keeps under
  ``SHEETS_WRITE_BUDGET`` so people's own corrections through the app still
  get through);
* ``cells``: the spreadsheet's cell count (from its metadata's
  gridProperties, read anyway by the app), one line per metadata read at most
  every ten minutes: the pace at which it fills its 10 million cells.

No gspread and no Flask here.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from ..sqlite import SQLiteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    at       REAL NOT NULL,
    kind     TEXT NOT NULL,      -- read | write
    endpoint TEXT NOT NULL,
    status   INTEGER NOT NULL    -- HTTP status; 0: no answer (timeout, connection lost)
);
CREATE INDEX IF NOT EXISTS requests_at ON requests (at);
CREATE TABLE IF NOT EXISTS budget (at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cells (
    spreadsheet TEXT NOT NULL,
    at          REAL NOT NULL,
    cells       INTEGER NOT NULL
);
"""

MAX_CELLS = 10_000_000
KEEP_SECONDS = 2 * 3600  # request lines
KEEP_CELLS_SECONDS = 90 * 86400
CELLS_EVERY = 600.0  # seconds between two cell-count lines of a spreadsheet
WINDOW = 60.0


def endpoint_of(method: str, url: str) -> tuple[str, str] | None:
    """(read|write, endpoint name) of a Sheets API request; None for any other URL
    (the token endpoint, the emulator's control calls)."""
    path = url.split("?", 1)[0]
    if "/v4/spreadsheets" not in path:
        return None
    kind = "read" if method.upper() == "GET" else "write"
    if "/values" in path:
        if path.endswith(":batchGet"):
            name = "values.batchGet"
        elif path.endswith(":append"):
            name = "values.append"
        elif path.endswith(":batchUpdate"):
            name = "values.batchUpdate"
        elif path.endswith(":clear") or path.endswith(":batchClear"):
            name = "values.clear"
        else:
            name = "values.get" if kind == "read" else "values.update"
    elif path.endswith(":batchUpdate"):
        name = "spreadsheets.batchUpdate"
    else:
        name = "spreadsheets.get" if kind == "read" else "spreadsheets.other"
    return kind, name


class Capacity:
    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time):
        self.path = str(path)
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.db = SQLiteFile(self.path, _SCHEMA)
        self._pruned_at = 0.0

    # -- request counters (every worker) -----------------------------------------

    def record(self, kind: str, endpoint: str, status: int) -> None:
        """One Sheets request (a single small INSERT; pruned every ten minutes)."""
        now = self.clock()
        with self.db.connect() as con:
            con.execute("INSERT INTO requests (at, kind, endpoint, status) VALUES (?,?,?,?)",
                        (now, kind, endpoint, int(status)))
            if now - self._pruned_at > 600:
                self._pruned_at = now
                con.execute("DELETE FROM requests WHERE at < ?", (now - KEEP_SECONDS,))
                con.execute("DELETE FROM budget WHERE at < ?", (now - WINDOW,))
                con.execute("DELETE FROM cells WHERE at < ?", (now - KEEP_CELLS_SECONDS,))

    def per_minute(self, minutes: int = 60) -> list[dict]:
        """The last ``minutes`` whole minutes, oldest first, each {"start", "read",
        "write", "errors"} (errors: answers other than 2xx, and no answer)."""
        now = self.clock()
        first = (int(now // 60) - minutes + 1) * 60
        out = {first + 60 * i: {"start": float(first + 60 * i), "read": 0, "write": 0, "errors": 0}
               for i in range(minutes)}
        with self.db.connect() as con:
            for minute, kind, n, errors in con.execute(
                    "SELECT CAST(at / 60 AS INTEGER) * 60, kind, COUNT(*), "
                    "SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END) "
                    "FROM requests WHERE at >= ? GROUP BY 1, 2", (first,)):
                slot = out.get(int(minute))
                if slot is not None:
                    slot[kind] = slot.get(kind, 0) + n
                    slot["errors"] += errors
        return list(out.values())

    def totals(self, seconds: float = 3600.0) -> dict[str, int]:
        """Requests of the last ``seconds``: {"read", "write", "errors", "quota" (429s)}."""
        with self.db.connect() as con:
            r = con.execute(
                "SELECT SUM(kind='read'), SUM(kind='write'), "
                "SUM(CASE WHEN status BETWEEN 200 AND 299 THEN 0 ELSE 1 END), SUM(status=429) "
                "FROM requests WHERE at >= ?", (self.clock() - seconds,)).fetchone()
        return {"read": r[0] or 0, "write": r[1] or 0, "errors": r[2] or 0, "quota": r[3] or 0}

    def busiest_minute(self, seconds: float = 3600.0) -> dict[str, int]:
        """The most reads and the most writes in any sliding 60 s of the last ``seconds``."""
        with self.db.connect() as con:
            out = {}
            for kind in ("read", "write"):
                out[kind] = con.execute(
                    "SELECT COALESCE(MAX((SELECT COUNT(*) FROM requests b WHERE b.kind=a.kind "
                    "AND b.at > a.at - ? AND b.at <= a.at)), 0) FROM requests a WHERE a.kind=? AND a.at >= ?",
                    (WINDOW, kind, self.clock() - seconds)).fetchone()[0]
        return out

    def last_errors(self, limit: int = 10) -> list[dict]:
        with self.db.connect() as con:
            return [dict(r) for r in con.execute(
                "SELECT at, kind, endpoint, status FROM requests WHERE status NOT BETWEEN 200 AND 299 "
                "ORDER BY at DESC LIMIT ?", (limit,))]

    # -- the write budget (every worker) -----------------------------------------

    def take(self, per_minute: int) -> float:
        """Grant one write now (0.0), or the seconds until one may be granted.
        ``per_minute`` <= 0: no budget."""
        if per_minute <= 0:
            return 0.0
        now = self.clock()
        with self.db.transaction() as con:
            con.execute("DELETE FROM budget WHERE at <= ?", (now - WINDOW,))
            times = [r[0] for r in con.execute("SELECT at FROM budget ORDER BY at")]
            if len(times) < per_minute:
                con.execute("INSERT INTO budget (at) VALUES (?)", (now,))
                return 0.0
            return max(times[len(times) - per_minute] + WINDOW - now, 0.001)

    def granted(self) -> int:
        """Writes granted in the last minute."""
        with self.db.connect() as con:
            return con.execute("SELECT COUNT(*) FROM budget WHERE at > ?", (self.clock() - WINDOW,)).fetchone()[0]

    # -- the spreadsheet's size ------------------------------------------------------

    def cells_seen(self, spreadsheet: str, cells: int) -> None:
        now = self.clock()
        with self.db.transaction() as con:
            last = con.execute("SELECT at, cells FROM cells WHERE spreadsheet=? ORDER BY at DESC LIMIT 1",
                               (spreadsheet,)).fetchone()
            if last is not None and now - last[0] < CELLS_EVERY:
                con.execute("UPDATE cells SET cells=? WHERE spreadsheet=? AND at=?", (cells, spreadsheet, last[0]))
            else:
                con.execute("INSERT INTO cells (spreadsheet, at, cells) VALUES (?,?,?)", (spreadsheet, now, cells))

    def cells(self, spreadsheet: str) -> dict | None:
        """{"cells", "at", "pace" (cells a day, None when unknown), "full_at" (epoch, None when
        not growing)} of the spreadsheet; None when never seen."""
        with self.db.connect() as con:
            rows = con.execute("SELECT at, cells FROM cells WHERE spreadsheet=? ORDER BY at",
                               (spreadsheet,)).fetchall()
        if not rows:
            return None
        (t0, c0), (t1, c1) = rows[0], rows[-1]
        pace = (c1 - c0) / ((t1 - t0) / 86400) if t1 - t0 >= 3600 else None
        full_at = t1 + (MAX_CELLS - c1) / pace * 86400 if pace and pace > 0 and c1 < MAX_CELLS else None
        return {"cells": c1, "at": t1, "pace": pace, "full_at": full_at}


def capacity_path(outbox_path: str | Path) -> Path:
    """The capacity database, next to the outbox (in the instance folder)."""
    return Path(outbox_path).parent / "capacity.sqlite3"


__all__ = ["Capacity", "MAX_CELLS", "capacity_path", "endpoint_of"]

"""What every worker of the instance knows of the spreadsheet's reads: one
SQLite file in the instance folder (``sheets-reads.sqlite3``, WAL).

* **The last good read of each view** (offices, period), written by the
  worker that read it. A worker with nothing read yet (just started, or
  another worker's page) whose read fails or runs past its budget shows
  that read with its „date din …” banner instead of a 503 page.
* **Closed weeks and their rows.** Closing an office's week (``close``)
  records it; the first read of the spreadsheet after that holding the whole
  week (and no save of it still on its way) keeps the week's rows
  (``keep_week``). A view made only of closed weeks is then served from
  them with no request at all (``closed_weeks``). Reopening drops them.
  Google itself refuses people's edits of a closed week (protected ranges,
  ``protect.py``): what was kept stays what the sheet holds.

Values are pickled (zlib): this file is written only by the app, in its own
instance folder, like the outbox next to it.
"""
from __future__ import annotations

import logging
import pickle
import sqlite3
import zlib
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from ..sqlite import SQLiteFile

log = logging.getLogger("sheets.google")

SCHEMA = """
CREATE TABLE IF NOT EXISTS reads (
    spreadsheet TEXT NOT NULL,
    offices     TEXT NOT NULL,   -- sorted slugs, one per line
    start       TEXT NOT NULL,   -- '' for whole worksheets
    end         TEXT NOT NULL,
    fetched_at  REAL NOT NULL,
    data        BLOB NOT NULL,   -- zlib(pickle(Snapshot))
    PRIMARY KEY (spreadsheet, offices, start, end)
);
CREATE TABLE IF NOT EXISTS closed_weeks (
    spreadsheet TEXT NOT NULL,
    office      TEXT NOT NULL,
    start       TEXT NOT NULL,   -- the Monday
    closed_at   REAL NOT NULL,
    taken_at    REAL,            -- when its rows were kept (NULL: not yet)
    data        BLOB,            -- zlib(pickle((ParsedSheet of the week, read_at)))
    PRIMARY KEY (spreadsheet, office, start)
);
"""
#: the last good reads kept per spreadsheet (the oldest forgotten first)
KEEP_READS = 64
#: a read bigger than this (zlib) is not shared: whole worksheets of many offices
MAX_BLOB = 8 * 2**20


def _pack(value) -> bytes:
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes):
    return pickle.loads(zlib.decompress(blob))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_of(start: date, end: date) -> list[date]:
    """The Mondays of the ISO weeks ``start``..``end`` touches."""
    out, d = [], monday(start)
    while d <= end:
        out.append(d)
        d += timedelta(days=7)
    return out


class SharedReads:
    def __init__(self, path: str | Path, spreadsheet_id: str):
        self.db = SQLiteFile(path, SCHEMA)
        self.spreadsheet = spreadsheet_id

    # -- the last good read of each view --------------------------------------

    def keep(self, offices: Iterable[str], period: tuple | None, snap) -> None:
        blob = _pack(snap)
        if len(blob) > MAX_BLOB:
            return
        start, end = (period[0].isoformat(), period[1].isoformat()) if period else ("", "")
        try:
            with self.db.transaction() as con:
                con.execute("INSERT OR REPLACE INTO reads VALUES (?,?,?,?,?,?)",
                            (self.spreadsheet, "\n".join(sorted(offices)), start, end, snap.fetched_at, blob))
                con.execute("DELETE FROM reads WHERE spreadsheet=? AND rowid NOT IN (SELECT rowid FROM reads "
                            "WHERE spreadsheet=? ORDER BY fetched_at DESC LIMIT ?)",
                            (self.spreadsheet, self.spreadsheet, KEEP_READS))
        except sqlite3.Error as exc:  # the shared cache is a help, never a reason for a page to fail
            log.warning("shared read cache not written: %s", exc)

    def last(self, offices: Sequence[str], period: tuple | None):
        """The newest read of any worker holding these offices and every row of ``period``, or None."""
        wanted = set(offices)
        try:
            with self.db.connect() as con:
                records = con.execute("SELECT rowid, offices, start, end FROM reads WHERE spreadsheet=? "
                                      "ORDER BY fetched_at DESC", (self.spreadsheet,)).fetchall()
                for r in records:
                    if not wanted <= set(r["offices"].split("\n")):
                        continue
                    if r["start"] and (period is None or not (
                            r["start"] <= period[0].isoformat() and period[1].isoformat() <= r["end"])):
                        continue
                    blob = con.execute("SELECT data FROM reads WHERE rowid=?", (r["rowid"],)).fetchone()
                    try:
                        return _unpack(blob["data"]) if blob else None
                    except Exception as exc:  # noqa: BLE001 - written by another version of the app: ignore it
                        log.warning("shared read cache entry unreadable: %s", exc)
        except sqlite3.Error as exc:
            log.warning("shared read cache not read: %s", exc)
        return None

    # -- closed weeks ---------------------------------------------------------------

    def close(self, office: str, start: date, closed: bool, now: float) -> None:
        """An office's week closed (kept from the next read) or reopened (forgotten)."""
        with self.db.transaction() as con:
            con.execute("DELETE FROM closed_weeks WHERE spreadsheet=? AND office=? AND start=?",
                        (self.spreadsheet, office, monday(start).isoformat()))
            if closed:
                con.execute("INSERT INTO closed_weeks (spreadsheet, office, start, closed_at) VALUES (?,?,?,?)",
                            (self.spreadsheet, office, monday(start).isoformat(), now))

    def to_keep(self, offices: Sequence[str], period: tuple) -> list[tuple[str, date]]:
        """The closed office-weeks wholly inside ``period`` whose rows are not kept yet."""
        first, last = period
        with self.db.connect() as con:
            records = con.execute(
                "SELECT office, start FROM closed_weeks WHERE spreadsheet=? AND data IS NULL AND start>=? AND start<=?",
                (self.spreadsheet, first.isoformat(), (last - timedelta(days=6)).isoformat())).fetchall()
        wanted = set(offices)
        return [(r["office"], date.fromisoformat(r["start"])) for r in records if r["office"] in wanted]

    def keep_week(self, office: str, start: date, sheet, read_at, fetched_at: float) -> None:
        """The rows of a closed week as read (``sheet``: a ParsedSheet of that week only)."""
        with self.db.transaction() as con:  # only if still closed: a reopen in between wins
            con.execute("UPDATE closed_weeks SET taken_at=?, data=? WHERE spreadsheet=? AND office=? AND start=? "
                        "AND closed_at<=?", (fetched_at, _pack((sheet, read_at)), self.spreadsheet, office,
                                             start.isoformat(), fetched_at))

    def closed_weeks(self, offices: Sequence[str], start: date, end: date) -> dict | None:
        """office -> [(ParsedSheet of a week, read_at)] when every week of
        ``start``..``end`` of every office is closed and kept; else None."""
        mondays = [m.isoformat() for m in weeks_of(start, end)]
        if not offices or len(mondays) > 60:
            return None
        marks = ",".join("?" * len(mondays))
        omarks = ",".join("?" * len(offices))
        try:
            with self.db.connect() as con:
                records = con.execute(
                    f"SELECT office, start, data FROM closed_weeks WHERE spreadsheet=? AND data IS NOT NULL "
                    f"AND start IN ({marks}) AND office IN ({omarks})",
                    (self.spreadsheet, *mondays, *offices)).fetchall()
        except sqlite3.Error as exc:
            log.warning("closed weeks not read: %s", exc)
            return None
        if len(records) != len(mondays) * len(set(offices)):
            return None
        out: dict[str, list] = {}
        for r in records:
            out.setdefault(r["office"], []).append(_unpack(r["data"]))
        return out

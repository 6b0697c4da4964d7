"""The embedded store: rows in an SQLite file in the instance folder.

Same behaviour as the Google backend (tests/test_store_contract.py runs on
both). WAL lets reports read while a clerk saves; every read-modify-write
runs in ``BEGIN IMMEDIATE`` so two saves of the same day serialise.
"""
from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Sequence

from domain.clock import Clock
from domain.saving import Entry, FieldChange, SaveConflict, plan_save

from domain.rows import Row, Tally

from .base import ReadResult, RowNotFound
from .sqlite import SQLiteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    row_id     TEXT PRIMARY KEY,
    office     TEXT NOT NULL,
    day        TEXT NOT NULL,
    activity   TEXT NOT NULL,
    part       TEXT NOT NULL DEFAULT '',
    clerk      TEXT NOT NULL,
    lucrari    INTEGER,
    documente  INTEGER,
    note       TEXT NOT NULL DEFAULT '',
    entered_at TEXT NOT NULL,
    changed_by TEXT NOT NULL DEFAULT '',
    changed_at TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS rows_office_day ON rows (office, day);
"""
#: Row's fields in declaration order: read() builds Row(*values) from them.
_READ_FIELDS = ("office", "day", "activity", "clerk", "lucrari", "documente", "part", "note", "entered_at",
                "changed_by", "changed_at", "row_id")
assert tuple(f.name for f in fields(Row)) == _READ_FIELDS, "sheets.base.Row changed: update _READ_FIELDS"
_COLUMNS = ("row_id", "office", "day", "activity", "part", "clerk", "lucrari", "documente",
            "note", "entered_at", "changed_by", "changed_at")


def _row(record: sqlite3.Row) -> Row:
    values = dict(record)
    values["day"] = date.fromisoformat(values["day"])
    return Row(**values)


class LocalStore:
    """Rows in ``path`` (an SQLite database, created on first use)."""

    is_async = False  # a save is in the store when save_day returns
    sync_queue = None  # no outbox

    def worksheet_url(self, slug: str) -> None:
        return None

    def hand_edits(self) -> list:
        return []  # nobody else edits the local store

    def protect_week(self, office: str, start: date, end: date, closed: bool, by: str) -> None:
        return None  # only the app edits the local store

    def pending_count(self, offices: Iterable[str] | None = None) -> int:
        return 0

    def __init__(self, path: str | Path, clock=None):
        self.db = SQLiteFile(path, _SCHEMA)
        self.clock = clock or Clock()
        self._connect, self._write = self.db.connect, self.db.transaction

    # -- Store protocol ---------------------------------------------------

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        stamp = self.clock.iso()
        with self._write() as con:
            old = {
                r["row_id"]: _row(r)
                for r in con.execute(
                    "SELECT * FROM rows WHERE office=? AND day=? AND clerk=?",
                    (office, day.isoformat(), clerk),
                )
            }
            keep = {r.row_id for r in rows}
            gone = [rid for rid in old if rid not in keep]
            con.executemany("DELETE FROM rows WHERE row_id=?", [(rid,) for rid in gone])
            for row in rows:
                before = old.get(row.row_id)
                if before is not None and before.values == row.values:
                    continue  # unchanged: keeps its time stamps
                row = row.with_changes(entered_at=row.entered_at or stamp, changed_by="", changed_at="")
                con.execute(
                    f"INSERT OR REPLACE INTO rows ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                    self._params(row),
                )

    def save_entry(self, entry: Entry) -> list[FieldChange]:
        stamp = self.clock.iso()
        with self._write() as con:
            current = [_row(r) for r in con.execute("SELECT * FROM rows WHERE office=? AND day=?",
                                                    (entry.office, entry.day.isoformat()))]
            plan = plan_save(entry, current, stamp)
            if plan.conflicts:
                raise SaveConflict(plan.conflicts)
            con.executemany("DELETE FROM rows WHERE row_id=?", [(r.row_id,) for r in plan.deletes])
            con.executemany(
                f"INSERT OR REPLACE INTO rows ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [self._params(r) for r in plan.upserts])
        return plan.changes

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        offices = list(offices)
        marks = ", ".join("?" * len(offices))
        # Plain tuples in the index's order (office, day): no sort, no dict per
        # row, one date object per distinct day. A year of 100 offices (400k
        # rows) reads in about half the time of SELECT * with sqlite3.Row,
        # ORDER BY day and Row(**dict(record)) (bench/RESULTS.md).
        with self._connect() as con:
            con.row_factory = None
            records = con.execute(
                f"SELECT {', '.join(_READ_FIELDS)} FROM rows WHERE office IN ({marks}) AND day BETWEEN ? AND ? "
                "ORDER BY office, day, rowid",
                (*offices, start.isoformat(), end.isoformat()),
            ).fetchall()
        days: dict[str, date] = {}
        rows = []
        append = rows.append
        for office, day, activity, clerk, lucrari, documente, part, note, entered_at, changed_by, changed_at, \
                row_id in records:
            parsed = days.get(day)
            if parsed is None:
                parsed = days[day] = date.fromisoformat(day)
            append(Row(office, parsed, activity, clerk, lucrari, documente, part, note, entered_at, changed_by,
                       changed_at, row_id))
        return ReadResult(rows=rows, read_at=self.clock.now())

    def tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]], *,
              fresh: bool = False) -> tuple[Tally, ReadResult]:
        """``tally_rows`` of ``read``, summed by SQLite: what the report page
        uses, so a year of 100 offices needs no Python object per row.
        tests/test_store_contract.py checks that both agree."""
        return self._tally(offices, start, end, daily), ReadResult(read_at=self.clock.now())

    def _tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]]) -> Tally:
        offices = list(offices)
        where = f"office IN ({', '.join('?' * len(offices))}) AND day BETWEEN ? AND ?"
        args = (*offices, start.isoformat(), end.isoformat())
        daily_ids = sorted({a for o, a in daily if o in offices})
        days: dict[str, date] = {}

        def day(text: str) -> date:
            parsed = days.get(text)
            if parsed is None:
                parsed = days[text] = date.fromisoformat(text)
            return parsed

        with self._connect() as con:
            con.row_factory = None
            sums = {
                (o, a, p): (lu, do, n)
                for o, a, p, lu, do, n in con.execute(
                    "SELECT office, activity, part, TOTAL(lucrari), TOTAL(documente), COUNT(*) "
                    f"FROM rows WHERE {where} GROUP BY office, activity, part", args)
            }
            done: dict[tuple[str, str], set[date]] = {}
            if daily_ids:
                for o, a, d in con.execute(
                        f"SELECT DISTINCT office, activity, day FROM rows WHERE {where} AND part = '' "
                        f"AND lucrari != 0 AND activity IN ({', '.join('?' * len(daily_ids))})",
                        (*args, *daily_ids)):
                    if (o, a) in daily:
                        done.setdefault((o, a), set()).add(day(d))
            clerks: dict[tuple[str, date], set[str]] = {}
            for o, d, c in con.execute(f"SELECT DISTINCT office, day, clerk FROM rows WHERE {where} AND clerk != ''",
                                       args):
                clerks.setdefault((o, day(d)), set()).add(c)
        return Tally({k: (int(lu), int(do), n) for k, (lu, do, n) in sums.items()}, done, clerks)

    def weekly_sums(self, offices: Iterable[str], start: date, end: date
                    ) -> dict[date, dict[tuple[str, str, str], tuple[int, int, int]]]:
        """One GROUP BY over the period, bucketed by ISO week in SQLite."""
        offices = list(offices)
        monday = start - timedelta(days=start.weekday())
        out: dict[date, dict] = {}
        with self._connect() as con:
            con.row_factory = None
            for week, o, a, p, lu, do, n in con.execute(
                    "SELECT CAST((julianday(day) - julianday(?)) / 7 AS INTEGER) AS w, office, activity, part, "
                    "TOTAL(lucrari), TOTAL(documente), COUNT(*) FROM rows "
                    f"WHERE office IN ({', '.join('?' * len(offices))}) AND day BETWEEN ? AND ? "
                    "GROUP BY w, office, activity, part",
                    (monday.isoformat(), *offices, start.isoformat(), end.isoformat())):
                out.setdefault(monday + timedelta(weeks=week), {})[(o, a, p)] = (int(lu), int(do), n)
        return out

    def row(self, office: str, row_id: str) -> Row:
        with self._connect() as con:
            record = con.execute("SELECT * FROM rows WHERE row_id=? AND office=?", (row_id, office)).fetchone()
        if record is None:
            raise RowNotFound(row_id)
        return _row(record)

    def update_row(self, office: str, row_id: str, changes: dict, by: str) -> tuple[Row, Row]:
        allowed = {k: v for k, v in changes.items() if k in ("lucrari", "documente", "note")}
        with self._write() as con:
            record = con.execute("SELECT * FROM rows WHERE row_id=? AND office=?", (row_id, office)).fetchone()
            if record is None:
                raise RowNotFound(row_id)
            before = _row(record)
            row = before.with_changes(**allowed, changed_by=by, changed_at=self.clock.iso())
            con.execute(
                "UPDATE rows SET lucrari=?, documente=?, note=?, changed_by=?, changed_at=? WHERE row_id=?",
                (row.lucrari, row.documente, row.note, row.changed_by, row.changed_at, row_id),
            )
        return before, row

    def delete_row(self, office: str, row_id: str, by: str) -> Row:
        with self._write() as con:
            record = con.execute("SELECT * FROM rows WHERE row_id=? AND office=?", (row_id, office)).fetchone()
            if record is None:
                raise RowNotFound(row_id)
            con.execute("DELETE FROM rows WHERE row_id=?", (row_id,))
        return _row(record)

    # -- helpers ----------------------------------------------------------

    @staticmethod
    def _params(row: Row) -> tuple:
        return tuple(row.day.isoformat() if c == "day" else getattr(row, c) for c in _COLUMNS)

    def count(self) -> int:
        with self._connect() as con:
            return con.execute("SELECT COUNT(*) FROM rows").fetchone()[0]

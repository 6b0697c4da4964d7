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
from typing import Iterable, Mapping, Sequence

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
CREATE INDEX IF NOT EXISTS rows_office_day_clerk ON rows (office, day, clerk);
DROP INDEX IF EXISTS rows_office_day;
CREATE INDEX IF NOT EXISTS rows_activity_week ON rows (office, activity, part, {week}, day, lucrari, documente);
"""
#: A day's ISO week as a number (weeks since Monday 5 January 1970). The same
#: text in the index above and in the queries, so that SQLite reads it from
#: the index: a GROUP BY on (office, activity, part, week) then streams in the
#: index's order, with no sort and no visit to the table.
_WEEK = "CAST((julianday(day) - 2440591.5) / 7 AS INTEGER)"
_EPOCH_MONDAY = date(1970, 1, 5)
_SCHEMA = _SCHEMA.replace("{week}", _WEEK)
#: The two ways to read a period: its days of each office (a range of
#: ``BY_DAY``, then a sort to group), or every row of each office in the
#: activity index, whose order is already the grouping's (``BY_ACTIVITY``,
#: about four times cheaper a row, but it reads the office's other periods
#: too). ``_by_activity`` picks the cheaper for a period.
BY_DAY, BY_ACTIVITY = "rows_office_day_clerk", "rows_activity_week"
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


def _day_parser(start: date, end: date):
    """ISO text -> date for days of ``start``..``end``: a lookup in a table
    of the period's days (one date object per day), or for a period of more
    than ten years a cache filled as days come."""
    if (end - start).days <= 3660:
        days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
        return {d.isoformat(): d for d in days}.__getitem__
    cache: dict[str, date] = {}

    def parse(text: str) -> date:
        parsed = cache.get(text)
        if parsed is None:
            parsed = cache[text] = date.fromisoformat(text)
        return parsed
    return parse


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

    def _by_activity(self, con, offices: list[str], start: date, end: date) -> bool:
        """True when ``start``..``end`` covers a quarter or more of the days
        between the first and the last rows of ``offices``: reading all their
        rows in activity order then costs less than the period's range and
        its sort (bench/RESULTS.md). Two index seeks per office."""
        first = last = None
        for office in offices:
            lo, hi = con.execute("SELECT (SELECT MIN(day) FROM rows WHERE office = ?), "
                                 "(SELECT MAX(day) FROM rows WHERE office = ?)", (office, office)).fetchone()
            if lo is not None:
                first, last = min(first or lo, lo), max(last or hi, hi)
        if first is None:
            return False
        first, last = date.fromisoformat(first), date.fromisoformat(last)
        overlap = (min(end, last) - max(start, first)).days + 1
        return overlap * 4 >= (last - first).days + 1

    def _tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]]) -> Tally:
        offices = list(offices)
        where = f"office IN ({', '.join('?' * len(offices))}) AND day BETWEEN ? AND ?"
        args = (*offices, start.isoformat(), end.isoformat())
        daily_ids = sorted({a for o, a in daily if o in offices})
        day = _day_parser(start, end)

        with self._connect() as con:
            con.row_factory = None
            index = BY_ACTIVITY if self._by_activity(con, offices, start, end) else BY_DAY
            sums = {
                (o, a, p): (int(lu), int(do), n)
                for o, a, p, lu, do, n in con.execute(
                    "SELECT office, activity, part, TOTAL(lucrari), TOTAL(documente), COUNT(*) "
                    f"FROM rows INDEXED BY {index} WHERE {where} GROUP BY office, activity, part", args)
            }
            # Lists in one string per group: a few hundred (office, activity)
            # and one (office, day) per office and day, not a row per value.
            done: dict[tuple[str, str], set[date]] = {}
            if daily_ids:
                for o, a, listed in con.execute(
                        f"SELECT office, activity, group_concat(DISTINCT day) FROM rows INDEXED BY {index} "
                        f"WHERE {where} AND part = '' AND lucrari != 0 "
                        f"AND activity IN ({', '.join('?' * len(daily_ids))}) GROUP BY office, activity",
                        (*args, *daily_ids)):
                    if (o, a) in daily:
                        done[(o, a)] = set(map(day, listed.split(",")))
            # Names as hex, so that a comma in one cannot split it.
            clerks: dict[tuple[str, date], set[str]] = {
                (o, day(d)): {bytes.fromhex(h).decode() for h in listed.split(",")}
                for o, d, listed in con.execute(
                    f"SELECT office, day, group_concat(DISTINCT hex(clerk)) FROM rows INDEXED BY {BY_DAY} "
                    f"WHERE {where} AND clerk != '' GROUP BY office, day", args)
            }
        return Tally(sums, done, clerks)

    def weekly_totals(self, offices: Iterable[str], start: date, end: date,
                      counted: Mapping[tuple[str, str, str], tuple[int, ...]]
                      ) -> dict[tuple[str, date], tuple[int, ...]]:
        """Summed by SQLite: per (office, activity, part, week) from the
        activity index, then the ``counted`` ones per (office, week), so a
        year of 100 offices returns 5,300 small tuples."""
        offices = list(offices)
        with self._connect() as con:
            con.row_factory = None
            index = BY_ACTIVITY if self._by_activity(con, offices, start, end) else BY_DAY
            con.execute("CREATE TEMP TABLE counted (office TEXT, activity TEXT, part TEXT, lu INTEGER, "
                        "do INTEGER, PRIMARY KEY (office, activity, part)) WITHOUT ROWID")
            wanted = set(offices)
            con.executemany("INSERT INTO temp.counted VALUES (?, ?, ?, ?, ?)",
                            [(*k, *w) for k, w in counted.items() if k[0] in wanted])
            out = {
                (o, _EPOCH_MONDAY + timedelta(weeks=w)): (int(lu), int(do))
                for o, w, lu, do in con.execute(
                    "SELECT s.office, s.w, TOTAL(s.lu * k.lu), TOTAL(s.do * k.do) FROM ("
                    f"SELECT office, activity, part, {_WEEK} AS w, TOTAL(lucrari) AS lu, TOTAL(documente) AS do "
                    f"FROM rows INDEXED BY {index} WHERE office IN ({', '.join('?' * len(offices))}) "
                    "AND day BETWEEN ? AND ? GROUP BY office, activity, part, w) AS s "
                    "JOIN temp.counted AS k ON k.office = s.office AND k.activity = s.activity AND k.part = s.part "
                    "GROUP BY s.office, s.w", (*offices, start.isoformat(), end.isoformat()))
            }
            con.execute("DROP TABLE temp.counted")
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

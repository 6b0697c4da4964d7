"""The embedded store: rows in an SQLite file in the instance folder.

Same behaviour as the Google backend (tests/test_store_contract.py runs on
both). WAL lets reports read while a clerk saves; every read-modify-write
runs in ``BEGIN IMMEDIATE`` so two saves of the same day serialise.
"""
from __future__ import annotations

import sqlite3
from dataclasses import fields
from itertools import chain
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple, Sequence

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
DROP INDEX IF EXISTS rows_activity_week;
CREATE INDEX IF NOT EXISTS rows_office_activity_day ON rows (office, activity, day, part, lucrari);
"""
#: A day's ISO week as a number: weeks since Monday 1 January 0001 (so never
#: negative, and CAST's truncation is a floor). The key of ``week_sums``;
#: ``_week_of`` is the same in Python.
_WEEK = "CAST((julianday({day}) - 1721425.5) / 7 AS INTEGER)"
_EPOCH_MONDAY = date(1, 1, 1)


def _week_of(day: date) -> int:
    return (day - _EPOCH_MONDAY).days // 7


#: Two summaries of ``rows`` that SQLite keeps up to date itself, by
#: triggers, in the same transaction as every write (so no path of the app
#: can forget them; ``rebuild_summaries`` repairs a file edited by hand with
#: INSERT OR REPLACE and recursive triggers off): the sums of each
#: (office, ISO week, activity, part) and the clerks of each office-day. A
#: year of 100 offices (396,800 rows) is ~110,000 week sums and ~50,000
#: clerk-days: the year's report reads those instead of every row
#: (bench/RESULTS.md). ``_SUMMARY_VERSION`` is the file's ``user_version``
#: once they exist; a file of before gets them (filled from its rows) when
#: it is opened.
_SUMMARY_VERSION = 2
_SUMMARIES = [
    """CREATE TABLE IF NOT EXISTS week_sums (
        office TEXT NOT NULL, week INTEGER NOT NULL, activity TEXT NOT NULL, part TEXT NOT NULL,
        lucrari INTEGER NOT NULL, documente INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (office, week, activity, part)) WITHOUT ROWID""",
    # the same sums in activity order: a period's totals per activity stream
    # from it with no sort (0.19 s -> 0.06 s for a year of 100 offices)
    """CREATE INDEX IF NOT EXISTS week_sums_activity
        ON week_sums (office, activity, part, week, lucrari, documente, n)""",
    """CREATE TABLE IF NOT EXISTS day_clerks (
        office TEXT NOT NULL, day TEXT NOT NULL, clerk TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (office, day, clerk)) WITHOUT ROWID""",
    "DELETE FROM week_sums",
    "DELETE FROM day_clerks",
    f"""INSERT INTO week_sums SELECT office, {_WEEK.format(day="day")}, activity, part,
        TOTAL(lucrari), TOTAL(documente), COUNT(*) FROM rows GROUP BY 1, 2, 3, 4""",
    "INSERT INTO day_clerks SELECT office, day, clerk, COUNT(*) FROM rows GROUP BY 1, 2, 3",
    "DROP TRIGGER IF EXISTS rows_added",
    "DROP TRIGGER IF EXISTS rows_removed",
    "DROP TRIGGER IF EXISTS rows_changed",
]
_ADD = f"""
    INSERT INTO week_sums VALUES (new.office, {_WEEK.format(day="new.day")}, new.activity, new.part,
        coalesce(new.lucrari, 0), coalesce(new.documente, 0), 1)
    ON CONFLICT DO UPDATE SET lucrari = lucrari + excluded.lucrari, documente = documente + excluded.documente,
        n = n + 1;
    INSERT INTO day_clerks VALUES (new.office, new.day, new.clerk, 1) ON CONFLICT DO UPDATE SET n = n + 1;"""
_REMOVE = f"""
    UPDATE week_sums SET lucrari = lucrari - coalesce(old.lucrari, 0),
        documente = documente - coalesce(old.documente, 0), n = n - 1
    WHERE office = old.office AND week = {_WEEK.format(day="old.day")} AND activity = old.activity
        AND part = old.part;
    DELETE FROM week_sums WHERE office = old.office AND week = {_WEEK.format(day="old.day")}
        AND activity = old.activity AND part = old.part AND n = 0;
    UPDATE day_clerks SET n = n - 1 WHERE office = old.office AND day = old.day AND clerk = old.clerk;
    DELETE FROM day_clerks WHERE office = old.office AND day = old.day AND clerk = old.clerk AND n = 0;"""
_SUMMARIES += [
    f"CREATE TRIGGER rows_added AFTER INSERT ON rows BEGIN {_ADD} END",
    f"CREATE TRIGGER rows_removed AFTER DELETE ON rows BEGIN {_REMOVE} END",
    "CREATE TRIGGER rows_changed AFTER UPDATE OF office, day, activity, part, clerk, lucrari, documente ON rows "
    f"BEGIN {_REMOVE} {_ADD} END",
    f"PRAGMA user_version = {_SUMMARY_VERSION}",
]
#: Row's fields in declaration order: read() builds Row(*values) from them.
_READ_FIELDS = ("office", "day", "activity", "clerk", "lucrari", "documente", "part", "note", "entered_at",
                "changed_by", "changed_at", "row_id")
assert tuple(f.name for f in fields(Row)) == _READ_FIELDS, "sheets.base.Row changed: update _READ_FIELDS"
_COLUMNS = ("row_id", "office", "day", "activity", "part", "clerk", "lucrari", "documente",
            "note", "entered_at", "changed_by", "changed_at")


#: Insert a row, or update the one with its id (fires ``rows_changed``).
_UPSERT = (f"INSERT INTO rows ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))}) "
           f"ON CONFLICT (row_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in _COLUMNS[1:])}")


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


class _Days(NamedTuple):
    sql: str  # a condition on ``day``
    args: tuple


def _split(start: date, end: date) -> tuple[tuple[int, int], _Days]:
    """``start``..``end`` as the numbers of its whole ISO weeks (first, last;
    first > last when it holds none) and the days it has outside them: the
    first of these are summed from ``week_sums``, the others from the rows."""
    first = start + timedelta(days=-start.weekday() % 7)  # the first Monday on or after start
    last = end - timedelta(days=(end.weekday() + 1) % 7)  # the last Sunday on or before end
    if first > last:  # no whole week: every day from the rows
        return (1, 0), _Days("day BETWEEN ? AND ?", (start.isoformat(), end.isoformat()))
    ranges = [(a, b) for a, b in ((start, first - timedelta(days=1)), (last + timedelta(days=1), end)) if a <= b]
    return ((_week_of(first), _week_of(last)),
            _Days(" OR ".join(["day BETWEEN ? AND ?"] * len(ranges)) or "0",
                  tuple(d.isoformat() for r in ranges for d in r)))


def _summaries_sound(con: sqlite3.Connection) -> bool:
    """The file has the summaries of this version, and they count as many
    rows as it holds (one read: a few milliseconds for a year of 100
    offices). An INSERT OR REPLACE without ``recursive_triggers`` -- the
    sqlite3 shell, or the release before the summaries writing to a file
    that has them (a rollback, an old gunicorn worker during a reload) --
    adds the new row and leaves the replaced one counted: the counts then
    differ for good, and opening the file rebuilds them."""
    if con.execute("PRAGMA user_version").fetchone()[0] < _SUMMARY_VERSION:
        return False
    try:
        return con.execute("SELECT (SELECT COUNT(*) FROM rows) = (SELECT TOTAL(n) FROM week_sums) "
                           "AND (SELECT COUNT(*) FROM rows) = (SELECT TOTAL(n) FROM day_clerks)").fetchone()[0] == 1
    except sqlite3.OperationalError:  # a summary table dropped by hand
        return False


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
        # recursive_triggers: an INSERT OR REPLACE's delete of the row it
        # replaces then fires ``rows_removed`` (without it, SQLite skips it
        # and the summaries would count the row twice).
        self.db = SQLiteFile(path, _SCHEMA, pragmas=("recursive_triggers=ON",))
        self.clock = clock or Clock()
        self._connect, self._write = self.db.connect, self.db.transaction
        with self._connect() as con:
            sound = _summaries_sound(con)
        if not sound:
            self.rebuild_summaries(only_if_needed=True)

    def rebuild_summaries(self, only_if_needed: bool = False) -> None:
        """(Re)create ``week_sums`` and ``day_clerks`` from the rows, and their
        triggers, in one transaction: no save can slip between the fill and
        the triggers. Done once for a file made before them (~2 s for a year
        of 100 offices), and for a file whose summaries count other rows than
        it holds (``_summaries_sound``); ``only_if_needed``: not when another
        process (a gunicorn worker starting beside this one) has just done it."""
        with self._write() as con:
            if only_if_needed and _summaries_sound(con):
                return
            for statement in _SUMMARIES:
                con.execute(statement)

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
                    _UPSERT,
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
                _UPSERT,
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
        in_offices = f"office IN ({', '.join('?' * len(offices))})"
        period = (*offices, start.isoformat(), end.isoformat())
        daily_ids = sorted({a for o, a in daily if o in offices})
        day = _day_parser(start, end)
        weeks, edges = _split(start, end)

        with self._connect() as con:
            con.row_factory = None
            con.execute("BEGIN")  # one snapshot for the sums, the done days and the clerks
            # The whole weeks from their sums, the days before and after them
            # from the rows: two queries that each stream in their index's
            # order (a UNION ALL of both would be sorted again as one).
            sums: dict[tuple[str, str, str], tuple[int, int, int]] = {}
            for o, a, p, lu, do, n in chain(
                    con.execute("SELECT office, activity, part, TOTAL(lucrari), TOTAL(documente), SUM(n) "
                                f"FROM week_sums INDEXED BY week_sums_activity WHERE {in_offices} "
                                "AND week BETWEEN ? AND ? "
                                "GROUP BY office, activity, part", (*offices, *weeks)),
                    con.execute("SELECT office, activity, part, TOTAL(lucrari), TOTAL(documente), COUNT(*) "
                                f"FROM rows INDEXED BY rows_office_day_clerk WHERE {in_offices} AND ({edges.sql}) "
                                "GROUP BY office, activity, part", (*offices, *edges.args))):
                had = sums.get((o, a, p), (0, 0, 0))
                sums[(o, a, p)] = (had[0] + int(lu), had[1] + int(do), had[2] + n)
            # Lists in one string per group: a few hundred (office, activity)
            # and one (office, day) per office and day, not a row per value.
            done: dict[tuple[str, str], set[date]] = {}
            if daily_ids:
                for o, a, listed in con.execute(
                        "SELECT office, activity, group_concat(DISTINCT day) FROM rows INDEXED BY "
                        f"rows_office_activity_day WHERE {in_offices} AND day BETWEEN ? AND ? AND part = '' "
                        f"AND lucrari != 0 AND activity IN ({', '.join('?' * len(daily_ids))}) "
                        "GROUP BY office, activity", (*period, *daily_ids)):
                    if (o, a) in daily:
                        done[(o, a)] = set(map(day, listed.split(",")))
            # Names as hex, so that a comma in one cannot split it; the same
            # clerks day after day are one set, decoded once.
            named: dict[str, frozenset[str]] = {}

            def names(listed: str) -> frozenset[str]:
                found = named.get(listed)
                if found is None:
                    found = named[listed] = frozenset(bytes.fromhex(h).decode() for h in listed.split(","))
                return found
            clerks: dict[tuple[str, date], frozenset[str]] = {
                (o, day(d)): names(listed)
                for o, d, listed in con.execute(
                    f"SELECT office, day, group_concat(hex(clerk)) FROM day_clerks "
                    f"WHERE {in_offices} AND day BETWEEN ? AND ? AND clerk != '' GROUP BY office, day", period)
            }
        return Tally(sums, done, clerks)

    def weekly_totals(self, offices: Iterable[str], start: date, end: date,
                      counted: Mapping[tuple[str, str, str], tuple[int, ...]]
                      ) -> dict[tuple[str, date], tuple[int, ...]]:
        """Summed by SQLite from ``week_sums`` (and the rows of a first or
        last week the period only partly covers), then the ``counted`` ones
        per (office, week): a year of 100 offices returns 5,300 small tuples."""
        offices = list(offices)
        in_offices = f"office IN ({', '.join('?' * len(offices))})"
        weeks, edges = _split(start, end)
        with self._connect() as con:
            con.row_factory = None
            con.execute("CREATE TEMP TABLE counted (office TEXT, activity TEXT, part TEXT, lu INTEGER, "
                        "do INTEGER, PRIMARY KEY (office, activity, part)) WITHOUT ROWID")
            wanted = set(offices)
            con.executemany("INSERT INTO temp.counted VALUES (?, ?, ?, ?, ?)",
                            [(*k, *w) for k, w in counted.items() if k[0] in wanted])
            counted_sums = ("TOTAL(s.lucrari * k.lu), TOTAL(s.documente * k.do) "
                            "FROM {table} JOIN temp.counted AS k ON k.office = s.office "
                            "AND k.activity = s.activity AND k.part = s.part")
            out: dict[tuple[str, date], tuple[int, int]] = {}
            for o, w, lu, do in chain(  # as in _tally: two queries, each in its index's order
                    con.execute(f"SELECT s.office, s.week, {counted_sums.format(table='week_sums AS s')} "
                                f"WHERE s.{in_offices} AND s.week BETWEEN ? AND ? GROUP BY s.office, s.week",
                                (*offices, *weeks)),
                    con.execute(f"SELECT s.office, {_WEEK.format(day='s.day')} AS w, "
                                f"{counted_sums.format(table='rows AS s INDEXED BY rows_office_day_clerk')} "
                                f"WHERE s.{in_offices} AND ({edges.sql}) GROUP BY s.office, w",
                                (*offices, *edges.args))):
                key = (o, _EPOCH_MONDAY + timedelta(weeks=w))
                had = out.get(key, (0, 0))
                out[key] = (had[0] + int(lu), had[1] + int(do))
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

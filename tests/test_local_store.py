"""The local store's summaries (sheets/local.py): ``week_sums`` and
``day_clerks``, kept by SQLite triggers. A period's tally and weekly totals
read its whole weeks from them and its other days from the rows; both must
give what ``tally_rows`` / ``weekly_totals_of`` make of ``read()``, after
every kind of write; and a file made before them gets them on opening."""
from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

import pytest

from domain.rows import Row, tally_rows, weekly_totals_of
from forms import load_catalog
from reports.model import daily_keys
from reports.trends import counted_keys
from sheets import local
from sheets.local import LocalStore

from tests.conftest import ROOT

OFFICES = ["presa", "consiliere"]
FIRST, LAST = date(2026, 1, 5), date(2026, 12, 18)


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ROOT / "forms")


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalog):
    """Most working days of 2026 for both offices: catalog activities (plain,
    breakdown parts, daily), a part and an activity not in the catalog, a
    counter typed where its activity has none, two clerks, blank figures."""
    rnd = random.Random(14)
    s = LocalStore(tmp_path_factory.mktemp("local") / "rows.sqlite3")
    everything = []
    day = FIRST
    while day <= LAST:
        if day.weekday() < 5 and rnd.random() < 0.9:
            for office in OFFICES:
                acts = catalog.office(office).activities
                for clerk in ("ana", "Ștefan, Ion"):  # a comma and a letter of two bytes in a name
                    rows = []
                    for a in rnd.sample(acts, min(6, len(acts))):
                        if a.kind == "breakdown":
                            for p in a.parts:
                                rows.append(Row(office, day, a.id, clerk, lucrari=rnd.randint(0, 9), part=p.key))
                        elif a.kind == "daily":
                            rows.append(Row(office, day, a.id, clerk, lucrari=rnd.choice([0, 1, 1])))
                        else:
                            rows.append(Row(office, day, a.id, clerk, lucrari=rnd.choice([None, rnd.randint(0, 50)]),
                                            documente=rnd.choice([None, rnd.randint(0, 5)])))
                    if rnd.random() < 0.1:
                        rows.append(Row(office, day, "scoasa-din-catalog", clerk, lucrari=7, documente=3))
                        rows.append(Row(office, day, "solicitari-presa", clerk, lucrari=5, part="fax"))
                    everything += rows
        day += timedelta(days=1)
    with s._write() as con:  # one transaction (save_day per day would take a while)
        con.executemany(f"INSERT INTO rows ({', '.join(local._COLUMNS)}) VALUES ({', '.join('?' * 12)})",
                        [s._params(r.with_changes(entered_at="2026-12-18T12:00:00+00:00")) for r in everything])
    return s


PERIODS = [(date(2026, 11, 23), date(2026, 11, 29)), (date(2026, 3, 1), date(2026, 3, 31)),
           (date(2026, 2, 4), date(2026, 9, 30)), (date(2026, 1, 1), date(2026, 12, 31)),
           (date(2025, 12, 1), date(2025, 12, 31)), (date(2000, 1, 1), date(2030, 12, 31)),  # > 10 years
           (date(2026, 6, 10), date(2026, 6, 10)), (date(2026, 6, 9), date(2026, 6, 12)),  # inside a week
           (date(2026, 6, 14), date(2026, 6, 15)), (date(2026, 6, 8), date(2026, 6, 21)),  # Sun-Mon; two whole
           (date(2026, 6, 8), date(2026, 6, 20)), (date(2026, 6, 9), date(2026, 6, 21)),  # one ragged end
           (date(2026, 6, 20), date(2026, 6, 8))]  # backwards: nothing


@pytest.mark.parametrize("start,end", PERIODS)
def test_the_summaries_sum_what_the_rows_hold(store, catalog, start, end):
    daily = daily_keys(catalog)
    counted = counted_keys(catalog.office(o) for o in OFFICES)
    rows = store.read(OFFICES, start, end).rows
    tally, _ = store.tally(OFFICES, start, end, daily)
    assert tally == tally_rows(rows, start, end, OFFICES, daily)
    assert store.weekly_totals(OFFICES, start, end, counted) == weekly_totals_of(rows, start, end, counted)
    assert store.tally(["presa"], start, end, daily)[0] == tally_rows(rows, start, end, ["presa"], daily)
    assert bool(rows) == bool(tally.sums) == bool(tally.clerks) == (start <= end and end >= FIRST)


def summaries(con) -> tuple[list, list]:
    return (con.execute("SELECT * FROM week_sums ORDER BY 1, 2, 3, 4").fetchall(),
            con.execute("SELECT * FROM day_clerks ORDER BY 1, 2, 3").fetchall())


def recounted(con) -> tuple[list, list]:
    """The summaries as a from-scratch GROUP BY of the rows makes them."""
    week = local._WEEK.format(day="day")
    return (con.execute(f"SELECT office, {week}, activity, part, TOTAL(lucrari), TOTAL(documente), COUNT(*) "
                        "FROM rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4").fetchall(),
            con.execute("SELECT office, day, clerk, COUNT(*) FROM rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3").fetchall())


def test_the_summaries_follow_every_write(tmp_path):
    """Random saves (new, changed, shortened, emptied days), form entries,
    corrections (a figure, a note only, a blank), deletions, an INSERT OR
    REPLACE: after each, the summaries equal a recount of the rows."""
    from domain.saving import Entry

    rnd = random.Random(16)
    store = LocalStore(tmp_path / "rows.sqlite3")
    days = [date(2026, 11, 27) + timedelta(days=n) for n in range(6)]  # Fri .. Wed: two weeks
    kinds = []
    for step in range(300):
        what = rnd.choice(["save_day", "save_day", "entry", "update", "delete", "replace"])
        ids = [r.row_id for r in store.read(OFFICES, days[0], days[-1]).rows]
        if what == "save_day":
            office, day, clerk = rnd.choice(OFFICES), rnd.choice(days), rnd.choice(["ana", "ion", ""])
            rows = [Row(office, day, rnd.choice(["a", "b", "c"]), clerk, lucrari=rnd.choice([None, 0, 1, 5]),
                        documente=rnd.choice([None, 2]), part=rnd.choice(["", "p"]), row_id=f"r{rnd.randint(0, 40)}")
                    for _ in range(rnd.randint(0, 4))]
            rows = list({r.row_id: r for r in rows}.values())
            taken = {r.row_id for r in store.read(OFFICES, days[0], days[-1]).rows
                     if (r.office, r.day, r.clerk) != (office, day, clerk)}
            store.save_day(office, day, clerk, [r for r in rows if r.row_id not in taken])
        elif what == "entry":
            office, day = rnd.choice(OFFICES), rnd.choice(days)
            typed = {("a", "", "lucrari"): rnd.randint(0, 9), ("b", "", "documente"): rnd.choice([None, 4])}
            store.save_entry(Entry(office, day, "ana", typed))
        elif what == "update" and ids:
            rid = rnd.choice(ids)
            store.update_row(_office_of(store, [rid], days), rid,
                             rnd.choice([{"lucrari": rnd.randint(0, 9)}, {"note": "x"}, {"documente": None}]), "sef")
        elif what == "delete" and ids:
            rid = rnd.choice(ids)
            store.delete_row(_office_of(store, [rid], days), rid, "sef")
        elif what == "replace" and ids:
            with store._write() as con:
                con.execute("INSERT OR REPLACE INTO rows (row_id, office, day, activity, clerk, lucrari, entered_at) "
                            "VALUES (?, 'presa', ?, 'z', 'ion', 3, 'x')", (rnd.choice(ids), rnd.choice(days).isoformat()))
        else:
            continue
        kinds.append(what)
        with store._connect() as con:
            con.row_factory = None
            assert summaries(con) == recounted(con), (step, what)
    assert set(kinds) == {"save_day", "entry", "update", "delete", "replace"}
    with store._connect() as con:
        con.row_factory = None
        assert summaries(con)[0]  # something was left to sum


def _office_of(store, ids, days):
    return next(r.office for r in store.read(OFFICES, days[0], days[-1]).rows if r.row_id == ids[0])


def test_a_file_made_before_the_summaries_gets_them(tmp_path, catalog):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:  # the schema and indexes of before
        con.executescript(local._SCHEMA.split("CREATE INDEX")[0] + "CREATE INDEX rows_office_day ON rows (office, day);"
                          "CREATE INDEX rows_activity_week ON rows (office, activity, part, day);")
        con.executemany("INSERT INTO rows (row_id, office, day, activity, clerk, lucrari, documente, entered_at) "
                        "VALUES (?, 'presa', ?, 'l544-studiere', ?, ?, ?, '2026-01-05T09:00:00+00:00')",
                        [("r1", "2026-01-05", "ana", 3, None), ("r2", "2026-01-06", "ion", 4, 1),
                         ("r3", "2026-01-06", "ana", None, 2), ("r4", "2026-01-12", "ana", 1, 1)])
    store = LocalStore(path)
    with sqlite3.connect(path) as con:
        assert sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%'")) == \
            ["rows_added", "rows_changed", "rows_office_activity_day", "rows_office_day_clerk", "rows_removed",
             "week_sums_activity"]
        assert con.execute("PRAGMA user_version").fetchone() == (local._SUMMARY_VERSION,)
        w = local._week_of(FIRST)
        assert summaries(con) == (
            [("presa", w, "l544-studiere", "", 7, 3, 3), ("presa", w + 1, "l544-studiere", "", 1, 1, 1)],
            [("presa", "2026-01-05", "ana", 1), ("presa", "2026-01-06", "ana", 1), ("presa", "2026-01-06", "ion", 1),
             ("presa", "2026-01-12", "ana", 1)])
    counted = counted_keys([catalog.office("presa")])
    assert store.weekly_totals(["presa"], FIRST, LAST, counted) == {
        ("presa", FIRST): (7, 0), ("presa", FIRST + timedelta(weeks=1)): (1, 0)}  # it counts lucrări only
    assert store.tally(["presa"], FIRST, LAST, set())[0].sums == {("presa", "l544-studiere", ""): (8, 4, 4)}
    LocalStore(path)  # opened again: built once, left as they are
    with sqlite3.connect(path) as con:
        assert summaries(con) == recounted(con)


def test_rebuild_repairs_summaries_a_hand_edit_skipped(tmp_path):
    """A person's sqlite3 shell (recursive triggers off) replacing a row adds
    it without removing the old one; ``rebuild_summaries`` recounts."""
    store = LocalStore(tmp_path / "rows.sqlite3")
    store.save_day("presa", FIRST, "ana", [Row("presa", FIRST, "a", "ana", lucrari=2, row_id="r1")])
    with sqlite3.connect(store.db.path) as con:
        con.execute("INSERT OR REPLACE INTO rows (row_id, office, day, activity, clerk, lucrari, entered_at) "
                    "VALUES ('r1', 'presa', ?, 'a', 'ana', 5, 'x')", (FIRST.isoformat(),))
        assert summaries(con)[0] == [("presa", local._week_of(FIRST), "a", "", 7, 0, 2)]  # counted twice
    store.rebuild_summaries()
    with sqlite3.connect(store.db.path) as con:
        assert summaries(con) == recounted(con) and summaries(con)[0] == [("presa", local._week_of(FIRST), "a", "", 5, 0, 1)]

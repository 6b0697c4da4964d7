"""The local store's two ways of summing a period (sheets/local.py): a range
of the (office, day) index, or the whole activity index. Both must give what
``tally_rows`` / ``weekly_totals_of`` make of ``read()``, whichever the store
picks; and a file made before the activity index gets it on opening."""
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
           (date(2025, 12, 1), date(2025, 12, 31)), (date(2000, 1, 1), date(2030, 12, 31))]  # > 10 years


@pytest.mark.parametrize("by_activity", [False, True])
@pytest.mark.parametrize("start,end", PERIODS)
def test_both_ways_sum_what_the_rows_hold(store, catalog, monkeypatch, start, end, by_activity):
    monkeypatch.setattr(LocalStore, "_by_activity", lambda self, con, offices, a, b: by_activity)
    daily = daily_keys(catalog)
    counted = counted_keys(catalog.office(o) for o in OFFICES)
    rows = store.read(OFFICES, start, end).rows
    tally, _ = store.tally(OFFICES, start, end, daily)
    assert tally == tally_rows(rows, start, end, OFFICES, daily)
    assert store.weekly_totals(OFFICES, start, end, counted) == weekly_totals_of(rows, start, end, counted)
    assert store.tally(["presa"], start, end, daily)[0] == tally_rows(rows, start, end, ["presa"], daily)
    if rows:
        assert tally.sums and tally.clerks


def test_the_store_picks_the_activity_index_for_most_of_its_days(store):
    with store._connect() as con:
        con.row_factory = None
        picks = [store._by_activity(con, OFFICES, a, b) for a, b in PERIODS]
        assert picks == [False, False, True, True, False, True]
        assert store._by_activity(con, ["nimeni"], FIRST, LAST) is False  # no rows


def test_a_file_made_before_the_activity_index_gets_it(tmp_path, catalog):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:  # the schema and index of before
        con.executescript(local._SCHEMA.split("CREATE INDEX")[0] + "CREATE INDEX rows_office_day ON rows (office, day);")
        con.execute("INSERT INTO rows (row_id, office, day, activity, clerk, lucrari, entered_at) "
                    "VALUES ('r1', 'presa', ?, 'l544-studiere', 'ana', 3, '2026-01-05T09:00:00+00:00')",
                    (FIRST.isoformat(),))
    store = LocalStore(path)
    with sqlite3.connect(path) as con:
        assert sorted(r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'")) == \
            ["rows_activity_week", "rows_office_day_clerk"]
    counted = counted_keys([catalog.office("presa")])
    assert store.weekly_totals(["presa"], FIRST, LAST, counted) == {("presa", FIRST): (3, 0)}
    assert store.tally(["presa"], FIRST, LAST, set())[0].sums == {("presa", "l544-studiere", ""): (3, 0, 1)}

"""Google reads that cost what their period holds (sheets/google/period.py).

20 offices with a year of rows (bench/synthetic.py, ~4 000 rows each) in the
emulator over HTTP; the same rows in a local store. A week's report reads
the „Data” column, then only the week's rows: at most 2 values.batchGet and
less than a tenth of a whole-sheet read's bytes, and equal to the local
store's report. People sorting, inserting and deleting rows between the two
requests never make a wrong report."""
from __future__ import annotations

import time
from datetime import date
from urllib.parse import quote

import pytest

from bench.synthetic import rows_for, write_catalog, write_rows
from domain.periods import Period
from forms import load_catalog
from reports.model import build_report
from sheets.base import StoreError
from sheets.google import GoogleStore
from sheets.google.http import EmulatorSession
from sheets.google.layout import HEADER
from sheets.local import LocalStore
from sheets_emulator import EmulatorServer
from tests.clock import FakeClock

SS = "1GooglePeriodReads_abcdefghijklmnopqrstuvw"
OFFICES = 20
YEAR = (date(2025, 1, 1), date(2025, 12, 31))
WEEK = (date(2025, 12, 22), date(2025, 12, 28))
TODAY = date(2025, 12, 24)


class Meter:
    """Requests and bytes of a store's session: on the wire (gzip) and decoded."""

    def __init__(self, session):
        self.requests = self.wire = self.body = 0
        session.hooks["response"].append(self._seen)

    def _seen(self, response, *args, **kwargs):
        self.requests += 1
        self.wire += int(response.headers.get("Content-Length") or len(response.content))
        self.body += len(response.content)

    def reset(self):
        self.requests = self.wire = self.body = 0


def load(emu, catalog, n=OFFICES):
    """A year of the synthetic rows of the first ``n`` offices, one worksheet each, as people would see them."""
    by_office: dict[str, list] = {}
    for rid, office, day, act, part, clerk, lu, do, note, ent, cb, ca in rows_for(n, *YEAR):
        by_office.setdefault(office, []).append(
            [rid, day, act, act, part, clerk, "" if lu is None else lu, "" if do is None else do, note, ent, cb, ca])
    for office in catalog.offices[:n]:
        rows = [list(HEADER), *by_office[office.slug]]
        emu.add_sheet(office.title, rows=len(rows), cols=len(HEADER))
        status, _ = emu.handle("PUT", f"/v4/spreadsheets/{SS}/values/{quote(office.title + '!A1', safe='')}",
                               {"valueInputOption": ["RAW"]}, {"values": rows})
        assert status == 200


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("period-reads")
    catalog = load_catalog(write_catalog(tmp / "catalog", OFFICES))
    write_rows(tmp / "local.sqlite3", OFFICES, *YEAR)
    with EmulatorServer() as server:
        server.emulator.create_spreadsheet(SS, title="Raportare")
        load(server.emulator, catalog)
        yield server, catalog, LocalStore(tmp / "local.sqlite3")


def make_store(server, catalog, folder, clock, **options):
    folder.mkdir(parents=True, exist_ok=True)
    session = EmulatorSession(server.host, timeout=(2, 30))
    settings = {"sync_interval": 0, "read_budget": 30, "first_read_budget": 30, "clock": clock, **options}
    return GoogleStore(SS, session, catalog, folder / "outbox.sqlite3", **settings)


@pytest.fixture
def clock():
    return FakeClock()


def report(catalog, rows, period):
    return build_report(catalog, rows, Period.between(*period), today=TODAY)


def test_a_weeks_report_reads_a_tenth_of_a_whole_read_in_two_requests(world, tmp_path, clock):
    server, catalog, local = world
    emu = server.emulator
    slugs = catalog.slugs
    whole_store = make_store(server, catalog, tmp_path / "whole", clock)
    whole = Meter(whole_store.session)
    whole_store.directory.metadata()
    whole.reset()
    whole_store.reads.snapshot(slugs, fresh=True)  # today's read: every worksheet whole
    store = make_store(server, catalog, tmp_path / "period", clock)
    meter = Meter(store.session)
    store.directory.metadata()  # a process's first request, kept for its life
    meter.reset()
    emu.reset_counts()
    result = store.read(slugs, *WEEK)
    assert emu.counts()["endpoints"] == {"values.batchGet": 2}
    assert meter.requests == 2
    assert meter.wire * 10 < whole.wire, (meter.wire, whole.wire)
    assert meter.body * 5 < whole.body, (meter.body, whole.body)
    expected = local.read(slugs, *WEEK)
    assert sorted(result.rows, key=lambda r: r.row_id) == sorted(expected.rows, key=lambda r: r.row_id)
    assert (result.problems, result.stale) == ([], False)
    assert report(catalog, result.rows, WEEK) == report(catalog, expected.rows, WEEK)
    for s in (store, whole_store):
        s.close()
        s.session.close()


def test_a_day_and_a_supervisors_week_of_one_office_cost_two_small_requests(world, tmp_path, clock):
    server, catalog, local = world
    store = make_store(server, catalog, tmp_path, clock)
    meter = Meter(store.session)
    store.directory.metadata()
    office = catalog.slugs[3]
    for period in ((date(2025, 12, 23), date(2025, 12, 23)), WEEK, (date(2025, 3, 3), date(2025, 3, 9))):
        meter.reset()
        result = store.read([office], *period, fresh=True)
        clock.advance(10)
        assert meter.requests == 2
        assert meter.wire < 20_000, meter.wire
        assert sorted(result.rows, key=lambda r: r.row_id) == sorted(local.read([office], *period).rows,
                                                                    key=lambda r: r.row_id)
    store.close()
    store.session.close()


# -- people editing rows between the two requests ------------------------------------------------

@pytest.fixture
def small_world(tmp_path):
    """Two offices with a year of rows each, for tests that change the sheet."""
    catalog = load_catalog(write_catalog(tmp_path / "catalog", 2))
    write_rows(tmp_path / "local.sqlite3", 2, *YEAR)
    with EmulatorServer() as server:
        server.emulator.create_spreadsheet(SS, title="Raportare")
        load(server.emulator, catalog, 2)
        yield server, catalog, LocalStore(tmp_path / "local.sqlite3")


def between_the_two_reads(session, emu, edit):
    """``edit()`` (a person's) right after the store's first values.batchGet is answered."""
    state = {"done": False}

    def hook(response, *args, **kwargs):
        if not state["done"] and "values:batchGet" in response.url:
            state["done"] = True
            edit()

    session.hooks["response"].append(hook)
    return state


@pytest.mark.parametrize("edit", ["sort", "sort-descending", "insert-above", "delete-above", "delete-in-week",
                                  "insert-row-in-week"])
def test_rows_moved_between_the_two_requests_never_give_a_wrong_report(small_world, tmp_path, clock, edit):
    server, catalog, local = small_world
    emu = server.emulator
    slugs = catalog.slugs[:2]
    title = catalog.office(slugs[0]).title
    store = make_store(server, catalog, tmp_path / "store", clock)
    store.directory.metadata()
    values = emu.get_values(title)
    week_rows = [i + 1 for i, r in enumerate(values) if i and WEEK[0].isoformat() <= r[1] <= WEEK[1].isoformat()]
    expected_rows = local.read(slugs, *WEEK).rows
    deleted = None

    def person():
        nonlocal deleted
        if edit == "sort":
            emu.sort_rows(title, "F")  # by clerk
        elif edit == "sort-descending":
            emu.sort_rows(title, "B", descending=True)  # newest first
        elif edit == "insert-above":
            emu.insert_rows(title, 5, 3)
        elif edit == "delete-above":
            emu.delete_rows(title, 5, 2)
        elif edit == "delete-in-week":
            deleted = emu.get_values(title)[week_rows[3] - 1][0]
            emu.delete_rows(title, week_rows[3], 1)
        elif edit == "insert-row-in-week":
            emu.insert_rows(title, week_rows[2], 1)
            emu.set_cell(title, f"B{week_rows[2]}", "2025-12-23", raw=True)
            emu.set_cell(title, f"C{week_rows[2]}", "a00", raw=True)
            emu.set_cell(title, f"F{week_rows[2]}", "Maria", raw=True)
            emu.set_cell(title, f"G{week_rows[2]}", 7, raw=True)

    state = between_the_two_reads(store.session, emu, person)
    emu.reset_counts()
    result = store.read(slugs, *WEEK)
    assert state["done"]
    expected = [r for r in expected_rows if r.row_id != deleted]
    got = result.rows
    if edit == "insert-row-in-week":
        added = [r for r in got if r.clerk == "Maria"]
        assert [(r.day, r.activity, r.lucrari) for r in added] == [(date(2025, 12, 23), "a00", 7)]
        got = [r for r in got if r.clerk != "Maria"]
    assert sorted(got, key=lambda r: r.row_id) == sorted(expected, key=lambda r: r.row_id)
    # the second answer did not hold exactly the week's rows: the worksheet was read whole
    assert emu.counts()["endpoints"] == {"values.batchGet": 3}
    store.close()
    store.session.close()


def test_rows_in_any_order_are_read_in_runs(small_world, tmp_path, clock):
    """A sheet sorted by clerk (the week's rows in two runs) still costs two requests."""
    server, catalog, local = small_world
    emu = server.emulator
    slugs = catalog.slugs[:2]
    for slug in slugs:
        emu.sort_rows(catalog.office(slug).title, "F")
    store = make_store(server, catalog, tmp_path / "store", clock)
    store.directory.metadata()
    emu.reset_counts()
    result = store.read(slugs, *WEEK)
    assert emu.counts()["endpoints"] == {"values.batchGet": 2}
    ranges = emu.request_log()[-1]["ranges"]
    assert len(ranges) == 4  # two runs (one per clerk) in each worksheet
    assert sorted(result.rows, key=lambda r: r.row_id) == sorted(local.read(slugs, *WEEK).rows,
                                                                key=lambda r: r.row_id)
    store.close()
    store.session.close()


# -- closed weeks: kept once, then read from the instance folder ----------------------------------

W50 = (date(2025, 12, 8), date(2025, 12, 14))


def test_a_report_of_closed_weeks_reads_nothing(world, tmp_path, clock):
    server, catalog, local = world
    emu = server.emulator
    slugs = catalog.slugs
    first = make_store(server, catalog, tmp_path, clock, sleep=clock.advance)
    for slug in slugs:
        first.protect_week(slug, *W50, True, "sef")
    assert first.sync(max_seconds=120)["pending"] == 0
    emu.reset_counts()
    kept = first.read(slugs, *W50)  # the first read after the weeks closed keeps their rows
    assert emu.counts()["endpoints"] == {"values.batchGet": 2}
    expected = local.read(slugs, *W50).rows
    assert sorted(kept.rows, key=lambda r: r.row_id) == sorted(expected, key=lambda r: r.row_id)

    second = make_store(server, catalog, tmp_path, clock)  # another worker, nothing read yet
    meter = Meter(second.session)
    emu.reset_counts()
    clock.advance(3600)
    for period, offices in ((W50, slugs), (W50, slugs[:1]), ((date(2025, 12, 9), date(2025, 12, 11)), slugs[5:8])):
        result = second.read(offices, *period, fresh=True)
        want = local.read(offices, *period)
        assert sorted(result.rows, key=lambda r: r.row_id) == sorted(want.rows, key=lambda r: r.row_id)
        assert report(catalog, result.rows, period) == report(catalog, want.rows, period)
        assert (result.stale, result.problems, result.read_at) == (False, [], kept.read_at)
    assert (emu.counts()["read"], meter.requests) == (0, 0)

    # a period beyond the closed week, or a week reopened, is read from the sheet again
    second.read(slugs[:1], date(2025, 12, 8), date(2025, 12, 15))
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "values.batchGet": 2}  # its first request
    second.protect_week(slugs[0], *W50, False, "sef")
    assert second.sync(max_seconds=60)["pending"] == 0
    emu.reset_counts()
    reopened = second.read(slugs[:1], *W50, fresh=True)
    assert emu.counts()["endpoints"] == {"values.batchGet": 2}
    assert reopened.rows == [r for r in kept.rows if r.office == slugs[0]]
    for s in (first, second):
        s.close()
        s.session.close()


def test_a_closed_week_is_kept_only_once_its_saves_reached_the_sheet(small_world, tmp_path, clock):
    server, catalog, local = small_world
    emu = server.emulator
    slug = catalog.slugs[0]
    store = make_store(server, catalog, tmp_path / "store", clock, sleep=clock.advance)
    day = W50[0]
    row = local.read([slug], day, day).rows[0]
    emu.inject("503", times=50, endpoint="write")  # Google refuses writes for a while
    store.save_day(slug, day, row.clerk, [row.with_changes(lucrari=(row.lucrari or 0) + 100)])
    store.protect_week(slug, *W50, True, "sef")
    assert store.pending_count() == 2
    store.read([slug], *W50)  # the save is not in the sheet yet: nothing kept
    assert store.shared.closed_weeks([slug], *W50) is None
    emu.clear_faults()
    assert store.sync(max_seconds=600)["pending"] == 0
    clock.advance(60)
    seen = store.read([slug], *W50)
    emu.reset_counts()
    again = store.read([slug], *W50, fresh=True)
    assert emu.counts()["read"] == 0
    assert again.rows == seen.rows
    assert [r.lucrari for r in again.rows if r.row_id == row.row_id] == [(row.lucrari or 0) + 100]
    store.close()
    store.session.close()


# -- one cache for all workers --------------------------------------------------------------------

def wait_for_shared(store, offices, period, seconds=10.0):
    """The read is written to the shared cache just after the page got it (in the read's thread)."""
    deadline = time.monotonic() + seconds
    while store.shared.last(offices, period) is None:
        assert time.monotonic() < deadline, "the read never reached the shared cache"
        time.sleep(0.02)


def test_a_cold_worker_shows_another_workers_read_while_google_is_down(small_world, tmp_path, clock):
    server, catalog, _ = small_world
    emu = server.emulator
    slugs = catalog.slugs[:2]
    first = make_store(server, catalog, tmp_path, clock)
    seen = first.read(slugs, *WEEK)
    wait_for_shared(first, slugs, WEEK)
    clock.advance(600)
    emu.storm("503", 600, endpoint="read")
    second = make_store(server, catalog, tmp_path, clock, first_read_budget=5, read_budget=5)  # same instance folder
    for offices, period in ((slugs, WEEK), (slugs[1:], (date(2025, 12, 23), date(2025, 12, 23)))):
        shown = second.read(offices, *period)
        assert shown.stale and shown.read_at == seen.read_at
        assert shown.rows == [r for r in seen.rows if r.office in offices and period[0] <= r.day <= period[1]]
    with pytest.raises(StoreError):  # never read by any worker: the 503 page
        second.read(slugs, date(2025, 12, 1), date(2025, 12, 7))
    emu.clear_faults()
    fresh = second.read(slugs, *WEEK, fresh=True)
    assert not fresh.stale and fresh.rows == seen.rows
    for s in (first, second):
        s.close()
        s.session.close()


# -- the plan, on its own ------------------------------------------------------------------------

def test_runs_and_the_cap_on_ranges_close_the_smallest_gaps_first():
    from sheets.google.period import capped, runs

    assert runs([9, 3, 4, 5, 12, 13]) == [(3, 6), (9, 10), (12, 14)]
    plan = {"a": [(3, 6), (9, 10), (12, 14)], "b": [(1, 2), (100, 101)]}
    assert capped(plan, 5) == plan
    assert capped(plan, 4) == {"a": [(3, 6), (9, 14)], "b": [(1, 2), (100, 101)]}  # gap 2 closed
    assert capped(plan, 2) == {"a": [(3, 14)], "b": [(1, 101)]}
    assert capped(plan, 1) == {"a": [(3, 14)], "b": [(1, 101)]}  # never fewer than one range an office


def test_the_check_refuses_ranges_that_no_longer_hold_the_periods_rows():
    from sheets.google.period import DateReader, check

    dates = DateReader(False)
    week = (date(2025, 12, 22), date(2025, 12, 28))
    first = {5: "2025-12-22", 6: "2025-12-23", 9: "24.12.2025"}
    ranges = [(5, 7), (9, 10)]
    read = [[["x", "2025-12-22"], ["y", "2025-12-23"]], [["z", "24.12.2025"]]]
    assert check([5, 6, 9], ranges, read, 1, first, week, dates) == {
        5: ["x", "2025-12-22"], 6: ["y", "2025-12-23"], 9: ["z", "24.12.2025"]}
    shifted = [[["w", "2025-11-02"], ["x", "2025-12-22"]], [["q", "2025-12-23"]]]  # a row inserted above
    assert check([5, 6, 9], ranges, shifted, 1, first, week, dates) is None
    merged = [(5, 10)]  # the gap read too: a row of the week there means rows moved
    gap = [["x", "2025-12-22"], ["y", "2025-12-23"], ["m", "2025-12-25"], [], ["z", "24.12.2025"]]
    assert check([5, 6, 9], merged, [gap], 1, first, week, dates) is None
    gap[2] = ["m", "2025-10-01"]
    assert check([5, 6, 9], merged, [gap], 1, first, week, dates) is not None

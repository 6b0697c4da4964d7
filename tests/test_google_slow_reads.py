"""Pages never wait long on a slow Google, and reads carry less.

Google answering slowly (not an error) must not hold a page for the read
timeout: a page waits for a read at most ``SHEETS_READ_BUDGET`` seconds when
an earlier read exists (then it is shown that read, marked stale: the
"date din …" banner) and ``SHEETS_FIRST_READ_BUDGET`` seconds when nothing
was read yet (then ``StoreError``: the 503 page). One read per set of
offices is in flight at a time, whatever the number of pages waiting.

Everything goes through the real gspread client and the emulator over HTTP;
the store's cache runs on a fake clock, the budgets are small real times.
The last test runs a real gunicorn server while every read hangs 25 s.
"""
from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import requests

from domain.rows import Row

from sheets import StoreError
from sheets_emulator import EmulatorServer, SheetsEmulator
from sheets.google import FRESH_MIN_AGE
from tests.clock import FakeClock
from tests.stores import google_store

SS = "1GoogleSlowReadTests_abcdefghijklmnopqrstu"
PRESA = "SERVICIUL PRESĂ"
CONS = "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
D1 = date(2026, 11, 23)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))
BOTH = ["presa", "consiliere"]
BUDGET, FIRST_BUDGET = 0.3, 0.6


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server():
    with EmulatorServer() as srv:  # real time: slow answers really are slow
        srv.emulator.create_spreadsheet(SS, title="Raportare activitate")
        yield srv


@pytest.fixture
def emu(server):
    return server.emulator


def make(server, tmp_path, clock, **options):
    settings = {"clock": clock, "sleep": clock.advance, "cache_ttl": 30, "read_budget": BUDGET,
                "first_read_budget": FIRST_BUDGET}
    settings.update(options)
    return google_store(server, tmp_path, SS, **settings)


@pytest.fixture
def store(server, tmp_path, clock):
    s = make(server, tmp_path, clock)
    yield s
    s.close()
    s.session.close()


def seed(store):
    for office, activity in (("presa", "l544-studiere"), ("consiliere", "centrala-telefonica")):
        store.save_day(office, D1, "ana", [Row(office, D1, activity, "ana", lucrari=3)])
    assert store.sync()["pending"] == 0


def timed(fn):
    started = time.monotonic()
    result = fn()
    return result, time.monotonic() - started


def until(predicate, seconds=5.0):
    """Poll ``predicate`` until true (bounded)."""
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def batch_gets(emu):
    return emu.counts()["endpoints"].get("values.batchGet", 0)


# -- a warm cache --------------------------------------------------------------------


def test_slow_read_serves_the_last_good_read_within_the_budget_then_fresh_again(store, emu, clock):
    seed(store)
    good = store.read(BOTH, *WEEK)
    clock.advance(31)  # the cache expired
    emu.set_cell(PRESA, "G2", "30")  # a supervisor's edit, not seen yet
    emu.inject(("slow", 1.0), endpoint="values.batchGet")
    emu.reset_counts()
    stale, waited = timed(lambda: store.read(BOTH, *WEEK))
    assert BUDGET - 0.05 <= waited < BUDGET + 0.4
    # what the report's "date din …" banner needs: the last good read and its time
    assert (stale.stale, stale.read_at) == (True, good.read_at)
    assert sorted(r.lucrari for r in stale.rows) == [3, 3]
    # the read goes on in the background; pages meanwhile get the stale copy at once
    again, waited = timed(lambda: store.read(["presa"], *WEEK))
    assert again.stale and waited < 0.2
    # after the slow answer the next page is fresh, without another request
    until(lambda: not store.read(BOTH, *WEEK).stale)
    fresh = store.read(BOTH, *WEEK)
    assert fresh.read_at.timestamp() == clock.now and sorted(r.lucrari for r in fresh.rows) == [3, 30]
    assert emu.counts()["endpoints"] == {"values.batchGet": 1}


def test_concurrent_pages_during_a_slow_read_send_one_read(store, emu, clock):
    seed(store)
    good = store.read(BOTH, *WEEK)
    clock.advance(31)
    emu.inject(("slow", 1.0), endpoint="values.batchGet")
    emu.reset_counts()
    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(timed, lambda: store.read(BOTH, *WEEK))
        until(lambda: batch_gets(emu) == 1)  # the first page's read is in flight
        # pages of both offices, and of one of them (covered by the read in flight)
        others = [pool.submit(timed, lambda k=k: store.read(BOTH if k % 2 else ["presa"], *WEEK))
                  for k in range(11)]
        results = [first.result()] + [f.result() for f in others]
    assert all(r.stale and r.read_at == good.read_at for r, _ in results)
    assert max(waited for _, waited in results) < BUDGET + 0.4
    assert emu.counts()["endpoints"] == {"values.batchGet": 1}  # one read, not twelve
    until(lambda: not store.read(BOTH, *WEEK).stale)
    assert emu.counts()["endpoints"] == {"values.batchGet": 1}


def test_fresh_request_during_a_slow_read_joins_it(store, emu, clock):
    seed(store)
    store.read(BOTH, *WEEK)
    clock.advance(FRESH_MIN_AGE)  # a "refresh" sooner than that is served from the cache
    emu.inject(("slow", 0.8), endpoint="values.batchGet")
    emu.reset_counts()
    # "refresh" pressed by several people: one read; within the TTL the cached read is shown stale
    results = [store.read(BOTH, *WEEK, fresh=True) for _ in range(3)]
    assert [r.stale for r in results] == [True] * 3
    assert batch_gets(emu) == 1
    until(lambda: not store.read(BOTH, *WEEK, fresh=True).stale)  # once the slow read has ended
    assert batch_gets(emu) == 1  # its result is just FRESH_MIN_AGE old: "refresh" is served from it
    emu.clear_faults()
    clock.advance(FRESH_MIN_AGE)
    assert not store.read(BOTH, *WEEK, fresh=True).stale and batch_gets(emu) == 2


# -- nothing read yet ------------------------------------------------------------------


def test_slow_first_read_ends_in_store_error_within_the_bounded_time(store, emu):
    emu.inject(("slow", 1.2), endpoint="read")  # the first read request: the metadata
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        store.read(BOTH, *WEEK)
    assert FIRST_BUDGET - 0.05 <= time.monotonic() - started < FIRST_BUDGET + 0.4
    assert "Foaia de calcul Google nu răspunde acum." in str(err.value)
    started = time.monotonic()
    with pytest.raises(StoreError):
        store.read(["presa"], *WEEK)  # joins the read in flight, whose budget is spent
    assert time.monotonic() - started < 0.2
    # the read in flight ends after the slow answer; then pages are served
    until(lambda: _readable(store))
    result = store.read(BOTH, *WEEK)
    assert not result.stale and result.rows == []
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1}  # no worksheet yet: nothing else to read


def _readable(store) -> bool:
    try:
        store.read(BOTH, *WEEK)
    except StoreError:
        return False
    return True


def test_first_read_waits_the_first_read_budget(store, emu):
    seed(store)  # the sender read the metadata; no page read yet
    emu.inject(("slow", 1.5), endpoint="values.batchGet")
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        store.read(BOTH, *WEEK)
    assert FIRST_BUDGET - 0.05 <= time.monotonic() - started < FIRST_BUDGET + 0.4
    assert f"Google nu a răspuns în {FIRST_BUDGET:g} s." in str(err.value)


def test_the_sender_keeps_the_plain_timeout(server, emu, tmp_path, clock):
    """Budgets are for pages: a delivery's read waits the read timeout."""
    store = make(server, tmp_path, clock, read_budget=0.05, first_read_budget=0.05, timeout=(2, 5))
    try:
        seed(store)
        store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=4)])  # a change
        emu.inject(("slow", 0.4), endpoint="values.get")
        assert store.sync(max_seconds=5) == {"delivered": 1, "pending": 0, "failed": 0}
        assert emu.counts()["failed"] == 0
    finally:
        store.session.close()


def test_pages_show_the_dated_banner_while_google_is_slow(tmp_path, server, emu, monkeypatch):
    from domain.periods import format_datetime
    from tests.conftest import login, make_app

    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    app = make_app(tmp_path, SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID=SS, SHEETS_SYNC_INTERVAL=0,
                   SHEETS_CACHE_TTL=0, SHEETS_READ_BUDGET=BUDGET)
    seed(app.extensions["store"])
    sup = app.test_client()
    login(sup, "supervisor")
    good = app.extensions["store"].read(BOTH, *WEEK)
    emu.inject(("slow", 1.0), endpoint="values.batchGet")
    report, waited = timed(lambda: sup.get("/report?week=2026-W48").get_data(as_text=True))
    assert waited < BUDGET + 0.5
    assert f"se afișează ultima citire reușită (date din {format_datetime(good.read_at)})" in report
    table = sup.get("/data/presa?week=2026-W48").get_data(as_text=True)  # joins the read in flight
    assert f"datele sunt cele citite la {format_datetime(good.read_at)}." in table
    until(lambda: "date din" not in sup.get("/report?week=2026-W48").get_data(as_text=True))


def test_a_cold_worker_shows_another_workers_read_while_google_is_down(tmp_path, server, emu, monkeypatch):
    """Two workers of one instance (two apps on one instance folder): the second, with
    nothing read yet, shows the first one's report with its banner instead of the 503 page."""
    from domain.periods import format_datetime
    from tests.conftest import login, make_app
    from tests.htmltables import html_tables

    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    config = dict(SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID=SS, SHEETS_SYNC_INTERVAL=0,
                  SHEETS_READ_BUDGET=BUDGET, SHEETS_FIRST_READ_BUDGET=FIRST_BUDGET)
    first = make_app(tmp_path, **config)
    seed(first.extensions["store"])
    page = first.test_client()
    login(page, "supervisor")
    good = page.get("/report?week=2026-W48").get_data(as_text=True)
    assert "date din" not in good
    until(lambda: first.extensions["store"].shared.last(BOTH, WEEK) is not None)  # written just after
    emu.storm("503", 600, endpoint="read")
    second = make_app(tmp_path, **config)
    page = second.test_client()
    login(page, "supervisor")
    response = page.get("/report?week=2026-W48")
    shown = response.get_data(as_text=True)
    read_at = first.extensions["store"].read(BOTH, *WEEK).read_at
    assert response.status_code == 200
    assert f"se afișează ultima citire reușită (date din {format_datetime(read_at)})" in shown
    assert html_tables(shown) == html_tables(good)  # the first worker's figures, whole
    # a view no worker has read answers the 503 page as before
    assert page.get("/report?week=2026-W40").status_code == 503


def test_a_correction_waits_the_budget_then_stays_in_the_outbox(store, emu):
    seed(store)
    row = store.read(["presa"], *WEEK).rows[0]
    emu.inject(("slow", 1.0), endpoint="values.get")  # the delivery's read
    (before, after), waited = timed(lambda: store.update_row("presa", row.row_id, {"lucrari": 9}, "sef"))
    assert waited < BUDGET + 0.3 and (before.lucrari, after.lucrari) == (3, 9)
    assert store.pending_count(["presa"]) == 1  # the page says it is kept and will be sent
    assert [r.lucrari for r in store.read(["presa"], *WEEK).rows] == [9]
    until(lambda: store.pending_count(["presa"]) == 0)  # delivered in the background
    assert emu.get_values(PRESA)[1][6] == "9"


# -- smaller responses -------------------------------------------------------------------


def test_emulator_honours_pretty_print(server, emu):
    emu.add_sheet("Foaie", rows=3, cols=2)
    emu.set_cell("Foaie", "A1", "x")
    url = f"{server.url}/v4/spreadsheets/{SS}/values/Foaie"
    pretty = requests.get(url, timeout=5)
    compact = requests.get(url, params={"prettyPrint": "false"}, timeout=5)
    assert pretty.json() == compact.json()
    assert b"\n" in pretty.content and b"\n" not in compact.content
    assert compact.content == json.dumps(pretty.json(), ensure_ascii=False, separators=(",", ":")).encode()
    error = requests.get(url.replace("Foaie", "Nu-exista"), params={"prettyPrint": "false"}, timeout=5)
    assert error.status_code == 400 and b"\n" not in error.content


def test_reads_ask_for_compact_json_and_only_our_columns(store, emu, clock):
    seed(store)
    store.read(BOTH, *WEEK)
    # a supervisor's own column after ours, with long notes
    emu.insert_column(PRESA, "M", header="Comentariul meu")
    emu.set_cell(PRESA, "M2", "foarte lung " * 50)
    clock.advance(31)
    emu.reset_counts()
    result = store.read(BOTH, *WEEK)
    [get] = emu.request_log()
    assert get["endpoint"] == "values.batchGet" and get["prettyPrint"] is False
    assert get["ranges"] == [f"'{PRESA}'!A:L", f"'{CONS}'!A:L"]
    assert sorted(r.lucrari for r in result.rows) == [3, 3] and result.problems == []
    # a delivery that reads (a changed day) and the metadata also ask for compact JSON
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=5)])
    store._forget_metadata()
    store.sync()
    assert all(e.get("prettyPrint") is False for e in emu.request_log() if e["endpoint"] in (
        "values.get", "values.batchGet", "spreadsheets.get"))


def test_columns_moved_past_the_window_are_read_whole(store, emu, clock):
    seed(store)
    store.read(BOTH, *WEEK)
    emu.insert_column(PRESA, "B", header="Nota mea")  # ours shift right: "Modificat la" is now M
    emu.set_cell(PRESA, "H2", "17")  # Nr. lucrări, now in H
    clock.advance(31)
    emu.reset_counts()
    result = store.read(BOTH, *WEEK)
    assert sorted(r.lucrari for r in result.rows) == [3, 17] and result.problems == []
    assert [e.get("ranges") for e in emu.request_log()] == [
        [f"'{PRESA}'!A:L", f"'{CONS}'!A:L"], [f"'{PRESA}'"]]  # the window, then Presă whole
    clock.advance(31)
    emu.reset_counts()
    assert sorted(r.lucrari for r in store.read(BOTH, *WEEK).rows) == [3, 17]
    assert [e.get("ranges") for e in emu.request_log()] == [[f"'{PRESA}'!A:M", f"'{CONS}'!A:L"]]
    # a blind append still finds our columns
    store.save_day("presa", D1, "ion", [Row("presa", D1, "l544-studiere", "ion", lucrari=2)])
    store.sync()
    assert sorted(r.lucrari for r in store.read(BOTH, *WEEK, fresh=True).rows) == [2, 3, 17]


def test_a_deleted_column_is_read_whole_until_the_header_is_repaired(store, emu, clock):
    seed(store)
    store.read(BOTH, *WEEK)
    emu.resize(PRESA, cols=11)  # a supervisor deleted "Modificat la" (L)
    clock.advance(31)
    emu.reset_counts()
    assert sorted(r.lucrari for r in store.read(BOTH, *WEEK).rows) == [3, 3]
    assert [e.get("ranges") for e in emu.request_log()] == [
        [f"'{PRESA}'!A:L", f"'{CONS}'!A:L"], [f"'{PRESA}'"]]
    clock.advance(31)
    emu.reset_counts()
    store.read(BOTH, *WEEK)  # its header lacks one of ours: read whole, in the one request
    assert [e.get("ranges") for e in emu.request_log()] == [[f"'{PRESA}'", f"'{CONS}'!A:L"]]


def test_settings_reach_the_store(tmp_path, server, monkeypatch):
    from sheets import ConfigError
    from tests.conftest import make_app

    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    base = {"SHEETS_BACKEND": "google", "GOOGLE_SPREADSHEET_ID": SS, "SHEETS_SYNC_INTERVAL": 0}
    store = make_app(tmp_path, **base).extensions["store"]
    assert (store.read_budget, store.first_read_budget) == (4, 8)
    store = make_app(tmp_path / "b", **base, SHEETS_READ_BUDGET="2.5", SHEETS_FIRST_READ_BUDGET=6).extensions["store"]
    assert (store.read_budget, store.first_read_budget) == (2.5, 6)
    with pytest.raises(ConfigError) as err:
        make_app(tmp_path / "c", **base, SHEETS_READ_BUDGET="soon")
    assert "SHEETS_READ_BUDGET='soon': expected a number." in str(err.value)


# -- through a real server ------------------------------------------------------------------


def test_no_report_waits_more_than_10_s_while_reads_hang_25_s(tmp_path):
    """gunicorn -w 2, default budgets and timeouts (20 s read), cache TTL 1 s;
    every Google read hangs 25 s for 12 s while 4 supervisors keep opening
    the report, each giving up after 10 s."""
    from devtools.live import create_users, gunicorn

    instance = tmp_path / "instance"
    create_users(instance, [("sef", "supervisor", ())], processes=1)
    emu = SheetsEmulator()
    emu.create_spreadsheet(SS, title="Raportare activitate")
    env = {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS, "FLASK_SHEETS_CACHE_TTL": "1",
           "FLASK_SHEETS_SYNC_INTERVAL": "0"}
    outcomes, lock = [], threading.Lock()
    with EmulatorServer(emu) as server:
        seeder = google_store(server, tmp_path, SS)  # the week's rows, delivered (its own outbox)
        seed(seeder)
        seeder.session.close()
        with gunicorn(instance, workers=2, env=dict(env, SHEETS_EMULATOR_HOST=server.host)) as base:
            reads = _hammer(base, emu, outcomes, lock)
    statuses = {status for _, status, _ in outcomes}
    assert statuses <= {200, 503}, outcomes
    assert max(waited for waited, _, _ in outcomes) < 10
    assert any(status == 200 and banner for _, status, banner in outcomes)  # the last good read, dated
    assert len(outcomes) >= 20
    assert reads <= 4  # one hanging read per worker at a time, not one per page


def _hammer(base, emu, outcomes, lock) -> int:
    """Warm both workers' caches, make reads hang, keep opening the report for
    10 s; returns the reads Google received meanwhile."""
    from devtools.live import Clerk

    people = [Clerk(base, "sef") for _ in range(4)]
    for p in people:
        p.login()  # opens the home page: a first read
    with ThreadPoolExecutor(4) as pool:  # warm the report in both workers (most likely)
        list(pool.map(lambda p: [p.http.get(base + "/report", timeout=10) for _ in range(3)], people))
    emu.storm(("slow", 25), seconds=12, endpoint="read")
    emu.reset_counts()
    time.sleep(1.1)  # past the TTL
    end = time.monotonic() + 10

    def keep_opening(p):
        while time.monotonic() < end:
            started = time.monotonic()
            try:
                r = p.http.get(base + "/report", timeout=10)
                outcome = (r.status_code, "date din" in r.text)
            except requests.RequestException as exc:
                outcome = (repr(exc), False)
            with lock:
                outcomes.append((time.monotonic() - started, *outcome))
            time.sleep(0.2)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(keep_opening, people))
    reads = emu.counts()["read"]
    for p in people:
        p.close()
    return reads

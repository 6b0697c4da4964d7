"""Writes that do not grow with the offices (issue 16): one delivery pass
sends ONE write request whatever the number of offices (a batchUpdate
carrying every office's rows), an office whose part Google refuses does not
hold the others back, the sender keeps under a write budget shared by every
store on the instance folder, and the *Capacitate* page shows what was
counted. Requests are counted by the emulator; worksheets are read back whole.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from domain.rows import Row
from forms import load_catalog
from sheets.google import GoogleStore
from sheets.google.http import EmulatorSession
from sheets.google.layout import HEADER
from tests.many_offices import slug, title, write_catalog
from tests.clock import FakeClock
from tests.google_fixtures import clock, emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after

SS = "1GoogleWritesTests_abcdefghijklmnopqrstuvwxyz"
MONDAY = date(2026, 11, 23)
OFFICES = 20


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    return load_catalog(write_catalog(tmp_path_factory.mktemp("catalog"), OFFICES))


def make(server, folder, catalog, clock, **options):
    settings = dict(sync_interval=0, timeout=(2, 5), backoff_unit=0.1, backoff_max=2, max_attempts=10,
                    clock=clock, sleep=clock.sleep)
    settings.update(options)
    session = EmulatorSession(server.host, timeout=settings["timeout"])
    return GoogleStore(SS, session, catalog, folder / "outbox.sqlite3", emulator=server.host, **settings)


@pytest.fixture
def store(server, tmp_path, catalog, clock):
    yield from closed_after(make(server, tmp_path, catalog, clock))


def sheet_rows(emu, office_title: str) -> list[tuple]:
    """The worksheet's data rows: (day, activity, clerk, lucrari, row id)."""
    col = {h: i for i, h in enumerate(HEADER)}
    out = []
    for row in emu.get_values(office_title)[1:]:
        if any(row):
            row = list(row) + [""] * (len(HEADER) - len(row))
            out.append((row[col["Data"]], row[col["Activitate (cod)"]], row[col["Funcționar"]],
                        row[col["Nr. lucrări"]], row[col["ID rând"]]))
    return out


def day_label(d: date) -> str:
    return d.isoformat()


def save(store, k: int, day: date, clerk: str, value: int) -> None:
    store.save_day(slug(k), day, clerk, [Row(slug(k), day, "l544-studiere", clerk, lucrari=value)])


def assert_sheets(emu, expected: dict[int, list[tuple]]) -> None:
    """Each office's worksheet holds exactly ``expected[k]`` (day, activity, clerk, lucrari), each once."""
    for k, rows in expected.items():
        got = sheet_rows(emu, title(k))
        assert len({r[-1] for r in got}) == len(got), (k, got)
        assert sorted(r[:-1] for r in got) == sorted(rows), k


def test_one_write_per_pass_whatever_the_number_of_offices(store, emu):
    store.init()  # the admin's `flask sheets init`: the worksheets and their headers
    emu.reset_counts()
    expected = {k: [] for k in range(1, OFFICES + 1)}
    for k in range(1, OFFICES + 1):
        for clerk in ("ana", "ion"):
            save(store, k, MONDAY, clerk, k)
            expected[k].append((day_label(MONDAY), "l544-studiere", clerk, str(k)))
    assert store.sync() == {"delivered": 2 * OFFICES, "pending": 0, "failed": 0}
    # 20 offices: ONE read of all (nothing was read before: no blind append), ONE check of
    # all that nothing moved (issue 12) and ONE write
    assert emu.counts()["endpoints"] == {"values.batchGet": 2, "spreadsheets.batchUpdate": 1}
    assert_sheets(emu, expected)

    # corrections of the same days and new days, in every office: again one read, one check, one write
    emu.reset_counts()
    for k in range(1, OFFICES + 1):
        save(store, k, MONDAY, "ana", 100 + k)
        save(store, k, MONDAY + timedelta(days=1), "ana", 200 + k)
        expected[k] = [r for r in expected[k] if r[2] != "ana"] + [
            (day_label(MONDAY), "l544-studiere", "ana", str(100 + k)),
            (day_label(MONDAY + timedelta(days=1)), "l544-studiere", "ana", str(200 + k))]
    assert store.sync() == {"delivered": 2 * OFFICES, "pending": 0, "failed": 0}
    assert emu.counts()["endpoints"] == {"values.batchGet": 2, "spreadsheets.batchUpdate": 1}
    assert_sheets(emu, expected)
    assert store.outbox.counts()["delivered"] == 4 * OFFICES


def test_missing_worksheets_are_created_in_one_write(store, emu):
    expected = {}
    for k in range(1, OFFICES + 1):
        save(store, k, MONDAY, "ana", k)
        expected[k] = [(day_label(MONDAY), "l544-studiere", "ana", str(k))]
    assert store.sync()["delivered"] == OFFICES
    # the metadata, ONE write creating the 20 worksheets with their headers, ONE write of the rows
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 2}
    assert_sheets(emu, expected)


def test_a_backlog_goes_in_chunks_of_at_most_500_rows(store, emu):
    store.init()
    emu.reset_counts()
    expected = {k: [] for k in range(1, 4)}
    for k in range(1, 4):  # 3 offices x 200 one-row days = 600 rows
        for i in range(200):
            save(store, k, MONDAY, f"f{i:03d}", i)
            expected[k].append((day_label(MONDAY), "l544-studiere", f"f{i:03d}", str(i)))
    assert store.sync()["delivered"] == 600
    assert emu.counts()["endpoints"]["spreadsheets.batchUpdate"] == 2  # 600 rows: 500 + 100
    for entry in emu.request_log():
        if entry["endpoint"] == "spreadsheets.batchUpdate":
            assert entry["status"] == 200
    assert_sheets(emu, expected)


def test_an_office_refused_permanently_does_not_hold_back_the_others(store, emu):
    store.init()
    emu.reset_counts()
    for k in (1, 2, 3):
        save(store, k, MONDAY, "ana", k)
    # office 2's row has a note longer than a cell may hold: Google refuses it, for good
    store.save_day(slug(2), MONDAY, "ion", [Row(slug(2), MONDAY, "l544-studiere", "ion", lucrari=9,
                                                note="x" * 60_000)])
    result = store.sync()
    assert result == {"delivered": 2, "pending": 0, "failed": 2}
    # the read, the check; the combined write refused as a whole (Google applies all or
    # nothing, and names the request it refused), then the others again without it
    assert emu.counts()["endpoints"] == {"values.batchGet": 2, "spreadsheets.batchUpdate": 2}
    assert [e["status"] for e in emu.request_log() if e["endpoint"] == "spreadsheets.batchUpdate"] == [400, 200]
    failed = store.outbox.ops(statuses=("failed",))
    assert {op.office for op in failed} == {slug(2)}
    assert all("50000" in op.last_error for op in failed)
    assert_sheets(emu, {1: [(day_label(MONDAY), "l544-studiere", "ana", "1")], 2: [],
                        3: [(day_label(MONDAY), "l544-studiere", "ana", "3")]})


def test_a_worksheet_deleted_by_hand_is_made_again_without_holding_back_the_others(store, emu):
    store.init()
    for k in (1, 2, 3):
        save(store, k, MONDAY, "ana", k)
    store.sync()
    emu.reset_counts()
    emu.delete_sheet(title(2))  # by a supervisor, after the sender last saw it
    for k in (1, 2, 3):
        save(store, k, MONDAY, "ion", 10 + k)
    # the batchGet of the three is refused (no such range); each is read alone, office 2's
    # worksheet is found missing and made again; then ONE write for the three
    assert store.sender.flush_pass() == (3, False)
    assert [e["status"] for e in emu.request_log() if e["endpoint"] == "spreadsheets.batchUpdate"] == [200, 200]
    assert store.outbox.counts()["pending"] == 0
    assert_sheets(emu, {1: [(day_label(MONDAY), "l544-studiere", c, v) for c, v in (("ana", "1"), ("ion", "11"))],
                        2: [(day_label(MONDAY), "l544-studiere", "ion", "12")],
                        3: [(day_label(MONDAY), "l544-studiere", c, v) for c, v in (("ana", "3"), ("ion", "13"))]})


def test_the_write_budget_is_shared_by_the_stores_of_an_instance_folder(server, emu, tmp_path, catalog, clock):
    emu.set_quota(None, 3)  # Google's quota, made tiny: 3 writes a minute
    a = make(server, tmp_path, catalog, clock, write_budget=2)
    b = make(server, tmp_path, catalog, clock, write_budget=2)  # another worker, same instance folder
    try:
        a.init()  # one write (the worksheets)
        clock.sleep(61)
        clock.slept.clear()
        emu.reset_counts()
        save(a, 1, MONDAY, "ana", 1)
        assert a.sync()["delivered"] == 1  # write 1 of the minute
        clock.sleep(1)
        save(b, 2, MONDAY, "ana", 2)
        assert b.sync()["delivered"] == 1  # write 2, by the other worker
        assert clock.slept == [1]
        clock.sleep(1)
        save(a, 3, MONDAY, "ana", 3)
        assert a.sync()["delivered"] == 1  # write 3 waits until the first is a minute old
        assert clock.slept[1:] == [1, pytest.approx(58.0)]
        assert [e["status"] for e in emu.request_log() if e["endpoint"] == "spreadsheets.batchUpdate"] == [200] * 3
        assert emu.counts()["failed"] == 0  # no 429
        assert a.capacity.granted() == b.capacity.granted() == 2  # the window moved on: the first left it
    finally:
        for s in (a, b):
            s.close()
            s.session.close()


def test_capacity_figures_are_the_requests_counted(store, emu, clock, tmp_path, server, monkeypatch):
    store.init()
    for k in (1, 2, 3):
        save(store, k, MONDAY, "ana", k)
    store.sync()
    store.read([slug(1), slug(2)], MONDAY, MONDAY, fresh=True)
    emu.inject("429", times=1, endpoint="read")
    with pytest.raises(Exception):
        store.reads.snapshot([slug(3)], True, force=True)  # answered 429
    counted = emu.counts()
    status = store.capacity_status()
    assert status["totals"] == {"read": counted["read"], "write": counted["write"], "errors": counted["failed"],
                                "quota": 1}
    per_minute = status["per_minute"]
    assert sum(m["read"] for m in per_minute) == counted["read"]
    assert sum(m["write"] for m in per_minute) == counted["write"]
    assert [(e["kind"], e["endpoint"], e["status"]) for e in status["errors"]] == [("read", "values.batchGet", 429)]
    # the cells, as the last metadata read says (rows x columns of every worksheet)
    meta = store.directory.metadata(refresh=True)
    assert store.capacity_status()["spreadsheets"][0]["cells"] == sum(s.rows * s.cols for s in meta.sheets.values())


def test_capacity_page_for_admins_only_shows_the_counted_figures(tmp_path, server, emu, monkeypatch):
    from tests.conftest import login, make_app

    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    app = make_app(tmp_path, SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID=SS, SHEETS_SYNC_INTERVAL=0,
                   SHEETS_TIMEOUT=[2, 5])
    store = app.extensions["store"]
    store.save_day("presa", MONDAY, "ana", [Row("presa", MONDAY, "l544-studiere", "ana", lucrari=3)])
    store.save_day("consiliere", MONDAY, "dan", [Row("consiliere", MONDAY, "centrala-telefonica", "dan",
                                                     lucrari=1)])
    store.sync()
    store.save_day("presa", MONDAY + timedelta(days=1), "ana",
                   [Row("presa", MONDAY + timedelta(days=1), "l544-studiere", "ana", lucrari=4)])  # pending
    anonymous = app.test_client()
    assert anonymous.get("/capacity").status_code == 302
    for name in ("clerk", "supervisor"):
        c = app.test_client()
        login(c, name)
        assert c.get("/capacity").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert 'href="/capacity"' in admin.get("/").get_data(as_text=True)
    counted = emu.counts()
    assert counted["write"] == 2  # the two worksheets made, then ONE write of both offices' rows
    page = admin.get("/capacity").get_data(as_text=True)
    assert emu.counts() == counted  # the page asks Google nothing
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    reads = "1 citire" if counted["read"] == 1 else f"{counted['read']} citiri"
    assert (f"În ultima oră: {reads}, 2 scrieri, 0 erori "
            "(dintre care 0 refuzuri pentru depășirea limitei, 429).") in text
    assert "Trimiterea salvărilor folosește cel mult 40 de scrieri pe minut (acum: 2); restul" in text
    assert "În așteptare: 1 · Eșuate: 0 · Cea mai veche netrimisă: nr. 3 (presa)" in text
    assert "Nicio eroare în ultimele două ore." in text
    assert "<script" not in page and 'role="img"' in page
    rows = re.findall(r"<tr><td>(\d\d:\d\d)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", page)
    assert sum(int(r[1]) for r in rows) == counted["read"] and sum(int(r[2]) for r in rows) == counted["write"]
    meta = store.directory.metadata()
    cells = sum(s.rows * s.cols for s in meta.sheets.values())
    assert f"{cells:,}".replace(",", ".") in text


def test_cells_fill_date_at_the_current_pace(tmp_path):
    from sheets.google.capacity import Capacity

    clock = FakeClock()
    cap = Capacity(tmp_path / "capacity.sqlite3", clock)
    cap.cells_seen(SS, 1_000_000)
    assert cap.cells(SS) == {"cells": 1_000_000, "at": clock.now, "pace": None, "full_at": None}
    clock.sleep(300)
    cap.cells_seen(SS, 1_000_000)  # within ten minutes: the same line
    clock.sleep(86400 - 300)
    cap.cells_seen(SS, 1_100_000)  # a day later: 100,000 cells a day
    got = cap.cells(SS)
    assert got["pace"] == pytest.approx(100_000)
    assert got["full_at"] == pytest.approx(clock.now + 89 * 86400)  # 8.9 million cells left


def test_requests_are_sorted_into_reads_and_writes():
    from sheets.google.capacity import endpoint_of

    base = "http://127.0.0.1:8089/v4/spreadsheets/" + SS
    assert endpoint_of("GET", base + "?fields=x") == ("read", "spreadsheets.get")
    assert endpoint_of("GET", base + "/values/A1") == ("read", "values.get")
    assert endpoint_of("GET", base + "/values:batchGet?ranges=a") == ("read", "values.batchGet")
    assert endpoint_of("POST", base + ":batchUpdate") == ("write", "spreadsheets.batchUpdate")
    assert endpoint_of("POST", base + "/values/A1:append") == ("write", "values.append")
    assert endpoint_of("POST", "https://oauth2.googleapis.com/token") is None
    assert endpoint_of("GET", "http://127.0.0.1:8089/__emulator/counts") is None


def test_one_background_pass_per_interval_whichever_worker(server, emu, tmp_path, catalog, clock):
    a = make(server, tmp_path, catalog, clock)
    b = make(server, tmp_path, catalog, clock)  # another worker, same instance folder
    try:
        assert a.outbox.claim_pass(5) is True
        assert b.outbox.claim_pass(5) is False  # the other worker's thread: not again so soon
        clock.sleep(2)
        assert a.outbox.claim_pass(5) is False
        clock.sleep(3)
        assert b.outbox.claim_pass(5) is True
    finally:
        for s in (a, b):
            s.close()
            s.session.close()


def test_a_429_on_the_combined_read_backs_every_office_off_without_more_requests(store, emu):
    store.init()
    for k in (1, 2, 3):
        save(store, k, MONDAY, "ana", k)
    emu.reset_counts()
    emu.inject("429", times=1, endpoint="values.batchGet")
    assert store.sender.flush_pass() == (0, False)
    assert emu.counts()["endpoints"] == {"values.batchGet": 1}  # no read of each office alone, no write
    assert store.sync()["delivered"] == 3
    assert_sheets(emu, {k: [(day_label(MONDAY), "l544-studiere", "ana", str(k))] for k in (1, 2, 3)})

"""One spreadsheet per year (sheets/google/years.py): the app on the Google
backend, the emulator holding two spreadsheets, across New Year 2026/2027.

Every test sets the app's clock; rows are read back from the emulator,
spreadsheet by spreadsheet; the report across New Year equals the local
store's report of the same rows."""
from __future__ import annotations

from datetime import date

import pytest

from domain.rows import Row
from forms import load_catalog
from reports.model import build_report, daily_keys
from domain.periods import parse_period
from reports.trends import counted_keys
from sheets.local import LocalStore
from sheets_emulator import EmulatorServer
from app import create_app
from tests.conftest import ROOT, login, make_app

SS26 = "1YearDefault2026_abcdefghijklmnopqrstuv"  # GOOGLE_SPREADSHEET_ID: 2026 and every year without its own
SS27 = "1YearOwn2027_abcdefghijklmnopqrstuvwxyz"
URL27 = f"https://docs.google.com/spreadsheets/d/{SS27}/edit#gid=0"
PRESA = "SERVICIUL PRESĂ"
CONS = "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
NEW_YEAR_WEEK = (date(2026, 12, 28), date(2027, 1, 3))  # ISO week 2026-W53


@pytest.fixture
def server():
    with EmulatorServer() as srv:
        srv.emulator.create_spreadsheet(SS26, title="Raportare activitate 2026")
        srv.emulator.create_spreadsheet(SS27, title="Raportare activitate 2027")
        yield srv


@pytest.fixture
def emu(server):
    return server.emulator


def google_app(tmp_path, server, monkeypatch, when, **config):
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    settings = {"SHEETS_BACKEND": "google", "GOOGLE_SPREADSHEET_ID": SS26, "SHEETS_SYNC_INTERVAL": 0,
                "SHEETS_TIMEOUT": [2, 5], "CLOCK_START": when}
    settings.update(config)
    app = make_app(tmp_path, **settings)
    return app


def cli(app, *args):
    return app.test_cli_runner().invoke(args=["sheets", *args])


def sheet_rows(emu, spreadsheet_id, title=PRESA):
    """The worksheet's rows as (Data, Activitate (cod), Detaliu, Funcționar, Nr. lucrări, Nr. documente)."""
    values = emu.get_values(title, spreadsheet_id=spreadsheet_id)
    header = values[0]
    pick = [header.index(h) for h in ("Data", "Activitate (cod)", "Detaliu", "Funcționar", "Nr. lucrări",
                                      "Nr. documente produse")]
    return sorted(tuple((r + [""] * len(header))[i] for i in pick) for r in values[1:] if any(r))


def rows_of(office, day, clerk, figures):
    return [Row(office, day, activity, clerk, lucrari=n, documente=d, part=part)
            for activity, part, n, d in figures]


DEC30 = date(2026, 12, 30)
DEC31 = date(2026, 12, 31)
JAN4 = date(2027, 1, 4)
JAN2 = date(2027, 1, 2)
SAVES = [  # (office, day, clerk, [(activity, part, lucrari, documente)]): the clerk's two days by the form
    ("presa", DEC30, "clerk", [("l544-studiere", "", 3, None), ("comunicate-site", "", 2, 2),
                               ("solicitari-presa", "telefonice", 11, None)]),
    ("presa", JAN2, "clerk2", [("l544-studiere", "", 4, None), ("adrese-email", "", 6, None)]),
    ("presa", JAN4, "clerk", [("l544-studiere", "", 5, None)]),
]


def test_new_year_two_spreadsheets(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-12-30T09:00")
    clock, store = app.extensions["clock"], app.extensions["store"]

    # the admin gives 2027 its spreadsheet (by URL) and prepares both
    r = cli(app, "year", "2027", URL27)
    assert r.exit_code == 0, r.output
    assert r.output == (f"Anul 2027: foaia de calcul {SS27}.\n"
                        "Partajați foaia cu contul de serviciu (contul din GOOGLE_CREDENTIALS_FILE) ca Editor, "
                        "apoi rulați: flask --app app sheets init --year 2027\n")
    r = cli(app, "init", "--year", "2027")
    assert r.exit_code == 0, r.output
    assert r.output.endswith(f"Spreadsheet {SS27}: 2 worksheet(s) ready.\n")
    assert sorted(emu.sheet_titles(spreadsheet_id=SS27)) == sorted(["Sheet1", PRESA, CONS])
    assert emu.sheet_titles(spreadsheet_id=SS26) == ["Sheet1"]  # not prepared yet: created on first save
    r = cli(app, "year")
    assert r.output == f"2026: {SS26} (implicită: GOOGLE_SPREADSHEET_ID)\n2027: {SS27}\n"

    # a clerk's form on 30 December 2026, by the web page
    c = app.test_client()
    assert login(c, "clerk").status_code == 302
    r = c.post("/entry/presa?date=2026-12-30", data={"l544-studiere__lucrari": "3", "comunicate-site__lucrari": "2",
                                                    "comunicate-site__documente": "2",
                                                    "solicitari-presa__telefonice": "11"})
    assert r.status_code == 302, r.get_data(as_text=True)
    # 4 January 2027: the clerk's day, and clerk2's 2 January (a Saturday) given late
    clock.set("2027-01-04T09:00")
    r = c.post("/entry/presa?date=2027-01-04", data={"l544-studiere__lucrari": "5"})
    assert r.status_code == 302, r.get_data(as_text=True)
    store.save_day("presa", JAN2, "clerk2", rows_of("presa", JAN2, "clerk2", SAVES[1][3]))
    # each spreadsheet's outbox holds its own operations
    assert store.default.pending_count() == 1 and store.for_year(2027).pending_count() == 2
    assert (tmp_path / "instance" / f"outbox-{SS27}.sqlite3").exists()
    assert store.sync_queue.sync(max_seconds=5) == {"delivered": 3, "pending": 0, "failed": 0}
    assert store.sync_queue.sync(max_seconds=5) == {"delivered": 0, "pending": 0, "failed": 0}

    assert sheet_rows(emu, SS26) == [
        ("2026-12-30", "comunicate-site", "", "clerk", "2", "2"),
        ("2026-12-30", "l544-studiere", "", "clerk", "3", ""),
        ("2026-12-30", "solicitari-presa", "telefonice", "clerk", "11", ""),
    ]
    assert sheet_rows(emu, SS27) == [
        ("2027-01-02", "adrese-email", "", "clerk2", "6", ""),
        ("2027-01-02", "l544-studiere", "", "clerk2", "4", ""),
        ("2027-01-04", "l544-studiere", "", "clerk", "5", ""),
    ]

    # the report of 28 Dec 2026 - 3 Jan 2027 reads both spreadsheets, once each
    catalog = load_catalog(ROOT / "forms")
    local = LocalStore(tmp_path / "local.sqlite3")
    for office, day, clerk, figures in SAVES:
        local.save_day(office, day, clerk, rows_of(office, day, clerk, figures))
    offices, daily = ["presa", "consiliere"], daily_keys(catalog)
    emu.reset_counts()
    tally, result = store.tally(offices, *NEW_YEAR_WEEK, daily, fresh=True)
    assert emu.counts()["endpoints"] == {"values.batchGet": 2}
    emu.reset_counts()
    store.tally(offices, *NEW_YEAR_WEEK, daily)  # within the cache's lifetime: no request
    assert emu.counts()["endpoints"] == {}
    # a worker that has read nothing yet (e.g. just started): each spreadsheet's metadata once, then its rows
    other = create_app(dict(app.config), instance_path=app.instance_path)
    emu.reset_counts()
    assert other.extensions["store"].tally(offices, *NEW_YEAR_WEEK, daily)[0] == tally
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 2, "values.batchGet": 2}
    other.extensions["store"].close()
    local_tally, _ = local.tally(offices, *NEW_YEAR_WEEK, daily)
    assert tally == local_tally
    period = parse_period({"week": "2026-W53"}, JAN4)
    assert (period.start, period.end) == NEW_YEAR_WEEK
    assert build_report(catalog, tally, period, today=JAN4) == build_report(catalog, local_tally, period, today=JAN4)
    assert tally.sums[("presa", "l544-studiere", "")] == (3 + 4, 0, 2)
    counted = counted_keys([catalog.office(o) for o in offices])
    totals = store.weekly_totals(offices, *NEW_YEAR_WEEK, counted)  # the XLSX's „Tendințe”, across both
    assert totals == local.weekly_totals(offices, *NEW_YEAR_WEEK, counted) and totals
    page = app.test_client()
    assert login(page, "supervisor").status_code == 302
    html = page.get("/report?week=2026-W53").get_data(as_text=True)
    assert "Studiere solicitare" in html and "11 discuții telefonice" in html and ">7<" in html

    # a correction of a 2026 row in January 2027 goes to the 2026 spreadsheet
    row = next(r for r in store.read(["presa"], DEC30, DEC30).rows if r.activity == "l544-studiere")
    emu.reset_counts()
    before, after = store.update_row("presa", row.row_id, {"lucrari": 30}, "supervisor")
    # as with one spreadsheet (read, the check right before the write, the write):
    # looking for the row in 2027's first costs nothing more
    assert emu.counts()["endpoints"] == {"values.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    assert (before.lucrari, after.lucrari) == (3, 30)
    assert store.sync_queue.counts()["pending"] == 0
    assert ("2026-12-30", "l544-studiere", "", "clerk", "30", "") in sheet_rows(emu, SS26)
    assert len(sheet_rows(emu, SS26)) == 3 and len(sheet_rows(emu, SS27)) == 3
    # and a deletion of a 2027 row to the 2027 one
    row = next(r for r in store.read(["presa"], JAN2, JAN2).rows if r.activity == "adrese-email")
    store.delete_row("presa", row.row_id, "supervisor")
    assert sheet_rows(emu, SS27) == [("2027-01-02", "l544-studiere", "", "clerk2", "4", ""),
                                     ("2027-01-04", "l544-studiere", "", "clerk", "5", "")]
    assert len(sheet_rows(emu, SS26)) == 3


def test_week_across_new_year_protected_in_both(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2027-01-04T09:00")
    store = app.extensions["store"]
    assert cli(app, "year", "2027", SS27).exit_code == 0
    for office, day, clerk, figures in SAVES:
        store.save_day(office, day, clerk, rows_of(office, day, clerk, figures))
    store.sync_queue.sync(max_seconds=5)
    emu.reset_counts()
    store.protect_week("presa", *NEW_YEAR_WEEK, True, "supervisor")
    assert store.sync_queue.counts()["pending"] == 0
    for sid in (SS26, SS27):
        assert len(emu.protected_ranges(PRESA, spreadsheet_id=sid)) == 1, sid
    store.protect_week("presa", *NEW_YEAR_WEEK, False, "supervisor")
    for sid in (SS26, SS27):
        assert emu.protected_ranges(PRESA, spreadsheet_id=sid) == [], sid


def test_year_without_its_own_spreadsheet_uses_the_default(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2028-01-05T09:00")
    store = app.extensions["store"]
    assert cli(app, "year", "2027", SS27).exit_code != 0  # a past year is not changed any more
    app.extensions["clock"].set("2027-12-01T09:00")
    assert cli(app, "year", "2027", SS27).exit_code == 0
    app.extensions["clock"].set("2028-01-05T09:00")
    dec29, jan3 = date(2027, 12, 29), date(2028, 1, 3)
    store.save_day("presa", dec29, "clerk", [Row("presa", dec29, "l544-studiere", "clerk", lucrari=8)])
    store.save_day("presa", jan3, "clerk", [Row("presa", jan3, "l544-studiere", "clerk", lucrari=9)])
    assert store.sync_queue.sync(max_seconds=5) == {"delivered": 2, "pending": 0, "failed": 0}
    assert sheet_rows(emu, SS27) == [("2027-12-29", "l544-studiere", "", "clerk", "8", "")]
    assert sheet_rows(emu, SS26) == [("2028-01-03", "l544-studiere", "", "clerk", "9", "")]
    result = store.read(["presa"], date(2027, 12, 27), date(2028, 1, 2 + 7), fresh=True)
    assert [(r.day, r.lucrari) for r in result.rows] == [(dec29, 8), (jan3, 9)]
    r = cli(app, "year", "2028")
    assert r.output == f"2028: {SS26} (implicită: GOOGLE_SPREADSHEET_ID)\n"


def test_cli_refuses_a_malformed_id(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-12-01T09:00")
    r = cli(app, "year", "2027", "https://docs.google.com/document/d/abc/edit")
    assert r.exit_code == 2
    assert r.output == ("„https://docs.google.com/document/d/abc/edit” nu este adresa sau identificatorul unei foi "
                        "de calcul Google (de forma https://docs.google.com/spreadsheets/d/<identificator>/edit; "
                        "identificatorul are cel puțin 10 litere, cifre, „-” sau „_”).\n")
    r = cli(app, "year", "2025", SS27)
    assert r.exit_code == 2 and r.output.startswith("Anul 2025 a trecut:")
    assert app.extensions["store"].years.explicit() == {}


def test_web_page_records_next_years_spreadsheet(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-11-02T09:00")
    admin, supervisor = app.test_client(), app.test_client()
    assert login(admin, "admin").status_code == 302 and login(supervisor, "supervisor").status_code == 302
    assert supervisor.get("/admin/years").status_code == 403
    assert supervisor.post("/admin/years", data={"year": "2027", "spreadsheet": SS27}).status_code == 403
    page = admin.get("/admin/years").get_data(as_text=True)
    assert f"{SS26}</a> (implicită)" in page and "Anul 2027 nu are încă o foaie de calcul proprie" in page
    r = admin.post("/admin/years", data={"year": "2027", "spreadsheet": "foaia mea"})
    assert r.status_code == 400
    assert ("„foaia mea” nu este adresa sau identificatorul unei foi de calcul Google" in r.get_data(as_text=True))
    r = admin.post("/admin/years", data={"year": "douămii", "spreadsheet": SS27})
    assert r.status_code == 400 and "Anul „douămii” nu este un an (de exemplu 2027)." in r.get_data(as_text=True)
    assert app.extensions["store"].years.explicit() == {}
    r = admin.post("/admin/years", data={"year": "2027", "spreadsheet": URL27})
    assert r.status_code == 302
    assert app.extensions["store"].years.explicit() == {2027: SS27}
    page = admin.get("/admin/years").get_data(as_text=True)
    assert f"Anul 2027 are acum foaia de calcul {SS27}." in page
    assert f'<th scope="row">2027</th>\n      <td><a href="https://docs.google.com/spreadsheets/d/{SS27}/edit">{SS27}</a></td>' in page


def test_web_page_needs_a_csrf_token(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-11-02T09:00", WTF_CSRF_ENABLED=True)
    admin = app.test_client()
    from tests.conftest import csrf_token

    token = csrf_token(admin.get("/login").get_data(as_text=True))
    assert admin.post("/login", data={"username": "admin", "password": "parola-de-test-1",
                                      "csrf_token": token}).status_code == 302
    assert admin.post("/admin/years", data={"year": "2027", "spreadsheet": SS27}).status_code == 400
    assert app.extensions["store"].years.explicit() == {}
    token = csrf_token(admin.get("/admin/years").get_data(as_text=True))
    r = admin.post("/admin/years", data={"year": "2027", "spreadsheet": SS27, "csrf_token": token})
    assert r.status_code == 302 and app.extensions["store"].years.explicit() == {2027: SS27}


WARNING = "Anul 2027 nu are încă o foaie de calcul proprie"


def test_home_warns_the_admin_from_1_november(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-10-31T09:00")
    clock = app.extensions["clock"]
    admin, supervisor = app.test_client(), app.test_client()
    assert login(admin, "admin").status_code == 302 and login(supervisor, "supervisor").status_code == 302
    assert WARNING not in admin.get("/").get_data(as_text=True)
    clock.set("2026-11-02T09:00")
    assert WARNING in admin.get("/").get_data(as_text=True)
    assert WARNING not in supervisor.get("/").get_data(as_text=True)  # the admin's task
    assert cli(app, "year", "2027", SS27).exit_code == 0
    assert WARNING not in admin.get("/").get_data(as_text=True)


def test_home_warns_past_80_percent_of_the_cells(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2026-06-01T09:00")
    store = app.extensions["store"]
    emu.add_sheet("Arhivă", rows=700_000, cols=12, spreadsheet_id=SS26)  # 8 400 000 cells, + Sheet1's 26 000
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    emu.reset_counts()
    assert store.warnings(date(2026, 6, 1)) == []  # nothing read yet, and no request to know
    assert emu.counts()["endpoints"] == {}
    store.read(["presa"], date(2026, 6, 1), date(2026, 6, 1))  # what any page does
    emu.reset_counts()
    assert store.warnings(date(2026, 6, 1)) == [
        f"Foaia de calcul {SS26} (anii fără foaie proprie) folosește 84% din cele 10.000.000 de celule permise de "
        "Google (8.426.000 celule). Dați anului următor o foaie proprie."]
    assert emu.counts()["endpoints"] == {}
    assert "folosește 84% din cele 10.000.000 de celule" in admin.get("/").get_data(as_text=True)


def test_outbox_page_lists_both_spreadsheets_operations(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2027-01-04T09:00", SHEETS_MAX_ATTEMPTS=1)
    store = app.extensions["store"]
    assert cli(app, "year", "2027", SS27).exit_code == 0
    emu.inject("500", times=2, endpoint="spreadsheets.batchUpdate")
    for office, day, clerk, figures in SAVES[:2]:
        store.save_day(office, day, clerk, rows_of(office, day, clerk, figures))
    queue = store.sync_queue
    assert queue.sync(max_seconds=5)["failed"] == 2
    failed = queue.ops(statuses=("failed",))
    assert sorted(op.day for op in failed) == [DEC30, JAN2]
    ids = {op.day: op.id for op in failed}
    out = cli(app, "status").output
    error = "Google a răspuns 500 (eroare internă la Google) — detaliu: Internal error encountered."
    assert out.splitlines() == [f"spreadsheet: {SS26}, {SS27} (emulator at {server.host})",
                                "outbox: pending 0, failed 2, delivered 0, superseded 0, dropped 0",
                                f"  #1 failed day presa attempts 1: {error}",
                                f"  #2027000000001 failed day presa attempts 1: {error}"]
    assert ids[DEC30] < 10 ** 9 <= ids[JAN2]  # the 2027 outbox's ops carry its tag
    sup = app.test_client()
    assert login(sup, "supervisor").status_code == 302
    page = sup.get("/data/outbox").get_data(as_text=True)
    assert "Eșuate: 2" in page and "30.12.2026" in page and "02.01.2027" in page
    r = sup.post(f"/data/outbox/{ids[JAN2]}/retry", follow_redirects=True)
    assert "Operațiunea a fost trimisă foii de calcul." in r.get_data(as_text=True)
    # "Reîncearcă" delivers at once, to the 2027 spreadsheet; the 2026 op stays failed
    assert queue.op(ids[JAN2]).status == "delivered" and queue.op(ids[DEC30]).status == "failed"
    assert emu.sheet_titles(spreadsheet_id=SS26) == ["Sheet1"]  # its worksheet creation failed
    assert sheet_rows(emu, SS27) == [("2027-01-02", "adrese-email", "", "clerk2", "6", ""),
                                     ("2027-01-02", "l544-studiere", "", "clerk2", "4", "")]


def test_setting_the_current_year_says_what_happens_to_its_rows(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, "2027-01-04T09:00")
    r = cli(app, "year", "2027", SS27)
    assert r.exit_code == 0
    assert r.output.startswith(f"Anul 2027: foaia de calcul {SS27}. Atenție: rândurile anului 2027 salvate până "
                               f"acum rămân în foaia {SS26} și nu mai apar în rapoarte; copiați-le în foaia nouă "
                               "dacă e nevoie.\n")
    admin = app.test_client()
    assert login(admin, "admin").status_code == 302
    # the same spreadsheet again: nothing moves, nothing to say; next year the default one: warning silenced
    assert admin.post("/admin/years", data={"year": "2027", "spreadsheet": SS27}).status_code == 302
    page = admin.get("/admin/years").get_data(as_text=True)
    assert f"Anul 2027 are acum foaia de calcul {SS27}." in page and "Atenție" not in page
    app.extensions["clock"].set("2027-11-02T09:00")
    assert "Anul 2028 nu are încă" in admin.get("/").get_data(as_text=True)
    assert admin.post("/admin/years", data={"year": "2028", "spreadsheet": SS26}).status_code == 302
    assert "Anul 2028 nu are încă" not in admin.get("/").get_data(as_text=True)
    assert app.extensions["store"].years.explicit() == {2027: SS27, 2028: SS26}


def test_last_years_pending_save_is_delivered_after_a_restart(tmp_path, server, emu, monkeypatch):
    """A save of 31 December kept in the 2026 outbox when the app stopped is
    delivered by the next process, though its pages only read 2027."""
    import time

    first = google_app(tmp_path, server, monkeypatch, "2027-01-04T09:00")
    assert cli(first, "year", "2027", SS27).exit_code == 0
    store = first.extensions["store"]
    store.save_day("presa", DEC31, "clerk", [Row("presa", DEC31, "l544-studiere", "clerk", lucrari=2)])
    assert store.default.pending_count() == 1
    store.close()
    second = create_app(dict(first.config, SHEETS_SYNC_INTERVAL=0.1), instance_path=first.instance_path)
    store = second.extensions["store"]
    try:
        store.read(["presa"], JAN4, JAN4)  # this week: the 2027 spreadsheet only
        deadline = time.monotonic() + 10
        while store.pending_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sheet_rows(emu, SS26) == [("2026-12-31", "l544-studiere", "", "clerk", "2", "")]
        assert emu.sheet_titles(spreadsheet_id=SS27) == ["Sheet1"]
    finally:
        store.close()

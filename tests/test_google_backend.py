"""The Google Sheets backend, through the real gspread client talking HTTP to
the in-process Sheets emulator (nothing of gspread is patched or mocked).

Worksheet layout, request budgets (counted by the emulator), the read cache,
every hand edit a supervisor may make in the sheet, text stored as text,
pending saves in the views, the pages, the CLI and start-up configuration.
"""
from __future__ import annotations

from html import unescape as html_unescape

import json
import re
import threading
from datetime import date
from urllib.parse import quote

import pytest

from tests.clock import FakeClock

from domain.rows import Row

from sheets import ConfigError, RowNotFound
from sheets_emulator import EmulatorServer
from sheets.google import FRESH_MIN_AGE
from sheets.google.cells import parse_count, parse_day
from sheets.google.layout import HEADER
from tests.conftest import make_app
from tests.stores import google_store
from tests.test_entry import field_value

SS = "1GoogleBackendTests_abcdefghijklmnopqrstuv"
PRESA = "SERVICIUL PRESĂ"
CONS = "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
D1, D2, D3 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server():
    with EmulatorServer() as srv:
        srv.emulator.create_spreadsheet(SS, title="Raportare activitate")
        yield srv


@pytest.fixture
def emu(server):
    return server.emulator


@pytest.fixture
def store(server, tmp_path, clock):
    s = google_store(server, tmp_path, SS, clock=clock, sleep=clock.advance, cache_ttl=30)
    yield s
    s.close()
    s.session.close()


def cost(emu, fn):
    """(result of fn(), the API requests it made as {endpoint: n})."""
    emu.reset_counts()
    result = fn()
    return result, emu.counts()["endpoints"]


def table(result):
    return sorted((r.office, r.day.isoformat(), r.activity, r.part, r.clerk, r.lucrari, r.documente, r.note)
                  for r in result.rows)


def problems(result):
    return [(p.worksheet, p.cell, p.value, p.message) for p in result.problems]


def ids_in_sheet(emu, title=PRESA):
    return [r[0] for r in emu.get_values(title)[1:] if r]


def seed(store):
    """Three rows of Presă (sheet rows 2-4), delivered."""
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3),
        Row("presa", D1, "comunicate-site", "ana", lucrari=2, documente=2),
        Row("presa", D1, "adrese-email", "ana", lucrari=7),
    ])
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}


SEEDED = [
    ("presa", "2026-11-23", "adrese-email", "", "ana", 7, None, ""),
    ("presa", "2026-11-23", "comunicate-site", "", "ana", 2, 2, ""),
    ("presa", "2026-11-23", "l544-studiere", "", "ana", 3, None, ""),
]


# -- worksheets ---------------------------------------------------------------


def test_worksheet_created_on_first_save(store, emu):
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3),
        Row("presa", D1, "solicitari-presa", "ana", lucrari=73, part="telefonice"),
    ])
    _, used = cost(emu, store.sync)
    assert used == {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 2}  # create, then appendCells
    values = emu.get_values(PRESA)
    assert values[0] == list(HEADER) == [
        "ID rând", "Data", "Activitate (cod)", "Activitate", "Detaliu", "Funcționar", "Nr. lucrări",
        "Nr. documente produse", "Observații", "Introdus la", "Modificat de", "Modificat la"]
    stamp = values[1][9]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", stamp)
    assert values[1:] == [
        [Row("presa", D1, "l544-studiere", "ana").row_id, "2026-11-23", "l544-studiere", "Studiere solicitare", "",
         "ana", "3", "", "", stamp],
        [Row("presa", D1, "solicitari-presa", "ana", part="telefonice").row_id, "2026-11-23", "solicitari-presa",
         "Solicitări de presă — Discuții telefonice", "telefonice", "ana", "73", "", "", stamp],
    ]
    for col in "ABCDEFGHIJKL":
        assert emu.get_format(PRESA, f"{col}1") == {"textFormat": {"bold": True}}
    props = emu.sheet_properties(PRESA)
    assert props["gridProperties"] == {"rowCount": 4, "columnCount": 12, "frozenRowCount": 1}
    assert store.worksheet_url("presa") == (
        f"https://docs.google.com/spreadsheets/d/{SS}/edit#gid={props['sheetId']}")
    # the catalog's other office got its worksheet in the same write (its first save costs none)
    assert store.outbox.sheet_ids() == {"presa": (props["sheetId"], PRESA),
                                        "consiliere": (emu.sheet_properties(CONS)["sheetId"], CONS)}
    assert emu.get_values(CONS) == [list(HEADER)]


def test_sheets_init_creates_missing_worksheets_once(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch)
    runner = app.test_cli_runner()
    emu.reset_counts()
    first = runner.invoke(args=["sheets", "init"])
    assert first.exit_code == 0, first.output
    ids = {t: emu.sheet_properties(t)["sheetId"] for t in (PRESA, CONS)}
    assert first.output.splitlines() == [
        f"created worksheet '{PRESA}' (sheetId {ids[PRESA]}) with its header",
        f"created worksheet '{CONS}' (sheetId {ids[CONS]}) with its header",
        f"Spreadsheet {SS}: 2 worksheet(s) ready.",
    ]
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "spreadsheets.batchUpdate": 1}
    emu.set_cell(CONS, "L1", "")  # someone deleted a header cell
    emu.reset_counts()
    second = runner.invoke(args=["sheets", "init"])
    assert second.output.splitlines() == [
        f"worksheet '{PRESA}' (sheetId {ids[PRESA]}) is ready",
        f"worksheet '{CONS}' (sheetId {ids[CONS]}): added header columns Modificat la",
        f"Spreadsheet {SS}: 2 worksheet(s) ready.",
    ]
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    assert emu.get_values(CONS)[0] == list(HEADER)
    assert emu.sheet_titles() == ["Sheet1", PRESA, CONS]
    status = runner.invoke(args=["sheets", "status"])
    assert status.exit_code == 0
    assert status.output.splitlines()[:2] == [
        f"spreadsheet: {SS} (emulator at {server.host})",
        "outbox: pending 0, failed 0, delivered 0, superseded 0, dropped 0"]
    assert f"worksheet presa: '{PRESA}' (sheetId {ids[PRESA]})" in status.output


# -- request budgets and the cache --------------------------------------------


def test_request_budgets(store, emu, server, tmp_path, clock):
    seed(store)
    store.save_day("consiliere", D1, "dan", [Row("consiliere", D1, "centrala-telefonica", "dan", lucrari=540)])
    store.sync()
    # a new process: metadata once, then one batchGet for the whole weekly report
    fresh = google_store(server, tmp_path / "other", SS, clock=clock, sleep=clock.advance)
    result, used = cost(emu, lambda: fresh.read(["presa", "consiliere"], *WEEK))
    assert used == {"spreadsheets.get": 1, "values.batchGet": 1} and len(result.rows) == 4
    # a weekly report of all offices: exactly one read
    _, used = cost(emu, lambda: store.read(["presa", "consiliere"], *WEEK))
    assert used == {"values.batchGet": 1}
    # the same report again within the TTL, or one office of it: nothing
    _, used = cost(emu, lambda: (store.read(["presa", "consiliere"], *WEEK), store.read(["presa"], *WEEK)))
    assert used == {}
    # a form submit of a new day: row 1 read (where the columns are now) and one write
    store.save_day("presa", D2, "ana", [Row("presa", D2, "l544-studiere", "ana", lucrari=1)])
    result, used = cost(emu, store.sync)
    assert used == {"values.get": 1, "spreadsheets.batchUpdate": 1} and result["delivered"] == 1  # appendCells
    # several submits of new days, of two offices, in one flush: both row 1s in ONE read,
    # and ONE write for both offices
    store.save_day("presa", D2, "ion", [Row("presa", D2, "l544-studiere", "ion", lucrari=1)])
    store.save_day("presa", D3, "ana", [Row("presa", D3, "l544-studiere", "ana", lucrari=1)])
    store.save_day("consiliere", D2, "dan", [Row("consiliere", D2, "centrala-telefonica", "dan", lucrari=1)])
    _, used = cost(emu, store.sync)
    assert used == {"values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    # our own write invalidated the cache: the next report reads again (once)
    _, used = cost(emu, lambda: store.read(["presa", "consiliere"], *WEEK))
    assert used == {"values.batchGet": 1}
    # a day already delivered, submitted again with a change: 1 read, 1 check that the
    # rows and columns written have not moved (a small batchGet), 1 write
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=4)])
    _, used = cost(emu, store.sync)
    assert used == {"values.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    # a supervisor's correction (the table page has just been read): read, check, write
    row = store.read(["presa"], D1, D1).rows[0]
    _, used = cost(emu, lambda: store.update_row("presa", row.row_id, {"lucrari": 5}, "sef"))
    assert used == {"values.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1}
    _, used = cost(emu, lambda: store.delete_row("presa", row.row_id, "sef"))
    assert used == {"values.batchGet": 2, "values.get": 1, "spreadsheets.batchUpdate": 1}
    # nothing to send: no request
    _, used = cost(emu, store.sync)
    assert used == {}


def test_hand_edit_seen_after_ttl_or_fresh(store, emu, clock):
    seed(store)
    store.read(["presa"], *WEEK)
    emu.set_cell(PRESA, "G2", "30")
    assert table(store.read(["presa"], *WEEK))[2][5] == 3  # cached
    clock.advance(29)
    assert table(store.read(["presa"], *WEEK))[2][5] == 3
    assert table(store.read(["presa"], *WEEK, fresh=True))[2][5] == 30  # fresh bypasses the cache
    emu.set_cell(PRESA, "G2", "31")
    clock.advance(29)
    assert table(store.read(["presa"], *WEEK))[2][5] == 30
    clock.advance(2)  # past the TTL
    result = store.read(["presa"], *WEEK)
    assert table(result)[2][5] == 31
    assert result.read_at.timestamp() == clock.now and not result.stale


def test_own_write_invalidates_cache(store, emu):
    seed(store)
    store.read(["presa", "consiliere"], *WEEK)
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=1)])
    store.sync()
    result, used = cost(emu, lambda: store.read(["presa", "consiliere"], *WEEK))
    assert used == {"values.batchGet": 1} and result.pending == 0
    assert len(result.rows) == 4



def test_refresh_within_seconds_is_served_from_the_cache(store, emu, clock):
    """?refresh=1 pressed in a loop must not spend the city hall's read quota."""
    seed(store)
    _, used = cost(emu, lambda: [store.read(["presa"], *WEEK, fresh=True) for _ in range(3)])
    assert used == {"values.batchGet": 1}
    clock.advance(FRESH_MIN_AGE - 0.1)
    _, used = cost(emu, lambda: store.read(["presa"], *WEEK, fresh=True))
    assert used == {}
    clock.advance(0.1)
    _, used = cost(emu, lambda: store.read(["presa"], *WEEK, fresh=True))
    assert used == {"values.batchGet": 1}


def test_sync_gives_up_waiting_for_the_sender_within_max_seconds(store, emu):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "adrese-email", "ana", lucrari=1)])
    store._flush_lock.acquire()  # the sender thread is mid-pass against a slow Google
    try:
        done = []
        t = threading.Thread(target=lambda: done.append(store.sync(max_seconds=0.3)), daemon=True)
        t.start()
        t.join(5)
        assert done == [{"delivered": 0, "pending": 1, "failed": 0}]
    finally:
        store._flush_lock.release()
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}


@pytest.mark.parametrize("warm", [True, False], ids=["read-before", "new-instance-folder"])
def test_new_day_replaces_rows_typed_by_hand(store, emu, server, tmp_path, clock, warm):
    """A day this instance never sent may already have rows in the sheet (typed
    by a supervisor, or sent from an instance folder since lost): they are
    replaced, not appended to."""
    seed(store)
    for cell, value in (("B5", "2026-11-24"), ("C5", "l544-studiere"), ("F5", "bob"), ("G5", "2")):
        emu.set_cell(PRESA, cell, value, raw=True)
    other = store if warm else google_store(server, tmp_path / "restored", SS, clock=clock, sleep=clock.advance)
    if warm:
        assert len(store.read(["presa"], *WEEK, fresh=True).rows) == 4
    other.save_day("presa", D2, "bob", [Row("presa", D2, "l544-studiere", "bob", lucrari=2),
                                        Row("presa", D2, "adrese-email", "bob", lucrari=1)])
    assert other.sync()["delivered"] == 1
    bob = sorted((r[2], r[6]) for r in emu.get_values(PRESA)[1:] if r[5:6] == ["bob"])
    assert bob == [("adrese-email", "1"), ("l544-studiere", "2")]
    clock.advance(FRESH_MIN_AGE)
    assert sum(r.lucrari for r in store.read(["presa"], *WEEK, fresh=True).rows if r.clerk == "bob") == 3


def test_count_with_thousands_of_digits_is_a_problem(store, emu):
    seed(store)
    emu.set_cell(PRESA, "G2", "7" * 5000, raw=True)
    result = store.read(["presa"], *WEEK, fresh=True)
    assert [(p.cell, p.message) for p in result.problems] == [("G2", "Numărul este prea mare pentru o săptămână de lucru.")]
    assert table(result) == SEEDED[:2] + [SEEDED[2][:5] + (None,) + SEEDED[2][6:]]


# -- hand edits -----------------------------------------------------------------


def _set(cell, value, raw=False):
    return lambda emu: emu.set_cell(PRESA, cell, value, raw=raw)


def _l544(lucrari):
    return [SEEDED[0], SEEDED[1], ("presa", "2026-11-23", "l544-studiere", "", "ana", lucrari, None, "")]


MSG_TEXT = "Valoarea nu este un număr întreg; celula nu este luată în calcul."


@pytest.mark.parametrize("edit, expected, found", [
    (_set("G2", "15"), _l544(15), []),
    (_set("G2", "12 ", raw=True), _l544(12), []),
    (_set("G2", "12,0"), _l544(12), []),
    (_set("G2", "12.0", raw=True), _l544(12), []),
    (_set("G2", "1.510", raw=True), _l544(1510), []),
    (_set("G2", "1,510"), _l544(1510), []),
    (_set("G2", ""), _l544(None), []),
    (_set("G2", "abc"), _l544(None), [(PRESA, "G2", "abc", MSG_TEXT)]),
    (_set("G2", "-3"), _l544(None),
     [(PRESA, "G2", "-3", "Numărul este negativ; se așteaptă un număr întreg de la 0 în sus.")]),
    (_set("G2", "12,5"), _l544(None), [(PRESA, "G2", "12,5", "Numărul are zecimale; se așteaptă un număr întreg.")]),
    (_set("G2", "2026-11-24"), _l544(None),
     [(PRESA, "G2", "2026-11-24", "Celula conține o dată calendaristică, nu un număr.")]),
    (_set("G2", "=A1+1"), _l544(None),
     [(PRESA, "G2", "#NAME?", "Formula din celulă dă o eroare; celula nu este luată în calcul.")]),
    (lambda emu: emu.insert_rows(PRESA, 3, 2), SEEDED, []),
    (lambda emu: emu.delete_rows(PRESA, 3), [SEEDED[0], SEEDED[2]], []),
    (lambda emu: emu.move_column(PRESA, "G", "B"), SEEDED, []),
    (lambda emu: (emu.move_column(PRESA, "A", "L"), emu.move_column(PRESA, "C", "A")), SEEDED, []),
    (lambda emu: (emu.insert_column(PRESA, "C", header="Notițele șefului"), emu.set_cell(PRESA, "C2", "de văzut")),
     SEEDED, []),
    (lambda emu: emu.rename_sheet(PRESA, "Presă (arhivă)"), SEEDED, []),
    (lambda emu: emu.sort_rows(PRESA, "C", descending=True), SEEDED, []),
    (lambda emu: (emu.set_cell(PRESA, "B5", "24.11.2026"), emu.set_cell(PRESA, "C5", "fise-post"),
                  emu.set_cell(PRESA, "F5", "maria"), emu.set_cell(PRESA, "H5", "2")),
     SEEDED + [("presa", "2026-11-24", "fise-post", "", "maria", None, 2, "")], []),
    (lambda emu: (emu.set_cell(PRESA, "B5", "24.13.2026"), emu.set_cell(PRESA, "C5", "fise-post")), SEEDED,
     [(PRESA, "B5", "24.13.2026", "Data nu poate fi citită (scrieți-o ca 2026-11-24 sau 24.11.2026); "
                                  "rândul nu este luat în calcul.")]),
    (_set("C3", ""), [SEEDED[0], SEEDED[2]],
     [(PRESA, "C3", "", "Rândul nu are codul activității; nu este luat în calcul.")]),
    (_set("C3", "activitate-noua"), sorted([SEEDED[0], SEEDED[2], (
        "presa", "2026-11-23", "activitate-noua", "", "ana", 2, 2, "")]), []),
])
def test_hand_edits_are_read_or_listed(store, emu, edit, expected, found):
    seed(store)
    edit(emu)
    result = store.read(["presa"], *WEEK, fresh=True)
    assert table(result) == expected
    assert problems(result) == [(emu.sheet_titles()[1], c, v, m) for _, c, v, m in found]
    sheet_id = emu.sheet_properties(emu.sheet_titles()[1])["sheetId"]
    assert [p.url for p in result.problems] == [
        f"https://docs.google.com/spreadsheets/d/{SS}/edit#gid={sheet_id}&range={c}" for _, c, _, _ in found]


def test_writes_land_in_the_right_cells_after_hand_edits(store, emu):
    seed(store)
    emu.insert_rows(PRESA, 2, 2)  # two empty rows at the top
    emu.move_column(PRESA, "G", "B")  # "Nr. lucrări" now second
    emu.insert_column(PRESA, "D", header="Notițele șefului")
    emu.set_cell(PRESA, "D5", "de văzut")
    emu.sort_rows(PRESA, "A")  # rows move
    emu.rename_sheet(PRESA, "Presă")
    rows = {r.activity: r for r in store.read(["presa"], *WEEK, fresh=True).rows}
    store.update_row("presa", rows["comunicate-site"].row_id, {"lucrari": 9, "note": "corectat"}, "sef")
    store.delete_row("presa", rows["adrese-email"].row_id, "sef")
    store.save_day("presa", D2, "ion", [Row("presa", D2, "fise-post", "ion", documente=1)])
    assert store.sync()["delivered"] == 1
    # no new worksheet for presa (consiliere's was made with presa's first, by the seed)
    assert emu.sheet_titles() == ["Sheet1", "Presă", CONS]
    values = emu.get_values("Presă")
    header = values[0]
    col = {name: header.index(name) for name in header if name}
    by_activity = {r[col["Activitate (cod)"]]: r for r in values[1:] if len(r) > col["Activitate (cod)"]}
    assert sorted(by_activity) == ["comunicate-site", "fise-post", "l544-studiere"]
    assert by_activity["comunicate-site"][col["Nr. lucrări"]] == "9"
    assert by_activity["comunicate-site"][col["Observații"]] == "corectat"
    assert by_activity["comunicate-site"][col["Modificat de"]] == "sef"
    assert by_activity["fise-post"][col["Nr. documente produse"]] == "1"
    notes = [r[col["Notițele șefului"]] for r in values[1:] if len(r) > col["Notițele șefului"]]
    assert "de văzut" in notes  # the supervisor's own column is untouched
    assert table(store.read(["presa"], *WEEK, fresh=True)) == [
        ("presa", "2026-11-23", "comunicate-site", "", "ana", 9, 2, "corectat"),
        ("presa", "2026-11-23", "l544-studiere", "", "ana", 3, None, ""),
        ("presa", "2026-11-24", "fise-post", "", "ion", None, 1, ""),
    ]


def test_append_after_columns_were_reordered(store, emu, clock):
    """Column positions seen in a read are trusted for a blind append only for
    a while (header_max_age); after that the append reads row 1 first."""
    seed(store)
    store.read(["presa"], *WEEK)
    emu.move_column(PRESA, "A", "L")  # "ID rând" is now the last column
    clock.advance(store.header_max_age)
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=6)])
    _, used = cost(emu, store.sync)
    assert used == {"values.get": 1, "spreadsheets.batchUpdate": 1}
    values = emu.get_values(PRESA)
    assert values[0][11] == "ID rând" and values[4][11] == Row("presa", D2, "adrese-email", "ana").row_id
    assert values[4][:6] == ["2026-11-24", "adrese-email", "Gestionare adrese de e-mail", "", "ana", "6"]
    assert table(store.read(["presa"], *WEEK, fresh=True))[-1] == (
        "presa", "2026-11-24", "adrese-email", "", "ana", 6, None, "")


def test_worksheet_deleted_by_hand_is_recreated(store, emu):
    seed(store)
    emu.delete_sheet(PRESA)
    assert store.read(["presa"], *WEEK, fresh=True).rows == []
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=1)])
    assert store.sync()["delivered"] == 1
    assert ids_in_sheet(emu) == [Row("presa", D2, "adrese-email", "ana").row_id]


def test_row_typed_by_hand_gets_a_stable_id_and_can_be_corrected(store, emu):
    seed(store)
    for cell, value in (("B5", "2026-11-24"), ("C5", "fise-post"), ("F5", "ana"), ("H5", "2")):
        emu.set_cell(PRESA, cell, value, raw=True)
    first = store.read(["presa"], *WEEK, fresh=True)
    hand = next(r for r in first.rows if r.activity == "fise-post")
    assert hand.row_id.startswith("h") and hand.row_id == next(
        r for r in store.read(["presa"], *WEEK, fresh=True).rows if r.activity == "fise-post").row_id
    store.update_row("presa", hand.row_id, {"documente": 3}, "sef")
    assert emu.get_cell(PRESA, "A5") == hand.row_id  # the id is written on the first correction
    assert emu.get_cell(PRESA, "H5") == "3"
    again = store.read(["presa"], *WEEK, fresh=True)
    assert [(r.row_id, r.documente, r.changed_by) for r in again.rows if r.activity == "fise-post"] == [
        (hand.row_id, 3, "sef")]


def test_exact_copy_of_a_row_is_read_once_and_removed_by_the_next_write(store, emu):
    seed(store)
    for i, value in enumerate(emu.get_values(PRESA)[1]):
        emu.set_cell(PRESA, f"{'ABCDEFGHIJKL'[i]}5", value, raw=True)
    assert table(store.read(["presa"], *WEEK, fresh=True)) == SEEDED
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=3)])
    store.sync()
    assert ids_in_sheet(emu) == [Row("presa", D1, "l544-studiere", "ana").row_id]


def test_text_written_by_the_app_stays_text(store, emu):
    texts = ['=IMPORTXML("http://x";"//a")', "+1", "@x", "-1", "=1+1", "'quoted", "TRUE", "2026-11-24", "0012"]
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=1, note=texts[0])])
    store.sync()
    sheet = emu.spreadsheets[SS].find_title(PRESA)
    assert sheet.get(1, 8)["userEnteredValue"] == {"stringValue": texts[0]}
    row = store.read(["presa"], *WEEK, fresh=True).rows[0]
    for text in texts:
        store.update_row("presa", row.row_id, {"note": text}, "sef")
        assert sheet.get(1, 8)["userEnteredValue"] == {"stringValue": text}
        assert emu.get_cell(PRESA, "I2") == text
        assert store.read(["presa"], *WEEK, fresh=True).rows[0].note == text


def test_hostile_sheet_never_breaks_a_read(store, emu):
    """Text everywhere, empty and duplicate header names, ragged rows, 5000 rows."""
    emu.add_sheet(PRESA, rows=5001, cols=12)
    header = ["ID rând", "Data", "", "Activitate (cod)", "Data", "Funcționar", "Nr. lucrări", "nr lucrari",
              "Observații", "Data"]
    rows = [header]
    for i in range(5000):
        rows.append([
            [f"id{i}", "2026-11-24", "x", "l544-studiere", "junk", "ana", "1", "9", "ok"],
            ["", "24.11.2026", "", "adrese-email", "", "ana", "2"],
            [f"id{i}", "2026-11-24", "", "adrese-email", "", "ion", "abc"],
            [f"id{i}", "mâine", "", "adrese-email", "", "ion", "1"],
            [f"id{i}", "2026-11-24"],
            [],
            [f"id{i}", "2026-11-24", "", "adrese-email", "", "ion", "1.510"],
            [f"id{i}", "46350", "", "adrese-email", "", "ion", "-3"],
            [f"id{i}", "11/24/2026", "", "nu-exista", "", "ion", "=SUM(1,2)", "", "=HYPERLINK(\"x\")"],
            [f"text {i}"] + ["text"] * 11,
        ][i % 10])
    emu.handle("PUT", f"/v4/spreadsheets/{SS}/values/{quote(PRESA + '!A1', safe='')}",
               {"valueInputOption": ["RAW"]}, {"values": rows})
    result = store.read(["presa"], date(2000, 1, 1), date(2099, 12, 31), fresh=True)
    assert len(result.rows) == 3000
    assert sum(r.lucrari or 0 for r in result.rows) == 500 * (1 + 2 + 1510)
    assert {r.activity for r in result.rows} == {"l544-studiere", "adrese-email", "nu-exista"}
    assert {r.day for r in result.rows} == {D2}
    assert len({r.row_id for r in result.rows}) == 3000
    assert len(result.problems) == 3001  # and the header without „Nr. documente produse”
    assert problems(result)[0] == (PRESA, "A1", "ID rând", "Antetul foii nu are coloana „Nr. documente produse”; "
                                   "cifrele din ea nu sunt luate în calcul până când antetul este scris din nou.")
    assert problems(result)[1:7] == [
        (PRESA, "G4", "abc", MSG_TEXT),
        (PRESA, "B5", "mâine", "Data nu poate fi citită (scrieți-o ca 2026-11-24 sau 24.11.2026); "
                               "rândul nu este luat în calcul."),
        (PRESA, "D6", "", "Rândul nu are codul activității; nu este luat în calcul."),
        (PRESA, "G9", "-3", "Numărul este negativ; se așteaptă un număr întreg de la 0 în sus."),
        (PRESA, "G10", "=SUM(1,2)", MSG_TEXT),
        (PRESA, "B11", "text", "Data nu poate fi citită (scrieți-o ca 2026-11-24 sau 24.11.2026); "
                               "rândul nu este luat în calcul."),
    ]
    # a weekly report over it costs two requests: the „Data” column, then the week's rows (sheets/google/period.py)
    _, used = cost(emu, lambda: store.read(["presa", "consiliere"], *WEEK, fresh=True))
    assert used == {"values.batchGet": 2}


def test_header_without_a_date_column_is_one_problem(store, emu):
    emu.add_sheet(PRESA, rows=10, cols=12)
    emu.set_cell(PRESA, "A1", "Ceva")
    emu.set_cell(PRESA, "C1", "Activitate (cod)")
    emu.set_cell(PRESA, "C2", "adrese-email")
    result = store.read(["presa"], *WEEK, fresh=True)
    assert (result.rows, problems(result)) == (
        [], [(PRESA, "A1", "Ceva", "Antetul foii nu are coloana „Data”; rândurile foii nu pot fi citite.")])


@pytest.mark.parametrize("text, expected", [
    ("12", 12), (" 12 ", 12), ("12,0", 12), ("12.00", 12), ("1.510", 1510), ("1,510", 1510), ("1 510", 1510),
    ("1.510.000", 1510000), ("1.510,00", 1510), ("+4", 4), ("0", 0), ("-0", 0), ("", None), ("  ", None),
])
def test_parse_count_accepts(text, expected):
    assert parse_count(text) == (expected, None)


@pytest.mark.parametrize("text", ["abc", "12,5", "1.5", "-3", "1e3", "24.11.2026", "2026-11-24", "11/24/2026",
                                  "#REF!", "TRUE", "1.51.0", "99999999999", "1,5 lei"])
def test_parse_count_refuses(text):
    value, error = parse_count(text)
    assert value is None and error


@pytest.mark.parametrize("text, month_first, expected", [
    ("2026-11-24", False, D2), ("2026-11-24 00:00:00", False, D2), ("24.11.2026", False, D2),
    ("24/11/2026", False, D2), ("24/11/2026", True, D2), ("11/24/2026", True, D2), ("11/24/2026", False, D2),
    ("03/04/2026", False, date(2026, 4, 3)), ("03/04/2026", True, date(2026, 3, 4)),
    ("46350", False, D2), ("46350.5", False, D2), ("24-11-2026", False, D2), ("", False, None),
])
def test_parse_day(text, month_first, expected):
    assert parse_day(text, month_first) == (expected, None)


@pytest.mark.parametrize("text", ["mâine", "31.02.2026", "2026-13-01", "12", "1999-12-31", "24.11.26", "abc"])
def test_parse_day_refuses(text):
    value, error = parse_day(text)
    assert value is None and error


# -- pending saves in the views ---------------------------------------------------


def test_pending_saves_are_in_the_views_before_delivery(store, emu):
    seed(store)
    store.read(["presa"], *WEEK)
    emu.reset_counts()
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=1)])
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=4)])  # replaces D1
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=2)])  # supersedes
    result = store.read(["presa"], *WEEK)
    assert emu.counts()["endpoints"] == {}
    assert table(result) == [
        ("presa", "2026-11-23", "l544-studiere", "", "ana", 4, None, ""),
        ("presa", "2026-11-24", "adrese-email", "", "ana", 2, None, ""),
    ]
    assert result.pending == 2  # the superseded save is not counted
    assert [(op.kind, op.status) for op in store.outbox.ops(statuses=("pending", "superseded"))] == [
        ("day", "superseded"), ("day", "pending"), ("day", "pending")]
    assert store.sync()["delivered"] == 2
    after = store.read(["presa"], *WEEK, fresh=True)
    assert (table(after), after.pending) == (table(result), 0)
    assert len(ids_in_sheet(emu)) == 2


def test_unchanged_row_keeps_its_time_stamp_in_the_view(store):
    seed(store)
    before = {r.activity: r.entered_at for r in store.read(["presa"], *WEEK).rows}
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3), Row("presa", D1, "adrese-email", "ana", lucrari=8)])
    pending = {r.activity: r.entered_at for r in store.read(["presa"], *WEEK).rows}
    assert pending["l544-studiere"] == before["l544-studiere"]


def test_correction_of_a_pending_row_and_a_day_not_yet_sent(store, emu):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=3)])
    row = store.read(["presa"], *WEEK).rows[0]
    emu.reset_counts()
    before, after = store.update_row("presa", row.row_id, {"lucrari": 5, "note": "verificat"}, "sef")
    assert (before.lucrari, after.lucrari, after.note, after.changed_by) == (3, 5, "verificat", "sef")
    # delivered at once, with the day op before it: one read, one check of the row written, one write
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "values.get": 1, "values.batchGet": 1,
                                         "spreadsheets.batchUpdate": 2}
    assert store.outbox.counts()["pending"] == 0
    [stored] = store.read(["presa"], *WEEK, fresh=True).rows
    assert (stored.lucrari, stored.note, stored.changed_by) == (5, "verificat", "sef")
    with pytest.raises(RowNotFound):
        store.update_row("presa", "nosuchrow", {"lucrari": 1}, "sef")


def test_correction_kept_when_google_fails_and_sent_later(store, emu):
    seed(store)
    row = store.read(["presa"], *WEEK).rows[0]
    emu.storm("503", seconds=3600)
    before, after = store.update_row("presa", row.row_id, {"lucrari": 99}, "sef")
    assert after.lucrari == 99
    [op] = store.ops()
    assert (op.kind, op.status, op.attempts) == ("update", "pending", 1)
    assert op.last_error.startswith("Google a răspuns 503")
    view = store.read(["presa"], *WEEK)
    assert view.pending == 1 and view.stale is False
    assert next(r for r in view.rows if r.row_id == row.row_id).lucrari == 99
    emu.clear_faults()
    assert store.sync()["delivered"] == 1
    assert next(r for r in store.read(["presa"], *WEEK, fresh=True).rows if r.row_id == row.row_id).lucrari == 99


def test_correction_of_a_row_deleted_by_hand_is_dropped(store, emu):
    seed(store)
    row = next(r for r in store.read(["presa"], *WEEK).rows if r.activity == "l544-studiere")
    emu.delete_rows(PRESA, 2)
    store.update_row("presa", row.row_id, {"lucrari": 1}, "sef")  # the cached view still has it
    assert store.outbox.counts()["dropped"] == 1
    assert table(store.read(["presa"], *WEEK, fresh=True)) == [SEEDED[0], SEEDED[1]]


# -- the Flask app on the Google backend --------------------------------------------


def google_app(tmp_path, server, monkeypatch, **config):
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    settings = {"SHEETS_BACKEND": "google", "GOOGLE_SPREADSHEET_ID": SS, "SHEETS_SYNC_INTERVAL": 0,
                "SHEETS_TIMEOUT": [2, 5]}
    settings.update(config)
    return make_app(tmp_path, **settings)


def test_app_starts_without_network_and_without_credentials(tmp_path, server, emu, monkeypatch):
    emu.reset_counts()
    app = google_app(tmp_path, server, monkeypatch)
    store = app.extensions["store"]
    assert store.is_async and store.emulator == server.host
    assert emu.counts()["read"] + emu.counts()["write"] == 0
    assert (tmp_path / "instance" / "outbox.sqlite3").exists()


def test_entry_form_and_report_round_trip(tmp_path, server, emu, monkeypatch):
    from tests.conftest import login

    app = google_app(tmp_path, server, monkeypatch)
    c = app.test_client()
    assert login(c, "clerk").status_code == 302
    url = "/entry/presa?date=2026-11-24"
    r = c.post(url, data={"l544-studiere__lucrari": "12", "comunicate-site__lucrari": "5",
                          "comunicate-site__documente": "5", "solicitari-presa__telefonice": "73"})
    assert r.status_code == 302
    page = c.get(url).get_data(as_text=True)
    assert "Salvat: 3 rânduri pentru marți, 24 noiembrie 2026; se sincronizează cu foaia de calcul." in page
    assert re.search(r'name="l544-studiere__lucrari"[^>]*value="12"', page)
    assert emu.counts()["write"] == 0
    store = app.extensions["store"]
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    assert len(ids_in_sheet(emu)) == 3
    # edit without duplicates
    form = c.get(url).get_data(as_text=True)
    r = c.post(url, data={"l544-studiere__lucrari": "13", "comunicate-site__lucrari": "5",
                          "comunicate-site__documente": "5", "solicitari-presa__telefonice": "73",
                          "shown": html_unescape(field_value(form, "shown"))})
    assert r.status_code == 302
    store.sync()
    assert len(ids_in_sheet(emu)) == 3
    report = c.get("/report?week=2026-W48&refresh=1").get_data(as_text=True)
    assert "Studiere solicitare" in report and ">13<" in report and "73 discuții telefonice" in report


def test_supervisor_pages(tmp_path, server, emu, monkeypatch):
    from tests.conftest import login

    app = google_app(tmp_path, server, monkeypatch, SHEETS_MAX_ATTEMPTS=1)
    store = app.extensions["store"]
    seed(store)
    emu.set_cell(PRESA, "G3", "multe")
    c = app.test_client()
    assert login(c, "supervisor").status_code == 302
    page = c.get("/data/problems?refresh=1").get_data(as_text=True)
    sheet_id = emu.sheet_properties(PRESA)["sheetId"]
    assert "<h1>Probleme în date</h1>" in page
    assert (f'<a href="https://docs.google.com/spreadsheets/d/{SS}/edit#gid={sheet_id}&amp;range=G3" '
            f'rel="noopener noreferrer">G3</a>') in page
    assert "<code>multe</code>" in page and MSG_TEXT in page
    # outbox: a failed op (one attempt allowed), then "Sincronizează acum" and "Reîncearcă"
    emu.inject("500", times=1, endpoint="spreadsheets.batchUpdate")
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=1)])
    assert store.sync()["failed"] == 1
    page = c.get("/data/outbox").get_data(as_text=True)
    assert "Eșuate: 1" in page and "Google a răspuns 500 (eroare internă la Google) — detaliu: Internal error encountered." in page
    assert "Ziua unui funcționar: 24.11.2026, ana, 1 rând" in page and "1 din 1" in page
    [op] = store.ops()
    assert f"Reîncearcă nr. {op.id}" in page
    r = c.post(f"/data/outbox/{op.id}/retry")
    assert r.status_code == 302
    assert "Operațiunea a fost trimisă foii de calcul." in c.get("/data/outbox").get_data(as_text=True)
    assert store.outbox.counts()["failed"] == 0 and len(ids_in_sheet(emu)) == 4
    store.save_day("presa", D3, "ana", [Row("presa", D3, "adrese-email", "ana", lucrari=1)])
    c.post("/data/outbox/sync")
    page = c.get("/data/outbox").get_data(as_text=True)
    assert "Sincronizare: trimise 1, în așteptare 0, eșuate 0." in page
    assert "Nicio operațiune în așteptare" in page
    assert c.post("/data/outbox/999/retry").status_code == 404


def test_local_backend_pages_say_there_is_nothing(app, as_user):
    c = as_user("supervisor")
    assert "Datele sunt păstrate local, în baza de date a aplicației, nu într-o foaie de calcul Google" in c.get(
        "/data/problems").get_data(as_text=True)
    assert "nu există o coadă de trimitere" in c.get("/data/outbox").get_data(as_text=True)


def test_google_unreachable_without_a_previous_read_is_a_503_page(tmp_path, server, emu, monkeypatch):
    from tests.conftest import login

    app = google_app(tmp_path, server, monkeypatch)
    emu.storm("503", seconds=3600)
    c = app.test_client()
    assert login(c, "clerk").status_code == 302
    r = c.get("/report")
    assert r.status_code == 503
    html = r.get_data(as_text=True)
    assert "Serviciu indisponibil" in html
    assert "Foaia de calcul Google nu răspunde acum. Încercați din nou peste un minut." in html


def test_sheets_cli_sync_exit_codes(tmp_path, server, emu, monkeypatch):
    app = google_app(tmp_path, server, monkeypatch, SHEETS_MAX_ATTEMPTS=2)
    store = app.extensions["store"]
    store.save_day("presa", D1, "ana", [Row("presa", D1, "adrese-email", "ana", lucrari=1)])
    runner = app.test_cli_runner()
    r = runner.invoke(args=["sheets", "sync"])
    assert (r.exit_code, r.output) == (0, "delivered: 1, pending: 0, failed: 0\n")
    store.backoff_unit, store.backoff_max = 0.001, 0.01
    emu.storm("429", seconds=3600)
    store.save_day("presa", D2, "ana", [Row("presa", D2, "adrese-email", "ana", lucrari=1)])
    r = runner.invoke(args=["sheets", "sync", "--max-seconds", "5"])
    assert r.exit_code == 1
    assert r.output.splitlines()[0] == "delivered: 0, pending: 0, failed: 1"
    assert "after 2 attempts: Google a răspuns 429 (prea multe cereri) — detaliu: Quota exceeded" in r.output


def test_local_backend_cli(app):
    r = app.test_cli_runner().invoke(args=["sheets", "sync"])
    assert r.exit_code == 0 and "there is no spreadsheet and no outbox" in r.output


# -- configuration -------------------------------------------------------------------


def _key_file(path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "test", "private_key_id": "abc", "private_key": pem,
        "client_email": "raportare@test.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}))
    return path


@pytest.mark.parametrize("config, message", [
    ({"GOOGLE_SPREADSHEET_ID": ""}, "GOOGLE_SPREADSHEET_ID is not set"),
    ({"GOOGLE_SPREADSHEET_ID": "not an id!"}, "GOOGLE_SPREADSHEET_ID='not an id!' is not a spreadsheet id"),
    ({"GOOGLE_CREDENTIALS_FILE": ""}, "GOOGLE_CREDENTIALS_FILE is not set"),
    ({"GOOGLE_CREDENTIALS_FILE": "/nonexistent/key.json"}, "GOOGLE_CREDENTIALS_FILE='/nonexistent/key.json': file not found."),
    ({"GOOGLE_CREDENTIALS_FILE": "BAD_JSON"}, "not valid JSON"),
    ({"GOOGLE_CREDENTIALS_FILE": "NOT_SA"}, "not a service-account key (type='authorized_user')"),
    ({"GOOGLE_CREDENTIALS_FILE": "BROKEN_SA"}, "invalid service-account key"),
    ({"SHEETS_TIMEOUT": "soon"}, "SHEETS_TIMEOUT='soon': expected two positive numbers"),
    ({"SHEETS_CACHE_TTL": "x"}, "SHEETS_CACHE_TTL='x': expected a number."),
])
def test_configuration_errors_at_start_up(tmp_path, monkeypatch, config, message):
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    files = {"BAD_JSON": "{not json", "NOT_SA": json.dumps({"type": "authorized_user"}),
             "BROKEN_SA": json.dumps({"type": "service_account", "private_key": "nope"})}
    settings = {"SHEETS_BACKEND": "google", "GOOGLE_SPREADSHEET_ID": SS,
                "GOOGLE_CREDENTIALS_FILE": str(_key_file(tmp_path / "key.json"))}
    for key, value in config.items():
        if value in files:
            (tmp_path / value).write_text(files[value])
            value = str(tmp_path / value)
        settings[key] = value
    with pytest.raises(ConfigError) as err:
        make_app(tmp_path, **settings)
    assert message in str(err.value)


def test_real_google_configuration_uses_a_service_account_with_timeouts(tmp_path, monkeypatch):
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    app = make_app(tmp_path, SHEETS_BACKEND="google", SHEETS_TIMEOUT="3,7",
                   GOOGLE_SPREADSHEET_ID=f"https://docs.google.com/spreadsheets/d/{SS}/edit#gid=0",
                   GOOGLE_CREDENTIALS_FILE=str(_key_file(tmp_path / "key.json")))
    store = app.extensions["store"]
    assert store.spreadsheet_id == SS and store.emulator is None
    assert store.session.default_timeout == (3.0, 7.0) and store.http.timeout == (3.0, 7.0)
    assert store.session.credentials.service_account_email == "raportare@test.iam.gserviceaccount.com"
    assert tuple(store.session.credentials.scopes) == ("https://www.googleapis.com/auth/spreadsheets",)
    assert type(store.http).__name__ == "HTTPClient"  # not gspread's BackOffHTTPClient


def test_supervisor_correction_during_an_outage_says_it_is_kept(tmp_path, server, emu, monkeypatch):
    from tests.conftest import login

    app = google_app(tmp_path, server, monkeypatch, SHEETS_TIMEOUT=[0.5, 0.5])
    clerk, sup = app.test_client(), app.test_client()
    login(clerk, "clerk"), login(sup, "supervisor")
    clerk.post("/entry/presa?date=2026-11-24", data={"l544-studiere__lucrari": "12"})
    store = app.extensions["store"]
    assert store.sync()["delivered"] == 1
    [row] = store.read(["presa"], *WEEK, fresh=True).rows
    emu.storm("503", seconds=3600)
    page = sup.post(f"/data/presa/{row.row_id}?week=2026-W48", data={"action": "save", "lucrari": "15",
                                                                      "documente": "", "note": ""},
                    follow_redirects=True).get_data(as_text=True)
    assert ("Rândul a fost corectat. Foaia de calcul nu răspunde acum: modificarea este păstrată și va fi "
            "trimisă automat (vezi Sincronizare).") in page
    emu.clear_faults()
    store.sync()
    assert [r.lucrari for r in store.read(["presa"], *WEEK, fresh=True).rows] == [15]


def test_trends_and_the_rows_csv_read_their_span_once(tmp_path, server, emu, monkeypatch):
    """26 weeks of trends, a year's rows CSV: one read each (of a period: at most 2 requests
    once the worksheets are big), not one per week or month."""
    from tests.conftest import login

    app = google_app(tmp_path, server, monkeypatch)
    store = app.extensions["store"]
    store.save_day("presa", D2, "ana", [Row("presa", D2, "l544-studiere", "ana", lucrari=4)])
    assert store.sync()["pending"] == 0
    c = app.test_client()
    login(c, "supervisor")
    c.get("/trends?service=presa&weeks=4")  # the metadata read once
    _, used = cost(emu, lambda: c.get("/trends?service=presa&weeks=26&refresh=1"))
    assert used == {"values.batchGet": 1}
    _, used = cost(emu, lambda: c.get("/report-rows.csv?service=presa&from=01.01.2026&to=29.11.2026").get_data())
    assert used == {"values.batchGet": 1}

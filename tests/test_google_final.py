"""Final figures on the Google backend (real gspread against the in-process
emulator): a clerk's save is checked against what the *sheet* holds — at
save time and again when the sender writes — so a figure a person typed in
the worksheet is never overwritten unseen; rows and values the form cannot
show survive; an outage re-save keeps notes and marks."""
from __future__ import annotations

from datetime import date

import pytest

from domain.rows import row_id_for
from domain.saving import Entry, SaveConflict
from sheets.google import FRESH_MIN_AGE
from sheets_emulator import EmulatorServer
from tests.clock import FakeClock
from tests.stores import google_store

SS = "1GoogleFinalFigures_abcdefghijklmnopqrstuv"
PRESA = "SERVICIUL PRESĂ"
D1 = date(2026, 11, 24)
STUDIERE = ("l544-studiere", "", "lucrari")
EMAIL = ("adrese-email", "", "lucrari")
COL = {"id": 0, "day": 1, "activity": 2, "clerk": 5, "lucrari": 6, "note": 8, "changed_by": 10}


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


def entry(values, base):
    return Entry("presa", D1, "ana", values, base)


def sheet_rows(emu):
    """The worksheet as a person sees it: (activity, clerk, lucrari, note, modified by) per row."""
    values = emu.get_values(PRESA)[1:]
    pick = lambda r, k: r[COL[k]] if COL[k] < len(r) else ""  # noqa: E731
    return sorted((pick(r, "activity"), pick(r, "clerk"), pick(r, "lucrari"), pick(r, "note"), pick(r, "changed_by"))
                  for r in values if any(r))


def a1_of(emu, activity, column):
    rows = emu.get_values(PRESA)
    n = next(i for i, r in enumerate(rows) if len(r) > 2 and r[COL["activity"]] == activity) + 1
    return f"{'ABCDEFGHIJKL'[COL[column]]}{n}"


def test_stale_form_after_a_hand_edit_in_the_sheet_is_refused(store, emu, clock):
    store.save_entry(entry({STUDIERE: 5, EMAIL: None}, {}))
    assert store.sync()["delivered"] == 1
    shown = store.read(["presa"], D1, D1).rows  # the clerk opens the form: 5
    assert [r.lucrari for r in shown] == [5]
    emu.set_cell(PRESA, a1_of(emu, "l544-studiere", "lucrari"), 8)  # a person corrects it in the sheet
    clock.advance(FRESH_MIN_AGE)  # well within the cache's 30 s
    with pytest.raises(SaveConflict) as caught:
        store.save_entry(entry({STUDIERE: 5, EMAIL: 1}, {STUDIERE: 5, EMAIL: None}))
    (c,) = caught.value.conflicts
    assert (c.activity, c.typed, c.shown, c.current) == ("l544-studiere", 5, 5, 8)
    assert store.sync()["delivered"] == 0
    assert sheet_rows(emu) == [("l544-studiere", "ana", "8", "", "")]


def test_a_hand_edit_between_the_save_and_the_write_drops_the_save(store, emu, clock):
    store.save_entry(entry({STUDIERE: 5}, {}))
    store.sync()
    clock.advance(FRESH_MIN_AGE)
    store.save_entry(entry({STUDIERE: 6, EMAIL: 2}, {STUDIERE: 5, EMAIL: None}))  # accepted, queued
    emu.set_cell(PRESA, a1_of(emu, "l544-studiere", "lucrari"), 9)  # typed before the sender writes
    result = store.sync()
    assert (result["delivered"], result["pending"], result["failed"]) == (0, 0, 0)
    (op,) = [op for op in store.ops(statuses=("dropped",))]
    assert op.last_error.startswith("Nu s-a scris nimic din această zi: între timp cifrele s-au schimbat")
    assert "l544-studiere lucrari: introdus 6, acum 9" in op.last_error
    assert sheet_rows(emu) == [("l544-studiere", "ana", "9", "", "")]


def test_rows_typed_by_hand_and_notes_survive_a_clerks_save(store, emu, clock):
    store.save_entry(entry({STUDIERE: 3}, {}))
    store.sync()
    rid = row_id_for("presa", D1, "l544-studiere", "", "ana")
    store.update_row("presa", rid, {"note": "verificat"}, "sef")
    # a supervisor adds a row by hand for the same day and activity (no ID)
    n = len(emu.get_values(PRESA)) + 1
    for col, value in (("day", "24.11.2026"), ("activity", "l544-studiere"), ("clerk", "ana"), ("lucrari", 5)):
        emu.set_cell(PRESA, f"{'ABCDEFGHIJKL'[COL[col]]}{n}", value)
    clock.advance(31)
    shown = [r for r in store.read(["presa"], D1, D1).rows if r.row_id == rid]
    assert [r.lucrari for r in shown] == [3]  # the form shows the clerk's own row
    store.save_entry(entry({STUDIERE: 3, EMAIL: 1}, {STUDIERE: 3, EMAIL: None}))
    store.sync()
    assert sheet_rows(emu) == [("adrese-email", "ana", "1", "", ""), ("l544-studiere", "ana", "3", "verificat", "sef"),
                               ("l544-studiere", "ana", "5", "", "")]
    clock.advance(31)
    assert sum(r.lucrari for r in store.read(["presa"], D1, D1).rows if r.activity == "l544-studiere") == 8


def test_an_outage_re_save_on_a_cold_worker_keeps_note_and_mark(server, emu, tmp_path, clock):
    warm = google_store(server, tmp_path / "a", SS, clock=clock, sleep=clock.advance)
    warm.save_entry(entry({STUDIERE: 2}, {}))
    warm.sync()
    warm.update_row("presa", row_id_for("presa", D1, "l544-studiere", "", "ana"), {"note": "verificat de sef"}, "sef")
    warm.close()
    cold = google_store(server, tmp_path / "b", SS, clock=clock, sleep=clock.advance)  # has read nothing
    emu.storm("503", seconds=120)
    changes = cold.save_entry(entry({STUDIERE: 3}, {STUDIERE: 2}))  # queued unchecked: Google is down
    assert changes == [] and cold.pending_count(["presa"]) == 1
    emu.clear_faults()  # the outage is over
    assert cold.sync()["delivered"] == 1
    assert sheet_rows(emu) == [("l544-studiere", "ana", "3", "verificat de sef", "")]
    cold.close()


def test_a_closed_week_is_protected_in_the_sheet_and_reopening_lifts_it(store, emu, clock):
    from sheets_emulator import ProtectedRangeError

    other_day = date(2026, 12, 2)  # the next week: stays editable
    store.save_entry(entry({STUDIERE: 5, EMAIL: 2}, {}))
    store.save_entry(Entry("presa", other_day, "ana", {STUDIERE: 1}, {}))
    store.save_entry(Entry("presa", date(2026, 11, 23), "ion", {EMAIL: 4}, {}))
    store.sync()
    emu.sort_rows(PRESA, "C")  # a person sorted by activity: the week's rows are not contiguous
    store.protect_week("presa", date(2026, 11, 23), date(2026, 11, 29), True, "sef")
    assert store.sync()["pending"] == 0 and store.ops(statuses=("failed",)) == []
    ranges = emu.protected_ranges(PRESA)
    assert all(r["description"].startswith("Săptămână închisă 2026-W48 (sef)") for r in ranges)
    covered = {i for r in ranges for i in range(r["range"]["startRowIndex"], r["range"]["endRowIndex"])}
    values = emu.get_values(PRESA)
    assert sorted(values[i][1] for i in covered) == ["2026-11-23", "2026-11-24", "2026-11-24"]
    week_cell = a1_of(emu, "adrese-email", "lucrari")
    with pytest.raises(ProtectedRangeError):
        emu.set_cell(PRESA, f"G{min(covered) + 1}", 99)  # a person's edit of the closed week: refused
    n = next(i for i, r in enumerate(values) if r[1] == "2026-12-02") + 1
    emu.set_cell(PRESA, f"G{n}", 7)  # another week: allowed
    store.protect_week("presa", date(2026, 11, 23), date(2026, 11, 29), False, "sef")
    store.sync()
    assert emu.protected_ranges(PRESA) == []
    emu.set_cell(PRESA, week_cell, 3)  # reopened: a person may edit again


def test_a_hand_edit_in_the_sheet_is_in_the_audit_trail_with_its_cell(tmp_path, server, emu, monkeypatch):
    """Through the app: a person retypes a figure in the worksheet; the week's
    audit page lists it as „modificat direct în foaie” with the cell."""
    from tests.conftest import login, make_app
    from tests.htmltables import html_tables

    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    app = make_app(tmp_path, SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID=SS, SHEETS_SYNC_INTERVAL=0,
                   SHEETS_TIMEOUT=[2, 5], SHEETS_CACHE_TTL=0)
    store = app.extensions["store"]
    clerk, sup = app.test_client(), app.test_client()
    login(clerk, "clerk"), login(sup, "supervisor")
    assert clerk.post("/entry/presa?date=2026-11-24", data={"l544-studiere__lucrari": "5", "shown": "{}"}).status_code == 302
    assert store.sync()["delivered"] == 1
    assert sup.get("/data/presa?week=2026-W48").status_code == 200  # a read: the app has seen 5
    cell = a1_of(emu, "l544-studiere", "lucrari")
    emu.set_cell(PRESA, cell, 8)
    emu.set_cell(PRESA, a1_of(emu, "l544-studiere", "note"), "din registru")
    html = sup.get("/audit?service=presa&week=2026-W48").get_data(as_text=True)
    lines = html_tables(html)[0][1:]
    assert [line[1:] for line in lines[:2]] == [
        ["(în foaie)", "modificat direct în foaie", "24.11.2026", "clerk", "Studiere solicitare", "Observații",
         "—", "din registru", f"celula {a1_of(emu, 'l544-studiere', 'note')}"],
        ["(în foaie)", "modificat direct în foaie", "24.11.2026", "clerk", "Studiere solicitare", "Nr. lucrări",
         "5", "8", f"celula {cell}"],
    ]
    assert lines[2][1:3] == ["clerk", "salvare"]
    # seen once: a second visit adds nothing
    again = html_tables(sup.get("/audit?service=presa&week=2026-W48").get_data(as_text=True))[0][1:]
    assert len(again) == len(lines)
    store.close()

"""The Google backend against Google's behaviours the emulator now has:
permanent errors, a blank A1, bold inherited by inserted rows, big backlogs,
a ro_RO spreadsheet. gspread talks HTTP to the in-process emulator."""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from domain.rows import Row
from tests.google_fixtures import clock, emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after, google_store

SS = "1GoogleRealismTests_abcdefghijklmnopqrstuv"
PRESA = "SERVICIUL PRESĂ"
D1, D2 = date(2026, 11, 23), date(2026, 11, 24)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


@pytest.fixture
def store(server, tmp_path):
    yield from closed_after(google_store(server, tmp_path, SS, max_attempts=10))


def ids(emu, title=PRESA):
    return Counter(r[0] for r in emu.get_values(title, spreadsheet_id=SS)[1:] if r and r[0])


def day_rows(day, clerk="ana", n=1):
    return [Row("presa", day, "l544-studiere", clerk, lucrari=n)]


# -- permanent errors fail fast ----------------------------------------------------


def test_the_ten_million_cell_limit_fails_at_once(store, emu):
    used = sum(p["gridProperties"]["rowCount"] * p["gridProperties"]["columnCount"]
               for p in (emu.sheet_properties(t, spreadsheet_id=SS) for t in emu.sheet_titles(spreadsheet_id=SS)))
    emu.add_sheet("Arhivă", rows=(10_000_000 - used - 10) // 10, cols=10, spreadsheet_id=SS)
    store.save_day("presa", D1, "ana", day_rows(D1))
    emu.reset_counts()
    assert store.sync() == {"delivered": 0, "pending": 0, "failed": 1}
    [op] = store.ops()
    assert op.attempts == 1 and op.status == "failed"
    assert "above the limit of 10000000 cells" in op.last_error and "Google a răspuns 400" in op.last_error
    assert emu.counts()["write"] == 1  # not ten


def test_a_renamed_worksheet_is_still_retried(store, emu):
    store.save_day("presa", D1, "ana", day_rows(D1))
    store.sync()
    emu.rename_sheet(PRESA, "Presă (redenumită)", spreadsheet_id=SS)
    store.save_day("presa", D2, "ana", day_rows(D2))
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    assert sorted(ids(emu, "Presă (redenumită)").values()) == [1, 1]


# -- the header is found, never assumed; data rows are never bold --------------------


def test_a_blank_a1_never_puts_rows_above_the_header(store, emu):
    store.save_day("presa", D1, "ana", day_rows(D1))
    store.sync()
    emu.set_cell(PRESA, "A1", "", spreadsheet_id=SS)  # a person cleared "ID rând"
    store.directory.forget()
    store.save_day("presa", D2, "ana", day_rows(D2, n=7))  # a new day: the blind append
    store.save_day("presa", D1, "ion", day_rows(D1, "ion", 3))
    assert store.sync()["delivered"] == 2
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    assert values[0][:3] == ["ID rând", "Data", "Activitate (cod)"]  # repaired where it was
    assert len(values[0]) == 12
    assert [r[1] for r in values[1:]] == ["2026-11-23", "2026-11-24", "2026-11-23"]
    assert sorted(ids(emu).values()) == [1, 1, 1]
    # and a correction after that still finds its row
    rows = store.read(["presa"], *WEEK, fresh=True).rows
    assert sorted((r.day, r.clerk, r.lucrari) for r in rows) == [(D1, "ana", 1), (D1, "ion", 3), (D2, "ana", 7)]


def test_a_cleared_data_header_is_repaired_before_writing(store, emu):
    store.save_day("presa", D1, "ana", day_rows(D1))
    store.sync()
    emu.set_cell(PRESA, "B1", "", spreadsheet_id=SS)  # "Data" cleared: no row can be read
    store.directory.forget()
    store.save_day("presa", D1, "ana", day_rows(D1, n=5))  # a re-save of the same day: read, then write
    assert store.sync()["delivered"] == 1
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    assert values[0][1] == "Data" and len(values) == 2  # replaced, not duplicated
    assert [r.lucrari for r in store.read(["presa"], *WEEK, fresh=True).rows] == [5]


def test_data_rows_are_never_bold(store, emu):
    store.save_day("presa", D1, "ana", day_rows(D1))  # a new worksheet, the blind append
    store.sync()
    store.save_day("presa", D2, "ana", day_rows(D2))  # the blind append under existing rows
    store.sync()
    store.save_day("presa", D1, "ana", day_rows(D1, n=4) + [Row("presa", D1, "comunicate-site", "ana", lucrari=1)])
    store.sync()  # read + batchUpdate: an update and an appendCells
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    assert len(values) == 4
    assert emu.cell_bold(PRESA, "A1", spreadsheet_id=SS)  # the header stays bold
    for r in range(2, 5):
        for col in "ABGL":
            assert not emu.cell_bold(PRESA, f"{col}{r}", spreadsheet_id=SS), f"{col}{r}"


# -- backlogs go out in chunks -------------------------------------------------------


def test_a_backlog_of_1200_rows_goes_in_three_writes(store, emu):
    store.save_day("presa", D1, "ana", day_rows(D1))
    store.sync()
    store.read(["presa"], *WEEK)
    ids_sent = set()
    for i in range(1200):  # 1,200 clerks' days queued during an outage
        rows = day_rows(D2, f"functionar{i:04d}", i % 7)
        store.save_day("presa", D2, f"functionar{i:04d}", rows)
        ids_sent.add(rows[0].row_id)
    emu.reset_counts()
    emu_log = emu.request_log
    result = store.sync()
    assert result["pending"] == result["failed"] == 0 and result["delivered"] == 1200
    writes = [e for e in emu_log() if e["endpoint"] == "spreadsheets.batchUpdate"]
    assert len(writes) == 3
    assert emu.counts()["write"] == 3
    found = ids(emu)
    assert set(found) == ids_sent | {day_rows(D1)[0].row_id} and set(found.values()) == {1}


# -- locale ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale, typed", [
    ("ro_RO", {"B": "24.11.2026", "G": "1.510", "H": "=3+4"}),
    ("en_US", {"B": "2026-11-24", "G": "1510", "H": "=3+4"}),
])
def test_hand_typed_figures_read_right_whatever_the_locale(store, emu, locale, typed):
    emu.set_locale(locale, spreadsheet_id=SS)
    store.save_day("presa", D1, "ana", day_rows(D1))
    store.sync()
    emu.insert_rows(PRESA, 3, 1, spreadsheet_id=SS)
    for col, text in {**typed, "C": "l544-studiere", "F": "maria"}.items():
        emu.set_cell(PRESA, f"{col}3", text, spreadsheet_id=SS)  # as a person types it (USER_ENTERED)
    shown = emu.get_values(PRESA, spreadsheet_id=SS)[2]
    if locale == "ro_RO":
        assert (shown[1], shown[6], shown[7]) == ("24.11.2026", "1.510", "7")
    result = store.read(["presa"], *WEEK, fresh=True)
    [row] = [r for r in result.rows if r.clerk == "maria"]
    assert (row.day, row.lucrari, row.documente) == (D2, 1510, 7)
    assert not result.problems
    tally, _ = store.tally(["presa"], D2, D2, set())  # the report of 24 November
    assert tally.sums[("presa", "l544-studiere", "")][:2] == (1510, 7)


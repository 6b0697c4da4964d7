"""A supervisor clears a header cell of a count column by hand: its figures
must not leave the report silently, and the app's repair of the header must
put the name back where it was, not in a new column (review16)."""
from __future__ import annotations

from datetime import date

import pytest

from domain.rows import Row
from tests.google_fixtures import clock, emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after, google_store

SS = "1HeaderEditsTests_abcdefghijklmnopqrstuvw"
PRESA = "SERVICIUL PRESĂ"
D1, D2 = date(2026, 11, 23), date(2026, 11, 24)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


@pytest.fixture
def store(server, tmp_path):
    yield from closed_after(google_store(server, tmp_path, SS, max_attempts=10, cache_ttl=0))


def save(store, day, n):
    store.save_day("presa", day, "ana", [Row("presa", day, "l544-studiere", "ana", lucrari=n)])
    assert store.sync()["delivered"] == 1


def lucrari(store):
    return sum(r.lucrari or 0 for r in store.read(["presa"], *WEEK, fresh=True).rows)


def test_a_cleared_count_header_is_a_problem_not_a_silent_zero(store, emu):
    save(store, D1, 3)
    emu.set_cell(PRESA, "G1", "", spreadsheet_id=SS)  # „Nr. lucrări”
    result = store.read(["presa"], *WEEK, fresh=True)
    assert [(p.cell, p.message) for p in result.problems] == [
        ("G1", "Antetul foii nu are coloana „Nr. lucrări”; cifrele din ea nu sunt luate în calcul "
               "până când antetul este scris din nou.")]


def test_a_cleared_header_of_a_moved_column_is_written_back_in_its_place(store, emu):
    save(store, D1, 3)
    emu.move_column(PRESA, "G", "C", spreadsheet_id=SS)  # „Nr. lucrări” dragged next to „Data”
    emu.insert_column(PRESA, "C", header="Nota mea", spreadsheet_id=SS)
    header = emu.get_values(PRESA, spreadsheet_id=SS)[0]
    col = "ABCDEFGHIJKLM"[header.index("Nr. lucrări")]
    emu.set_cell(PRESA, f"{col}1", "", spreadsheet_id=SS)
    save(store, D2, 4)
    header = emu.get_values(PRESA, spreadsheet_id=SS)[0]
    assert header.count("Nr. lucrări") == 1 and header["ABCDEFGHIJKLM".index(col)] == "Nr. lucrări"
    assert lucrari(store) == 3 + 4


def test_a_deleted_count_column_never_takes_a_persons_unnamed_column(store, emu):
    """„Nr. lucrări” deleted with its column, a person's own column without a
    name beside: the name goes after the header, never over their notes."""
    save(store, D1, 3)
    emu.insert_column(PRESA, "C", spreadsheet_id=SS)  # a column of their own, no header
    emu.set_cell(PRESA, "C2", "de sunat înapoi", spreadsheet_id=SS)
    header = emu.get_values(PRESA, spreadsheet_id=SS)[0]
    col = "ABCDEFGHIJKLM"[header.index("Nr. lucrări")]
    emu.handle("POST", f"/v4/spreadsheets/{SS}:batchUpdate", {}, {"requests": [{"deleteDimension": {"range": {
        "sheetId": emu.sheet_properties(PRESA, spreadsheet_id=SS)["sheetId"], "dimension": "COLUMNS",
        "startIndex": "ABCDEFGHIJKLM".index(col), "endIndex": "ABCDEFGHIJKLM".index(col) + 1}}}]})
    save(store, D2, 4)
    header = emu.get_values(PRESA, spreadsheet_id=SS)[0]
    assert header[2] == "" and header.count("Nr. lucrări") == 1
    assert lucrari(store) == 4


def test_the_problem_points_at_the_cleared_cell_of_a_moved_column(store, emu):
    save(store, D1, 3)
    emu.move_column(PRESA, "G", "C", spreadsheet_id=SS)
    emu.set_cell(PRESA, "C1", "", spreadsheet_id=SS)
    emu.insert_column(PRESA, "E", spreadsheet_id=SS)  # and a column of their own, no header
    emu.set_cell(PRESA, "E2", "de sunat", spreadsheet_id=SS)
    assert [p.cell for p in store.read(["presa"], *WEEK, fresh=True).problems] == ["A1"]  # two blanks: no guess
    emu.set_cell(PRESA, "E1", "Nota mea", spreadsheet_id=SS)
    assert [p.cell for p in store.read(["presa"], *WEEK, fresh=True).problems] == ["C1"]


def test_a_persons_own_column_named_like_ours_keeps_its_text(store, emu):
    """A supervisor inserts their own „Observații” column left of ours: the
    app keeps reading and writing its own (beside „Nr. documente produse”),
    and a correction never overwrites the supervisor's note."""
    save(store, D1, 3)
    emu.insert_column(PRESA, "C", header="Observații", spreadsheet_id=SS)
    emu.set_cell(PRESA, "C2", "nota șefului", spreadsheet_id=SS)
    [row] = store.read(["presa"], *WEEK, fresh=True).rows
    assert row.note == ""
    store.update_row("presa", row.row_id, {"lucrari": 4, "note": "corectat"}, "sef")
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    assert values[1][2] == "nota șefului" and values[1][9] == "corectat"
    assert [r.note for r in store.read(["presa"], *WEEK, fresh=True).rows] == ["corectat"]

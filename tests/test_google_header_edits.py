"""A supervisor clears a header cell of a count column by hand: its figures
must not leave the report silently, and the app's repair of the header must
put the name back where it was, not in a new column (review16)."""
from __future__ import annotations

from datetime import date

import pytest

from domain.rows import Row
from sheets_emulator import EmulatorServer, SheetsEmulator
from tests.clock import FakeClock
from tests.stores import google_store

SS = "1HeaderEditsTests_abcdefghijklmnopqrstuvw"
PRESA = "SERVICIUL PRESĂ"
D1, D2 = date(2026, 11, 23), date(2026, 11, 24)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))


@pytest.fixture
def emu():
    return SheetsEmulator(clock=FakeClock())


@pytest.fixture
def server(emu):
    emu.create_spreadsheet(SS, title="Raportare activitate")
    with EmulatorServer(emu) as srv:
        yield srv


@pytest.fixture
def store(server, tmp_path):
    s = google_store(server, tmp_path, SS, max_attempts=10, cache_ttl=0)
    yield s
    s.close()
    s.session.close()


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

"""Writes that cannot land in the wrong place (issue 12).

A supervisor sorts the worksheet, inserts or deletes a row, moves or inserts
a column between the app's read and its write (``emu.after_request``: the
hand edit runs right after the read's request was applied). Whatever the
edit, after the sender is done every figure is in its header's column, in
its row (found by the ID column), no row is duplicated and none is lost:
the whole worksheet read back from the emulator equals what the edit and the
operation together should give, and so does ``store.read``.
"""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from devtools.dates import START
from domain.clock import iso_at, parse_instant
from domain.rows import Row
from domain.saving import Entry
from sheets.google.reads import FRESH_MIN_AGE
from tests.clock import FakeClock
from tests.google_fixtures import emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after, google_store

SS = "1GoogleRaceTests_abcdefghijklmnopqrstuvwxyz"
PRESA = "SERVICIUL PRESĂ"
D1, D2, D3, D4 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))
ID, LUCRARI, DOCUMENTE = "ID rând", "Nr. lucrări", "Nr. documente produse"
BY = "supervisor"

#: the worksheet before the race: several days and clerks, figures all different
SEED = [
    (D1, "ana", [("l544-studiere", 3, None), ("comunicate-site", 2, 1)]),
    (D1, "ion", [("l544-studiere", 11, None)]),
    (D2, "ana", [("comunicate-site", 7, 4)]),
    (D2, "maria", [("l544-studiere", 5, None), ("comunicate-site", 13, 6)]),
    (D3, "ion", [("comunicate-site", 8, 2)]),
]
#: the row corrected or deleted: (day, clerk, activity), in the middle of the sheet
TARGET = (D2, "ana", "comunicate-site")
#: the new day: ana's 26 November
NEW_DAY = [("l544-studiere", 17, None), ("comunicate-site", 19, 9)]
#: a row a person types by hand (no ID)
HAND_ROW = {"Data": "2026-11-24", "Activitate (cod)": "l544-studiere", "Funcționar": "elena", LUCRARI: "23"}


def rows_of(day, clerk, figures):
    return [Row("presa", day, act, clerk, lucrari=luc, documente=doc) for act, luc, doc in figures]


@pytest.fixture
def clock():
    return FakeClock(parse_instant(START).timestamp())


@pytest.fixture
def store(server, tmp_path, clock):
    yield from closed_after(google_store(server, tmp_path, SS, clock=clock, sleep=clock.advance, max_attempts=10))


# -- the worksheet as dicts ------------------------------------------------------------


def sheet(emu) -> tuple[list[str], list[dict]]:
    """(header, data rows as {header: value}), empty rows left out."""
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    header = list(values[0])
    rows = []
    for cells in values[1:]:
        if any(str(c).strip() for c in cells):
            row = {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
            rows.append({h: v for h, v in row.items() if v != ""})
    return header, rows


def canonical(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(sorted(r.items())) for r in rows)


def find(rows: list[dict], day: date, clerk: str, activity: str) -> dict:
    [row] = [r for r in rows if (r["Data"], r["Funcționar"], r["Activitate (cod)"]) == (day.isoformat(), clerk,
                                                                                         activity)]
    return row


def column(header: list[str], name: str) -> str:
    return chr(ord("A") + header.index(name))


# -- the hand edits (what a supervisor does in the Sheets UI) ---------------------------------


def no_edit(emu, header, rows):
    return header, rows


def sort_by_clerk(emu, header, rows):
    """Data > Sort range by „Funcționar”, Z to A: the corrected row moves down."""
    emu.sort_rows(PRESA, column(header, "Funcționar"), descending=True, spreadsheet_id=SS)
    return header, rows


def insert_blank_row(emu, header, rows):
    emu.insert_rows(PRESA, 2, 1, spreadsheet_id=SS)  # above every data row
    return header, rows


def insert_filled_row(emu, header, rows):
    emu.insert_rows(PRESA, 3, 1, spreadsheet_id=SS)
    for name, value in HAND_ROW.items():
        emu.set_cell(PRESA, f"{column(header, name)}3", value, raw=True, spreadsheet_id=SS)
    return header, rows + [dict(HAND_ROW)]


def delete_other_row(emu, header, rows):
    """Deletes D1 ion's row (above the target)."""
    values = emu.get_values(PRESA, spreadsheet_id=SS)
    gone = find(rows, D1, "ion", "l544-studiere")
    index = next(i for i, cells in enumerate(values) if cells and cells[0] == gone[ID])
    emu.delete_rows(PRESA, index + 1, 1, spreadsheet_id=SS)
    return header, [r for r in rows if r is not gone]


def move_lucrari_past_documente(emu, header, rows):
    """Drags „Nr. lucrări” past „Nr. documente produse”."""
    emu.move_column(PRESA, column(header, LUCRARI), column(header, DOCUMENTE), spreadsheet_id=SS)
    header = list(header)
    i = header.index(LUCRARI)
    header.insert(header.index(DOCUMENTE), header.pop(i))
    return header, rows


def insert_column(emu, header, rows):
    """A supervisor's own column before „Activitate (cod)”."""
    at = header.index("Activitate (cod)")
    emu.insert_column(PRESA, at + 1, header="Verificat", spreadsheet_id=SS)
    return header[:at] + ["Verificat"] + header[at:], rows


EDITS = [no_edit, sort_by_clerk, insert_blank_row, insert_filled_row, delete_other_row, move_lucrari_past_documente,
         insert_column]


# -- the operations ---------------------------------------------------------------------------


def seed(store, clock):
    for day, clerk, figures in SEED:
        store.save_day("presa", day, clerk, rows_of(day, clerk, figures))
        clock.advance(60)
    assert store.sync() == {"delivered": len(SEED), "pending": 0, "failed": 0}
    store.read(["presa"], *WEEK)  # the views' read: the header positions now known to the store


def arm(emu, edit, endpoint, header, rows, nth=1):
    """The hand edit right after the ``nth`` request to ``endpoint``; returns a
    holder filled with the (header, rows) the edit leaves."""
    after = {}

    def run():
        after["sheet"] = edit(emu, header, rows)

    after["hook"] = emu.after_request(run, endpoint=endpoint, nth=nth)
    return after


def correction(store, emu, clock, edit):
    header, rows = sheet(emu)
    target = find(rows, *TARGET)
    after = arm(emu, edit, "values.get", header, rows)  # after the sender's read of the worksheet
    emu.reset_counts()
    store.update_row("presa", target[ID], {"lucrari": 5, "documente": 12}, BY)
    stamp = iso_at(clock())
    done = store.sync()
    after["requests"] = emu.counts()["endpoints"]
    header, rows = after["sheet"]
    expected = [r if r is not target else {**r, LUCRARI: "5", DOCUMENTE: "12", "Modificat de": BY,
                                           "Modificat la": stamp} for r in rows]
    return after, done, header, expected


def deletion(store, emu, clock, edit):
    header, rows = sheet(emu)
    target = find(rows, *TARGET)
    after = arm(emu, edit, "values.get", header, rows)
    emu.reset_counts()
    store.delete_row("presa", target[ID], BY)
    done = store.sync()
    after["requests"] = emu.counts()["endpoints"]
    header, rows = after["sheet"]
    return after, done, header, [r for r in rows if r is not target]


def new_day(store, emu, clock, edit, save=None):
    """A clerk's new day, written with the column positions of the views' last read
    (the edit comes right after that read)."""
    header, rows = sheet(emu)
    labels = {r["Activitate (cod)"]: r["Activitate"] for r in rows}
    clock.advance(FRESH_MIN_AGE)
    after = arm(emu, edit, "values.batchGet", header, rows)
    store.read(["presa"], *WEEK, fresh=True)  # a page reloaded: its read gives the header positions
    emu.reset_counts()
    new = rows_of(D4, "ana", NEW_DAY)
    if save is None:
        store.save_day("presa", D4, "ana", new)
    else:
        save(store, new)
    stamp = iso_at(clock())
    done = store.sync()
    after["requests"] = emu.counts()["endpoints"]
    header, rows = after["sheet"]
    added = [{ID: r.row_id, "Data": D4.isoformat(), "Activitate (cod)": r.activity, "Activitate": labels[r.activity],
              "Funcționar": "ana", LUCRARI: str(r.lucrari), **({DOCUMENTE: str(r.documente)} if r.documente else {}),
              "Introdus la": stamp} for r in new]
    return after, done, header, rows + added


def new_day_form(store, emu, clock, edit):
    """The same new day as the form saves it (``save_entry``: planned at write time)."""
    def save(store, rows):
        values = {(r.activity, r.part, k): getattr(r, k) for r in rows for k in ("lucrari", "documente")}
        assert store.save_entry(Entry("presa", D4, "ana", values, {k: None for k in values})) is not None

    return new_day(store, emu, clock, edit, save)


OPERATIONS = [correction, deletion, new_day, new_day_form]

#: the requests a delivery takes: a correction or deletion reads the worksheet (values.get),
#: checks right before writing that the rows and columns it targets have not moved (ONE
#: small values:batchGet) and writes (ONE batchUpdate); when they moved, it reads, plans and
#: checks again. A new day reads row 1 (values.get) and appends (ONE batchUpdate).
REQUESTS = {
    "correction": {"values.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1},
    "new_day": {"values.get": 1, "spreadsheets.batchUpdate": 1},
}
REQUESTS["deletion"] = REQUESTS["correction"]
REQUESTS["new_day_form"] = REQUESTS["new_day"]
REPLANNED = {"values.get": 2, "values.batchGet": 2, "spreadsheets.batchUpdate": 1}


@pytest.mark.parametrize("edit", EDITS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda f: f.__name__)
def test_a_hand_edit_between_read_and_write_moves_no_figure(store, emu, clock, operation, edit):
    seed(store, clock)
    after, done, header, expected = operation(store, emu, clock, edit)
    assert after["hook"].fired and after["hook"].error is None
    replanned = operation in (correction, deletion) and edit is not no_edit
    assert after["requests"] == (REPLANNED if replanned else REQUESTS[operation.__name__])
    assert (done["pending"], done["failed"]) == (0, 0)
    assert store.counts()["delivered"] == len(SEED) + 1  # the operation (not dropped, not failed)
    actual_header, actual = sheet(emu)
    assert actual_header[:len(header)] == header
    assert canonical(actual) == canonical(expected)
    assert not [i for i, n in Counter(r.get(ID) for r in actual if r.get(ID)).items() if n > 1]
    # what the app reads back is the same
    read = store.read(["presa"], *WEEK, fresh=True)
    got = sorted((r.day.isoformat(), r.clerk, r.activity, r.lucrari, r.documente) for r in read.rows)
    want = sorted((r["Data"], r["Funcționar"], r["Activitate (cod)"], int(r[LUCRARI]),
                   int(r[DOCUMENTE]) if DOCUMENTE in r else None) for r in expected)
    assert got == want
    assert not read.problems


@pytest.mark.xfail(strict=True, reason="known limit: Google has no conditional write; an edit in the one round "
                                       "trip between the sender's check and its write is not detected yet")
@pytest.mark.parametrize("operation", [correction, deletion], ids=lambda f: f.__name__)
def test_a_sort_between_the_check_and_the_write(store, emu, clock, operation, monkeypatch):
    """The same race one request later: the sort comes right after the check (the small
    values:batchGet) instead of after the read."""
    seed(store, clock)
    real_arm = arm
    monkeypatch.setitem(globals(), "arm", lambda emu, edit, endpoint, header, rows, nth=1: real_arm(
        emu, edit, "values.batchGet", header, rows, nth))
    after, done, header, expected = operation(store, emu, clock, sort_by_clerk)
    assert after["hook"].fired
    assert canonical(sheet(emu)[1]) == canonical(expected)


def test_a_day_typed_by_hand_without_ids_resaved_while_a_person_sorts(store, emu, clock):
    """25 rows a person typed without IDs (checked as one block of rows), replaced by
    the clerk's save while a supervisor sorts: they go, and only they."""
    seed(store, clock)
    header, rows = sheet(emu)
    hand = [{**HAND_ROW, "Data": D1.isoformat(), LUCRARI: str(100 + n)} for n in range(25)]
    for n, typed in enumerate(hand):
        emu.insert_rows(PRESA, 2 + n, 1, spreadsheet_id=SS)  # on top: each row written by number
        for name, value in typed.items():
            emu.set_cell(PRESA, f"{column(header, name)}{2 + n}", value, raw=True, spreadsheet_id=SS)
    clock.advance(FRESH_MIN_AGE)
    store.read(["presa"], *WEEK, fresh=True)  # the clerk's form page: the day has rows, typed by hand
    after = arm(emu, sort_by_clerk, "values.get", header, rows)
    emu.reset_counts()
    new = Row("presa", D1, "l544-studiere", "elena", lucrari=4)
    store.save_day("presa", D1, "elena", [new])
    stamp = iso_at(clock())
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    assert after["hook"].fired and after["hook"].error is None
    assert emu.counts()["endpoints"] == REPLANNED
    checks = [e["ranges"] for e in emu.request_log() if e["endpoint"] == "values.batchGet"]
    assert [len(r) for r in checks] == [3, 3]  # row 1, the ID column, ONE block of the 25 rows
    labels = {r["Activitate (cod)"]: r["Activitate"] for r in rows}
    expected = rows + [{ID: new.row_id, "Data": D1.isoformat(), "Activitate (cod)": new.activity,
                        "Activitate": labels[new.activity], "Funcționar": "elena", LUCRARI: "4", "Introdus la": stamp}]
    assert canonical(sheet(emu)[1]) == canonical(expected)


def test_a_person_sorting_again_and_again_gets_nothing_written_until_it_stops(store, emu, clock):
    """Every check finds the rows moved: after 1 + REPLANS plans the delivery gives up,
    nothing written, and says why on Sincronizare; the next one writes."""
    from sheets.google.sender import MSG_MOVING, REPLANS

    seed(store, clock)
    header, rows = sheet(emu)
    target = find(rows, *TARGET)
    col = column(header, "Funcționar")
    for n in range(REPLANS + 1):  # right after each read of the worksheet: Z to A, A to Z, ...
        emu.after_request(lambda d=n % 2 == 0: emu.sort_rows(PRESA, col, descending=d, spreadsheet_id=SS),
                          endpoint="values.get", nth=1 + n)
    emu.reset_counts()
    store.update_row("presa", target[ID], {"lucrari": 5}, BY)
    stamp = iso_at(clock())
    store.sender.flush_pass()  # (if the page's delivery has not run it already)
    assert emu.counts()["endpoints"] == {"values.get": REPLANS + 1, "values.batchGet": REPLANS + 1}  # no write
    [op] = store.ops()
    assert op.status == "pending" and op.last_error == MSG_MOVING
    assert canonical(sheet(emu)[1]) == canonical(rows)
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    expected = [r if r is not target else {**r, LUCRARI: "5", "Modificat de": BY, "Modificat la": stamp} for r in rows]
    assert canonical(sheet(emu)[1]) == canonical(expected)

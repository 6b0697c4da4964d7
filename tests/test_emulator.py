"""Tests for the Sheets v4 emulator, driven by the real gspread 6.x client
(from sheets.google.client, the one module that imports gspread).

gspread is never patched or mocked: it talks HTTP to an in-process
EmulatorServer through sheets.google.http.EmulatorSession.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest

from tests.clock import FakeClock
import requests

from sheets_emulator import EmulatorServer, SheetsEmulator
from sheets_emulator import a1 as A1
from sheets_emulator.model import parse_fields
from sheets.google.client import APIError, SpreadsheetNotFound, WorksheetNotFound, raw_client
from sheets.google.http import DefaultTimeoutMixin, EmulatorSession

SSID = "1TestSpreadsheetId_abcdefghijklmnopqrstuvwx"
API = "https://sheets.googleapis.com/v4/spreadsheets/"


@pytest.fixture
def clock():
    return FakeClock(1000.0)


@pytest.fixture
def emu(clock):
    return SheetsEmulator(clock=clock)


@pytest.fixture
def server(emu):
    with EmulatorServer(emu) as srv:
        yield srv


@pytest.fixture
def session(server):
    s = EmulatorSession(server.host)
    yield s
    s.close()


@pytest.fixture
def gc(session):
    return raw_client(session)


@pytest.fixture
def sh(emu, gc):
    emu.create_spreadsheet(SSID, title="Registru", sheets=("Sheet1",))
    spreadsheet = gc.open_by_key(SSID)
    emu.reset_counts()
    return spreadsheet


def raw(session, method, path, **kwargs):
    """Direct HTTP call to the emulated API (path relative to /v4/spreadsheets/)."""
    return session.request(method, API + path, **kwargs)


# ---------------------------------------------------------------------------
# A1 notation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, sheet, cells",
    [
        ("A1", "A1", None),  # ambiguous: a title or a cell on the first sheet
        ("Sheet1", "Sheet1", None),
        ("Sheet1!A1", "Sheet1", A1.CellBox(0, 1, 0, 1)),
        ("Sheet1!B2:C3", "Sheet1", A1.CellBox(1, 3, 1, 3)),
        ("Sheet1!C3:B2", "Sheet1", A1.CellBox(1, 3, 1, 3)),
        ("Sheet1!$A$1:$B$2", "Sheet1", A1.CellBox(0, 2, 0, 2)),
        ("Sheet1!a1:b2", "Sheet1", A1.CellBox(0, 2, 0, 2)),
        ("Sheet1!A:A", "Sheet1", A1.CellBox(0, None, 0, 1)),
        ("Sheet1!B:D", "Sheet1", A1.CellBox(0, None, 1, 4)),
        ("Sheet1!1:1", "Sheet1", A1.CellBox(0, 1, 0, None)),
        ("Sheet1!2:5", "Sheet1", A1.CellBox(1, 5, 0, None)),
        ("Sheet1!A2:C", "Sheet1", A1.CellBox(1, None, 0, 3)),
        ("Sheet1!A5:5", "Sheet1", A1.CellBox(4, 5, 0, None)),
        ("'Serviciul Presă'!A1:Z", "Serviciul Presă", A1.CellBox(0, None, 0, 26)),
        ("'Serviciul Presă'", "Serviciul Presă", None),
        ("'It''s'!A1", "It's", A1.CellBox(0, 1, 0, 1)),
        ("'It''s'", "It's", None),
        ("'a!b'!A1", "a!b", A1.CellBox(0, 1, 0, 1)),
        ("'''x'''!B2", "'x'", A1.CellBox(1, 2, 1, 2)),
    ],
)
def test_parse_range(text, sheet, cells):
    parsed = A1.parse_range(text)
    assert (parsed.sheet, parsed.cells) == (sheet, cells)


def test_parse_range_ambiguous_bare_text():
    assert A1.parse_range("A1:B2").ambiguous_cells == A1.CellBox(0, 2, 0, 2)
    assert A1.parse_range("Sheet1").ambiguous_cells is None


@pytest.mark.parametrize(
    "text", ["", "'unterminated!A1", "'x'A1", "Sheet1!", "Sheet1!A1:B2:C3", "Sheet1!A0", "Sheet1!5:A10",
             "Sheet1!AAAA1", "!A1", "''!A1"]
)
def test_parse_range_errors(text):
    with pytest.raises(A1.A1Error):
        A1.parse_range(text)


def test_columns_and_quoting():
    assert [A1.col_letters(i) for i in (0, 25, 26, 51, 52, 701, 702, 18277)] == [
        "A", "Z", "AA", "AZ", "BA", "ZZ", "AAA", "ZZZ"]
    assert [A1.col_index(s) for s in ("A", "z", "AA", "ZZZ")] == [0, 25, 26, 18277]
    assert A1.quote_title("Sheet1") == "Sheet1"
    assert A1.quote_title("Date_2024") == "Date_2024"
    assert A1.quote_title("Presă") == "Presă"
    assert A1.quote_title("Serviciul Presă") == "'Serviciul Presă'"
    assert A1.quote_title("It's") == "'It''s'"
    assert A1.quote_title("A1") == "'A1'"
    assert A1.quote_title("2024") == "'2024'"
    assert A1.quote_title("R1C1") == "'R1C1'"
    assert A1.quote_title("a-b") == "'a-b'"
    assert A1.format_range("Sheet1", 0, 1000, 0, 26) == "Sheet1!A1:Z1000"
    assert A1.format_range("It's", 4, 5, 2, 3) == "'It''s'!C5"


def test_parse_fields():
    assert parse_fields("title,gridProperties.frozenRowCount") == [
        ("title",), ("gridProperties", "frozenRowCount")]
    assert parse_fields("gridProperties/frozenRowCount") == [("gridProperties", "frozenRowCount")]
    assert parse_fields("userEnteredFormat(textFormat,backgroundColor)") == [
        ("userEnteredFormat", "textFormat"), ("userEnteredFormat", "backgroundColor")]
    assert parse_fields("sheets(properties(sheetId,title)),spreadsheetId") == [
        ("sheets", "properties", "sheetId"), ("sheets", "properties", "title"), ("spreadsheetId",)]
    assert parse_fields("*") == [("*",)]


# ---------------------------------------------------------------------------
# gspread end to end
# ---------------------------------------------------------------------------


def test_gspread_workflow_and_request_costs(emu, gc):
    emu.create_spreadsheet(SSID, title="Registru", sheets=("Sheet1",))

    sh = gc.open_by_key(SSID)
    assert (sh.id, sh.title, sh.locale, sh.timezone) == (SSID, "Registru", "en_US", "Etc/GMT")
    assert emu.counts() == {"read": 1, "write": 0, "failed": 0, "endpoints": {"spreadsheets.get": 1}}

    ws = sh.add_worksheet("Serviciul Presă", rows=10, cols=4)
    assert (ws.title, ws.row_count, ws.col_count, ws.index) == ("Serviciul Presă", 10, 4, 1)
    ws = sh.worksheet("Serviciul Presă")
    assert ws.id == emu.sheet_properties("Serviciul Presă")["sheetId"]

    res = ws.update([["Nume", "Vârstă", "Notă"], ["Ana", 30, "=1+1"]], "A1", raw=True)
    assert res == {
        "spreadsheetId": SSID,
        "updatedRange": "'Serviciul Presă'!A1:C2",
        "updatedRows": 2,
        "updatedColumns": 3,
        "updatedCells": 6,
    }
    res = ws.append_rows(
        [["Ion", "41"], ["Maria", 25, "@x"]],
        value_input_option="RAW",
        insert_data_option="INSERT_ROWS",
        table_range="A1",
    )
    assert res == {
        "spreadsheetId": SSID,
        "tableRange": "'Serviciul Presă'!A1:C2",
        "updates": {
            "spreadsheetId": SSID,
            "updatedRange": "'Serviciul Presă'!A3:C4",
            "updatedRows": 2,
            "updatedColumns": 3,
            "updatedCells": 5,
        },
    }
    # INSERT_ROWS grew the grid by two rows
    assert emu.sheet_properties("Serviciul Presă")["gridProperties"] == {"rowCount": 12, "columnCount": 4}

    assert ws.get_all_values() == [
        ["Nume", "Vârstă", "Notă"],
        ["Ana", "30", "=1+1"],
        ["Ion", "41", ""],
        ["Maria", "25", "@x"],
    ]
    assert ws.get("A1:C", value_render_option="UNFORMATTED_VALUE") == [
        ["Nume", "Vârstă", "Notă"],
        ["Ana", 30, "=1+1"],
        ["Ion", "41"],
        ["Maria", 25, "@x"],
    ]
    ranges = ws.batch_get(["A1:B1", "B:B", "3:3", "D1"])
    assert [(r.range, list(r)) for r in ranges] == [
        ("'Serviciul Presă'!A1:B1", [["Nume", "Vârstă"]]),
        ("'Serviciul Presă'!B1:B12", [["Vârstă"], ["30"], ["41"], ["25"]]),
        ("'Serviciul Presă'!A3:D3", [["Ion", "41"]]),
        ("'Serviciul Presă'!D1", []),
    ]

    res = ws.batch_update([{"range": "C3", "values": [["nou"]]}, {"range": "A6:B6", "values": [["x", 1]]}])
    assert res == {
        "spreadsheetId": SSID,
        "totalUpdatedRows": 2,
        "totalUpdatedColumns": 3,
        "totalUpdatedCells": 3,
        "totalUpdatedSheets": 1,
        "responses": [
            {"spreadsheetId": SSID, "updatedRange": "'Serviciul Presă'!C3", "updatedRows": 1,
             "updatedColumns": 1, "updatedCells": 1},
            {"spreadsheetId": SSID, "updatedRange": "'Serviciul Presă'!A6:B6", "updatedRows": 1,
             "updatedColumns": 2, "updatedCells": 2},
        ],
    }
    ws.freeze(rows=1)
    ws.format("1:1", {"textFormat": {"bold": True}})
    assert emu.get_format("Serviciul Presă", "A1") == {"textFormat": {"bold": True}}
    assert emu.get_format("Serviciul Presă", "D1") == {"textFormat": {"bold": True}}
    assert emu.get_format("Serviciul Presă", "A2") == {}

    sh.values_clear("'Serviciul Presă'!A6:B6")
    assert emu.get_values("Serviciul Presă") == [
        ["Nume", "Vârstă", "Notă"],
        ["Ana", "30", "=1+1"],
        ["Ion", "41", "nou"],
        ["Maria", "25", "@x"],
    ]
    ws = sh.worksheet("Serviciul Presă")
    assert ws.frozen_row_count == 1
    assert emu.counts() == {
        "read": 6,
        "write": 7,
        "failed": 0,
        "endpoints": {
            "spreadsheets.batchUpdate": 3,  # add_worksheet, freeze, format
            "spreadsheets.get": 3,  # open_by_key, worksheet() x2
            "values.append": 1,
            "values.batchGet": 1,
            "values.batchUpdate": 1,
            "values.clear": 1,
            "values.get": 2,
            "values.update": 1,
        },
    }


def test_request_costs_of_common_calls(emu, gc):
    emu.create_spreadsheet(SSID)
    gc.open_by_key(SSID)
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1}
    emu.reset_counts()
    sh = gc.open_by_key(SSID)
    ws = sh.worksheet("Sheet1")
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 2}
    emu.reset_counts()
    ws.append_rows([["a"]], value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1")
    ws.append_row(["b"], value_input_option="RAW", table_range="A1")
    assert emu.counts() == {"read": 0, "write": 2, "failed": 0, "endpoints": {"values.append": 2}}
    emu.reset_counts()
    _ = sh.sheet1
    ws.get_all_records()
    assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "values.get": 1}


def test_spreadsheet_batch_update_requests(emu, sh):
    ws = sh.sheet1
    ws.update([["h1", "h2", "h3"], ["a", "b", "c"], ["d", "e", "f"], ["g", "h", "i"]], "A1")
    res = sh.batch_update({"requests": [
        {"deleteDimension": {"range": {"sheetId": ws.id, "dimension": "ROWS", "startIndex": 1, "endIndex": 2}}},
        {"deleteDimension": {"range": {"sheetId": ws.id, "dimension": "COLUMNS", "startIndex": 1, "endIndex": 2}}},
        {"updateSheetProperties": {
            "properties": {"sheetId": ws.id, "title": "Date", "gridProperties": {"frozenRowCount": 1}},
            "fields": "title,gridProperties.frozenRowCount"}},
        {"appendCells": {"sheetId": ws.id, "fields": "userEnteredValue", "rows": [
            {"values": [{"userEnteredValue": {"stringValue": "x"}}, {"userEnteredValue": {"numberValue": 7}},
                        {"userEnteredValue": {"boolValue": True}}]}]}},
        {"addSheet": {"properties": {"title": "Nou"}}},
    ]})
    new_props = emu.sheet_properties("Nou")
    assert res == {"spreadsheetId": SSID, "replies": [{}, {}, {}, {}, {"addSheet": {"properties": new_props}}]}
    assert new_props == {
        "sheetId": new_props["sheetId"], "title": "Nou", "index": 1, "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26}}
    assert emu.get_values("Date") == [["h1", "h3"], ["d", "f"], ["g", "i"], ["x", "7", "TRUE"]]
    assert emu.get_values("Date", render="UNFORMATTED_VALUE")[3] == ["x", 7, True]
    assert emu.sheet_properties("Date") == {
        "sheetId": 0, "title": "Date", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 999, "columnCount": 25, "frozenRowCount": 1}}

    # insertDimension / appendDimension / updateCells with start and with range
    sh.batch_update({"requests": [
        {"insertDimension": {"range": {"sheetId": 0, "dimension": "ROWS", "startIndex": 1, "endIndex": 2},
                             "inheritFromBefore": False}},
        {"appendDimension": {"sheetId": 0, "dimension": "COLUMNS", "length": 2}},
        {"updateCells": {"start": {"sheetId": 0, "rowIndex": 1, "columnIndex": 0}, "fields": "userEnteredValue",
                         "rows": [{"values": [{"userEnteredValue": {"stringValue": "ins"}}]}]}},
        {"updateCells": {"range": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3, "startColumnIndex": 0,
                                   "endColumnIndex": 2},
                         "fields": "userEnteredValue,userEnteredFormat.textFormat.bold",
                         "rows": [{"values": [{"userEnteredValue": {"formulaValue": "=A1"},
                                               "userEnteredFormat": {"textFormat": {"bold": True}}}]}]}},
    ]})
    assert emu.get_values("Date", render="FORMULA") == [
        ["h1", "h3"], ["ins"], ["=A1"], ["g", "i"], ["x", 7, True]]
    assert emu.get_format("Date", "A3") == {"textFormat": {"bold": True}}
    assert emu.sheet_properties("Date")["gridProperties"] == {
        "rowCount": 1000, "columnCount": 27, "frozenRowCount": 1}


def test_batch_update_is_atomic_and_errors(emu, sh):
    sh.sheet1.update([["keep"]], "A1")
    with pytest.raises(APIError) as err:
        sh.batch_update({"requests": [
            {"updateSheetProperties": {"properties": {"sheetId": 0, "title": "Changed"}, "fields": "title"}},
            {"addSheet": {"properties": {"title": "changed"}}},  # titles are case-insensitive
        ]})
    assert err.value.response.json() == {"error": {
        "code": 400,
        "message": 'Invalid requests[1].addSheet: A sheet with the name "changed" already exists. '
                   "Please enter another name.",
        "status": "INVALID_ARGUMENT"}}
    assert emu.sheet_titles() == ["Sheet1"]
    with pytest.raises(APIError) as err:
        sh.batch_update({"requests": [{"deleteSheet": {"sheetId": 0}}]})
    assert err.value.error["message"] == (
        "Invalid requests[0].deleteSheet: You can't remove all the sheets in a document.")
    with pytest.raises(APIError) as err:
        sh.batch_update({"requests": [{"frobnicate": {}}]})
    assert err.value.error["message"] == (
        "Invalid JSON payload received. Unknown name \"frobnicate\" at 'requests[0]': Cannot find field.")
    with pytest.raises(APIError) as err:
        sh.sheet1.delete_rows(1, 1000)
    assert err.value.code == 400
    sh.sheet1.freeze(rows=1)
    with pytest.raises(APIError) as err:
        sh.sheet1.delete_rows(2, 1000)
    assert err.value.error["message"] == (
        "Invalid requests[0].deleteDimension: Sorry, it is not possible to delete all non-frozen rows.")
    # cosmetic requests are accepted and recorded
    sh.sheet1.columns_auto_resize(0, 3)
    assert list(emu.ignored_requests[0]) == ["autoResizeDimensions"]
    assert emu.get_values("Sheet1") == [["keep"]]


def test_delete_worksheet_and_reorder(emu, sh):
    a = sh.add_worksheet("A", 5, 5)
    sh.add_worksheet("B", 5, 5)
    a.update_index(3)  # "before the move" index semantics: after B
    assert emu.sheet_titles() == ["Sheet1", "B", "A"]
    sh.del_worksheet(a)
    assert emu.sheet_titles() == ["Sheet1", "B"]
    assert [w.title for w in sh.worksheets()] == ["Sheet1", "B"]


def test_metadata_fields_and_grid_data(emu, sh, session):
    ws = sh.sheet1
    ws.update([["Name", "Age"], ["Ana", 30]], "A1")
    ws.format("A1:B1", {"textFormat": {"bold": True}})
    meta = raw(session, "GET", SSID, params={"fields": "sheets.properties(title,gridProperties.rowCount)"}).json()
    assert meta == {"sheets": [{"properties": {"title": "Sheet1", "gridProperties": {"rowCount": 1000}}}]}
    full = raw(session, "GET", SSID, params={"includeGridData": "true", "ranges": "Sheet1!A1:B2"}).json()
    assert full["sheets"][0]["data"] == [{"rowData": [
        {"values": [
            {"userEnteredValue": {"stringValue": "Name"}, "effectiveValue": {"stringValue": "Name"},
             "formattedValue": "Name", "userEnteredFormat": {"textFormat": {"bold": True}}},
            {"userEnteredValue": {"stringValue": "Age"}, "effectiveValue": {"stringValue": "Age"},
             "formattedValue": "Age", "userEnteredFormat": {"textFormat": {"bold": True}}}]},
        {"values": [
            {"userEnteredValue": {"stringValue": "Ana"}, "effectiveValue": {"stringValue": "Ana"},
             "formattedValue": "Ana"},
            {"userEnteredValue": {"numberValue": 30}, "effectiveValue": {"numberValue": 30},
             "formattedValue": "30"}]},
    ]}]
    assert set(full) == {"spreadsheetId", "properties", "sheets", "spreadsheetUrl"}


# ---------------------------------------------------------------------------
# values semantics
# ---------------------------------------------------------------------------


def test_raw_keeps_text_user_entered_parses(emu, sh):
    ws = sh.sheet1
    tricky = ["=IMPORTXML(\"http://x\",\"//a\")", "+1", "@x", "=1+1", "12", "-3", "TRUE", "'quoted", " 7 "]
    ws.update([tricky], "A1", raw=True)
    ws.update([tricky], "A2", raw=False)
    assert ws.get("A1:I1", value_render_option="UNFORMATTED_VALUE") == [tricky]
    assert ws.get("A1:I1", value_render_option="FORMULA") == [tricky]
    assert ws.get("A2:I2", value_render_option="FORMULA") == [
        ["=IMPORTXML(\"http://x\",\"//a\")", 1, "@x", "=1+1", 12, -3, True, "quoted", 7]]
    # formulas are evaluated (simple arithmetic and SUM); other functions are "#NAME?"
    assert ws.get("A2:I2", value_render_option="UNFORMATTED_VALUE") == [
        ["#NAME?", 1, "@x", 2, 12, -3, True, "quoted", 7]]
    assert ws.get("A2:I2") == [["#NAME?", "1", "@x", "2", "12", "-3", "TRUE", "quoted", "7"]]

    ws.update([[12, 12.5, "12.50", "0012", "1e3", "12,0", "2024-01-15", "2024-01-15 10:30", True]], "A3",
              raw=False)
    assert ws.get("A3:I3") == [["12", "12.5", "12.5", "12", "1000", "12,0", "2024-01-15", "2024-01-15 10:30:00",
                                "TRUE"]]
    assert ws.get("A3:I3", value_render_option="UNFORMATTED_VALUE") == [
        [12, 12.5, 12.5, 12, 1000, "12,0", 45306, 45306.4375, True]]
    assert ws.get("G3", value_render_option="UNFORMATTED_VALUE", date_time_render_option="FORMATTED_STRING") == [
        ["2024-01-15"]]


def test_ragged_rows_and_empty_ranges(emu, session, sh):
    emu.set_cell("Sheet1", "A1", "a")
    emu.set_cell("Sheet1", "C1", "c")
    emu.set_cell("Sheet1", "B3", "b")
    r = raw(session, "GET", SSID + "/values/Sheet1").json()
    assert r == {"range": "Sheet1!A1:Z1000", "majorDimension": "ROWS", "values": [["a", "", "c"], [], ["", "b"]]}
    r = raw(session, "GET", SSID + "/values/Sheet1!A1:C3", params={"majorDimension": "COLUMNS"}).json()
    assert r == {"range": "Sheet1!A1:C3", "majorDimension": "COLUMNS", "values": [["a"], ["", "", "b"], ["c"]]}
    r = raw(session, "GET", SSID + "/values/Sheet1!D5:E9").json()
    assert r == {"range": "Sheet1!D5:E9", "majorDimension": "ROWS"}
    # A range larger than the grid is clipped to it
    r = raw(session, "GET", SSID + "/values/Sheet1!A1:ZZ5000").json()
    assert r["range"] == "Sheet1!A1:Z1000"
    # No sheet in the range -> the first sheet
    assert raw(session, "GET", SSID + "/values/B3").json() == {
        "range": "Sheet1!B3", "majorDimension": "ROWS", "values": [["b"]]}


def test_range_normalisation_and_percent_decoding(emu, session, sh):
    sh.add_worksheet("Serviciul Presă", 20, 5)
    sh.add_worksheet("It's", 10, 3)
    emu.set_cell("Serviciul Presă", "A1", "x")
    emu.set_cell("It's", "A1", "y")
    cases = {
        "'Serviciul Presă'!A1:Z": "'Serviciul Presă'!A1:E20",
        "'Serviciul Presă'": "'Serviciul Presă'!A1:E20",
        "'Serviciul Presă'!A:A": "'Serviciul Presă'!A1:A20",
        "'Serviciul Presă'!1:1": "'Serviciul Presă'!A1:E1",
        "'Serviciul Presă'!B2:C": "'Serviciul Presă'!B2:C20",
        "'It''s'!A1": "'It''s'!A1",
        "'It''s'": "'It''s'!A1:C10",
        "'Sheet1'!A1:A1": "Sheet1!A1",
        "sheet1!a1:b2": "Sheet1!A1:B2",
    }
    for text, expected in cases.items():
        body = raw(session, "GET", SSID + "/values/" + quote(text, safe="")).json()
        assert body["range"] == expected, text
    # gspread quotes the whole range (safe=""), a browser or curl may not
    assert raw(session, "GET", SSID + "/values/'It''s'!A1").json()["values"] == [["y"]]
    assert raw(session, "GET", SSID + "/values/%27Serviciul%20Pres%C4%83%27!A1").json()["values"] == [["x"]]


def test_append_table_detection(emu, sh, session):
    ws = sh.sheet1
    # empty sheet: no tableRange, written at the range start
    res = ws.append_rows([["h1", "h2"]], table_range="A1")
    assert res == {"spreadsheetId": SSID, "updates": {
        "spreadsheetId": SSID, "updatedRange": "Sheet1!A1:B1", "updatedRows": 1, "updatedColumns": 2,
        "updatedCells": 2}}
    ws.append_rows([["a", "b"]])  # whole sheet range
    # a blank row ends the table: the next append fills the gap (Google does this too)
    emu.set_cell("Sheet1", "A5", "island")
    res = ws.append_rows([["c", "d"]], table_range="A1", insert_data_option="OVERWRITE")
    assert res["tableRange"] == "Sheet1!A1:B2"
    assert res["updates"]["updatedRange"] == "Sheet1!A3:B3"
    assert emu.get_values("Sheet1") == [["h1", "h2"], ["a", "b"], ["c", "d"], [], ["island"]]
    # table starting further right: appended under its first column
    emu.set_cell("Sheet1", "D10", "t1")
    emu.set_cell("Sheet1", "E11", "t2")
    res = ws.append_rows([["t3"]], table_range="D10")
    assert (res["tableRange"], res["updates"]["updatedRange"]) == ("Sheet1!D10:E11", "Sheet1!D12")
    # OVERWRITE past the last row / column grows the grid
    small = sh.add_worksheet("Mic", rows=2, cols=2)
    small.update([["a", "b"], ["c", "d"]], "A1")
    res = small.append_rows([["e", "f", "g"]], insert_data_option="OVERWRITE")
    assert res["updates"]["updatedRange"] == "Mic!A3:C3"
    assert emu.sheet_properties("Mic")["gridProperties"] == {"rowCount": 3, "columnCount": 3}
    # INSERT_ROWS inside the sheet shifts the rows below down
    for cell in ("A3", "B3", "C3"):
        emu.set_cell("Mic", cell, "")
    emu.insert_rows("Mic", 4, 2)
    emu.set_cell("Mic", "A5", "below")
    small.append_rows([["new"]], table_range="A1", insert_data_option="INSERT_ROWS")
    assert emu.get_values("Mic") == [["a", "b"], ["c", "d"], ["new"], [], [], ["below"]]
    assert emu.sheet_properties("Mic")["gridProperties"] == {"rowCount": 6, "columnCount": 3}


def test_gspread_insert_row_is_insert_dimension_plus_append(emu, sh):
    ws = sh.sheet1
    ws.update([["h"], ["a"], ["b"], ["c"]], "A1")
    emu.reset_counts()
    ws.insert_row(["new"], index=3)
    assert emu.get_values("Sheet1") == [["h"], ["a"], ["new"], ["b"], ["c"]]
    assert emu.counts() == {"read": 0, "write": 2, "failed": 0,
                            "endpoints": {"spreadsheets.batchUpdate": 1, "values.append": 1}}
    assert emu.sheet_properties("Sheet1")["gridProperties"] == {"rowCount": 1001, "columnCount": 26}
    # a range pointing into a table appends after the whole table
    res = ws.append_rows([["z"]], table_range="A3")
    assert (res["tableRange"], res["updates"]["updatedRange"]) == ("Sheet1!A1:A5", "Sheet1!A6")


def test_grid_limits(emu, sh, session):
    ws = sh.sheet1
    with pytest.raises(APIError) as err:
        ws.update([["x"], ["y"]], "A1000")
    assert err.value.response.status_code == 400
    assert err.value.response.json() == {"error": {
        "code": 400,
        "message": "Range ('Sheet1'!A1000:A1001) exceeds grid limits. Max rows: 1000, max columns: 26",
        "status": "INVALID_ARGUMENT"}}
    with pytest.raises(APIError) as err:
        ws.update([["x"]], "AA1")
    assert err.value.error["message"] == (
        "Range ('Sheet1'!AA1) exceeds grid limits. Max rows: 1000, max columns: 26")
    with pytest.raises(APIError) as err:
        ws.get("A1001")
    assert err.value.code == 400
    with pytest.raises(APIError) as err:
        ws.update([["a", "b", "c"]], "A1:B1")
    assert err.value.error["message"] == (
        "Requested writing within range ['Sheet1'!A1:B1], but tried writing to column [C]")
    with pytest.raises(APIError) as err:
        ws.update([["a"], ["b"]], "A1:B1")
    assert err.value.error["message"] == (
        "Requested writing within range ['Sheet1'!A1:B1], but tried writing to row [2]")
    assert emu.get_values("Sheet1") == []
    # null leaves a cell alone, "" clears it
    ws.update([["a", "b", "c"]], "A1")
    ws.update([[None, "", "C"]], "A1")
    assert emu.get_values("Sheet1") == [["a", "", "C"]]


def test_values_batch_clear_and_clear(emu, sh):
    ws = sh.sheet1
    ws.update([["a", "b"], ["c", "d"], ["e", "f"]], "A1")
    ws.format("A1", {"textFormat": {"bold": True}})
    assert ws.batch_clear(["A1", "B3"]) == {"spreadsheetId": SSID, "clearedRanges": ["Sheet1!A1", "Sheet1!B3"]}
    assert emu.get_values("Sheet1") == [["", "b"], ["c", "d"], ["e"]]
    assert emu.get_format("Sheet1", "A1") == {"textFormat": {"bold": True}}  # clear keeps formats
    assert ws.clear() == {"spreadsheetId": SSID, "clearedRange": "Sheet1!A1:Z1000"}
    assert emu.get_values("Sheet1") == []


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


def test_error_envelopes(emu, gc, sh, session):
    with pytest.raises(SpreadsheetNotFound) as err:
        gc.open_by_key("nope")
    assert err.value.args[0].status_code == 404
    r = raw(session, "GET", "nope")
    assert (r.status_code, r.json()) == (404, {"error": {
        "code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}})
    with pytest.raises(APIError) as err:
        sh.values_get("Foo!A1")
    assert err.value.code == 400
    assert err.value.response.json() == {"error": {
        "code": 400, "message": "Unable to parse range: Foo!A1", "status": "INVALID_ARGUMENT"}}
    with pytest.raises(APIError) as err:
        sh.values_update("Sheet1!A1", params={}, body={"values": [["x"]]})
    assert err.value.error["message"] == "'valueInputOption' is required but not specified"
    with pytest.raises(WorksheetNotFound):
        sh.worksheet("Missing")
    assert emu.counts() == {
        "read": 4, "write": 1, "failed": 4,
        "endpoints": {"spreadsheets.get": 3, "values.get": 1, "values.update": 1}}


@pytest.mark.parametrize(
    "fault, status, message",
    [
        ("429", "RESOURCE_EXHAUSTED",
         "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' "
         "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'."),
        ("500", "INTERNAL", "Internal error encountered."),
        ("503", "UNAVAILABLE", "The service is currently unavailable."),
    ],
)
def test_injected_http_faults(emu, sh, fault, status, message):
    ws = sh.sheet1
    emu.inject(fault)
    with pytest.raises(APIError) as err:
        ws.get_all_values()
    assert err.value.code == int(fault)
    assert err.value.response.status_code == int(fault)
    assert (err.value.error["status"], err.value.error["message"]) == (status, message)
    assert ws.get_all_values() == [[]]  # one-shot: the next call works
    assert emu.counts() == {"read": 3, "write": 0, "failed": 1,
                            "endpoints": {"spreadsheets.get": 1, "values.get": 2}}


def test_fault_endpoint_filter_and_times(emu, sh):
    ws = sh.sheet1
    emu.inject("503", times=2, endpoint="values.append")
    ws.update([["a"]], "A1")  # not an append: unaffected
    for _ in range(2):
        with pytest.raises(APIError):
            ws.append_row(["b"])
    ws.append_row(["c"])
    assert emu.get_values("Sheet1") == [["a"], ["c"]]
    emu.inject("500", endpoint="write")
    ws.get_all_values()
    with pytest.raises(APIError):
        ws.update([["z"]], "B1")
    assert emu.pending_faults() == []
    with pytest.raises(ValueError):
        emu.inject("418")
    with pytest.raises(ValueError):
        emu.inject("500", endpoint="values.nope")


def test_quota_sliding_window(emu, clock, sh, session):
    emu.set_quota(reads_per_minute=60, writes_per_minute=None)
    url = SSID + "/values/Sheet1!A1"
    for i in range(60):
        assert raw(session, "GET", url).status_code == 200, i
        clock.advance(0.5)  # 60 reads spread over 30 s
    r = raw(session, "GET", url)
    assert r.status_code == 429
    body = r.json()["error"]
    assert (body["code"], body["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert body["message"].startswith("Quota exceeded for quota metric 'Read requests' and limit "
                                      "'Read requests per minute per user'")
    assert body["details"][0]["reason"] == "RATE_LIMIT_EXCEEDED"
    with pytest.raises(APIError) as err:  # gspread surfaces it as APIError 429
        sh.sheet1
    assert err.value.code == 429
    # writes are unlimited
    assert raw(session, "PUT", url, params={"valueInputOption": "RAW"}, json={"values": [["w"]]}).ok
    # each admitted request leaves the window 60 s after it was made
    clock.advance(60 - 30 + 0.01)
    assert raw(session, "GET", url).status_code == 200
    assert raw(session, "GET", url).status_code == 429
    clock.advance(0.5)
    assert raw(session, "GET", url).status_code == 200
    assert emu.counts() == {"read": 65, "write": 1, "failed": 3,
                            "endpoints": {"spreadsheets.get": 1, "values.get": 64, "values.update": 1}}


def test_write_quota(emu, sh):
    emu.set_quota(reads_per_minute=None, writes_per_minute=2)
    ws = sh.sheet1
    ws.update([["1"]], "A1")
    ws.update([["2"]], "A2")
    with pytest.raises(APIError) as err:
        ws.update([["3"]], "A3")
    assert err.value.code == 429
    assert "'Write requests per minute per user'" in err.value.error["message"]
    assert emu.get_values("Sheet1") == [["1"], ["2"]]


def test_slow_fault(emu, server, sh):
    emu.inject(("slow", 0.3))
    t0 = time.monotonic()
    assert sh.sheet1.get_all_values() == [[]]
    assert time.monotonic() - t0 >= 0.3
    # with a short read timeout the client gives up, but the write still lands
    impatient = raw_client(EmulatorSession(server.host, timeout=(2, 0.1)))
    ws = impatient.open_by_key(SSID).sheet1
    emu.inject(("slow", 0.3), endpoint="values.append")
    with pytest.raises(requests.exceptions.ReadTimeout):
        ws.append_row(["late"])
    deadline = time.monotonic() + 2
    while emu.get_values("Sheet1") != [["late"]] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert emu.get_values("Sheet1") == [["late"]]


def test_drop_after_write_applies_then_drops(emu, sh):
    ws = sh.sheet1
    emu.inject("drop_after_write")
    ws.get_all_values()  # reads are not affected by drop faults without an endpoint
    with pytest.raises(requests.exceptions.ConnectionError):
        ws.append_rows([["row1"]], value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1")
    assert emu.get_values("Sheet1") == [["row1"]]
    # the session recovers on a fresh connection
    ws.append_rows([["row2"]], value_input_option="RAW", insert_data_option="INSERT_ROWS", table_range="A1")
    assert emu.get_values("Sheet1") == [["row1"], ["row2"]]
    assert emu.counts() == {"read": 2, "write": 2, "failed": 1,
                            "endpoints": {"spreadsheets.get": 1, "values.append": 2, "values.get": 1}}


def test_drop_before_write_does_not_apply(emu, sh):
    emu.inject("drop_before_write")
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.sheet1.update([["x"]], "A1")
    assert emu.get_values("Sheet1") == []
    last = emu.request_log()[-1]
    assert last.pop("bytes") > 0  # the body's size, logged though never applied
    assert last == {"endpoint": "values.update", "range": "'Sheet1'!A1", "status": None}


def test_storm(emu, clock, sh):
    ws = sh.sheet1
    emu.storm("503", seconds=10)
    for _ in range(3):
        with pytest.raises(APIError) as err:
            ws.get_all_values()
        assert err.value.code == 503
    clock.advance(10)
    assert ws.get_all_values() == [[]]
    emu.storm("drop_after_write", seconds=5)
    for i in range(2):
        with pytest.raises(requests.exceptions.ConnectionError):
            ws.append_row([str(i)])
    emu.clear_faults()
    ws.append_row(["ok"])
    assert emu.get_values("Sheet1") == [["0"], ["1"], ["ok"]]


# ---------------------------------------------------------------------------
# hand edits
# ---------------------------------------------------------------------------


def test_hand_edits(emu, sh):
    ws = sh.sheet1
    ws.update([["id", "name", "qty"], ["1", "b", "5"], ["2", "a", "3"], ["3", "c", "10"]], "A1")
    emu.reset_counts()
    emu.set_cell("Sheet1", "C2", "12 ")
    emu.set_cell("Sheet1", "C3", "12,0")
    emu.set_cell("Sheet1", "D1", 4.5)
    emu.set_cell("Sheet1", "D2", "=SUM(C2:C3)")
    emu.set_cell("Sheet1", "D3", "007", raw=True)
    # SUM adds the numbers of its range and skips text ("12,0" is text in en_US), like Google
    assert emu.get_values("Sheet1", render="UNFORMATTED_VALUE") == [
        ["id", "name", "qty", 4.5], ["1", "b", 12, 12], ["2", "a", "12,0", "007"], ["3", "c", "10"]]
    assert emu.get_cell("Sheet1", "D2", render="FORMULA") == "=SUM(C2:C3)"
    emu.set_cell("Sheet1", "D1", None)
    emu.set_cell("Sheet1", "D2", "")
    emu.set_cell("Sheet1", "D3", None)

    emu.insert_rows("Sheet1", 2)
    assert emu.get_values("Sheet1") == [["id", "name", "qty"], [], ["1", "b", "12"], ["2", "a", "12,0"],
                                        ["3", "c", "10"]]
    emu.delete_rows("Sheet1", 2)
    emu.sort_rows("Sheet1", "B")
    assert emu.get_values("Sheet1") == [["id", "name", "qty"], ["2", "a", "12,0"], ["1", "b", "12"],
                                        ["3", "c", "10"]]
    emu.sort_rows("Sheet1", 3)  # numbers before text; "10" was written RAW, so it is text
    assert [r[2] for r in emu.get_values("Sheet1")] == ["qty", "12", "10", "12,0"]
    emu.sort_rows("Sheet1", 3, descending=True)
    assert [r[2] for r in emu.get_values("Sheet1")] == ["qty", "12,0", "10", "12"]
    emu.move_column("Sheet1", "C", 1)
    assert emu.get_values("Sheet1")[0] == ["qty", "id", "name"]
    emu.move_column("Sheet1", 1, "C")
    assert emu.get_values("Sheet1")[0] == ["id", "name", "qty"]
    emu.insert_column("Sheet1", "B", header="stray")
    assert emu.get_values("Sheet1") == [["id", "stray", "name", "qty"], ["2", "", "a", "12,0"],
                                        ["3", "", "c", "10"], ["1", "", "b", "12"]]
    assert emu.sheet_properties("Sheet1")["gridProperties"] == {"rowCount": 1000, "columnCount": 27}
    emu.delete_rows("Sheet1", 3, 2)
    emu.rename_sheet("Sheet1", "Redenumit")
    with pytest.raises(WorksheetNotFound):
        sh.worksheet("Sheet1")
    assert sh.worksheet("Redenumit").get_all_values() == [["id", "stray", "name", "qty"], ["2", "", "a", "12,0"]]
    assert emu.counts() == {"read": 3, "write": 0, "failed": 0,
                            "endpoints": {"spreadsheets.get": 2, "values.get": 1}}
    with pytest.raises(KeyError):
        emu.set_cell("Nope", "A1", "x")
    with pytest.raises(ValueError):
        emu.set_cell("Redenumit", "A1001", "x")


def test_hand_edits_need_spreadsheet_id_when_ambiguous(emu):
    emu.create_spreadsheet("one")
    emu.create_spreadsheet("two", sheets=("Foaie",))
    with pytest.raises(ValueError):
        emu.set_cell("Sheet1", "A1", "x")
    emu.set_cell("Foaie", "A1", "x", spreadsheet_id="two")
    assert emu.get_values("Foaie", spreadsheet_id="two") == [["x"]]


# ---------------------------------------------------------------------------
# control surface, session, CLI
# ---------------------------------------------------------------------------


def test_http_control_endpoints(server, session, emu, gc):
    base = server.url + "/__emulator/"
    r = session.post(base + "spreadsheets", json={"spreadsheet_id": SSID, "title": "T", "sheets": ["Foaie"]})
    assert r.json() == {"spreadsheetId": SSID}
    assert session.post(base + "set_cell", json={"title": "Foaie", "a1": "B2", "value": "12"}).ok
    assert session.get(base + "values", params={"title": "Foaie", "render": "UNFORMATTED_VALUE"}).json() == {
        "values": [[], ["", 12]]}
    assert session.post(base + "inject", json={"fault": "503", "endpoint": "spreadsheets.get"}).ok
    assert session.get(base + "faults").json() == {
        "faults": [{"fault": "503", "endpoint": "spreadsheets.get", "times": 1}]}
    with pytest.raises(APIError) as err:
        gc.open_by_key(SSID)
    assert err.value.code == 503
    assert session.post(base + "inject", json={"fault": ["slow", 0.01]}).ok
    assert session.post(base + "storm", json={"fault": "500", "seconds": 30}).ok
    assert session.post(base + "faults/clear").ok
    assert session.post(base + "quota", json={"reads_per_minute": 5, "writes_per_minute": None}).ok
    assert session.get(base + "quota").json() == {"reads_per_minute": 5, "writes_per_minute": None}
    gc.open_by_key(SSID)
    assert session.get(base + "counts").json() == {
        "read": 2, "write": 0, "failed": 1, "endpoints": {"spreadsheets.get": 2}}
    assert session.post(base + "insert_rows", json={"title": "Foaie", "before_row": 1}).ok
    assert session.post(base + "rename_sheet", json={"old": "Foaie", "new": "Alta"}).ok
    assert emu.get_values("Alta") == [[], [], ["", "12"]]
    assert session.post(base + "counts/reset").ok
    assert emu.counts() == {"read": 0, "write": 0, "failed": 0, "endpoints": {}}
    r = session.post(base + "set_cell", json={"title": "Missing", "a1": "A1", "value": 1})
    assert r.status_code == 400 and "Missing" in r.json()["error"]
    assert session.get(base + "nope").status_code == 404
    assert session.post(base + "reset").ok
    assert emu.spreadsheet_ids() == []


def test_stop_closes_keep_alive_connections(emu):
    emu.create_spreadsheet(SSID)
    srv = EmulatorServer(emu).start()
    session = EmulatorSession(srv.host)
    raw_client(session).open_by_key(SSID)  # leaves a pooled connection
    t0 = time.monotonic()
    srv.stop()
    assert time.monotonic() - t0 < 2
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(API + SSID)


def test_emulator_session_rewrites_and_timeouts():
    s = EmulatorSession("http://127.0.0.1:9/")
    assert s.host == "127.0.0.1:9"
    assert s.rewrite_url(API + "abc/values/A1?x=1") == "http://127.0.0.1:9/v4/spreadsheets/abc/values/A1?x=1"
    assert s.rewrite_url("http://127.0.0.1:9/__emulator/counts") == "http://127.0.0.1:9/__emulator/counts"
    with pytest.raises(requests.ConnectionError):
        s.get("https://www.googleapis.com/drive/v3/files")

    seen = []

    class Recorder(requests.Session):
        def request(self, method, url, *args, **kwargs):
            seen.append(kwargs.get("timeout"))
            return "sent"

    class Timed(DefaultTimeoutMixin, Recorder):
        pass

    t = Timed(timeout=(1, 2))
    t.request("GET", "http://x", timeout=None)  # what gspread passes by default
    t.request("GET", "http://x")
    t.request("GET", "http://x", timeout=7)
    assert seen == [(1, 2), (1, 2), 7]
    assert Timed().default_timeout == (5, 20)


def test_timeout_mixin_on_a_real_authorized_session(emu, server):
    from google.auth.credentials import AnonymousCredentials
    from google.auth.transport.requests import AuthorizedSession

    class TimeoutAuthorizedSession(DefaultTimeoutMixin, AuthorizedSession):
        pass

    emu.create_spreadsheet(SSID)
    session = TimeoutAuthorizedSession(AnonymousCredentials(), timeout=(2, 0.1))
    url = server.url + "/v4/spreadsheets/" + SSID
    assert session.request("GET", url, timeout=None).json()["spreadsheetId"] == SSID
    emu.inject(("slow", 0.3))
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.request(method="GET", url=url, timeout=None)  # gspread's call shape
    session.close()


def test_columns_major_dimension_and_echo(emu, sh, session):
    r = raw(session, "PUT", SSID + "/values/Sheet1!B2",
            params={"valueInputOption": "USER_ENTERED", "includeValuesInResponse": "true",
                    "responseValueRenderOption": "UNFORMATTED_VALUE"},
            json={"majorDimension": "COLUMNS", "values": [["1", "2"], ["x"]]})
    assert r.json() == {
        "spreadsheetId": SSID, "updatedRange": "Sheet1!B2:C3", "updatedRows": 2, "updatedColumns": 2,
        "updatedCells": 3,
        "updatedData": {"range": "Sheet1!B2:C3", "majorDimension": "ROWS", "values": [[1, "x"], [2]]}}


def test_emulator_session_from_env(monkeypatch):
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    assert EmulatorSession.from_env() is None
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", "127.0.0.1:8089")
    assert EmulatorSession.from_env().base_url == "http://127.0.0.1:8089"


def test_autocreate(clock):
    emu = SheetsEmulator(autocreate=True, clock=clock)
    with EmulatorServer(emu) as srv:
        gc = raw_client(EmulatorSession(srv.host))
        sh = gc.open_by_key("brand-new")
        assert [w.title for w in sh.worksheets()] == ["Sheet1"]
        assert sh.sheet1.id == 0


def test_cli_serves_and_prints_host():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheets_emulator", "--port", "0", "--spreadsheet", SSID, "--sheet", "Date",
         "--quota-reads", "100"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("SHEETS_EMULATOR_HOST=127.0.0.1:")
        host = line.split("=", 1)[1]
        gc = raw_client(EmulatorSession(host))
        assert [w.title for w in gc.open_by_key(SSID).worksheets()] == ["Date"]
        with pytest.raises(SpreadsheetNotFound):
            gc.open_by_key("unknown")
        counts = requests.get("http://%s/__emulator/counts" % host, timeout=5).json()
        assert counts == {"read": 3, "write": 0, "failed": 1, "endpoints": {"spreadsheets.get": 3}}
        assert requests.get("http://%s/__emulator/quota" % host, timeout=5).json() == {
            "reads_per_minute": 100, "writes_per_minute": None}
    finally:
        proc.terminate()
        proc.wait(timeout=5)


def test_handle_in_process(emu):
    emu.create_spreadsheet(SSID)
    status, body = emu.handle("PUT", "/v4/spreadsheets/%s/values/A1" % SSID, {"valueInputOption": ["RAW"]},
                              {"values": [["x"]]})
    assert (status, body["updatedRange"]) == (200, "Sheet1!A1")
    emu.inject("drop_after_write")
    assert emu.handle("POST", "/v4/spreadsheets/%s/values/A1:append" % SSID, {"valueInputOption": ["RAW"]},
                      {"values": [["y"]]}) == (0, {})
    assert emu.get_values("Sheet1") == [["x"], ["y"]]
    assert emu.handle("GET", "/v4/spreadsheets/%s/sheets/0:copyTo" % SSID, {}, None)[0] == 404

"""Protected ranges in the emulator: the batchUpdate requests (through gspread), what
spreadsheets.get shows, 403 for API writes by a non-editor, and hand edits as_person=."""

from __future__ import annotations

import gspread
import pytest
import requests
from gspread.exceptions import APIError

from sheets.google.http import EmulatorSession
from sheets_emulator import EmulatorServer, SheetsEmulator
from sheets_emulator.model import PROTECTED_MESSAGE, ProtectedRangeError
from sheets_emulator.state import DEFAULT_PERSON
from tests.clock import FakeClock

SSID = "1ProtectedSpreadsheetId_abcdefghijklmnopqrstu"
SA = "rapoarte@primaria-test.iam.gserviceaccount.com"
BOSS = "sef@primaria.ro"
OWNER = "proprietar@primaria.ro"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"


@pytest.fixture
def emu():
    emu = SheetsEmulator(clock=FakeClock(1000.0))
    emu.create_spreadsheet(SSID, title="Registru", sheets=("Sheet1", "Presă"))
    emu.share_spreadsheet(OWNER, "owner")
    return emu


@pytest.fixture
def server(emu):
    with EmulatorServer(emu) as srv:
        yield srv


class TokenSession(EmulatorSession):
    """The app's EmulatorSession plus a fixed bearer token (minted in-process)."""

    def __init__(self, host, token):
        super().__init__(host)
        self.headers["Authorization"] = "Bearer " + token


@pytest.fixture
def sh(server):
    """gspread as the owner (auth off: every API call is the owner's)."""
    return gspread.Client(auth=None, session=EmulatorSession(server.host)).open_by_key(SSID)


@pytest.fixture
def sa_sh(emu, server):
    """gspread as the service account, an editor (not owner) of the spreadsheet, auth on."""
    emu.enable_auth()
    emu.share_spreadsheet(SA, "writer")
    token = emu.issue_token(SA, [SHEETS_SCOPE])
    return gspread.Client(auth=None, session=TokenSession(server.host, token)).open_by_key(SSID)


def seed(emu):
    for i, row in enumerate([["Data", "Activitate", "Nr"], ["2026-11-23", "a", "1"], ["2026-11-24", "b", "2"]]):
        for j, value in enumerate(row):
            emu.set_cell("Sheet1", "ABC"[j] + str(i + 1), value, raw=True, as_person=OWNER)


def assert_protected_403(info):
    err = info.value.response.json()["error"]
    assert (err["code"], err["status"], err["message"]) == (403, "PERMISSION_DENIED", PROTECTED_MESSAGE)


# ---------------------------------------------------------------------------
# batchUpdate requests and spreadsheets.get, shaped like the recordings
# ---------------------------------------------------------------------------


def test_add_list_delete_protected_range_like_google(emu, sh):
    ws = sh.sheet1
    res = ws.add_protected_range("A1:B2", editor_users_emails=[])
    pr = res["replies"][0]["addProtectedRange"]["protectedRange"]
    pid = pr["protectedRangeId"]
    assert pr == {  # as in WorksheetTest.test_add_protected_range_normal.json
        "protectedRangeId": pid,
        "range": {"startRowIndex": 0, "endRowIndex": 2, "startColumnIndex": 0, "endColumnIndex": 2},
        "requestingUserCanEdit": True,
        "editors": {},
    }
    listed = sh.list_protected_ranges(ws.id)
    assert listed == [pr]  # auth off: the caller is the owner, not added to the editors
    warn = ws.add_protected_range("C1:C2", warning_only=True, description="atenție")
    wpr = warn["replies"][0]["addProtectedRange"]["protectedRange"]
    assert wpr["warningOnly"] is True and wpr["description"] == "atenție"
    other = sh.worksheet("Presă")
    res = other.add_protected_range("A:A", editor_users_emails=[BOSS])
    opr = res["replies"][0]["addProtectedRange"]["protectedRange"]
    assert opr["range"] == {"sheetId": other.id, "startColumnIndex": 0, "endColumnIndex": 1}
    assert opr["editors"] == {"users": [BOSS]}
    meta = sh.fetch_sheet_metadata()
    assert [len(s.get("protectedRanges", [])) for s in meta["sheets"]] == [2, 1]
    ws.delete_protected_range(pid)
    assert [p["protectedRangeId"] for p in sh.list_protected_ranges(ws.id)] == [wpr["protectedRangeId"]]
    assert [p["protectedRangeId"] for p in emu.protected_ranges()] == [wpr["protectedRangeId"],
                                                                        opr["protectedRangeId"]]
    with pytest.raises(APIError) as info:
        ws.delete_protected_range(pid)
    assert info.value.code == 400
    assert "No protected range with id" in info.value.response.json()["error"]["message"]


def test_update_protected_range(emu, sh):
    ws = sh.sheet1
    pid = emu.protect_range("Sheet1", "A1:C1", description="antet")
    sh.batch_update({"requests": [{"updateProtectedRange": {
        "protectedRange": {"protectedRangeId": pid, "description": "capul tabelului",
                           "range": {"sheetId": ws.id, "startRowIndex": 0, "endRowIndex": 2},
                           "editors": {"users": [BOSS]}},
        "fields": "description,range,editors.users"}}]})
    assert emu.protected_ranges("Sheet1") == [{
        "protectedRangeId": pid, "range": {"startRowIndex": 0, "endRowIndex": 2},
        "description": "capul tabelului", "requestingUserCanEdit": True, "editors": {"users": [BOSS]}}]
    with pytest.raises(APIError) as info:
        sh.batch_update({"requests": [{"updateProtectedRange": {
            "protectedRange": {"protectedRangeId": pid}, "fields": ""}}]})
    assert info.value.code == 400


def test_whole_sheet_protection_with_exceptions(emu, sh):
    emu.protect_range("Presă", None, unprotected=["B2:C"])
    pr = sh.list_protected_ranges(sh.worksheet("Presă").id)[0]
    sheet_id = sh.worksheet("Presă").id
    assert pr["range"] == {"sheetId": sheet_id}
    assert pr["unprotectedRanges"] == [{"sheetId": sheet_id, "startRowIndex": 1, "startColumnIndex": 1,
                                        "endColumnIndex": 3}]
    emu.set_cell("Presă", "B5", "ok")  # inside the exception
    with pytest.raises(ProtectedRangeError):
        emu.set_cell("Presă", "A5", "no")
    with pytest.raises(ProtectedRangeError):
        emu.insert_rows("Presă", 1)  # a whole-sheet protection grows with any insert
    with pytest.raises(ProtectedRangeError):
        emu.insert_column("Presă", "A")
    with pytest.raises(ProtectedRangeError):
        emu.rename_sheet("Presă", "Alt nume")
    with pytest.raises(ProtectedRangeError):
        emu.delete_sheet("Presă")
    emu.rename_sheet("Presă", "Alt nume", as_person=OWNER)


# ---------------------------------------------------------------------------
# API writes: the owner may, an editor of the spreadsheet who is not an editor of the range may not
# ---------------------------------------------------------------------------


def test_without_auth_api_writes_are_the_owners(emu, sh):
    seed(emu)
    emu.protect_range("Sheet1", "1:1")
    sh.sheet1.update([["DATA"]], "A1")
    assert emu.get_cell("Sheet1", "A1") == "DATA"


def test_service_account_writes_into_a_protected_header_are_403(emu, sa_sh):
    seed(emu)
    pid = emu.protect_range("Sheet1", "1:1", description="antet")
    ws = sa_sh.sheet1
    with pytest.raises(APIError) as info:
        ws.update([["DATA"]], "A1")
    assert_protected_403(info)
    with pytest.raises(APIError) as info:
        ws.batch_update([{"range": "C3", "values": [["9"]]}, {"range": "B1", "values": [["x"]]}])
    assert_protected_403(info)
    assert emu.get_values("Sheet1")[2] == ["2026-11-24", "b", "2"]  # the whole batch was refused
    with pytest.raises(APIError) as info:
        ws.clear()
    assert_protected_403(info)
    with pytest.raises(APIError) as info:
        ws.delete_rows(1)
    assert_protected_403(info)
    with pytest.raises(APIError) as info:
        ws.format("A1:C1", {"textFormat": {"bold": True}})
    assert_protected_403(info)
    with pytest.raises(APIError) as info:
        ws.update_title("Alt")  # not a whole-sheet protection: allowed
        sa_sh.del_worksheet(ws)
    assert_protected_403(info)
    # outside the protected row everything works, and rows appended below the header too
    ws.update([["3"]], "C3")
    ws.append_rows([["2026-11-25", "c", 4]], value_input_option="RAW", insert_data_option="INSERT_ROWS")
    ws.delete_rows(2)
    assert emu.get_values("Alt") == [["Data", "Activitate", "Nr"], ["2026-11-24", "b", "3"],
                                     ["2026-11-25", "c", "4"]]
    # the non-editor sees the range, but neither its editors nor requestingUserCanEdit
    assert sa_sh.list_protected_ranges(ws.id) == [{
        "protectedRangeId": pid, "range": {"startRowIndex": 0, "endRowIndex": 1}, "description": "antet"}]
    # it may neither change nor drop it
    with pytest.raises(APIError) as info:
        ws.delete_protected_range(pid)
    assert_protected_403(info)


def test_editor_of_the_range_and_owner_may_write(emu, sa_sh):
    seed(emu)
    pid = emu.protect_range("Sheet1", "A1:C1", editors=[SA])
    sa_sh.sheet1.update([["DATA"]], "A1")
    emu.unprotect_range(pid)
    emu.protect_range("Sheet1", "A1:C1", warning_only=True)
    sa_sh.sheet1.update([["Data"]], "A1")  # warning-only never blocks
    emu.protect_range("Sheet1", "A1:C1")
    with pytest.raises(APIError):
        sa_sh.sheet1.update([["x"]], "A1")
    emu.share_spreadsheet(SA, "owner")
    sa_sh.sheet1.update([["x"]], "A1")
    assert emu.get_cell("Sheet1", "A1") == "x"


def test_service_account_protects_and_is_added_as_editor(emu, sa_sh):
    res = sa_sh.sheet1.add_protected_range("A1:B2", editor_users_emails=[])
    pr = res["replies"][0]["addProtectedRange"]["protectedRange"]
    assert pr["editors"] == {}  # the reply shows the editors as requested...
    listed = sa_sh.list_protected_ranges(0)
    assert listed[0]["editors"] == {"users": [SA]}  # ...then Google adds the requesting account
    sa_sh.sheet1.update([["x"]], "A1")
    with pytest.raises(ProtectedRangeError):
        emu.set_cell("Sheet1", "A1", "y")  # a colleague in the UI may not


def test_api_insert_inside_a_protected_block_is_403(emu, sa_sh):
    seed(emu)
    emu.protect_range("Sheet1", "A1:C3")
    ws = sa_sh.sheet1
    with pytest.raises(APIError) as info:
        ws.insert_rows([["x"]], row=2)
    assert_protected_403(info)
    ws.insert_rows([["x"]], row=4)  # right below the block: allowed, the block does not grow
    assert emu.protected_ranges("Sheet1")[0]["range"] == {
        "startRowIndex": 0, "endRowIndex": 3, "startColumnIndex": 0, "endColumnIndex": 3}


# ---------------------------------------------------------------------------
# hand edits as_person
# ---------------------------------------------------------------------------


def test_person_edits_inside_and_outside(emu):
    seed(emu)
    emu.protect_range("Sheet1", "A1:C1", editors=[BOSS])
    with pytest.raises(ProtectedRangeError) as info:
        emu.set_cell("Sheet1", "B1", "Ce?")
    assert str(info.value) == PROTECTED_MESSAGE
    assert isinstance(info.value, PermissionError)
    assert DEFAULT_PERSON not in (BOSS, OWNER)
    emu.set_cell("Sheet1", "B2", "ok")  # outside
    emu.set_cell("Sheet1", "D1", "ok")  # right of the protected block
    emu.set_cell("Sheet1", "B1", "Activ.", as_person=BOSS)  # an editor of the range
    emu.set_cell("Sheet1", "C1", "Număr", as_person=OWNER)  # the owner
    assert emu.get_values("Sheet1")[0] == ["Data", "Activ.", "Număr", "ok"]
    with pytest.raises(ProtectedRangeError):
        emu.sort_rows("Sheet1", "B", start_row=1)
    emu.sort_rows("Sheet1", "B", descending=True)  # rows 2.. only: allowed
    with pytest.raises(ProtectedRangeError):
        emu.move_column("Sheet1", "A", "E")
    emu.move_column("Sheet1", "E", "F")
    with pytest.raises(ProtectedRangeError):
        emu.insert_column("Sheet1", "B")
    with pytest.raises(ProtectedRangeError):
        emu.resize("Sheet1", cols=2)


def test_inserting_and_deleting_rows_shifts_protected_ranges(emu):
    seed(emu)
    pid = emu.protect_range("Sheet1", "A2:C3")

    def rng():
        return emu.protected_ranges("Sheet1")[0]["range"]

    emu.insert_rows("Sheet1", 1, 2)  # above: the range moves down
    assert rng() == {"startRowIndex": 3, "endRowIndex": 5, "startColumnIndex": 0, "endColumnIndex": 3}
    emu.delete_rows("Sheet1", 1)  # above: moves up
    assert rng()["startRowIndex"] == 2 and rng()["endRowIndex"] == 4
    with pytest.raises(ProtectedRangeError):
        emu.insert_rows("Sheet1", 4)  # inside (it would grow)
    with pytest.raises(ProtectedRangeError):
        emu.delete_rows("Sheet1", 4)  # its last row
    emu.insert_rows("Sheet1", 4, as_person=OWNER)  # the owner may: the range grows
    assert (rng()["startRowIndex"], rng()["endRowIndex"]) == (2, 5)
    emu.insert_column("Sheet1", "A", header="Nou", as_person=OWNER)  # columns shift too
    assert (rng()["startColumnIndex"], rng()["endColumnIndex"]) == (1, 4)
    emu.delete_rows("Sheet1", 3, 3, as_person=OWNER)  # deleting all its rows deletes the range
    assert emu.protected_ranges("Sheet1") == []
    with pytest.raises(KeyError):
        emu.unprotect_range(pid)


def test_api_structure_changes_shift_protected_ranges(emu, sh):
    seed(emu)
    emu.protect_range("Sheet1", "2:3")
    sh.sheet1.insert_rows([["x"]], row=1)
    assert emu.protected_ranges("Sheet1")[0]["range"] == {"startRowIndex": 2, "endRowIndex": 4}
    sh.sheet1.delete_rows(1)
    assert emu.protected_ranges("Sheet1")[0]["range"] == {"startRowIndex": 1, "endRowIndex": 3}


def test_control_endpoints_for_protection(emu, server):
    ctl = server.url + "/__emulator/"
    pid = requests.post(ctl + "protect", json={"title": "Sheet1", "a1": "A1:C1", "editors": [BOSS]},
                        timeout=10).json()["protectedRangeId"]
    res = requests.post(ctl + "set_cell", json={"title": "Sheet1", "a1": "A1", "value": "x"}, timeout=10)
    assert res.status_code == 403
    assert PROTECTED_MESSAGE in res.json()["error"]
    res = requests.post(ctl + "set_cell", json={"title": "Sheet1", "a1": "A1", "value": "x", "as_person": BOSS},
                        timeout=10)
    assert res.status_code == 200
    listed = requests.get(ctl + "protected_ranges", params={"title": "Sheet1"}, timeout=10).json()
    assert [p["protectedRangeId"] for p in listed["protectedRanges"]] == [pid]
    assert requests.post(ctl + "unprotect", json={"protected_range_id": pid}, timeout=10).status_code == 200
    assert requests.post(ctl + "set_cell", json={"title": "Sheet1", "a1": "A1", "value": "y"},
                         timeout=10).status_code == 200

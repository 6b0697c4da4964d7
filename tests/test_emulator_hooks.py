"""The emulator's hooks: a person's edit between two of the app's requests."""
from __future__ import annotations

import pytest
from gspread.exceptions import APIError

from sheets.google.client import raw_client
from sheets.google.http import EmulatorSession
from sheets_emulator import EmulatorServer, SheetsEmulator
from tests.clock import FakeClock

SS = "1EmulatorHookTests_abcdefghijklmnopqrstuvw"


@pytest.fixture
def emu():
    return SheetsEmulator(clock=FakeClock())


@pytest.fixture
def ws(emu):
    emu.create_spreadsheet(SS, title="Hooks")
    with EmulatorServer(emu) as server:
        session = EmulatorSession(server.host)
        yield raw_client(session).open_by_key(SS).sheet1
        session.close()


def test_the_edit_runs_once_after_the_nth_matching_request_before_the_next(emu, ws):
    ws.update([["b", "1"], ["a", "2"], ["c", "3"]], "A1")
    hook = emu.after_request(lambda: emu.sort_rows("Sheet1", "A", start_row=1, spreadsheet_id=SS),
                             endpoint="values.get", nth=2)
    assert ws.get_all_values()[0] == ["b", "1"]  # the 1st values.get: not yet
    assert not hook.fired
    emu.inject("503", endpoint="values.get")
    with pytest.raises(APIError):
        ws.get_all_values()  # answered with an error: not counted
    assert ws.get_all_values() == [["b", "1"], ["a", "2"], ["c", "3"]]  # the 2nd: answered as read, then the sort
    assert hook.fired and hook.error is None
    assert ws.get_all_values() == [["a", "2"], ["b", "1"], ["c", "3"]]  # the app's next request sees it
    ws.get_all_values()
    assert emu.get_values("Sheet1", spreadsheet_id=SS)[0] == ["a", "2"]  # ran once


def test_an_edit_that_raises_is_reported_and_the_request_still_answered(emu, ws):
    def refuse():
        raise ValueError("no such column")

    hook = emu.after_request(refuse, endpoint="write")
    ws.update([["x"]], "A1")
    assert hook.fired and isinstance(hook.error, ValueError)
    assert emu.get_values("Sheet1", spreadsheet_id=SS) == [["x"]]


def test_request_bodies_are_measured(emu, ws):
    emu.reset_counts()
    ws.update([["ș" * 10]], "A1")
    [entry] = emu.request_log()
    assert entry["endpoint"] == "values.update" and entry["bytes"] > 60  # "\\u0219" is 6 bytes in JSON
    with pytest.raises(ValueError):
        emu.after_request(lambda: None, endpoint="values.nothing")

"""Offline emulator of the Google Sheets v4 REST endpoints that gspread 6.x uses.

Quick start (tests)::

    from sheets.emulator import EmulatorServer
    from sheets.http import EmulatorSession
    import gspread

    with EmulatorServer() as server:
        ssid = server.emulator.create_spreadsheet(title="Demo")
        gc = gspread.Client(auth=None, session=EmulatorSession(server.host))
        ws = gc.open_by_key(ssid).sheet1

Stand-alone (a browser test, a dev server)::

    python -m sheets.emulator --port 8089 --spreadsheet MY_ID
    # -> SHEETS_EMULATOR_HOST=127.0.0.1:8089

Modules: ``a1`` (A1 notation), ``values`` (RAW / USER_ENTERED parsing and
rendering), ``model`` (sheets, cells, field masks, error envelope), ``api``
(the REST endpoints), ``state`` (SheetsEmulator: counters, quota, faults,
hand edits), ``server`` (HTTP + /__emulator/ control endpoints).
"""

from .api import ENDPOINTS, READ_ENDPOINTS, WRITE_ENDPOINTS
from .model import ApiError
from .server import EmulatorServer
from .state import SheetsEmulator

__all__ = [
    "ApiError",
    "EmulatorServer",
    "ENDPOINTS",
    "READ_ENDPOINTS",
    "SheetsEmulator",
    "WRITE_ENDPOINTS",
]

"""Offline emulator of the Google Sheets v4 REST endpoints that gspread 6.x uses.

Quick start (tests)::

    from sheets_emulator import EmulatorServer
    from sheets.google.client import raw_client
    from sheets.google.http import EmulatorSession

    with EmulatorServer() as server:
        ssid = server.emulator.create_spreadsheet(title="Demo")
        gc = raw_client(EmulatorSession(server.host))
        ws = gc.open_by_key(ssid).sheet1

Stand-alone (a browser test, a dev server)::

    python -m sheets_emulator --port 8089 --spreadsheet MY_ID
    # -> SHEETS_EMULATOR_HOST=127.0.0.1:8089

Counting: ``SheetsEmulator.counts()`` -> ``{"read", "write", "failed",
"endpoints": {name: n}}``.  Endpoint names: reads ``spreadsheets.get``,
``values.get``, ``values.batchGet``; writes ``spreadsheets.batchUpdate``,
``values.update``, ``values.append``, ``values.clear``, ``values.batchUpdate``,
``values.batchClear``; anything else is ``unknown`` (answered 404).  Every API
request that reaches the emulator is counted, including those answered with an
injected fault or a quota 429; ``failed`` counts error answers and dropped
connections.  Control calls and hand edits are never counted.  The quota
window (sliding 60 s, per read/write) holds admitted requests, including ones
then answered with an injected fault, but not the ones the quota rejected.

Faults (``inject(fault, times=1, endpoint=None)``, ``storm(fault, seconds)``):
"429" / "500" / "503" answer Google's error envelope; ("slow", s) sleeps s
seconds before handling (the request is still applied, even if the client
timed out); "drop_after_write" applies the request then closes the TCP
connection without a byte; "drop_before_write" closes it without applying.
``endpoint`` is an endpoint name, "read", "write" or None (= any request; for
the two drop faults None means any *write*).

Responses are pretty-printed JSON like Google's, compact with the
``prettyPrint=false`` system parameter. ``request_log()`` shows each API
request's endpoint, range and status, plus batchGet's ``ranges`` and
``"prettyPrint": False`` when sent.

Deliberate limits: formulas are stored, never evaluated (rendered "#NAME?"
except with valueRenderOption=FORMULA); USER_ENTERED parses plain numbers,
TRUE/FALSE, "=" formulas, a leading apostrophe and ISO dates/datetimes only
(no currencies, percents, thousands separators or locale formats); number
display is "automatic" only; table detection for values.append follows the
documented behaviour plus a "current region" heuristic; named ranges,
protected ranges, merges, filters, data validation, conditional formats and
notes' API are not modelled (their batchUpdate requests are accepted as
no-ops and recorded in ``ignored_requests``); Drive API calls (open by title,
create, share, export) are not emulated.

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

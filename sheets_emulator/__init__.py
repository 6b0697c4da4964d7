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
"429" / "500" / "503" answer Google's error envelope; "502" / "504" answer an
HTML error page (text/html, like Google's front end: gspread's APIError.code
is then -1, the status is on ``.response``); ("slow", s) sleeps s
seconds before handling (the request is still applied, even if the client
timed out); "drop_after_write" applies the request then closes the TCP
connection without a byte; "drop_before_write" closes it without applying.
``endpoint`` is an endpoint name, "read", "write" or None (= any request; for
the two drop faults None means any *write*).

Hooks (a person editing between two of the app's requests)::

    hook = emu.after_request(lambda: emu.sort_rows(TITLE, "F"), endpoint="values.get", nth=1)
    ...                                   # hook.fired, hook.error

runs the action once, right after the ``nth`` request (counted from the call)
matching ``endpoint`` (a name, "read", "write" or None) was applied and before
its answer is sent: the app's next request sees the edit. Requests answered
with an error are not counted. The hand edits a person makes in the UI:
``sort_rows``, ``insert_rows``, ``delete_rows``, ``move_column`` (the cells
move with the column), ``insert_column``, ``set_cell``.

Responses are pretty-printed JSON like Google's, compact with the
``prettyPrint=false`` system parameter. ``request_log()`` shows each API
request's endpoint, range and status, plus batchGet's ``ranges``,
``"prettyPrint": False`` when sent and ``"bytes"``, the size of the request's
body (over HTTP, when it had one).

Auth (opt-in; off by default, then every API request is the owner's)::

    emu.enable_auth(True, token_lifetime=3600)          # POST /__emulator/auth
    emu.register_service_account(email, public_key_pem, key_id=None)
                                                        # POST /__emulator/service_accounts
    emu.share_spreadsheet(email, "writer", spreadsheet_id=ID)   # POST /__emulator/share
    # or create_spreadsheet(ID, shared_with=[email]); roles owner / writer / reader
    emu.inject_token_fault("invalid_grant" | "500" | "503" | ("slow", s), times=1)
    emu.refuse_account(email, refused=True)   # 401 to its tokens, fresh ones too
    emu.issue_token(email) / emu.revoke_tokens(email=None) / emu.auth_state()

``POST /token`` (also ``/oauth2/v4/token``) is the JWT-bearer token endpoint:
give the service account's key info ``"token_uri": "http://HOST:PORT/token"``.
With auth on, Sheets requests need ``Authorization: Bearer``: 401
UNAUTHENTICATED when missing/unknown/expired (emulator clock), 403 when the
scopes lack spreadsheets/drive or the spreadsheet is not shared ("The caller
does not have permission"; a reader cannot write).  See ``auth``.

Protected ranges: batchUpdate ``addProtectedRange`` / ``updateProtectedRange`` /
``deleteProtectedRange``; spreadsheets.get lists ``protectedRanges`` per sheet.
An API write touching a range whose editors do not include the caller (and
the caller is not the spreadsheet's "owner") is 403 PERMISSION_DENIED "You are
trying to edit a protected cell or object...".  In-process, as the owner:
``protect_range(title, a1=None, editors=(), description=None,
warning_only=False, unprotected=())`` -> id, ``unprotect_range(id)``,
``protected_ranges(title=None)``.  Hand edits take ``as_person=EMAIL``
(default ``state.DEFAULT_PERSON``, an editor of the spreadsheet but of no
protected range) and raise ``ProtectedRangeError`` (a PermissionError; the
control endpoints answer 403).  Inserting/deleting rows and columns shifts
protected ranges (inserting inside one is refused to non-editors, deleting
all its rows deletes it).

Locale: ``properties.locale`` (``set_locale("ro_RO")``,
``create_spreadsheet(..., locale="ro_RO")``, updateSpreadsheetProperties).
In ro_RO, USER_ENTERED "1.510" -> 1510 shown "1.510", "1,5" -> 1.5 shown
"1,5", "24.11.2026" -> a date serial shown "24.11.2026"; automatic numbers
are shown with the decimal comma.

Formulas are evaluated when read: + - * / ^, parentheses, numbers, strings
and SUM(ranges / values); errors as Google shows them (#DIV/0!, #VALUE!,
#REF! for cycles and missing sheets, #ERROR! for a parse error); any other
function or a bare cell reference outside SUM is "#NAME?".

Strictness: appendCells (and updateCells with ``start``) wider than the grid
-> 400; sheet titles over 100 characters -> 400; rows inserted by
values.append INSERT_ROWS or insertDimension take the row above's formats
(``cell_bold(title, a1)``, ``get_format(title, a1)``).

Deliberate limits: USER_ENTERED parses plain numbers, TRUE/FALSE, "="
formulas, a leading apostrophe, ISO dates/datetimes, and in ro_RO the
Romanian numbers and dates above (no currencies, percents, en_US thousands
separators or other locales' formats); number display is "automatic" or the
patterns 0 / 0.00 / #,##0 / #,##0.00 and the date patterns the emulator itself
sets; table detection for values.append follows the
documented behaviour plus a "current region" heuristic; named ranges,
merges, filters, data validation, conditional formats and
notes' API are not modelled (their batchUpdate requests are accepted as
no-ops and recorded in ``ignored_requests``); Drive API calls (open by title,
create, share, export) are not emulated.

Modules: ``a1`` (A1 notation), ``values`` (RAW / USER_ENTERED parsing and
rendering, locales), ``formula`` (the small evaluator), ``model`` (sheets,
cells, protected ranges, field masks, error envelope), ``api`` (the REST
endpoints), ``auth`` (token endpoint, tokens, sharing), ``state``
(SheetsEmulator: counters, quota, faults, hand edits), ``server`` (HTTP,
/token and the /__emulator/ control endpoints).
"""

from .api import ENDPOINTS, READ_ENDPOINTS, WRITE_ENDPOINTS
from .model import ApiError, ProtectedRangeError
from .server import EmulatorServer
from .state import DEFAULT_PERSON, Hook, SheetsEmulator

__all__ = [
    "ApiError",
    "DEFAULT_PERSON",
    "ProtectedRangeError",
    "EmulatorServer",
    "ENDPOINTS",
    "Hook",
    "READ_ENDPOINTS",
    "SheetsEmulator",
    "WRITE_ENDPOINTS",
]

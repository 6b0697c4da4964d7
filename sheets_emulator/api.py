"""The emulated Sheets v4 REST endpoints (routing + behaviour), no HTTP here.

``route()`` maps a method and a raw (still percent-encoded) URL path to a
``Route``; ``ApiMixin.call_api()`` runs it against the in-memory model and
returns the JSON body, or raises ``ApiError`` (Google's error envelope).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote

from . import a1 as A1
from . import values as V
from .model import (
    DEFAULT_COLS,
    DEFAULT_ROWS,
    PROTECTED_MESSAGE,
    ApiError,
    Guard,
    ProtectedRange,
    Sheet,
    Spreadsheet,
    apply_mask,
    bad_request,
    filter_fields,
    not_found,
    parse_fields,
    permission_denied,
)

MAX_TITLE_CHARS = 100

READ_ENDPOINTS = ("spreadsheets.get", "values.get", "values.batchGet")
WRITE_ENDPOINTS = (
    "spreadsheets.batchUpdate",
    "values.update",
    "values.append",
    "values.clear",
    "values.batchUpdate",
    "values.batchClear",
)
ENDPOINTS = READ_ENDPOINTS + WRITE_ENDPOINTS

# batchUpdate request kinds that are accepted and recorded but have no effect
# on the emulated data (cosmetic or structural features the emulator lacks).
IGNORED_REQUEST_KINDS = (
    "autoResizeDimensions",
    "updateDimensionProperties",
    "updateBorders",
    "mergeCells",
    "unmergeCells",
    "setDataValidation",
    "addConditionalFormatRule",
    "deleteConditionalFormatRule",
    "updateConditionalFormatRule",
    "setBasicFilter",
    "clearBasicFilter",
    "addDimensionGroup",
    "deleteDimensionGroup",
    "updateDimensionGroup",
)


@dataclass(frozen=True)
class Route:
    endpoint: str  # e.g. "values.append", or "unknown"
    kind: str  # "read" or "write"
    spreadsheet_id: Optional[str] = None
    range_text: Optional[str] = None  # percent-decoded
    ranges: Tuple[str, ...] = ()  # the ``ranges`` query parameters (batchGet), set by the server
    pretty: bool = True  # Google's ``prettyPrint`` (false: compact JSON), set by the server
    token: Optional[str] = None  # the OAuth2 bearer token, set by the server (checked when auth is on)
    body_bytes: int = 0  # the request body's size in bytes, set by the server (in request_log as "bytes")

    @property
    def is_write(self) -> bool:
        return self.kind == "write"


_SS = r"^/v4/spreadsheets/([^/:]+)"
_ROUTES = [
    ("GET", re.compile(_SS + r"$"), "spreadsheets.get"),
    ("POST", re.compile(_SS + r":batchUpdate$"), "spreadsheets.batchUpdate"),
    ("GET", re.compile(_SS + r"/values:batchGet$"), "values.batchGet"),
    ("POST", re.compile(_SS + r"/values:batchUpdate$"), "values.batchUpdate"),
    ("POST", re.compile(_SS + r"/values:batchClear$"), "values.batchClear"),
    ("POST", re.compile(_SS + r"/values/(.+):append$"), "values.append"),
    ("POST", re.compile(_SS + r"/values/(.+):clear$"), "values.clear"),
    ("GET", re.compile(_SS + r"/values/(.+)$"), "values.get"),
    ("PUT", re.compile(_SS + r"/values/(.+)$"), "values.update"),
]


def route(method: str, raw_path: str) -> Route:
    method = method.upper()
    for m, rx, endpoint in _ROUTES:
        if m != method:
            continue
        match = rx.match(raw_path)
        if not match:
            continue
        ssid = unquote(match.group(1))
        rng = unquote(match.group(2), encoding="utf-8", errors="strict") if rx.groups > 1 else None
        kind = "read" if endpoint in READ_ENDPOINTS else "write"
        return Route(endpoint, kind, ssid, rng)
    return Route("unknown", "read" if method == "GET" else "write")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _q(query: Dict[str, List[str]], name: str, default: Optional[str] = None) -> Optional[str]:
    vals = query.get(name)
    return vals[0] if vals else default


def _qbool(query: Dict[str, List[str]], name: str) -> bool:
    return (_q(query, name, "false") or "false").lower() in ("true", "1")


def _nonzero(d: Dict[str, Any]) -> Dict[str, Any]:
    """Drop zero ints like proto3 JSON does."""
    return {k: v for k, v in d.items() if not (isinstance(v, int) and not isinstance(v, bool) and v == 0)}


class _RequestError(Exception):
    """An error inside one batchUpdate request (gets the 'Invalid requests[i].kind: ' prefix)."""


def _enum(value: Optional[str], allowed: Tuple[str, ...], name: str, default: str) -> str:
    if value is None or value == "":
        return default
    if value not in allowed:
        raise bad_request(
            "Invalid value at '%s' (type.googleapis.com/google.apps.sheets.v4.%s), \"%s\""
            % (name, name[0].upper() + name[1:], value)
        )
    return value


RENDER_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATETIME_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")
INPUT_OPTIONS = ("RAW", "USER_ENTERED")
DIMENSIONS = ("ROWS", "COLUMNS")


class ApiMixin:
    """Endpoint behaviour. The host class provides ``spreadsheets`` and ``autocreate``."""

    spreadsheets: Dict[str, Spreadsheet]
    autocreate: bool
    auth_enabled: bool = False
    _caller: Optional[str] = None

    # ---------------------------------------------------------------- permissions
    def _api_guard(self, ss: Spreadsheet) -> Guard:
        """The current API caller: the owner when auth is off, else the token's account."""
        owner = not self.auth_enabled or ss.role(self._caller) == "owner"
        return Guard(self._caller, owner, lambda: permission_denied(PROTECTED_MESSAGE))

    # ---------------------------------------------------------------- lookup
    def _spreadsheet(self, ssid: Optional[str]) -> Spreadsheet:
        ss = self.spreadsheets.get(ssid or "")
        if ss is None:
            if self.autocreate and ssid:
                ss = self._new_spreadsheet(ssid, "Untitled spreadsheet", ("Sheet1",))
                if self._caller:
                    ss.permissions[self._caller] = "owner"
            else:
                raise not_found()
        return ss

    def _new_spreadsheet(self, ssid: str, title: str, sheets) -> Spreadsheet:
        ss = Spreadsheet(ssid, title)
        for name in sheets:
            ss.add_sheet(name)
        self.spreadsheets[ssid] = ss
        return ss

    @staticmethod
    def _resolve(ss: Spreadsheet, text: Optional[str]) -> Tuple[Sheet, A1.CellBox, A1.A1Range]:
        err = bad_request("Unable to parse range: %s" % (text,))
        try:
            parsed = A1.parse_range(text or "")
        except A1.A1Error:
            raise err
        if parsed.cells is not None:
            sheet = ss.find_title(parsed.sheet)
            if sheet is None:
                raise err
            return sheet, parsed.cells, parsed
        sheet = ss.find_title(parsed.sheet) if parsed.sheet is not None else None
        if sheet is not None:
            return sheet, A1.WHOLE_SHEET, parsed
        if parsed.ambiguous_cells is not None and ss.sheets:
            return ss.sheets[0], parsed.ambiguous_cells, parsed
        raise err

    @staticmethod
    def _grid_error(sheet: Sheet, cell_text: str) -> ApiError:
        return bad_request(
            "Range (%s!%s) exceeds grid limits. Max rows: %d, max columns: %d"
            % (A1.always_quoted(sheet.title), cell_text, sheet.rows, sheet.cols)
        )

    def _read_box(self, sheet: Sheet, box: A1.CellBox, parsed: A1.A1Range) -> Tuple[int, int, int, int]:
        r0, r1, c0, c1 = box.clip(sheet.rows, sheet.cols)
        if r0 >= sheet.rows or c0 >= sheet.cols:
            raise self._grid_error(sheet, (parsed.cell_text or "").replace("$", "").upper())
        return r0, r1, c0, c1

    # ---------------------------------------------------------------- dispatch
    def call_api(self, rt: Route, query: Dict[str, List[str]], body: Any) -> Dict[str, Any]:
        if rt.endpoint == "unknown":
            raise ApiError(404, "Method not found (not emulated).", "NOT_FOUND")
        ss = self._spreadsheet(rt.spreadsheet_id)
        self._check_access(ss, rt.is_write)  # type: ignore[attr-defined]
        if body is None:
            body = {}
        if not isinstance(body, dict):
            raise bad_request("Invalid JSON payload received. Expected an object.")
        handler = {
            "spreadsheets.get": self._spreadsheets_get,
            "spreadsheets.batchUpdate": self._spreadsheets_batch_update,
            "values.get": self._values_get,
            "values.batchGet": self._values_batch_get,
            "values.update": self._values_update,
            "values.append": self._values_append,
            "values.clear": self._values_clear,
            "values.batchUpdate": self._values_batch_update,
            "values.batchClear": self._values_batch_clear,
        }[rt.endpoint]
        return handler(ss, rt, query, body)

    # ---------------------------------------------------------------- reads
    def _value_range(self, ss: Spreadsheet, text: str, query) -> Dict[str, Any]:
        option = _enum(_q(query, "valueRenderOption"), RENDER_OPTIONS, "valueRenderOption", "FORMATTED_VALUE")
        dt_option = _enum(
            _q(query, "dateTimeRenderOption"), DATETIME_OPTIONS, "dateTimeRenderOption", "SERIAL_NUMBER"
        )
        major = _enum(_q(query, "majorDimension"), DIMENSIONS, "majorDimension", "ROWS")
        sheet, box, parsed = self._resolve(ss, text)
        r0, r1, c0, c1 = self._read_box(sheet, box, parsed)
        out: Dict[str, Any] = {"range": A1.format_range(sheet.title, r0, r1, c0, c1), "majorDimension": major}
        vals = render_grid(sheet, r0, r1, c0, c1, option, dt_option, major)
        if vals:
            out["values"] = vals
        return out

    def _values_get(self, ss, rt, query, body):
        return self._value_range(ss, rt.range_text, query)

    def _values_batch_get(self, ss, rt, query, body):
        ranges = query.get("ranges", [])
        return {
            "spreadsheetId": ss.id,
            "valueRanges": [self._value_range(ss, r, query) for r in ranges],
        }

    def _spreadsheets_get(self, ss, rt, query, body):
        include = _qbool(query, "includeGridData")
        ranges = query.get("ranges", [])
        meta = ss.metadata(self._api_guard(ss).can_edit)
        if ranges:
            wanted: Dict[int, List[Tuple[int, int, int, int]]] = {}
            for text in ranges:
                sheet, box, parsed = self._resolve(ss, text)
                wanted.setdefault(sheet.sheet_id, []).append(self._read_box(sheet, box, parsed))
            meta["sheets"] = [s for s in meta["sheets"] if s["properties"]["sheetId"] in wanted]
        if include:
            for entry in meta["sheets"]:
                sheet = ss.find_id(entry["properties"]["sheetId"])
                boxes = (
                    wanted[sheet.sheet_id]
                    if ranges
                    else [(0, sheet.rows, 0, sheet.cols)]
                )
                entry["data"] = [grid_data(sheet, *b) for b in boxes]
        fields = parse_fields(_q(query, "fields"))
        return filter_fields(meta, fields) if fields else meta

    # ---------------------------------------------------------------- value writes
    @staticmethod
    def _input_option(value: Optional[str]) -> str:
        if not value:
            raise bad_request("'valueInputOption' is required but not specified")
        return _enum(value, INPUT_OPTIONS, "valueInputOption", "RAW")

    def _write(self, ss: Spreadsheet, text: str, vals: Any, option: str, major: Optional[str],
               include_values: bool = False, query=None) -> Dict[str, Any]:
        sheet, box, parsed = self._resolve(ss, text)
        major = _enum(major, DIMENSIONS, "majorDimension", "ROWS")
        rows = _as_rows(vals, major)
        parsed_rows = _parse_rows(rows, option, sheet.locale)
        nrows = len(rows)
        ncols = max((len(r) for r in rows), default=0)
        r0, c0 = box.r0, box.c0
        if r0 >= sheet.rows or c0 >= sheet.cols:
            raise self._grid_error(sheet, (parsed.cell_text or "").replace("$", "").upper())
        if not box.is_single_cell:
            if box.r1 is not None and r0 + nrows > box.r1:
                raise bad_request(
                    "Requested writing within range [%s], but tried writing to row [%d]" % (text, box.r1 + 1)
                )
            if box.c1 is not None and c0 + ncols > box.c1:
                raise bad_request(
                    "Requested writing within range [%s], but tried writing to column [%s]"
                    % (text, A1.col_letters(box.c1))
                )
        if nrows and (r0 + nrows > sheet.rows or c0 + ncols > sheet.cols):
            raise self._grid_error(sheet, A1.format_cells(r0, r0 + nrows, c0, c0 + max(ncols, 1)))
        self._api_guard(ss).cell_list(sheet, _written_cells(r0, c0, parsed_rows))
        ncells = _apply_rows(sheet, r0, c0, parsed_rows)
        out: Dict[str, Any] = {"spreadsheetId": ss.id}
        if nrows and ncols:
            out.update(
                updatedRange=A1.format_range(sheet.title, r0, r0 + nrows, c0, c0 + ncols),
                updatedRows=nrows,
                updatedColumns=ncols,
                updatedCells=ncells,
            )
        else:
            rr = self._read_box(sheet, box, parsed)
            out["updatedRange"] = A1.format_range(sheet.title, *rr)
        if include_values:
            out["updatedData"] = self._echo(sheet, r0, nrows, c0, ncols, query or {})
        return out

    def _echo(self, sheet, r0, nrows, c0, ncols, query) -> Dict[str, Any]:
        option = _enum(_q(query, "responseValueRenderOption"), RENDER_OPTIONS,
                       "responseValueRenderOption", "FORMATTED_VALUE")
        dt = _enum(_q(query, "responseDateTimeRenderOption"), DATETIME_OPTIONS,
                   "responseDateTimeRenderOption", "SERIAL_NUMBER")
        nrows, ncols = max(nrows, 1), max(ncols, 1)
        data: Dict[str, Any] = {
            "range": A1.format_range(sheet.title, r0, r0 + nrows, c0, c0 + ncols),
            "majorDimension": "ROWS",
        }
        vals = render_grid(sheet, r0, r0 + nrows, c0, c0 + ncols, option, dt, "ROWS")
        if vals:
            data["values"] = vals
        return data

    def _values_update(self, ss, rt, query, body):
        option = self._input_option(_q(query, "valueInputOption"))
        return self._write(
            ss, rt.range_text, body.get("values"), option, body.get("majorDimension"),
            _qbool(query, "includeValuesInResponse"), query,
        )

    def _values_batch_update(self, ss, rt, query, body):
        option = self._input_option(body.get("valueInputOption"))
        data = body.get("data") or []
        echo_query = {
            k: [body[k]] for k in ("responseValueRenderOption", "responseDateTimeRenderOption") if body.get(k)
        }
        snapshot = _snapshot(ss)
        try:
            responses = [
                self._write(ss, d.get("range"), d.get("values"), option, d.get("majorDimension"),
                            bool(body.get("includeValuesInResponse")), echo_query)
                for d in data
            ]
        except ApiError:
            _restore(ss, snapshot)
            raise
        sheets = {r["updatedRange"].rsplit("!", 1)[0] for r in responses if r.get("updatedCells")}
        out = {"spreadsheetId": ss.id}
        out.update(_nonzero({
            "totalUpdatedRows": sum(r.get("updatedRows", 0) for r in responses),
            "totalUpdatedColumns": sum(r.get("updatedColumns", 0) for r in responses),
            "totalUpdatedCells": sum(r.get("updatedCells", 0) for r in responses),
            "totalUpdatedSheets": len(sheets),
        }))
        if responses:
            out["responses"] = responses
        return out

    def _values_append(self, ss, rt, query, body):
        option = self._input_option(_q(query, "valueInputOption"))
        insert = _enum(_q(query, "insertDataOption"), ("OVERWRITE", "INSERT_ROWS"), "insertDataOption", "OVERWRITE")
        sheet, box, parsed = self._resolve(ss, rt.range_text)
        if box.r0 >= sheet.rows or box.c0 >= sheet.cols:
            raise self._grid_error(sheet, (parsed.cell_text or "").replace("$", "").upper())
        rows = _as_rows(body.get("values"), _enum(body.get("majorDimension"), DIMENSIONS, "majorDimension", "ROWS"))
        parsed_rows = _parse_rows(rows, option, sheet.locale)
        table = find_table(sheet, box)
        if table is None:
            start_r, start_c = box.r0, box.c0
        else:
            start_r, start_c = table[1], table[2]
        nrows = len(rows)
        ncols = max((len(r) for r in rows), default=0)
        out: Dict[str, Any] = {"spreadsheetId": ss.id}
        if table is not None:
            out["tableRange"] = A1.format_range(sheet.title, *table)
        if nrows == 0 or ncols == 0:
            out["updates"] = {
                "spreadsheetId": ss.id,
                "updatedRange": A1.format_range(sheet.title, start_r, start_r + 1, start_c, start_c + 1),
            }
            return out
        extra_rows = nrows if insert == "INSERT_ROWS" else max(0, start_r + nrows - sheet.rows)
        extra_cols = max(0, start_c + ncols - sheet.cols)
        ss.check_cell_limit(extra_rows * (sheet.cols + extra_cols) + extra_cols * sheet.rows)
        guard = self._api_guard(ss)
        if insert == "INSERT_ROWS":
            guard.insert(sheet, "ROWS", start_r)
        snapshot = _snapshot(ss) if sheet.protected else None
        try:
            if insert == "INSERT_ROWS":
                # new rows take the formatting of the row above (a bold header makes them bold)
                sheet.insert("ROWS", start_r, nrows, inherit_from=start_r - 1 if start_r > 0 else None)
            elif extra_rows:
                sheet.set_grid(rows=sheet.rows + extra_rows)
            if extra_cols:
                sheet.set_grid(cols=sheet.cols + extra_cols)
            guard.cell_list(sheet, _written_cells(start_r, start_c, parsed_rows))
        except ApiError:
            if snapshot is not None:
                _restore(ss, snapshot)
            raise
        ncells = _apply_rows(sheet, start_r, start_c, parsed_rows)
        out["updates"] = {
            "spreadsheetId": ss.id,
            "updatedRange": A1.format_range(sheet.title, start_r, start_r + nrows, start_c, start_c + ncols),
            "updatedRows": nrows,
            "updatedColumns": ncols,
            "updatedCells": ncells,
        }
        if _qbool(query, "includeValuesInResponse"):
            out["updates"]["updatedData"] = self._echo(sheet, start_r, nrows, start_c, ncols, query)
        return out

    def _clear(self, ss: Spreadsheet, text: str) -> str:
        sheet, box, parsed = self._resolve(ss, text)
        r0, r1, c0, c1 = self._read_box(sheet, box, parsed)
        self._api_guard(ss).cells(sheet, r0, r1, c0, c1)
        for (r, c) in list(sheet.cells):
            if r0 <= r < r1 and c0 <= c < c1:
                sheet.set_value(r, c, None)
        return A1.format_range(sheet.title, r0, r1, c0, c1)

    def _values_clear(self, ss, rt, query, body):
        return {"spreadsheetId": ss.id, "clearedRange": self._clear(ss, rt.range_text)}

    def _values_batch_clear(self, ss, rt, query, body):
        snapshot = _snapshot(ss)
        try:
            cleared = [self._clear(ss, r) for r in body.get("ranges") or []]
        except ApiError:
            _restore(ss, snapshot)
            raise
        out: Dict[str, Any] = {"spreadsheetId": ss.id}
        if cleared:
            out["clearedRanges"] = cleared
        return out

    # ---------------------------------------------------------------- batchUpdate
    def _spreadsheets_batch_update(self, ss, rt, query, body):
        requests = body.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        snapshot = _snapshot(ss)
        replies = []
        try:
            for i, req in enumerate(requests):
                if not isinstance(req, dict) or len(req) != 1:
                    raise bad_request("Invalid requests[%d]: Exactly one request kind must be set." % i)
                kind, payload = next(iter(req.items()))
                handler = getattr(self, "_req_" + kind, None)
                if handler is None and kind not in IGNORED_REQUEST_KINDS:
                    raise bad_request(
                        "Invalid JSON payload received. Unknown name \"%s\" at 'requests[%d]': Cannot find field."
                        % (kind, i)
                    )
                try:
                    reply = handler(ss, payload or {}) if handler else None
                except _RequestError as exc:
                    raise bad_request("Invalid requests[%d].%s: %s" % (i, kind, exc))
                if handler is None:
                    self.ignored_requests.append({kind: copy.deepcopy(payload)})
                replies.append(reply or {})
        except ApiError:
            _restore(ss, snapshot)
            raise
        out: Dict[str, Any] = {"spreadsheetId": ss.id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            out["updatedSpreadsheet"] = ss.metadata()
        return out

    @staticmethod
    def _sheet(ss: Spreadsheet, sheet_id: Any) -> Sheet:
        sheet = ss.find_id(sheet_id if sheet_id is not None else 0)
        if sheet is None:
            raise _RequestError("No grid with id: %s" % (sheet_id if sheet_id is not None else 0))
        return sheet

    def _req_addSheet(self, ss: Spreadsheet, payload):
        props = copy.deepcopy(payload.get("properties") or {})
        title = props.get("title")
        if title is None:
            n = len(ss.sheets) + 1
            while ss.find_title("Sheet%d" % n):
                n += 1
            title = "Sheet%d" % n
        if not str(title).strip():
            raise _RequestError("The sheet name cannot be empty.")
        _check_title_length(title)
        if ss.find_title(title):
            raise _RequestError(
                'A sheet with the name "%s" already exists. Please enter another name.' % title
            )
        sheet_id = props.get("sheetId")
        if sheet_id is not None and ss.find_id(sheet_id):
            raise _RequestError("Sheet with id %s already exists." % sheet_id)
        gp = props.get("gridProperties") or {}
        rows = gp.get("rowCount", DEFAULT_ROWS)
        cols = gp.get("columnCount", DEFAULT_COLS)
        if rows < 1 or cols < 1:
            raise _RequestError("Sheet must have at least one row and one column.")
        try:
            ss.check_cell_limit(rows * cols)
        except ApiError as exc:
            raise _RequestError(exc.message)
        sheet = ss.add_sheet(title, rows, cols, sheet_id=sheet_id, index=props.get("index"))
        for key in ("frozenRowCount", "frozenColumnCount", "hideGridlines"):
            if key in gp:
                sheet.props["gridProperties"][key] = gp[key]
        for key, val in props.items():
            if key not in ("title", "sheetId", "index", "gridProperties", "sheetType"):
                sheet.props[key] = val
        return {"addSheet": {"properties": sheet.public_props()}}

    def _req_deleteSheet(self, ss, payload):
        sheet = ss.find_id(payload.get("sheetId"))
        if sheet is None:
            raise _RequestError("No sheet with id: %s" % payload.get("sheetId"))
        if len(ss.sheets) == 1:
            raise _RequestError("You can't remove all the sheets in a document.")
        self._api_guard(ss).any(sheet)
        ss.sheets.remove(sheet)
        ss.reindex()
        return None

    def _req_updateSheetProperties(self, ss, payload):
        props = payload.get("properties") or {}
        sheet = self._sheet(ss, props.get("sheetId"))
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        new = copy.deepcopy(sheet.props)
        src = copy.deepcopy(props)
        src["sheetId"] = sheet.sheet_id
        apply_mask(new, src, paths)
        new["sheetId"] = sheet.sheet_id
        new.setdefault("sheetType", "GRID")
        gp = new.setdefault("gridProperties", {})
        gp.setdefault("rowCount", sheet.rows)
        gp.setdefault("columnCount", sheet.cols)
        title = new.get("title")
        if not title or not str(title).strip():
            raise _RequestError("The sheet name cannot be empty.")
        _check_title_length(title)
        self._api_guard(ss).whole_sheet(sheet)
        other = ss.find_title(title)
        if other is not None and other is not sheet:
            raise _RequestError(
                'A sheet with the name "%s" already exists. Please enter another name.' % title
            )
        if gp["rowCount"] < 1 or gp["columnCount"] < 1:
            raise _RequestError("Sheet must have at least one row and one column.")
        if gp.get("frozenRowCount", 0) >= gp["rowCount"] and gp.get("frozenRowCount", 0) > 0:
            raise _RequestError("You can't freeze all visible rows on the sheet.")
        if gp.get("frozenColumnCount", 0) >= gp["columnCount"] and gp.get("frozenColumnCount", 0) > 0:
            raise _RequestError("You can't freeze all visible columns on the sheet.")
        grow = gp["rowCount"] * gp["columnCount"] - sheet.rows * sheet.cols
        try:
            ss.check_cell_limit(grow)
        except ApiError as exc:
            raise _RequestError(exc.message)
        old_index = sheet.props["index"]
        new_index = new.get("index", old_index)
        rows, cols = gp["rowCount"], gp["columnCount"]
        if rows < sheet.rows:
            self._api_guard(ss).delete(sheet, "ROWS", rows, sheet.rows)
            sheet._shift_protected_delete("ROWS", rows, sheet.rows)
        if cols < sheet.cols:
            self._api_guard(ss).delete(sheet, "COLUMNS", cols, sheet.cols)
            sheet._shift_protected_delete("COLUMNS", cols, sheet.cols)
        sheet.props = new
        sheet.set_grid(rows, cols)
        if new_index != old_index:
            ss.sheets.remove(sheet)
            target = new_index if new_index <= old_index else new_index - 1
            ss.sheets.insert(max(0, min(target, len(ss.sheets))), sheet)
        ss.reindex()
        return None

    def _req_updateSpreadsheetProperties(self, ss, payload):
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        apply_mask(ss.props, payload.get("properties") or {}, paths)
        return None

    @staticmethod
    def _dim_range(ss, rng) -> Tuple[Sheet, str, int, int]:
        sheet = ApiMixin._sheet(ss, rng.get("sheetId"))
        dim = rng.get("dimension")
        if dim not in DIMENSIONS:
            raise _RequestError("dimension must be ROWS or COLUMNS")
        count = sheet.rows if dim == "ROWS" else sheet.cols
        start = rng.get("startIndex", 0)
        end = rng.get("endIndex", count)
        if start < 0 or end < start:
            raise _RequestError("Invalid dimension range: startIndex %s, endIndex %s" % (start, end))
        return sheet, dim, start, end

    def _req_deleteDimension(self, ss, payload):
        sheet, dim, start, end = self._dim_range(ss, payload.get("range") or {})
        count = sheet.rows if dim == "ROWS" else sheet.cols
        noun = "row" if dim == "ROWS" else "column"
        if end > count:
            raise _RequestError(
                "Cannot delete a %s that doesn't exist. Tried to delete %s index %d but there are only %d %ss."
                % (noun, noun, end - 1, count, noun)
            )
        frozen = sheet.frozen_rows if dim == "ROWS" else sheet.frozen_cols
        if end - start >= count:
            raise _RequestError("You can't delete all the %ss on the sheet." % noun)
        still_frozen = frozen - max(0, min(end, frozen) - start)
        if still_frozen > 0 and count - (end - start) <= still_frozen:
            raise _RequestError("Sorry, it is not possible to delete all non-frozen %ss." % noun)
        self._api_guard(ss).delete(sheet, dim, start, end)
        sheet.delete(dim, start, end)
        return None

    def _req_insertDimension(self, ss, payload):
        sheet, dim, start, end = self._dim_range(ss, payload.get("range") or {})
        count = sheet.rows if dim == "ROWS" else sheet.cols
        if start > count:
            raise _RequestError("Cannot insert at index %d, the sheet only has %d %s." % (start, count, dim.lower()))
        before = bool(payload.get("inheritFromBefore"))
        if before and start == 0:
            raise _RequestError("Cannot inherit from before when inserting at index 0.")
        n = end - start
        _grow_check(ss, sheet, dim, n)
        self._api_guard(ss).insert(sheet, dim, start)
        inherit = start - 1 if before else (start if start < count else None)
        sheet.insert(dim, start, n, inherit_from=inherit)
        return None

    def _req_appendDimension(self, ss, payload):
        sheet = self._sheet(ss, payload.get("sheetId"))
        dim = payload.get("dimension")
        if dim not in DIMENSIONS:
            raise _RequestError("dimension must be ROWS or COLUMNS")
        n = int(payload.get("length", 0))
        if n < 1:
            raise _RequestError("length must be at least 1")
        _grow_check(ss, sheet, dim, n)
        if dim == "ROWS":
            sheet.set_grid(rows=sheet.rows + n)
        else:
            sheet.set_grid(cols=sheet.cols + n)
        return None

    @staticmethod
    def _grid_box(ss, rng) -> Tuple[Sheet, int, int, int, int]:
        sheet = ApiMixin._sheet(ss, (rng or {}).get("sheetId"))
        rng = rng or {}
        r0 = rng.get("startRowIndex", 0)
        r1 = min(rng.get("endRowIndex", sheet.rows), sheet.rows)
        c0 = rng.get("startColumnIndex", 0)
        c1 = min(rng.get("endColumnIndex", sheet.cols), sheet.cols)
        if r0 >= sheet.rows or c0 >= sheet.cols:
            raise _RequestError(
                "Range (%s!%s) exceeds grid limits. Max rows: %d, max columns: %d"
                % (A1.always_quoted(sheet.title), A1.cell_a1(r0, c0), sheet.rows, sheet.cols)
            )
        return sheet, r0, r1, c0, c1

    @staticmethod
    def _apply_cell(sheet: Sheet, r: int, c: int, src: Dict[str, Any], paths) -> None:
        src = src or {}
        ev = src.get("userEnteredValue")
        if ev is not None:
            _check_extended_value(ev)
        cell = copy.deepcopy(sheet.get(r, c) or {})
        if ("*",) in paths:
            paths = [("userEnteredValue",), ("userEnteredFormat",), ("note",)]
        apply_mask(cell, {k: v for k, v in src.items() if k in ("userEnteredValue", "userEnteredFormat", "note")},
                   [p for p in paths if p[0] in ("userEnteredValue", "userEnteredFormat", "note")])
        sheet.put(r, c, cell)

    def _req_repeatCell(self, ss, payload):
        sheet, r0, r1, c0, c1 = self._grid_box(ss, payload.get("range"))
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        self._api_guard(ss).cells(sheet, r0, r1, c0, c1)
        cell = payload.get("cell") or {}
        for r in range(r0, r1):
            for c in range(c0, c1):
                self._apply_cell(sheet, r, c, cell, paths)
        return None

    def _req_updateCells(self, ss, payload):
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        rows = payload.get("rows") or []
        if "range" in payload:
            sheet, r0, r1, c0, c1 = self._grid_box(ss, payload["range"])
            self._api_guard(ss).cells(sheet, r0, r1, c0, c1)
            for r in range(r0, r1):
                row = rows[r - r0].get("values", []) if r - r0 < len(rows) else []
                for c in range(c0, c1):
                    src = row[c - c0] if c - c0 < len(row) else {}
                    self._apply_cell(sheet, r, c, src, paths)
            return None
        start = payload.get("start") or {}
        sheet = self._sheet(ss, start.get("sheetId"))
        r0, c0 = start.get("rowIndex", 0), start.get("columnIndex", 0)
        width = max((len(r.get("values", [])) for r in rows), default=0)
        if rows and (r0 + len(rows) > sheet.rows or c0 + width > sheet.cols):
            raise _RequestError(
                "Range (%s!%s) exceeds grid limits. Max rows: %d, max columns: %d"
                % (A1.always_quoted(sheet.title), A1.format_cells(r0, r0 + len(rows), c0, c0 + max(width, 1)),
                   sheet.rows, sheet.cols)
            )
        self._api_guard(ss).cell_list(sheet, [(r0 + i, c0 + j) for i, row in enumerate(rows)
                                              for j in range(len(row.get("values", [])))])
        for i, row in enumerate(rows):
            for j, src in enumerate(row.get("values", [])):
                self._apply_cell(sheet, r0 + i, c0 + j, src, paths)
        return None

    def _req_appendCells(self, ss, payload):
        sheet = self._sheet(ss, payload.get("sheetId"))
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        rows = payload.get("rows") or []
        start = sheet.value_extent()[0]
        width = max((len(r.get("values", [])) for r in rows), default=0)
        extra_rows = max(0, start + len(rows) - sheet.rows)
        if width > sheet.cols:
            # Google adds rows for appendCells, never columns
            raise _RequestError(
                "Range (%s!%s) exceeds grid limits. Max rows: %d, max columns: %d"
                % (A1.always_quoted(sheet.title), A1.format_cells(start, start + len(rows), 0, width),
                   sheet.rows + extra_rows, sheet.cols)
            )
        try:
            ss.check_cell_limit(extra_rows * sheet.cols)
        except ApiError as exc:
            raise _RequestError(exc.message)
        self._api_guard(ss).cell_list(sheet, [(start + i, j) for i, row in enumerate(rows)
                                              for j in range(len(row.get("values", [])))])
        sheet.set_grid(rows=sheet.rows + extra_rows)
        for i, row in enumerate(rows):
            for j, src in enumerate(row.get("values", [])):
                self._apply_cell(sheet, start + i, j, src, paths)
        return None

    def _req_sortRange(self, ss, payload):
        sheet, r0, r1, c0, c1 = self._grid_box(ss, payload.get("range"))
        self._api_guard(ss).cells(sheet, r0, r1, c0, c1)
        specs = payload.get("sortSpecs") or [{"dimensionIndex": c0, "sortOrder": "ASCENDING"}]
        order = list(range(r0, r1))
        for spec in reversed(specs):
            col = spec.get("dimensionIndex", 0)
            desc = spec.get("sortOrder") == "DESCENDING"
            nonempty = [r for r in order if sheet.has_value(r, col)]
            empty = [r for r in order if not sheet.has_value(r, col)]
            ctx = V.RenderContext.of(sheet)
            nonempty.sort(key=lambda r: V.sort_key(sheet.get(r, col), ctx), reverse=desc)
            order = nonempty + empty
        moved = {}
        for new_i, old_r in enumerate(order):
            for c in range(c0, c1):
                cell = sheet.get(old_r, c)
                if cell:
                    moved[(r0 + new_i, c)] = cell
        for r in range(r0, r1):
            for c in range(c0, c1):
                sheet.cells.pop((r, c), None)
        sheet.cells.update(moved)
        return None


    # ---------------------------------------------------------------- protected ranges
    @staticmethod
    def _protected_grid(ss: Spreadsheet, rng: Any) -> Tuple[Sheet, Dict[str, Any]]:
        if not isinstance(rng, dict):
            raise _RequestError("A protected range must specify a range (named ranges are not emulated).")
        sheet = ApiMixin._sheet(ss, rng.get("sheetId"))
        for key, limit in (("startRowIndex", sheet.rows), ("endRowIndex", sheet.rows),
                           ("startColumnIndex", sheet.cols), ("endColumnIndex", sheet.cols)):
            val = rng.get(key)
            if val is not None and (not isinstance(val, int) or val < 0 or val > limit):
                raise _RequestError(
                    "Range (%s) exceeds grid limits. Max rows: %d, max columns: %d"
                    % (A1.always_quoted(sheet.title), sheet.rows, sheet.cols))
        return sheet, rng

    def _req_addProtectedRange(self, ss, payload):
        pr = payload.get("protectedRange") or {}
        if pr.get("namedRangeId"):
            raise _RequestError("Named ranges are not emulated; protect a GridRange.")
        sheet, rng = self._protected_grid(ss, pr.get("range"))
        pid = pr.get("protectedRangeId")
        if pid is not None and ss.find_protected(pid)[1] is not None:
            raise _RequestError("A protected range with id %s already exists." % pid)
        editors = pr.get("editors") or {}
        p = ProtectedRange(
            pid if pid is not None else ss.new_protected_id(), rng,
            description=pr.get("description"), warning_only=bool(pr.get("warningOnly")),
            users=editors.get("users") or (), groups=editors.get("groups") or (),
            domain_users_can_edit=editors.get("domainUsersCanEdit"),
            unprotected=pr.get("unprotectedRanges") or (),
        )
        reply = p.to_api(sheet.sheet_id, True)  # Google's reply shows the editors as requested
        if self._caller and not p.is_editor(self._caller):
            p.users.append(self._caller)  # ...and then adds the requesting account
        sheet.protected.append(p)
        return {"addProtectedRange": {"protectedRange": reply}}

    def _find_protected(self, ss, pid) -> Tuple[Sheet, ProtectedRange]:
        sheet, p = ss.find_protected(pid)
        if p is None:
            raise _RequestError("No protected range with id: %s" % pid)
        if not self._api_guard(ss).is_owner and not p.warning_only and not p.is_editor(self._caller):
            raise permission_denied(PROTECTED_MESSAGE)
        return sheet, p

    def _req_updateProtectedRange(self, ss, payload):
        src = payload.get("protectedRange") or {}
        sheet, p = self._find_protected(ss, src.get("protectedRangeId"))
        paths = parse_fields(payload.get("fields"))
        if not paths:
            raise _RequestError("At least one field must be specified in 'fields'.")
        current = p.to_api(sheet.sheet_id, True)
        current["range"]["sheetId"] = sheet.sheet_id
        current.pop("requestingUserCanEdit", None)
        source = copy.deepcopy(src)
        source["protectedRangeId"] = p.id
        apply_mask(current, source, paths)
        target, rng = self._protected_grid(ss, current.get("range") or {"sheetId": sheet.sheet_id})
        editors = current.get("editors") or {}
        new = ProtectedRange(
            p.id, rng, description=current.get("description"), warning_only=bool(current.get("warningOnly")),
            users=editors.get("users") or (), groups=editors.get("groups") or (),
            domain_users_can_edit=editors.get("domainUsersCanEdit"),
            unprotected=current.get("unprotectedRanges") or (),
        )
        sheet.protected[sheet.protected.index(p)] = new
        if target is not sheet:
            sheet.protected.remove(new)
            target.protected.append(new)
        return None

    def _req_deleteProtectedRange(self, ss, payload):
        sheet, p = self._find_protected(ss, payload.get("protectedRangeId"))
        sheet.protected.remove(p)
        return None


# --------------------------------------------------------------------------
# module-level helpers
# --------------------------------------------------------------------------


def _check_title_length(title: Any) -> None:
    if len(str(title)) > MAX_TITLE_CHARS:
        raise _RequestError("The sheet name cannot be longer than %d characters." % MAX_TITLE_CHARS)


def _written_cells(r0: int, c0: int, parsed_rows) -> List[Tuple[int, int]]:
    return [(r0 + i, c0 + j) for i, row in enumerate(parsed_rows) for j, item in enumerate(row)
            if item is not None]


def _grow_check(ss: Spreadsheet, sheet: Sheet, dim: str, n: int) -> None:
    extra = n * (sheet.cols if dim == "ROWS" else sheet.rows)
    try:
        ss.check_cell_limit(extra)
    except ApiError as exc:
        raise _RequestError(exc.message)


def _check_extended_value(ev: Any) -> None:
    kinds = ("stringValue", "numberValue", "boolValue", "formulaValue")
    if not isinstance(ev, dict) or len(ev) != 1 or next(iter(ev)) not in kinds:
        raise _RequestError("Invalid userEnteredValue: %r" % (ev,))
    text = ev.get("stringValue")
    if isinstance(text, str) and len(text) > V.MAX_CELL_CHARS:  # as Google: batchUpdate's cells too
        raise _RequestError("Your input contains more than the maximum of %d characters in a single cell."
                            % V.MAX_CELL_CHARS)


def _snapshot(ss: Spreadsheet):
    return copy.deepcopy(ss.props), [
        (s, copy.deepcopy(s.props), dict(s.cells), copy.deepcopy(s.protected)) for s in ss.sheets
    ]


def _restore(ss: Spreadsheet, snapshot) -> None:
    props, sheets = snapshot
    ss.props = props
    ss.sheets = []
    for sheet, sprops, cells, protected in sheets:
        sheet.props = sprops
        sheet.cells = cells
        sheet.protected = protected
        ss.sheets.append(sheet)


def _as_rows(vals: Any, major: str) -> List[List[Any]]:
    if vals is None:
        return []
    if not isinstance(vals, list) or not all(isinstance(r, list) for r in vals):
        raise bad_request("Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue)")
    if major == "COLUMNS":
        height = max((len(c) for c in vals), default=0)
        rows: List[List[Any]] = []
        for i in range(height):
            row = [col[i] if i < len(col) else None for col in vals]
            while row and row[-1] is None:
                row.pop()
            rows.append(row)
        return rows
    return vals


def _parse_rows(rows: List[List[Any]], option: str, locale: str = "en_US"):
    out = []
    for i, row in enumerate(rows):
        prow = []
        for j, v in enumerate(row):
            if isinstance(v, (dict, list)):
                raise bad_request("Invalid values[%d][%d]: %s" % (i, j, "struct_value" if isinstance(v, dict) else "list_value"))
            if v is None:
                prow.append(None)
            elif v == "" and isinstance(v, str):
                prow.append(("clear", None))
            else:
                try:
                    if option == "RAW":
                        prow.append((V.parse_raw(v), None))
                    else:
                        prow.append(V.parse_user_entered(v, locale))
                except V.ValueError400 as exc:
                    raise bad_request(str(exc))
        out.append(prow)
    return out


def _apply_rows(sheet: Sheet, r0: int, c0: int, parsed_rows) -> int:
    n = 0
    for i, row in enumerate(parsed_rows):
        for j, item in enumerate(row):
            if item is None:
                continue
            n += 1
            ev, nf = item
            if ev == "clear":
                sheet.set_value(r0 + i, c0 + j, None)
            else:
                sheet.set_value(r0 + i, c0 + j, ev, nf)
    return n


def render_grid(sheet: Sheet, r0: int, r1: int, c0: int, c1: int, option: str, dt_option: str, major: str):
    """Values of a box, Google-style ragged: trailing empties trimmed per row and at the end."""
    found: Dict[Tuple[int, int], Any] = {}
    ctx = V.RenderContext.of(sheet)
    for (r, c), cell in sheet.cells.items():
        if r0 <= r < r1 and c0 <= c < c1:
            v = V.render(cell, option, dt_option, ctx)
            if v is not None:
                found[(r - r0, c - c0)] = v
    if not found:
        return []
    if major == "COLUMNS":
        found = {(c, r): v for (r, c), v in found.items()}
    last_outer = max(k[0] for k in found)
    out: List[List[Any]] = []
    by_outer: Dict[int, Dict[int, Any]] = {}
    for (o, i), v in found.items():
        by_outer.setdefault(o, {})[i] = v
    for o in range(last_outer + 1):
        inner = by_outer.get(o)
        if not inner:
            out.append([])
            continue
        width = max(inner) + 1
        out.append([inner.get(i, "") for i in range(width)])
    return out


def grid_data(sheet: Sheet, r0: int, r1: int, c0: int, c1: int) -> Dict[str, Any]:
    """GridData for spreadsheets.get?includeGridData=true (values, formats, notes)."""
    by_row: Dict[int, Dict[int, Dict[str, Any]]] = {}
    ctx = V.RenderContext.of(sheet)
    for (r, c), cell in sheet.cells.items():
        if r0 <= r < r1 and c0 <= c < c1:
            data: Dict[str, Any] = {}
            if "userEnteredValue" in cell:
                data["userEnteredValue"] = copy.deepcopy(cell["userEnteredValue"])
                data["effectiveValue"] = V.effective_value(cell, ctx)
                data["formattedValue"] = V.formatted_value(cell, ctx)
            if cell.get("userEnteredFormat"):
                data["userEnteredFormat"] = copy.deepcopy(cell["userEnteredFormat"])
            if cell.get("note"):
                data["note"] = cell["note"]
            if data:
                by_row.setdefault(r - r0, {})[c - c0] = data
    out: Dict[str, Any] = {}
    if r0:
        out["startRow"] = r0
    if c0:
        out["startColumn"] = c0
    if by_row:
        rows = []
        for i in range(max(by_row) + 1):
            cells = by_row.get(i)
            if not cells:
                rows.append({})
                continue
            rows.append({"values": [cells.get(j, {}) for j in range(max(cells) + 1)]})
        out["rowData"] = rows
    return out


def find_table(sheet: Sheet, box: A1.CellBox) -> Optional[Tuple[int, int, int, int]]:
    """Table detection for values.append: (r0, r1, c0, c1) of the table or None.

    The first non-empty cell *inside* the range (row by row) seeds the table;
    the table is the contiguous region around it (like a spreadsheet's
    "current region": it grows while a neighbouring row or column, diagonals
    included, holds a value), so it may extend beyond the range.  No value in
    the range -> no table, and the data is written at the range's first cell.
    That is what makes gspread's insert_row() work: it inserts an empty row,
    then appends at that row's first cell.
    """
    r0, r1, c0, c1 = box.clip(sheet.rows, sheet.cols)
    occupied = {pos for pos, cell in sheet.cells.items() if not V.is_empty(cell)}
    inside = [p for p in occupied if r0 <= p[0] < r1 and c0 <= p[1] < c1]
    if not inside:
        return None
    r, c = min(inside)
    top, bottom, left, right = r, r + 1, c, c + 1  # bottom/right exclusive
    rows, cols = sheet.rows, sheet.cols
    while True:
        grew = False
        span = range(max(left - 1, 0), min(right + 1, cols))
        if bottom < rows and any((bottom, x) in occupied for x in span):
            bottom += 1
            grew = True
        if top > 0 and any((top - 1, x) in occupied for x in span):
            top -= 1
            grew = True
        span = range(max(top - 1, 0), min(bottom + 1, rows))
        if right < cols and any((y, right) in occupied for y in span):
            right += 1
            grew = True
        if left > 0 and any((y, left - 1) in occupied for y in span):
            left -= 1
            grew = True
        if not grew:
            return top, bottom, left, right

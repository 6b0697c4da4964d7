"""The requests the Google backend sends, and the only module that imports gspread.

gspread runs over a ``requests`` session: a google-auth ``AuthorizedSession``
with explicit timeouts for Google, or ``sheets.google.http.EmulatorSession``
when ``SHEETS_EMULATOR_HOST`` is set (tests and offline trials). gspread's
``BackOffHTTPClient`` is not used (it retries forever and would re-POST
appends): retries are ours (``sheets.google.sender``).

Every failure of a request becomes ``Failure``: a Romanian message, the HTTP
status, and whether a write may have been applied anyway (``ambiguous``).
"""
from __future__ import annotations

from typing import Callable

import gspread
import requests
from gspread.exceptions import APIError, SpreadsheetNotFound, WorksheetNotFound
from gspread.worksheet import Worksheet

METADATA_FIELDS = "properties(title,locale),sheets(properties(sheetId,title,index,gridProperties))"
#: on every read: compact JSON (Google pretty-prints by default)
COMPACT = {"prettyPrint": "false"}
VALUE_PARAMS = {"valueRenderOption": "FORMATTED_VALUE", **COMPACT}

__all__ = ["APIError", "Failure", "SheetsClient", "SpreadsheetNotFound", "WorksheetNotFound", "raw_client"]


class Failure(Exception):
    """A request to Google failed. ``ambiguous``: a write may have been applied."""

    def __init__(self, message: str, *, status: int | None = None, ambiguous: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.ambiguous = ambiguous


_STATUS_LABELS = {400: "cerere refuzată", 401: "autentificare refuzată", 403: "acces refuzat", 404: "nu există",
                  429: "prea multe cereri", 500: "eroare internă la Google", 502: "serviciu indisponibil",
                  503: "serviciu indisponibil", 504: "Google nu a răspuns la timp"}


def raw_client(session: requests.Session) -> gspread.Client:
    """A plain gspread client over ``session`` (no auth of its own, no retries); also
    what the emulator's tests and the bench use, as a naive gspread user would."""
    return gspread.Client(auth=None, session=session)


def _call(fn: Callable):
    """Run one gspread call; turn every failure into ``Failure``."""
    try:
        return fn()
    except APIError as exc:
        status = exc.response.status_code
        message = (exc.error or {}).get("message") if isinstance(getattr(exc, "error", None), dict) else str(exc)
        label = _STATUS_LABELS.get(status) or ("eroare la Google" if status >= 500 else "eroare")
        detail = f" — detaliu: {message}" if message else ""  # Google's own text is English
        raise Failure(f"Google a răspuns {status} ({label}){detail}", status=status,
                      ambiguous=status >= 500) from exc
    except requests.exceptions.ConnectTimeout as exc:
        raise Failure("Conexiunea cu Google nu s-a putut stabili la timp.") from exc
    except requests.exceptions.Timeout as exc:
        raise Failure("Google nu a răspuns în timpul de așteptare.", ambiguous=True) from exc
    except requests.exceptions.ConnectionError as exc:
        refused = _never_connected(exc)
        text = "Conexiunea cu Google nu s-a putut stabili." if refused else "Conexiunea cu Google s-a întrerupt."
        raise Failure(text, ambiguous=not refused) from exc
    except requests.exceptions.RequestException as exc:
        raise Failure(f"Cererea către Google a eșuat: {exc}", ambiguous=True) from exc


def _never_connected(exc: Exception) -> bool:
    """True when the connection was refused (the request was never sent)."""
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


class SheetsClient:
    """The five requests the store sends to one spreadsheet, each raising ``Failure``."""

    def __init__(self, spreadsheet_id: str, session: requests.Session, timeout):
        self.spreadsheet_id = spreadsheet_id
        self.gspread = raw_client(session)
        self.gspread.set_timeout(timeout)
        self.http = self.gspread.http_client  # gspread's plain HTTPClient

    def metadata(self) -> dict:
        """The spreadsheet's locale and its worksheets' properties (no cells)."""
        return _call(lambda: self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": METADATA_FIELDS, **COMPACT}))

    def protected_ranges(self, sheet_id: int) -> list[dict]:
        """The protected ranges of one worksheet (ONE spreadsheets.get)."""
        data = _call(lambda: self.http.fetch_sheet_metadata(self.spreadsheet_id, params={
            "includeGridData": "false", **COMPACT,
            "fields": "sheets(properties.sheetId,protectedRanges(protectedRangeId,description,range))"}))
        for sheet in data.get("sheets", []):
            if sheet.get("properties", {}).get("sheetId") == sheet_id:
                return sheet.get("protectedRanges", [])
        return []

    def values_get(self, a1_range: str) -> dict:
        """ONE values.get (FORMATTED_VALUE)."""
        return _call(lambda: self.http.values_get(self.spreadsheet_id, a1_range, params=dict(VALUE_PARAMS)))

    def batch_get(self, ranges: list[str]) -> list[dict]:
        """ONE values:batchGet; its valueRanges, in the order asked."""
        if not ranges:
            return []
        data = _call(lambda: self.http.values_batch_get(
            self.spreadsheet_id, ranges, params={**VALUE_PARAMS, "majorDimension": "ROWS"}))
        return data.get("valueRanges", [])

    def batch_update(self, requests_: list[dict]) -> None:
        """ONE spreadsheets.batchUpdate."""
        _call(lambda: self.http.batch_update(self.spreadsheet_id, {"requests": requests_}))

    def append(self, sheet_id: int, title: str, rows: int, cols: int, values: list) -> None:
        """ONE values.append (RAW, INSERT_ROWS) under the worksheet's table."""
        props = {"sheetId": sheet_id, "title": title, "gridProperties": {"rowCount": rows, "columnCount": cols}}
        ws = Worksheet(None, props, self.spreadsheet_id, self.http)
        _call(lambda: ws.append_rows(values, value_input_option="RAW", insert_data_option="INSERT_ROWS",
                                     table_range="A1"))

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

    def __init__(self, message: str, *, status: int | None = None, ambiguous: bool = False,
                 permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.status = status
        self.ambiguous = ambiguous
        #: retrying cannot help (a refused key, no sharing, a request Google refuses):
        #: the op is marked failed at once, with the reason, on *Sincronizare*
        self.permanent = permanent


_STATUS_LABELS = {400: "cerere refuzată", 401: "autentificare refuzată", 403: "acces refuzat", 404: "nu există",
                  429: "prea multe cereri", 500: "eroare internă la Google", 502: "serviciu indisponibil",
                  503: "serviciu indisponibil", 504: "Google nu a răspuns la timp"}


def raw_client(session: requests.Session) -> gspread.Client:
    """A plain gspread client over ``session`` (no auth of its own, no retries); also
    what the emulator's tests and the bench use, as a naive gspread user would."""
    return gspread.Client(auth=None, session=session)


#: 400s that say our plan of the worksheet is out of date (renamed, deleted or
#: resized by a person, created by another process): look again and retry.
#: Every other 400 (and the 10-million-cell limit, a title too long) is permanent.
_STALE_400 = ("unable to parse range", "no grid with id", "no sheet with id", "exceeds grid limits",
              "doesn't exist", "already exists")


def _auth_explanation(status: int, message: str, account: str | None) -> str:
    """What to check when Google refuses the service account (401 a token refresh
    did not cure, or 403), in Romanian; "" for a 403 on a protected range."""
    who = f"contul de serviciu {account}" if account else "contul de serviciu al aplicației"
    low = (message or "").lower()
    if status == 401:
        return (f"Google refuză autentificarea cu {who}: cheia din GOOGLE_CREDENTIALS_FILE a fost ștearsă, "
                "dezactivată sau aparține altui proiect. Verificați în Google Cloud (IAM › Conturi de serviciu "
                "› Chei) că această cheie există și este activă, apoi reîncercați.")
    if "protected" in low:
        return ""
    if "scope" in low:
        return (f"Google refuză accesul: {who} nu are dreptul de a folosi Google Sheets (scope). "
                "Verificați configurarea aplicației.")
    if "has not been used" in low or "disabled" in low:
        return ("Google refuză accesul: Google Sheets API nu este activat în proiectul contului de serviciu. "
                "Activați-l în Google Cloud (APIs & Services › Library › Google Sheets API).")
    return (f"Foaia de calcul nu este partajată cu {who} (sau doar pentru citire). În Google Sheets, "
            f"Partajare (Share): adăugați {account or 'contul de serviciu'} ca Editor, apoi reîncercați.")


def _call(fn: Callable, account: str | None = None):
    """Run one gspread call; turn every failure into ``Failure``."""
    from google.auth import exceptions as auth_errors

    try:
        return fn()
    except APIError as exc:
        status = exc.response.status_code
        message = (exc.error or {}).get("message") if isinstance(getattr(exc, "error", None), dict) else str(exc)
        label = _STATUS_LABELS.get(status) or ("eroare la Google" if status >= 500 else "eroare")
        detail = f" — detaliu: {message}" if message else ""  # Google's own text is English
        text = f"Google a răspuns {status} ({label}){detail}"
        permanent = status in (401, 403) or (status == 400 and not any(
            p in (message or "").lower() for p in _STALE_400))
        if status in (401, 403):
            explanation = _auth_explanation(status, message or "", account)
            text = f"{explanation} ({text})" if explanation else text
        raise Failure(text, status=status, ambiguous=status >= 500, permanent=permanent) from exc
    except auth_errors.RefreshError as exc:
        # the token endpoint refused the key (or kept failing): the request was never sent
        who = f" pentru {account}" if account else ""
        raise Failure(f"Google nu a dat un token de acces{who} (autentificarea a eșuat; se reîncearcă) "
                      f"— detaliu: {_auth_detail(exc)}") from exc
    except auth_errors.TransportError as exc:
        raise Failure("Serviciul de autentificare Google nu răspunde; se reîncearcă "
                      f"— detaliu: {_auth_detail(exc)}") from exc
    except auth_errors.GoogleAuthError as exc:
        raise Failure(f"Autentificarea la Google a eșuat — detaliu: {_auth_detail(exc)}") from exc
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


def _auth_detail(exc: Exception) -> str:
    text = " ".join(str(a) for a in exc.args if isinstance(a, (str, int))) or exc.__class__.__name__
    return text[:300]


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
        # Google gzips responses only for a User-Agent containing "gzip" (requests already
        # sends Accept-Encoding: gzip): a date column of a year of rows shrinks ~30x on the wire
        agent = str(session.headers.get("User-Agent", "") or "")
        if "gzip" not in agent.lower():
            session.headers["User-Agent"] = f"{agent} (gzip)".strip()
        self.gspread = raw_client(session)
        self.gspread.set_timeout(timeout)
        self.http = self.gspread.http_client  # gspread's plain HTTPClient
        credentials = getattr(session, "credentials", None)
        #: the service account's e-mail (None with the plain emulator session)
        self.account: str | None = getattr(credentials, "service_account_email", None)

    def _call(self, fn: Callable):
        return _call(fn, self.account)

    def metadata(self) -> dict:
        """The spreadsheet's locale and its worksheets' properties (no cells)."""
        return self._call(lambda: self.http.fetch_sheet_metadata(
            self.spreadsheet_id, params={"includeGridData": "false", "fields": METADATA_FIELDS, **COMPACT}))

    def protected_ranges(self, sheet_id: int) -> list[dict]:
        """The protected ranges of one worksheet (ONE spreadsheets.get)."""
        data = self._call(lambda: self.http.fetch_sheet_metadata(self.spreadsheet_id, params={
            "includeGridData": "false", **COMPACT,
            "fields": "sheets(properties.sheetId,protectedRanges(protectedRangeId,description,range))"}))
        for sheet in data.get("sheets", []):
            if sheet.get("properties", {}).get("sheetId") == sheet_id:
                return sheet.get("protectedRanges", [])
        return []

    def values_get(self, a1_range: str) -> dict:
        """ONE values.get (FORMATTED_VALUE)."""
        return self._call(lambda: self.http.values_get(self.spreadsheet_id, a1_range, params=dict(VALUE_PARAMS)))

    def batch_get(self, ranges: list[str]) -> list[dict]:
        """ONE values:batchGet; its valueRanges, in the order asked."""
        if not ranges:
            return []
        data = self._call(lambda: self.http.values_batch_get(
            self.spreadsheet_id, ranges, params={**VALUE_PARAMS, "majorDimension": "ROWS"}))
        return data.get("valueRanges", [])

    #: called before every write: waits for the shared write budget (sheets/google/capacity.py)
    write_gate: Callable[[], None] | None = None

    def _gate(self) -> None:
        if self.write_gate is not None:
            self.write_gate()

    def batch_update(self, requests_: list[dict]) -> None:
        """ONE spreadsheets.batchUpdate."""
        self._gate()
        self._call(lambda: self.http.batch_update(self.spreadsheet_id, {"requests": requests_}))

    def append(self, sheet_id: int, title: str, rows: int, cols: int, values: list) -> None:
        """ONE values.append (RAW, INSERT_ROWS) under the worksheet's table."""
        props = {"sheetId": sheet_id, "title": title, "gridProperties": {"rowCount": rows, "columnCount": cols}}
        ws = Worksheet(None, props, self.spreadsheet_id, self.http)
        self._gate()
        self._call(lambda: ws.append_rows(values, value_input_option="RAW", insert_data_option="INSERT_ROWS",
                                     table_range="A1"))

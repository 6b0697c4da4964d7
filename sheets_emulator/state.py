"""SheetsEmulator: thread-safe state, request counters, quota, fault injection
and "hand edits" (what a supervisor does in the Sheets UI behind the app's back).

Counting rules (see README in the package docstring):

* every API request that reaches the emulator is counted once, in ``read`` or
  ``write`` and under its endpoint name -- including requests answered with an
  injected fault, a quota 429 or any other error (Google counts those too);
* ``failed`` counts requests answered with an error status or a dropped
  connection;
* control requests (``/__emulator/...``) and hand edits are never counted;
* the per-minute quota window holds every request that was *admitted*
  (including ones then answered with an injected fault), but not the ones
  rejected by the quota itself, so a client that keeps retrying recovers once
  the 60 s window slides.
"""

from __future__ import annotations

import base64
import collections
import copy
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple, Union

from . import a1 as A1
from . import values as V
from .api import ENDPOINTS, ApiMixin, Route, render_grid
from .auth import AuthMixin
from .model import ApiError, Guard, ProtectedRange, ProtectedRangeError, Sheet, Spreadsheet

FaultSpec = Union[str, int, Tuple[str, float], List[Any]]

_SIMPLE_FAULTS = ("429", "500", "502", "503", "504", "drop_after_write", "drop_before_write")
_ERROR_FAULTS = ("429", "500", "502", "503", "504")
_DROP_FAULTS = ("drop_after_write", "drop_before_write")

QUOTA_WINDOW_SECONDS = 60.0
PROJECT_NUMBER = "000000000000"

# Who a hand edit is made by unless as_person= says otherwise: a colleague with edit
# access to the spreadsheet who is *not* an editor of its protected ranges.
DEFAULT_PERSON = "someone@example.com"

# Google's front end answers 502/504 with an HTML page, not the JSON error envelope.
_HTML_ERROR_PAGE = """<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error %(code)d (%(reason)s)!!1</title>
  <style>
    *{margin:0;padding:0}html,code{font:15px/22px arial,sans-serif}html{background:#fff;color:#222;padding:15px}body{margin:7%% auto 0;max-width:390px;min-height:180px;padding:30px 0 15px}p{margin:11px 0 22px;overflow:hidden}ins{color:#777;text-decoration:none}
  </style>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>%(code)d.</b> <ins>That’s an error.</ins>
  <p>%(text)s  <ins>That’s all we know.</ins>
"""


def quota_error(kind: str, limit: Optional[int]) -> ApiError:
    """A 429 shaped like Google's per-user-per-minute quota error."""
    metric = "Read requests" if kind == "read" else "Write requests"
    limit_name = "%s per minute per user" % metric
    message = (
        "Quota exceeded for quota metric '%s' and limit '%s' of service "
        "'sheets.googleapis.com' for consumer 'project_number:%s'."
        % (metric, limit_name, PROJECT_NUMBER)
    )
    details = [
        {
            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
            "reason": "RATE_LIMIT_EXCEEDED",
            "domain": "googleapis.com",
            "metadata": {
                "quota_metric": "sheets.googleapis.com/%s_requests" % kind,
                "quota_limit": "%sRequestsPerMinutePerUser" % ("Read" if kind == "read" else "Write"),
                "quota_limit_value": str(limit if limit is not None else 60),
                "consumer": "projects/%s" % PROJECT_NUMBER,
                "service": "sheets.googleapis.com",
                "quota_location": "global",
            },
        },
        {
            "@type": "type.googleapis.com/google.rpc.Help",
            "links": [
                {
                    "description": "Request a higher quota limit.",
                    "url": "https://cloud.google.com/docs/quotas/help/request_increase",
                }
            ],
        },
    ]
    return ApiError(429, message, "RESOURCE_EXHAUSTED", details)


def fault_error(name: str, kind: str) -> ApiError:
    if name == "429":
        return quota_error(kind, None)
    if name == "500":
        return ApiError(500, "Internal error encountered.", "INTERNAL")
    if name in ("502", "504"):
        code = int(name)
        reason, text = {
            502: ("Server Error", "The server encountered a temporary error and could not complete your "
                                  "request.<p>Please try again in 30 seconds."),
            504: ("Gateway Timeout", "The server did not answer in time. Please try again later."),
        }[code]
        return ApiError(code, reason, html=_HTML_ERROR_PAGE % {"code": code, "reason": reason, "text": text})
    return ApiError(503, "The service is currently unavailable.", "UNAVAILABLE")


def normalize_fault(fault: FaultSpec) -> Tuple[str, Optional[float]]:
    """"429" | 429 | "500" | "502" | "503" | "504" | ("slow", s) | "slow:0.3" | "drop_after_write" |
    "drop_before_write" ("502"/"504" answer an HTML page, like Google's front end)."""
    if isinstance(fault, bool):
        raise ValueError("unknown fault: %r" % (fault,))
    if isinstance(fault, int):
        fault = str(fault)
    if isinstance(fault, (list, tuple)):
        if len(fault) == 2 and fault[0] == "slow":
            seconds = float(fault[1])
            if seconds < 0:
                raise ValueError("slow fault needs seconds >= 0")
            return "slow", seconds
        if len(fault) == 1:
            return normalize_fault(fault[0])
        raise ValueError("unknown fault: %r" % (fault,))
    if isinstance(fault, str):
        if fault in _SIMPLE_FAULTS:
            return fault, None
        if fault.startswith("slow:"):
            return normalize_fault(("slow", fault[5:]))
    raise ValueError("unknown fault: %r" % (fault,))


@dataclass
class _Fault:
    name: str
    arg: Optional[float]
    endpoint: Optional[str]
    remaining: Optional[int] = None  # injected faults
    until: Optional[float] = None  # storms

    def matches(self, rt: Route) -> bool:
        if self.endpoint is None:
            return rt.is_write if self.name in _DROP_FAULTS else True
        if self.endpoint in ("read", "write"):
            return rt.kind == self.endpoint
        return rt.endpoint == self.endpoint

    def describe(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"fault": self.name if self.arg is None else [self.name, self.arg]}
        out["endpoint"] = self.endpoint
        if self.remaining is not None:
            out["times"] = self.remaining
        if self.until is not None:
            out["until"] = self.until
        return out


@dataclass
class Hook:
    """An action run once, right after the ``nth`` request matching ``endpoint`` (see
    ``SheetsEmulator.after_request``). ``fired``: it ran; ``error``: what it raised."""

    action: Callable[[], Any]
    endpoint: Optional[str]
    nth: int
    seen: int = 0
    fired: bool = False
    error: Optional[BaseException] = None

    def matches(self, rt: Route) -> bool:
        if self.endpoint is None:
            return True
        if self.endpoint in ("read", "write"):
            return rt.kind == self.endpoint
        return rt.endpoint == self.endpoint


@dataclass
class Decision:
    """What the server must do with an admitted request."""

    error: Optional[ApiError] = None  # answer this error instead of running the request
    delay: float = 0.0  # sleep this long first (without holding the lock)
    drop_before: bool = False  # close the connection without running the request
    drop_after: bool = False  # run the request, then close without answering
    faults: List[str] = field(default_factory=list)


def _new_id() -> str:
    return base64.urlsafe_b64encode(os.urandom(33)).decode("ascii").rstrip("=")[:44]


class SheetsEmulator(AuthMixin, ApiMixin):
    """In-memory Google Sheets (v4 API subset) with counters, quota, faults and opt-in auth."""

    def __init__(self, autocreate: bool = False, clock: Optional[Callable[[], float]] = None):
        self.lock = threading.RLock()
        self.autocreate = autocreate
        self.clock: Callable[[], float] = clock or time.monotonic
        self.spreadsheets: Dict[str, Spreadsheet] = {}
        self.ignored_requests: List[Dict[str, Any]] = []
        self._quota: Dict[str, Optional[int]] = {"read": None, "write": None}
        self._windows: Dict[str, Deque[float]] = {"read": collections.deque(), "write": collections.deque()}
        self._faults: List[_Fault] = []
        self._storms: List[_Fault] = []
        self._log: Deque[Dict[str, Any]] = collections.deque(maxlen=2000)
        self._hooks: List[Hook] = []
        self._reset_counts_locked()
        self._init_auth()

    # ------------------------------------------------------------ spreadsheets
    def create_spreadsheet(
        self,
        spreadsheet_id: Optional[str] = None,
        title: str = "Untitled spreadsheet",
        sheets: Sequence[str] = ("Sheet1",),
        *,
        locale: Optional[str] = None,
        shared_with: Sequence[str] = (),
    ) -> str:
        """Create a spreadsheet; the first sheet gets sheetId 0 (like Google). Returns its id.

        locale: "en_US" (default) or "ro_RO"; shared_with: emails given the "writer" role
        (matters only when auth is enabled)."""
        with self.lock:
            ssid = spreadsheet_id or _new_id()
            if ssid in self.spreadsheets:
                raise ValueError("spreadsheet %r already exists" % ssid)
            if isinstance(sheets, str):
                sheets = (sheets,)
            if not sheets:
                raise ValueError("a spreadsheet needs at least one sheet")
            ss = self._new_spreadsheet(ssid, title, sheets)
            if locale is not None:
                ss.props["locale"] = V.check_locale(locale)
            if isinstance(shared_with, str):
                shared_with = (shared_with,)
            for email in shared_with:
                ss.permissions[email] = "writer"
            return ssid

    def set_locale(self, locale: str, *, spreadsheet_id: Optional[str] = None) -> None:
        """Spreadsheet locale ("en_US" or "ro_RO"): how typed values are parsed and numbers
        and dates are shown (File > Settings > Locale)."""
        with self.lock:
            self._ss_for_edit(spreadsheet_id).props["locale"] = V.check_locale(locale)

    def delete_spreadsheet(self, spreadsheet_id: str) -> None:
        with self.lock:
            self.spreadsheets.pop(spreadsheet_id, None)

    def spreadsheet_ids(self) -> List[str]:
        with self.lock:
            return list(self.spreadsheets)

    def reset(self) -> None:
        """Forget everything: spreadsheets, counters, quota, faults, logs."""
        with self.lock:
            self.spreadsheets.clear()
            self.ignored_requests.clear()
            self._quota = {"read": None, "write": None}
            for w in self._windows.values():
                w.clear()
            self._faults.clear()
            self._storms.clear()
            self._hooks.clear()
            self._log.clear()
            self._reset_counts_locked()
            self._init_auth()

    # ------------------------------------------------------------ counters
    def _reset_counts_locked(self) -> None:
        self._counts: Dict[str, int] = {"read": 0, "write": 0, "failed": 0}
        self._endpoint_counts: Dict[str, int] = collections.Counter()

    def counts(self) -> Dict[str, Any]:
        """Snapshot: {"read", "write", "failed", "endpoints": {name: n (only n > 0)}}."""
        with self.lock:
            out: Dict[str, Any] = dict(self._counts)
            out["endpoints"] = {k: v for k, v in sorted(self._endpoint_counts.items()) if v}
            return out

    def reset_counts(self) -> None:
        with self.lock:
            self._reset_counts_locked()
            self._log.clear()

    def request_log(self) -> List[Dict[str, Any]]:
        """Recent API requests: {"endpoint", "range", "status"} (status None = dropped),
        plus "ranges" (batchGet's ranges) and "prettyPrint": False when the request had them."""
        with self.lock:
            return [dict(x) for x in self._log]

    # ------------------------------------------------------------ quota
    def set_quota(self, reads_per_minute: Optional[int] = 60, writes_per_minute: Optional[int] = 60) -> None:
        """Per-minute limits over a sliding 60 s window (None = unlimited)."""
        with self.lock:
            self._quota = {"read": reads_per_minute, "write": writes_per_minute}
            for w in self._windows.values():
                w.clear()

    def quota(self) -> Dict[str, Optional[int]]:
        with self.lock:
            return {"reads_per_minute": self._quota["read"], "writes_per_minute": self._quota["write"]}

    # ------------------------------------------------------------ faults
    def inject(self, fault: FaultSpec, times: int = 1, endpoint: Optional[str] = None) -> None:
        """Queue a fault for the next `times` matching requests.

        endpoint: None (any request; for drop_* faults: any *write*), "read",
        "write", or an endpoint name such as "values.append".
        """
        name, arg = normalize_fault(fault)
        self._check_endpoint(endpoint)
        if times < 1:
            raise ValueError("times must be >= 1")
        with self.lock:
            self._faults.append(_Fault(name, arg, endpoint, remaining=int(times)))

    def storm(self, fault: FaultSpec, seconds: float, endpoint: Optional[str] = None) -> None:
        """Apply `fault` to every matching request for `seconds` (emulator clock)."""
        name, arg = normalize_fault(fault)
        self._check_endpoint(endpoint)
        with self.lock:
            self._storms.append(_Fault(name, arg, endpoint, until=self.clock() + float(seconds)))

    def clear_faults(self) -> None:
        with self.lock:
            self._faults.clear()
            self._storms.clear()

    def pending_faults(self) -> List[Dict[str, Any]]:
        with self.lock:
            now = self.clock()
            return [f.describe() for f in self._faults] + [
                f.describe() for f in self._storms if f.until > now
            ]

    # ------------------------------------------------------------ hooks (a person between two requests)
    def after_request(self, action: Callable[[], Any], endpoint: Optional[str] = None, nth: int = 1) -> Hook:
        """Run ``action()`` once, right after the ``nth`` request (counted from now)
        matching ``endpoint`` has been applied and before its answer is sent: e.g. a
        hand edit (``sort_rows``, ``insert_rows``, ``move_column``...) between the
        app's read and its write. ``endpoint``: an endpoint name, "read", "write" or
        None (any). Requests answered with an error (a fault, a quota 429, auth) are
        not counted. Returns the ``Hook`` (``fired``; ``error`` if the action raised:
        the request is still answered)."""
        self._check_endpoint(endpoint)
        if nth < 1:
            raise ValueError("nth must be >= 1")
        hook = Hook(action, endpoint, int(nth))
        with self.lock:
            self._hooks.append(hook)
        return hook

    def clear_hooks(self) -> None:
        with self.lock:
            self._hooks.clear()

    def run_hooks(self, rt: Route, status: int) -> None:
        """Called by the server after an admitted request ran (outside the lock)."""
        if status >= 400:
            return
        due: List[Hook] = []
        with self.lock:
            for hook in self._hooks:
                if hook.matches(rt):
                    hook.seen += 1
                    if hook.seen == hook.nth:
                        due.append(hook)
            self._hooks = [h for h in self._hooks if h not in due]
        for hook in due:
            try:
                hook.action()
            except BaseException as exc:  # noqa: BLE001 - reported on the hook; the request is answered
                hook.error = exc
            hook.fired = True

    @staticmethod
    def _check_endpoint(endpoint: Optional[str]) -> None:
        if endpoint is not None and endpoint not in ENDPOINTS + ("read", "write"):
            raise ValueError("unknown endpoint %r (use one of %s, 'read', 'write')" % (endpoint, ", ".join(ENDPOINTS)))

    # ------------------------------------------------------------ request flow (used by the server)
    def admit(self, rt: Route) -> Decision:
        """Count the request, check auth, apply quota, pick faults. Called once per API request."""
        with self.lock:
            self._counts[rt.kind] += 1
            self._endpoint_counts[rt.endpoint] += 1
            auth_error = self._authenticate(rt.endpoint, rt.kind, rt.token)
            if auth_error is not None:
                return Decision(error=auth_error)
            now = self.clock()
            limit = self._quota[rt.kind]
            window = self._windows[rt.kind]
            while window and window[0] <= now - QUOTA_WINDOW_SECONDS:
                window.popleft()
            if limit is not None and len(window) >= limit:
                return Decision(error=quota_error(rt.kind, limit))
            window.append(now)

            decision = Decision()
            chosen: List[_Fault] = []
            for f in self._faults:
                if f.remaining and f.matches(rt):
                    chosen.append(f)
                    break
            self._storms = [s for s in self._storms if s.until > now]
            for s in self._storms:
                if s.matches(rt):
                    chosen.append(s)
            for f in chosen:
                if f.remaining is not None:
                    f.remaining -= 1
                decision.faults.append(f.name)
                if f.name == "slow":
                    decision.delay += f.arg or 0.0
                elif f.name in _ERROR_FAULTS:
                    decision.error = decision.error or fault_error(f.name, rt.kind)
                elif f.name == "drop_before_write":
                    decision.drop_before = True
                elif f.name == "drop_after_write":
                    decision.drop_after = True
            self._faults = [f for f in self._faults if f.remaining]
            return decision

    def execute(self, rt: Route, query: Dict[str, List[str]], body: Any) -> Tuple[int, Dict[str, Any]]:
        """Run an admitted request against the state: (HTTP status, JSON body)."""
        with self.lock:
            self._caller = self._caller_for(rt.token)
            try:
                return 200, self.call_api(rt, query, body)
            except ApiError as exc:
                return exc.code, exc.envelope()
            finally:
                self._caller = None

    def finish(self, rt: Route, status: Optional[int]) -> None:
        """Record the outcome (status None = connection dropped)."""
        with self.lock:
            if status is None or status >= 400:
                self._counts["failed"] += 1
            entry: Dict[str, Any] = {"endpoint": rt.endpoint, "range": rt.range_text, "status": status}
            if rt.body_bytes:
                entry["bytes"] = rt.body_bytes
            if rt.ranges:
                entry["ranges"] = list(rt.ranges)
            if not rt.pretty:
                entry["prettyPrint"] = False
            self._log.append(entry)

    def handle(self, method: str, raw_path: str, query: Dict[str, List[str]], body: Any,
               token: Optional[str] = None) -> Tuple[int, Dict[str, Any]]:
        """In-process shortcut (no HTTP, no sleeping, drops reported as status 0);
        token: the bearer token (when auth is enabled)."""
        from dataclasses import replace

        from .api import route

        rt = replace(route(method, raw_path), token=token)
        d = self.admit(rt)
        if d.error is not None:
            self.finish(rt, d.error.code)
            return d.error.code, d.error.envelope()
        if d.drop_before:
            self.finish(rt, None)
            return 0, {}
        status, payload = self.execute(rt, query, body)
        self.run_hooks(rt, status)
        self.finish(rt, None if d.drop_after else status)
        return (0, {}) if d.drop_after else (status, payload)

    # ------------------------------------------------------------ hand edits
    # A hand edit is what a person does in the Sheets UI.  Those that change cells or the
    # grid take as_person= (an email; default DEFAULT_PERSON, who is not an editor of any
    # protected range): an edit touching a protected range that person may not edit raises
    # ProtectedRangeError (a PermissionError; the control endpoints answer 403).  The
    # spreadsheet's "owner" (see share_spreadsheet) may edit everything.
    def _ss_for_edit(self, spreadsheet_id: Optional[str]) -> Spreadsheet:
        if spreadsheet_id is not None:
            ss = self.spreadsheets.get(spreadsheet_id)
            if ss is None:
                raise KeyError("no spreadsheet %r" % spreadsheet_id)
            return ss
        if len(self.spreadsheets) != 1:
            raise ValueError(
                "pass spreadsheet_id= (there are %d spreadsheets: %s)"
                % (len(self.spreadsheets), ", ".join(self.spreadsheets) or "none")
            )
        return next(iter(self.spreadsheets.values()))

    def _sheet_for_edit(self, title: str, spreadsheet_id: Optional[str]) -> Sheet:
        ss = self._ss_for_edit(spreadsheet_id)
        for sheet in ss.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError("no sheet titled %r (have: %s)" % (title, ", ".join(s.title for s in ss.sheets)))

    @staticmethod
    def _person(sheet_or_ss: Union[Sheet, Spreadsheet], as_person: Optional[str]) -> Guard:
        ss = sheet_or_ss.spreadsheet if isinstance(sheet_or_ss, Sheet) else sheet_or_ss
        email = as_person or DEFAULT_PERSON
        owner = ss is not None and ss.role(email) == "owner"
        return Guard(email, owner, ProtectedRangeError)

    @staticmethod
    def _col(col: Union[int, str]) -> int:
        """1-based column number or letters -> 0-based index."""
        if isinstance(col, str):
            return A1.col_index(col)
        if col < 1:
            raise ValueError("columns are 1-based (A=1)")
        return col - 1

    @staticmethod
    def _cell(sheet: Sheet, a1: str) -> Tuple[int, int]:
        box = A1.parse_cells(a1)
        if not box.is_single_cell:
            raise ValueError("not a single cell: %r" % a1)
        if box.r0 >= sheet.rows or box.c0 >= sheet.cols:
            raise ValueError("%s is outside the grid (%d x %d)" % (a1, sheet.rows, sheet.cols))
        return box.r0, box.c0

    def set_cell(self, title: str, a1: str, value: Any, *, raw: bool = False,
                 spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        """Type `value` into a cell like a person in the UI (USER_ENTERED parsing in the
        spreadsheet's locale unless raw=True). None or "" clears the value; the format is kept."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            r, c = self._cell(sheet, a1)
            self._person(sheet, as_person).cells(sheet, r, r + 1, c, c + 1)
            if value is None or value == "":
                sheet.set_value(r, c, None)
                return
            if raw:
                sheet.set_value(r, c, V.parse_raw(value))
            else:
                ev, nf = V.parse_user_entered(value, sheet.locale)
                sheet.set_value(r, c, ev, nf)

    def get_values(self, title: str, *, render: str = "FORMATTED_VALUE",
                   spreadsheet_id: Optional[str] = None) -> List[List[Any]]:
        """The whole sheet as the API would return it (ragged, trimmed)."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            return render_grid(sheet, 0, sheet.rows, 0, sheet.cols, render, "SERIAL_NUMBER", "ROWS")

    def get_cell(self, title: str, a1: str, *, render: str = "FORMATTED_VALUE",
                 spreadsheet_id: Optional[str] = None) -> Any:
        """Rendered value of one cell (None when empty)."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            r, c = self._cell(sheet, a1)
            return V.render(sheet.get(r, c), render, ctx=V.RenderContext.of(sheet))

    def get_format(self, title: str, a1: str, *, spreadsheet_id: Optional[str] = None) -> Dict[str, Any]:
        """userEnteredFormat of one cell ({} when none)."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            r, c = self._cell(sheet, a1)
            return copy.deepcopy((sheet.get(r, c) or {}).get("userEnteredFormat") or {})

    def cell_bold(self, title: str, a1: str, *, spreadsheet_id: Optional[str] = None) -> bool:
        """Is the cell bold (userEnteredFormat.textFormat.bold)?"""
        return bool(self.get_format(title, a1, spreadsheet_id=spreadsheet_id)
                    .get("textFormat", {}).get("bold"))

    def sheet_properties(self, title: str, *, spreadsheet_id: Optional[str] = None) -> Dict[str, Any]:
        """Sheet properties as spreadsheets.get returns them."""
        with self.lock:
            return self._sheet_for_edit(title, spreadsheet_id).public_props()

    def sheet_titles(self, *, spreadsheet_id: Optional[str] = None) -> List[str]:
        with self.lock:
            return [s.title for s in self._ss_for_edit(spreadsheet_id).sheets]

    def add_sheet(self, title: str, rows: int = 1000, cols: int = 26, *,
                  spreadsheet_id: Optional[str] = None) -> int:
        """Add a tab (returns its sheetId)."""
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)
            if ss.find_title(title):
                raise ValueError("sheet %r already exists" % title)
            return ss.add_sheet(title, rows, cols).sheet_id

    def delete_sheet(self, title: str, *, spreadsheet_id: Optional[str] = None,
                     as_person: Optional[str] = None) -> None:
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            self._person(ss, as_person).any(sheet)
            ss.sheets.remove(sheet)
            ss.reindex()

    def rename_sheet(self, old: str, new: str, *, spreadsheet_id: Optional[str] = None,
                     as_person: Optional[str] = None) -> None:
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)
            sheet = self._sheet_for_edit(old, spreadsheet_id)
            other = ss.find_title(new)
            if other is not None and other is not sheet:
                raise ValueError("sheet %r already exists" % new)
            self._person(ss, as_person).whole_sheet(sheet)
            sheet.props["title"] = new

    def resize(self, title: str, rows: Optional[int] = None, cols: Optional[int] = None, *,
               spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            guard = self._person(sheet, as_person)
            if rows is not None and rows < sheet.rows:
                guard.delete(sheet, "ROWS", rows, sheet.rows)
            if cols is not None and cols < sheet.cols:
                guard.delete(sheet, "COLUMNS", cols, sheet.cols)
            sheet.set_grid(rows, cols)

    def insert_rows(self, title: str, before_row: int, n: int = 1, *,
                    spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        """Insert n empty rows before 1-based row `before_row` (rows+1 = at the end).
        Protected ranges below move down; inserting inside one (it would grow) is refused."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            if not 1 <= before_row <= sheet.rows + 1:
                raise ValueError("before_row out of range")
            self._person(sheet, as_person).insert(sheet, "ROWS", before_row - 1)
            sheet.insert("ROWS", before_row - 1, n)

    def delete_rows(self, title: str, first_row: int, n: int = 1, *,
                    spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        """Delete n rows starting at 1-based row `first_row` (protected ranges below move up)."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            if not 1 <= first_row or first_row - 1 + n > sheet.rows or n >= sheet.rows:
                raise ValueError("rows out of range")
            self._person(sheet, as_person).delete(sheet, "ROWS", first_row - 1, first_row - 1 + n)
            sheet.delete("ROWS", first_row - 1, first_row - 1 + n)

    def move_column(self, title: str, from_col: Union[int, str], to_col: Union[int, str], *,
                    spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        """Drag a column so that it ends up at position `to_col` (1-based numbers or letters)."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            src, dst = self._col(from_col), self._col(to_col)
            if src >= sheet.cols or dst >= sheet.cols:
                raise ValueError("column out of range")
            guard = self._person(sheet, as_person)
            lo, hi = min(src, dst), max(src, dst) + 1  # every column in between changes place
            guard.cells(sheet, 0, None, lo, hi)
            sheet.move_column(src, dst)

    def insert_column(self, title: str, col: Union[int, str], header: Any = None, *,
                      spreadsheet_id: Optional[str] = None, as_person: Optional[str] = None) -> None:
        """Insert an empty column at position `col` (1-based or letter), shifting
        the others right; optionally type `header` into its row 1."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            idx = self._col(col)
            if idx > sheet.cols:
                raise ValueError("column out of range")
            guard = self._person(sheet, as_person)
            guard.insert(sheet, "COLUMNS", idx)
            snapshot = (copy.deepcopy(sheet.protected), dict(sheet.cells), copy.deepcopy(sheet.props))
            sheet.insert("COLUMNS", idx, 1)
            if header not in (None, ""):
                try:
                    guard.cells(sheet, 0, 1, idx, idx + 1)
                except ProtectedRangeError:
                    sheet.protected, sheet.cells, sheet.props = snapshot
                    raise
                ev, nf = V.parse_user_entered(header, sheet.locale)
                sheet.set_value(0, idx, ev, nf)

    def sort_rows(self, title: str, key_col: Union[int, str], start_row: int = 2, *,
                  descending: bool = False, spreadsheet_id: Optional[str] = None,
                  as_person: Optional[str] = None) -> None:
        """Sort rows start_row..last data row by one column (Data > Sort range):
        numbers, then text (case-insensitive), then booleans; empty keys last."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            key = self._col(key_col)
            last = sheet.value_extent()[0]
            first = start_row - 1
            if last <= first:
                return
            self._person(sheet, as_person).cells(sheet, first, last, 0, None)
            rows = list(range(first, last))
            filled = [r for r in rows if sheet.has_value(r, key)]
            empty = [r for r in rows if not sheet.has_value(r, key)]
            ctx = V.RenderContext.of(sheet)
            filled.sort(key=lambda r: V.sort_key(sheet.get(r, key), ctx), reverse=descending)
            sheet.reorder_rows(filled + empty, first)

    # ------------------------------------------------------------ protected ranges (by the owner)
    def protect_range(self, title: str, a1: Optional[str] = None, *, editors: Sequence[str] = (),
                      description: Optional[str] = None, warning_only: bool = False,
                      unprotected: Sequence[str] = (), spreadsheet_id: Optional[str] = None) -> int:
        """Protect cells of a sheet like its owner does in the UI (Data > Protect sheets and
        ranges); returns the protectedRangeId.  a1: "A1:L1", "1:1", "A:A"... or None for the
        whole sheet; editors: emails allowed to edit it (the owner always may); unprotected:
        A1 exceptions inside a whole-sheet protection; warning_only: only warns, blocks nobody."""
        with self.lock:
            sheet = self._sheet_for_edit(title, spreadsheet_id)
            ss = sheet.spreadsheet
            if isinstance(editors, str):
                editors = (editors,)
            p = ProtectedRange(ss.new_protected_id(), _grid_range(a1), description=description,
                               warning_only=warning_only, users=editors,
                               unprotected=[_grid_range(u) for u in unprotected])
            sheet.protected.append(p)
            return p.id

    def unprotect_range(self, protected_range_id: int, *, spreadsheet_id: Optional[str] = None) -> None:
        with self.lock:
            sheet, p = self._ss_for_edit(spreadsheet_id).find_protected(int(protected_range_id))
            if p is None:
                raise KeyError("no protected range %r" % protected_range_id)
            sheet.protected.remove(p)

    def protected_ranges(self, title: Optional[str] = None, *,
                         spreadsheet_id: Optional[str] = None) -> List[Dict[str, Any]]:
        """Protected ranges as spreadsheets.get shows them to the owner (of one sheet or all)."""
        with self.lock:
            ss = self._ss_for_edit(spreadsheet_id)
            sheets = [self._sheet_for_edit(title, spreadsheet_id)] if title is not None else ss.sheets
            return [p.to_api(s.sheet_id, True) for s in sheets for p in s.protected]


def _grid_range(a1: Optional[str]) -> Dict[str, Any]:
    """A1 cells ("A1:B2", "1:1", "A:A") -> GridRange keys without sheetId (None = whole sheet)."""
    if a1 is None:
        return {}
    box = A1.parse_cells(a1)
    out: Dict[str, Any] = {}
    if box.r1 is not None or box.r0:
        out["startRowIndex"] = box.r0
        if box.r1 is not None:
            out["endRowIndex"] = box.r1
    if box.c1 is not None or box.c0:
        out["startColumnIndex"] = box.c0
        if box.c1 is not None:
            out["endColumnIndex"] = box.c1
    return out

"""In-memory spreadsheet model: spreadsheets, sheets, sparse cells, field masks."""

from __future__ import annotations

import copy
import random
import zlib
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from . import values as V

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELLS = 10_000_000


class ApiError(Exception):
    """An error answered with Google's error envelope."""

    STATUS = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        409: "ALREADY_EXISTS",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        502: "UNAVAILABLE",
        503: "UNAVAILABLE",
        504: "DEADLINE_EXCEEDED",
    }

    def __init__(self, code: int, message: str, status: Optional[str] = None, details=None,
                 headers: Optional[Dict[str, str]] = None, html: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or self.STATUS.get(code, "UNKNOWN")
        self.details = details
        self.headers = dict(headers or {})  # extra HTTP headers (e.g. WWW-Authenticate)
        self.html = html  # answer this HTML page instead of the JSON envelope (Google's front end)

    def envelope(self) -> Dict[str, Any]:
        err: Dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.")


NO_PERMISSION = "The caller does not have permission"
PROTECTED_MESSAGE = (
    "You are trying to edit a protected cell or object. "
    "Please contact the spreadsheet owner to remove protection if you need to edit."
)


def permission_denied(message: str = NO_PERMISSION) -> ApiError:
    return ApiError(403, message, "PERMISSION_DENIED")


class ProtectedRangeError(PermissionError):
    """A hand edit (a person in the UI) touched a protected range they cannot edit."""

    def __init__(self, message: str = PROTECTED_MESSAGE):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------
# Field masks ("title,gridProperties.frozenRowCount", "userEnteredFormat(textFormat)",
# "gridProperties/rowCount", "*")
# --------------------------------------------------------------------------


def parse_fields(text: Optional[str]) -> List[Tuple[str, ...]]:
    """Field mask -> list of paths (tuples). "/" is accepted like "."."""
    if text is None:
        return []
    text = text.replace("/", ".").replace(" ", "")
    pos = 0

    def parse_list(prefix: Tuple[str, ...]) -> List[Tuple[str, ...]]:
        nonlocal pos
        out: List[Tuple[str, ...]] = []
        while pos < len(text):
            start = pos
            while pos < len(text) and text[pos] not in ",()":
                pos += 1
            name = text[start:pos]
            path = prefix + tuple(p for p in name.split(".") if p)
            if pos < len(text) and text[pos] == "(":
                pos += 1
                out.extend(parse_list(path))
                if pos < len(text) and text[pos] == ")":
                    pos += 1
            elif path:
                out.append(path)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            if pos < len(text) and text[pos] == ")":
                break
        return out

    return parse_list(())


def _get_path(obj: Dict[str, Any], path: Tuple[str, ...]) -> Tuple[bool, Any]:
    cur: Any = obj
    for key in path:
        if not isinstance(cur, dict) or key not in cur:
            return False, None
        cur = cur[key]
    return True, cur


def apply_mask(target: Dict[str, Any], source: Dict[str, Any], paths: Iterable[Tuple[str, ...]]) -> None:
    """Copy each masked path from source to target (deleting it when absent)."""
    for path in paths:
        if path == ("*",):
            for key in list(target.keys()):
                if key not in source:
                    del target[key]
            for key, val in source.items():
                target[key] = copy.deepcopy(val)
            continue
        found, val = _get_path(source, path)
        parent = target
        for key in path[:-1]:
            nxt = parent.get(key)
            if not isinstance(nxt, dict):
                if not found:
                    parent = None
                    break
                nxt = {}
                parent[key] = nxt
            parent = nxt
        if parent is None:
            continue
        if found:
            parent[path[-1]] = copy.deepcopy(val)
        else:
            parent.pop(path[-1], None)
    _prune_empty(target)


def _prune_empty(obj: Dict[str, Any]) -> None:
    for key in list(obj.keys()):
        val = obj[key]
        if isinstance(val, dict):
            _prune_empty(val)
            if not val:
                del obj[key]


def filter_fields(obj: Any, paths: List[Tuple[str, ...]]) -> Any:
    """Keep only the masked paths of a response object (lists are mapped)."""
    if not paths or ("*",) in paths:
        return obj
    if isinstance(obj, list):
        return [filter_fields(x, paths) for x in obj]
    if not isinstance(obj, dict):
        return obj
    out: Dict[str, Any] = {}
    heads: Dict[str, List[Tuple[str, ...]]] = {}
    for p in paths:
        heads.setdefault(p[0], []).append(p[1:])
    for key, subs in heads.items():
        if key not in obj:
            continue
        if any(len(s) == 0 for s in subs):
            out[key] = obj[key]
        else:
            out[key] = filter_fields(obj[key], subs)
    return out


# --------------------------------------------------------------------------
# Sheets and spreadsheets
# --------------------------------------------------------------------------


_GRID_KEYS = ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex")


def grid_bounds(rng: Dict[str, Any]) -> Tuple[int, Optional[int], int, Optional[int]]:
    """GridRange (without sheetId) -> (r0, r1, c0, c1); None ends are unbounded."""
    return (rng.get("startRowIndex", 0), rng.get("endRowIndex"),
            rng.get("startColumnIndex", 0), rng.get("endColumnIndex"))


def _overlap(a0: int, a1: Optional[int], b0: int, b1: Optional[int]) -> bool:
    """Do [a0, a1) and [b0, b1) intersect (None = unbounded end)?"""
    return (b1 is None or a0 < b1) and (a1 is None or b0 < a1)


def _contains(outer: Tuple[int, Optional[int], int, Optional[int]],
              inner: Tuple[int, Optional[int], int, Optional[int]]) -> bool:
    o_r0, o_r1, o_c0, o_c1 = outer
    i_r0, i_r1, i_c0, i_c1 = inner
    return (o_r0 <= i_r0 and o_c0 <= i_c0
            and (o_r1 is None or (i_r1 is not None and i_r1 <= o_r1))
            and (o_c1 is None or (i_c1 is not None and i_c1 <= o_c1)))


def _shift_insert(rng: Dict[str, Any], dimension: str, start: int, count: int) -> None:
    k0, k1 = ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")
    if k0 in rng and rng[k0] >= start:
        rng[k0] += count
    if k1 in rng and rng[k1] > start:
        rng[k1] += count


def _shift_delete(rng: Dict[str, Any], dimension: str, start: int, end: int) -> bool:
    """Shrink/shift a GridRange for deleted [start, end); False when nothing is left of it."""
    k0, k1 = ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")

    def moved(x: int) -> int:
        if x <= start:
            return x
        if x >= end:
            return x - (end - start)
        return start

    for k in (k0, k1):
        if k in rng:
            rng[k] = moved(rng[k])
    lo, hi = rng.get(k0, 0), rng.get(k1)
    return hi is None or hi > lo


class ProtectedRange:
    """One protected range of a sheet (GridRange based; named ranges are not modelled).

    ``range`` is the GridRange without ``sheetId`` (missing keys are unbounded),
    ``users`` the editors' emails.  ``warning_only`` ranges never block an edit.
    """

    def __init__(self, pr_id: int, rng: Dict[str, Any], *, description: Optional[str] = None,
                 warning_only: bool = False, users: Iterable[str] = (), groups: Iterable[str] = (),
                 domain_users_can_edit: Optional[bool] = None, unprotected: Iterable[Dict[str, Any]] = ()):
        self.id = int(pr_id)
        self.range = {k: int(rng[k]) for k in _GRID_KEYS if rng.get(k) is not None}
        self.description = description
        self.warning_only = bool(warning_only)
        self.users: List[str] = list(dict.fromkeys(users))
        self.groups: List[str] = list(dict.fromkeys(groups))
        self.domain_users_can_edit = domain_users_can_edit
        self.unprotected: List[Dict[str, Any]] = [
            {k: int(u[k]) for k in _GRID_KEYS if u.get(k) is not None} for u in unprotected
        ]

    def bounds(self) -> Tuple[int, Optional[int], int, Optional[int]]:
        return grid_bounds(self.range)

    def is_editor(self, email: Optional[str]) -> bool:
        if not email:
            return False
        folded = email.casefold()
        return any(u.casefold() == folded for u in self.users)

    def covers(self, r0: int, r1: Optional[int], c0: int, c1: Optional[int]) -> bool:
        """Does the box [r0, r1) x [c0, c1) touch a protected (not excepted) cell?"""
        p_r0, p_r1, p_c0, p_c1 = self.bounds()
        if not (_overlap(r0, r1, p_r0, p_r1) and _overlap(c0, c1, p_c0, p_c1)):
            return False
        # the intersection, when wholly inside one unprotected range, is allowed
        inter = (max(r0, p_r0), _min_end(r1, p_r1), max(c0, p_c0), _min_end(c1, p_c1))
        return not any(_contains(grid_bounds(u), inter) for u in self.unprotected)

    def spans_insert(self, dimension: str, index: int) -> bool:
        """Would inserting rows/columns at `index` land inside this range (and grow it)?"""
        keys = ("startRowIndex", "endRowIndex") if dimension == "ROWS" else ("startColumnIndex", "endColumnIndex")
        if not any(k in self.range for k in keys):
            return True  # unbounded in that dimension (e.g. a whole sheet): every insert lands inside
        r0, r1, c0, c1 = self.bounds()
        lo, hi = (r0, r1) if dimension == "ROWS" else (c0, c1)
        return lo < index and (hi is None or index < hi)

    def shift_insert(self, dimension: str, start: int, count: int) -> None:
        _shift_insert(self.range, dimension, start, count)
        for u in self.unprotected:
            _shift_insert(u, dimension, start, count)

    def shift_delete(self, dimension: str, start: int, end: int) -> bool:
        self.unprotected = [u for u in self.unprotected if _shift_delete(u, dimension, start, end)]
        return _shift_delete(self.range, dimension, start, end)

    def to_api(self, sheet_id: int, can_edit: bool, with_editors: bool = True) -> Dict[str, Any]:
        rng: Dict[str, Any] = {"sheetId": sheet_id} if sheet_id else {}
        rng.update(self.range)
        out: Dict[str, Any] = {"protectedRangeId": self.id, "range": rng}
        if self.description:
            out["description"] = self.description
        if self.warning_only:
            out["warningOnly"] = True
        if self.unprotected:
            out["unprotectedRanges"] = [dict({"sheetId": sheet_id} if sheet_id else {}, **u)
                                        for u in self.unprotected]
        if can_edit:
            out["requestingUserCanEdit"] = True
            if with_editors:
                editors: Dict[str, Any] = {}
                if self.users:
                    editors["users"] = list(self.users)
                if self.groups:
                    editors["groups"] = list(self.groups)
                if self.domain_users_can_edit:
                    editors["domainUsersCanEdit"] = True
                out["editors"] = editors
        return out


class Guard:
    """Who is editing (an API caller or a person in the UI) and the protections they must respect.

    ``is_owner``: the spreadsheet's owner may edit every protected range.  ``error()``
    builds what is raised when an edit touches a range they may not edit.
    """

    def __init__(self, email: Optional[str], is_owner: bool, error: Callable[[], Exception]):
        self.email = email
        self.is_owner = is_owner
        self.error = error

    def can_edit(self, p: ProtectedRange) -> bool:
        return p.warning_only or self.is_owner or p.is_editor(self.email)

    def _blocking(self, sheet: "Sheet") -> List[ProtectedRange]:
        if self.is_owner:
            return []
        return [p for p in sheet.protected if not self.can_edit(p)]

    def cells(self, sheet: "Sheet", r0: int, r1: Optional[int], c0: int, c1: Optional[int]) -> None:
        """Refuse writing (or clearing) the box [r0, r1) x [c0, c1)."""
        for p in self._blocking(sheet):
            if p.covers(r0, r1, c0, c1):
                raise self.error()

    def cell_list(self, sheet: "Sheet", cells: Iterable[Tuple[int, int]]) -> None:
        blocking = self._blocking(sheet)
        if not blocking:
            return
        for r, c in cells:
            for p in blocking:
                if p.covers(r, r + 1, c, c + 1):
                    raise self.error()

    def insert(self, sheet: "Sheet", dimension: str, index: int) -> None:
        """Refuse inserting rows/columns inside a protected range (it would grow)."""
        for p in self._blocking(sheet):
            if p.spans_insert(dimension, index):
                raise self.error()

    def delete(self, sheet: "Sheet", dimension: str, start: int, end: int) -> None:
        """Refuse deleting rows/columns [start, end) that hold protected cells."""
        for p in self._blocking(sheet):
            if dimension == "ROWS":
                hit = p.covers(start, end, 0, None)
            else:
                hit = p.covers(0, None, start, end)
            if hit:
                raise self.error()

    def whole_sheet(self, sheet: "Sheet") -> None:
        """Refuse renaming/resizing a sheet protected as a whole."""
        for p in self._blocking(sheet):
            if not p.range:
                raise self.error()

    def any(self, sheet: "Sheet") -> None:
        """Refuse deleting a sheet that holds a range they may not edit."""
        if self._blocking(sheet):
            raise self.error()


def _min_end(a: Optional[int], b: Optional[int]) -> Optional[int]:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


class Sheet:
    """One tab: properties dict (API-shaped) and sparse cells keyed by (row, col)."""

    def __init__(self, sheet_id: int, title: str, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLS):
        self.props: Dict[str, Any] = {
            "sheetId": sheet_id,
            "title": title,
            "index": 0,
            "sheetType": "GRID",
            "gridProperties": {"rowCount": rows, "columnCount": cols},
        }
        self.cells: Dict[Tuple[int, int], Dict[str, Any]] = {}
        self.protected: List[ProtectedRange] = []
        self.spreadsheet: Optional["Spreadsheet"] = None  # set by Spreadsheet.add_sheet

    @property
    def locale(self) -> str:
        return self.spreadsheet.props.get("locale", "en_US") if self.spreadsheet is not None else "en_US"

    # -- protection
    def protections(self, include_warning: bool = False) -> List[ProtectedRange]:
        return [p for p in self.protected if include_warning or not p.warning_only]

    def _shift_protected_insert(self, dimension: str, start: int, count: int) -> None:
        for p in self.protected:
            p.shift_insert(dimension, start, count)

    def _shift_protected_delete(self, dimension: str, start: int, end: int) -> None:
        self.protected = [p for p in self.protected if p.shift_delete(dimension, start, end)]

    # -- properties
    @property
    def sheet_id(self) -> int:
        return self.props["sheetId"]

    @property
    def title(self) -> str:
        return self.props["title"]

    @property
    def rows(self) -> int:
        return self.props["gridProperties"]["rowCount"]

    @property
    def cols(self) -> int:
        return self.props["gridProperties"]["columnCount"]

    @property
    def frozen_rows(self) -> int:
        return self.props["gridProperties"].get("frozenRowCount", 0)

    @property
    def frozen_cols(self) -> int:
        return self.props["gridProperties"].get("frozenColumnCount", 0)

    def set_grid(self, rows: Optional[int] = None, cols: Optional[int] = None) -> None:
        gp = self.props["gridProperties"]
        if rows is not None and rows < self.rows:
            self._shift_protected_delete("ROWS", rows, self.rows)
        if cols is not None and cols < self.cols:
            self._shift_protected_delete("COLUMNS", cols, self.cols)
        if rows is not None:
            gp["rowCount"] = rows
        if cols is not None:
            gp["columnCount"] = cols
        self.cells = {(r, c): v for (r, c), v in self.cells.items() if r < self.rows and c < self.cols}

    def public_props(self) -> Dict[str, Any]:
        props = copy.deepcopy(self.props)
        gp = props["gridProperties"]
        for key in ("frozenRowCount", "frozenColumnCount"):
            if gp.get(key) == 0:
                del gp[key]
        if props.get("hidden") is False:
            del props["hidden"]
        return props

    # -- cells
    def get(self, r: int, c: int) -> Optional[Dict[str, Any]]:
        return self.cells.get((r, c))

    def put(self, r: int, c: int, data: Optional[Dict[str, Any]]) -> None:
        if data:
            self.cells[(r, c)] = data
        else:
            self.cells.pop((r, c), None)

    def set_value(self, r: int, c: int, ev: Optional[Dict[str, Any]], number_format=None) -> None:
        """Set (or with ev=None clear) the value, keeping the cell's format."""
        cell = dict(self.cells.get((r, c)) or {})
        if ev is None:
            cell.pop("userEnteredValue", None)
        else:
            cell["userEnteredValue"] = ev
            fmt = dict(cell.get("userEnteredFormat") or {})
            if number_format is not None:
                fmt["numberFormat"] = number_format
                cell["userEnteredFormat"] = fmt
        self.put(r, c, cell)

    def has_value(self, r: int, c: int) -> bool:
        return not V.is_empty(self.cells.get((r, c)))

    def value_extent(self) -> Tuple[int, int]:
        """(rows, cols) of the smallest A1-anchored box holding every value."""
        rows = cols = 0
        for (r, c), cell in self.cells.items():
            if not V.is_empty(cell):
                rows = max(rows, r + 1)
                cols = max(cols, c + 1)
        return rows, cols

    def rows_with_values(self) -> set:
        return {r for (r, c), cell in self.cells.items() if not V.is_empty(cell)}

    # -- structure
    def insert(self, dimension: str, start: int, count: int, inherit_from: Optional[int] = None) -> None:
        if count <= 0:
            return
        moved: Dict[Tuple[int, int], Dict[str, Any]] = {}
        for (r, c), cell in self.cells.items():
            if dimension == "ROWS":
                moved[(r + count, c) if r >= start else (r, c)] = cell
            else:
                moved[(r, c + count) if c >= start else (r, c)] = cell
        self.cells = moved
        if dimension == "ROWS":
            self.props["gridProperties"]["rowCount"] += count
        else:
            self.props["gridProperties"]["columnCount"] += count
        self._shift_protected_insert(dimension, start, count)
        if inherit_from is not None:
            src = inherit_from if inherit_from < start else inherit_from + count
            self._copy_formats(dimension, src, range(start, start + count))

    def _copy_formats(self, dimension: str, src: int, targets: Iterable[int]) -> None:
        formats = {}
        for (r, c), cell in self.cells.items():
            key = r if dimension == "ROWS" else c
            other = c if dimension == "ROWS" else r
            if key == src and cell.get("userEnteredFormat"):
                formats[other] = cell["userEnteredFormat"]
        for t in targets:
            for other, fmt in formats.items():
                pos = (t, other) if dimension == "ROWS" else (other, t)
                cell = dict(self.cells.get(pos) or {})
                cell["userEnteredFormat"] = copy.deepcopy(fmt)
                self.cells[pos] = cell

    def delete(self, dimension: str, start: int, end: int) -> None:
        count = end - start
        if count <= 0:
            return
        moved: Dict[Tuple[int, int], Dict[str, Any]] = {}
        for (r, c), cell in self.cells.items():
            k = r if dimension == "ROWS" else c
            if start <= k < end:
                continue
            if k >= end:
                k -= count
            moved[(k, c) if dimension == "ROWS" else (r, k)] = cell
        self.cells = moved
        self._shift_protected_delete(dimension, start, end)
        gp = self.props["gridProperties"]
        if dimension == "ROWS":
            gp["rowCount"] -= count
            if gp.get("frozenRowCount", 0) > start:
                gp["frozenRowCount"] = max(start, gp["frozenRowCount"] - count)
        else:
            gp["columnCount"] -= count
            if gp.get("frozenColumnCount", 0) > start:
                gp["frozenColumnCount"] = max(start, gp["frozenColumnCount"] - count)

    def move_column(self, src: int, dst: int) -> None:
        order = list(range(self.cols))
        col = order.pop(src)
        order.insert(dst, col)
        new_pos = {old: new for new, old in enumerate(order)}
        self.cells = {(r, new_pos[c]): cell for (r, c), cell in self.cells.items()}
        for p in self.protected:  # a protected block follows its cells (hull of their new places)
            for rng in [p.range] + p.unprotected:
                c0, c1 = rng.get("startColumnIndex", 0), rng.get("endColumnIndex")
                if c1 is None:
                    continue
                places = [new_pos[c] for c in range(c0, min(c1, len(order)))]
                if places:
                    rng["startColumnIndex"], rng["endColumnIndex"] = min(places), max(places) + 1

    def reorder_rows(self, new_order: List[int], start: int) -> None:
        """new_order[i] = old row placed at start+i."""
        new_pos = {old: start + i for i, old in enumerate(new_order)}
        self.cells = {(new_pos.get(r, r), c): cell for (r, c), cell in self.cells.items()}


class Spreadsheet:
    def __init__(self, spreadsheet_id: str, title: str = "Untitled spreadsheet"):
        self.id = spreadsheet_id
        self.props: Dict[str, Any] = {
            "title": title,
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
        }
        self.sheets: List[Sheet] = []
        # Drive-style sharing (used only when the emulator's auth is enabled): email -> role
        # ("owner", "writer" or "reader").
        self.permissions: Dict[str, str] = {}
        self._rng = random.Random(zlib.crc32(spreadsheet_id.encode("utf-8")))

    def role(self, email: Optional[str]) -> Optional[str]:
        if not email:
            return None
        folded = email.casefold()
        for who, role in self.permissions.items():
            if who.casefold() == folded:
                return role
        return None

    def new_protected_id(self) -> int:
        used = {p.id for s in self.sheets for p in s.protected}
        while True:
            candidate = self._rng.randrange(10**8, 2**31 - 1)
            if candidate not in used:
                return candidate

    def find_protected(self, pr_id: Any) -> Tuple[Optional[Sheet], Optional[ProtectedRange]]:
        for sheet in self.sheets:
            for p in sheet.protected:
                if p.id == pr_id:
                    return sheet, p
        return None, None

    def new_sheet_id(self) -> int:
        if not self.sheets:
            return 0
        used = {s.sheet_id for s in self.sheets}
        while True:
            candidate = self._rng.randrange(10**8, 2**31 - 1)
            if candidate not in used:
                return candidate

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.props["index"] = i

    def find_title(self, title: str) -> Optional[Sheet]:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        folded = title.casefold()
        for sheet in self.sheets:
            if sheet.title.casefold() == folded:
                return sheet
        return None

    def find_id(self, sheet_id: Any) -> Optional[Sheet]:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def total_cells(self, extra: int = 0) -> int:
        return sum(s.rows * s.cols for s in self.sheets) + extra

    def check_cell_limit(self, extra: int) -> None:
        if extra > 0 and self.total_cells(extra) > MAX_CELLS:
            raise bad_request(
                "This action would increase the number of cells in the workbook above the limit of 10000000 cells."
            )

    def add_sheet(self, title: str, rows: int = DEFAULT_ROWS, cols: int = DEFAULT_COLS,
                  sheet_id: Optional[int] = None, index: Optional[int] = None) -> Sheet:
        sheet = Sheet(self.new_sheet_id() if sheet_id is None else sheet_id, title, rows, cols)
        sheet.spreadsheet = self
        if index is None or index > len(self.sheets):
            index = len(self.sheets)
        self.sheets.insert(max(0, index), sheet)
        self.reindex()
        return sheet

    def metadata(self, can_edit=None) -> Dict[str, Any]:
        """spreadsheets.get body; can_edit(protected_range) -> bool decides each protected
        range's ``requestingUserCanEdit`` (default: True, the owner asks)."""
        sheets = []
        for s in self.sheets:
            entry: Dict[str, Any] = {"properties": s.public_props()}
            if s.protected:
                entry["protectedRanges"] = [
                    p.to_api(s.sheet_id, True if can_edit is None else can_edit(p)) for p in s.protected
                ]
            sheets.append(entry)
        return {
            "spreadsheetId": self.id,
            "properties": copy.deepcopy(self.props),
            "sheets": sheets,
            "spreadsheetUrl": "https://docs.google.com/spreadsheets/d/%s/edit" % self.id,
        }

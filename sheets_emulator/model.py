"""In-memory spreadsheet model: spreadsheets, sheets, sparse cells, field masks."""

from __future__ import annotations

import copy
import random
import zlib
from typing import Any, Dict, Iterable, List, Optional, Tuple

from . import values as V

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26
MAX_CELLS = 10_000_000


class ApiError(Exception):
    """An error answered with Google's error envelope."""

    STATUS = {
        400: "INVALID_ARGUMENT",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        409: "ALREADY_EXISTS",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        503: "UNAVAILABLE",
    }

    def __init__(self, code: int, message: str, status: Optional[str] = None, details=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status or self.STATUS.get(code, "UNKNOWN")
        self.details = details

    def envelope(self) -> Dict[str, Any]:
        err: Dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def not_found() -> ApiError:
    return ApiError(404, "Requested entity was not found.")


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
        self._rng = random.Random(zlib.crc32(spreadsheet_id.encode("utf-8")))

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
        if index is None or index > len(self.sheets):
            index = len(self.sheets)
        self.sheets.insert(max(0, index), sheet)
        self.reindex()
        return sheet

    def metadata(self) -> Dict[str, Any]:
        return {
            "spreadsheetId": self.id,
            "properties": copy.deepcopy(self.props),
            "sheets": [{"properties": s.public_props()} for s in self.sheets],
            "spreadsheetUrl": "https://docs.google.com/spreadsheets/d/%s/edit" % self.id,
        }

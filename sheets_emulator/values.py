"""Cell values: input parsing (RAW / USER_ENTERED) and output rendering.

A cell is stored as a dict shaped like the API's CellData, restricted to
``userEnteredValue`` (an ExtendedValue: stringValue | numberValue |
boolValue | formulaValue), ``userEnteredFormat`` and ``note``.

Formulas are stored, never evaluated: FORMULA render returns the formula,
FORMATTED_VALUE / UNFORMATTED_VALUE return "#NAME?".
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from typing import Any, Dict, Optional, Tuple

FORMULA_PLACEHOLDER = "#NAME?"
MAX_CELL_CHARS = 50000

_NUMBER_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_EPOCH = _dt.datetime(1899, 12, 30)

DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm:ss"


class ValueError400(ValueError):
    """An input value the API would reject with 400 INVALID_ARGUMENT."""


def _num(x: float) -> Any:
    """JSON-friendly number: integral floats become ints (like Google's JSON)."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def parse_raw(value: Any) -> Optional[Dict[str, Any]]:
    """RAW input -> ExtendedValue. None -> leave the cell alone; "" -> clear."""
    if value is None:
        return None
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError400("Invalid number value")
        return {"numberValue": _num(value)}
    if isinstance(value, str):
        if len(value) > MAX_CELL_CHARS:
            raise ValueError400(
                "Your input contains more than the maximum of 50000 characters in a single cell."
            )
        return {"stringValue": value}
    raise ValueError400("Invalid value type: %s" % type(value).__name__)


def parse_user_entered(value: Any) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
    """USER_ENTERED input -> (ExtendedValue, numberFormat or None).

    Parsed like typing into the Sheets UI with the en_US locale:
    numbers ("12", " 12 ", "0012", "+1", "12.5", "1e3"), TRUE/FALSE (any case),
    "=..." formulas, ISO dates/datetimes ("2024-01-15", "2024-01-15 10:30")
    become date serial numbers, a leading apostrophe forces text.  Anything
    else (including "12,0", "$12", "12%") stays text.
    """
    if not isinstance(value, str):
        return parse_raw(value), None
    if len(value) > MAX_CELL_CHARS:
        raise ValueError400(
            "Your input contains more than the maximum of 50000 characters in a single cell."
        )
    if value.startswith("'"):
        return {"stringValue": value[1:]}, None
    if value.startswith("=") and len(value) > 1:
        return {"formulaValue": value}, None
    stripped = value.strip()
    if stripped.upper() in ("TRUE", "FALSE"):
        return {"boolValue": stripped.upper() == "TRUE"}, None
    if _NUMBER_RE.match(stripped):
        return {"numberValue": _num(float(stripped))}, None
    m = _DATE_RE.match(stripped)
    if m:
        try:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            hh = int(m.group(4) or 0)
            mm = int(m.group(5) or 0)
            ss = int(m.group(6) or 0)
            when = _dt.datetime(y, mo, d, hh, mm, ss)
        except ValueError:
            return {"stringValue": value}, None
        delta = when - _EPOCH
        serial = delta.days + delta.seconds / 86400.0
        pattern = DATETIME_PATTERN if m.group(4) else DATE_PATTERN
        kind = "DATE_TIME" if m.group(4) else "DATE"
        return {"numberValue": _num(serial)}, {"type": kind, "pattern": pattern}
    if value == "":
        return {"stringValue": ""}, None
    return {"stringValue": value}, None


def format_number(x: float) -> str:
    """Default ("automatic") number display: 12 -> "12", 12.5 -> "12.5"."""
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    if isinstance(x, int) and abs(x) < 10**15:
        return str(x)
    s = "%.15g" % x
    if "e" in s:
        mant, exp = s.split("e")
        e = int(exp)
        return "%sE%s%02d" % (mant, "+" if e >= 0 else "-", abs(e))
    return s


def _format_serial(x: float, pattern: str) -> str:
    when = _EPOCH + _dt.timedelta(days=x)
    when = when.replace(microsecond=0) if when.microsecond < 500000 else (
        when + _dt.timedelta(seconds=1)
    ).replace(microsecond=0)
    if pattern == DATE_PATTERN:
        return when.strftime("%Y-%m-%d")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def is_empty(cell: Optional[Dict[str, Any]]) -> bool:
    return not cell or "userEnteredValue" not in cell


def formatted_value(cell: Optional[Dict[str, Any]]) -> Optional[str]:
    """What the UI shows; None for an empty cell."""
    if is_empty(cell):
        return None
    ev = cell["userEnteredValue"]
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return "TRUE" if ev["boolValue"] else "FALSE"
    if "formulaValue" in ev:
        return FORMULA_PLACEHOLDER
    x = ev.get("numberValue", 0)
    nf = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    if nf.get("type") in ("DATE", "DATE_TIME") and nf.get("pattern") in (
        DATE_PATTERN,
        DATETIME_PATTERN,
    ):
        try:
            return _format_serial(x, nf["pattern"])
        except (OverflowError, ValueError):
            pass
    return format_number(x)


def render(
    cell: Optional[Dict[str, Any]],
    option: str = "FORMATTED_VALUE",
    datetime_option: str = "SERIAL_NUMBER",
) -> Any:
    """Render one cell for the values API; None means empty."""
    if is_empty(cell):
        return None
    if option == "FORMATTED_VALUE":
        return formatted_value(cell)
    ev = cell["userEnteredValue"]
    if "formulaValue" in ev:
        return ev["formulaValue"] if option == "FORMULA" else FORMULA_PLACEHOLDER
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return ev["boolValue"]
    nf = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    if datetime_option == "FORMATTED_STRING" and nf.get("type") in ("DATE", "DATE_TIME"):
        return formatted_value(cell)
    return _num(ev.get("numberValue", 0))


def effective_value(cell: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """ExtendedValue of the computed value (formulas -> an errorValue)."""
    if is_empty(cell):
        return None
    ev = cell["userEnteredValue"]
    if "formulaValue" in ev:
        return {"errorValue": {"type": "NAME", "message": "Formulas are not evaluated by the emulator."}}
    return dict(ev)


def sort_key(cell: Optional[Dict[str, Any]]) -> Tuple[int, Any]:
    """Ascending sort like the Sheets UI: numbers, then text, then booleans, empties last."""
    if is_empty(cell):
        return (3, "")
    ev = cell["userEnteredValue"]
    if "numberValue" in ev:
        return (0, ev["numberValue"])
    if "boolValue" in ev:
        return (2, ev["boolValue"])
    if "formulaValue" in ev:
        return (1, ev["formulaValue"].lower())
    return (1, ev.get("stringValue", "").lower())

"""Cell values: input parsing (RAW / USER_ENTERED) and output rendering.

A cell is stored as a dict shaped like the API's CellData, restricted to
``userEnteredValue`` (an ExtendedValue: stringValue | numberValue |
boolValue | formulaValue), ``userEnteredFormat`` and ``note``.

Formulas are evaluated when rendered (see ``formula``: arithmetic and SUM;
anything else is an error value such as "#NAME?"); FORMULA render returns the
formula text.

Locales: "en_US" (default) and "ro_RO".  In ro_RO USER_ENTERED input uses the
decimal comma and the thousands dot ("1.510" -> 1510 shown "1.510", "1,5" ->
1.5 shown "1,5"), dates are typed "24.11.2026" (shown that way), and numbers
shown with the automatic format use the decimal comma.  Other locale codes are
stored but behave like en_US.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from .formula import Evaluator, FormulaError

FORMULA_PLACEHOLDER = "#NAME?"
MAX_CELL_CHARS = 50000

_NUMBER_RE = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)
_EPOCH = _dt.datetime(1899, 12, 30)

DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm:ss"
RO_DATE_PATTERN = "dd.mm.yyyy"
RO_DATETIME_PATTERN = "dd.mm.yyyy hh:mm:ss"

_RO_NUMBER_RE = re.compile(r"^([+-]?)([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,([0-9]+))?$")
_RO_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_LOCALE_RE = re.compile(r"^[a-z]{2,3}(?:_[A-Z]{2})?$")


def check_locale(locale: str) -> str:
    """A locale code like "en_US" / "ro_RO" (others are accepted but behave like en_US)."""
    if not isinstance(locale, str) or not _LOCALE_RE.match(locale):
        raise ValueError("not a locale code: %r (use e.g. 'en_US' or 'ro_RO')" % (locale,))
    return locale


@dataclass
class RenderContext:
    """What rendering needs besides the cell: the locale, and the sheet for formulas."""

    locale: str = "en_US"
    sheet: Any = None

    @classmethod
    def of(cls, sheet: Any) -> "RenderContext":
        return cls(getattr(sheet, "locale", "en_US"), sheet)

    @property
    def decimal(self) -> str:
        return "," if self.locale == "ro_RO" else "."

    @property
    def grouping(self) -> str:
        return "." if self.locale == "ro_RO" else ","


_DEFAULT_CTX = RenderContext()


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


def _serial(when: _dt.datetime) -> Any:
    delta = when - _EPOCH
    return _num(delta.days + delta.seconds / 86400.0)


def _parse_ro(stripped: str) -> Optional[Tuple[Dict[str, Any], Optional[Dict[str, Any]]]]:
    """ro_RO numbers ("1.510", "1,5", "1.510,25") and dates ("24.11.2026 [10:30[:00]]")."""
    m = _RO_NUMBER_RE.match(stripped)
    if m:
        sign, whole, frac = m.group(1), m.group(2), m.group(3)
        x = float(sign + whole.replace(".", "") + ("." + frac if frac else ""))
        if "." in whole:  # typed with thousands separators: Sheets keeps them in the format
            pattern = "#,##0" + ("." + "0" * len(frac) if frac else "")
            return {"numberValue": _num(x)}, {"type": "NUMBER", "pattern": pattern}
        return {"numberValue": _num(x)}, None
    m = _RO_DATE_RE.match(stripped)
    if m:
        try:
            when = _dt.datetime(int(m.group(3)), int(m.group(2)), int(m.group(1)),
                                int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0))
        except ValueError:
            return None
        if m.group(4):
            return {"numberValue": _serial(when)}, {"type": "DATE_TIME", "pattern": RO_DATETIME_PATTERN}
        return {"numberValue": _serial(when)}, {"type": "DATE", "pattern": RO_DATE_PATTERN}
    return None


def parse_user_entered(value: Any, locale: str = "en_US") -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
    """USER_ENTERED input -> (ExtendedValue, numberFormat or None).

    In ro_RO, numbers and dates are first read the Romanian way (see the module
    docstring); ISO dates work in every locale.

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
    if locale == "ro_RO":
        ro = _parse_ro(stripped)
        if ro is not None:
            return ro
        if _NUMBER_RE.match(stripped) and "." not in stripped and "e" not in stripped.lower():
            return {"numberValue": _num(float(stripped))}, None
    elif _NUMBER_RE.match(stripped):
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


_DATE_TOKENS = {
    DATE_PATTERN: "%Y-%m-%d",
    DATETIME_PATTERN: "%Y-%m-%d %H:%M:%S",
    RO_DATE_PATTERN: "%d.%m.%Y",
    RO_DATETIME_PATTERN: "%d.%m.%Y %H:%M:%S",
}


def _format_serial(x: float, pattern: str) -> str:
    when = _EPOCH + _dt.timedelta(days=x)
    when = when.replace(microsecond=0) if when.microsecond < 500000 else (
        when + _dt.timedelta(seconds=1)
    ).replace(microsecond=0)
    return when.strftime(_DATE_TOKENS[pattern])


_GROUPED_RE = re.compile(r"^#,##0(?:\.(0+))?$")
_PLAIN_RE = re.compile(r"^0(?:\.(0+))?$")


def _format_pattern(x: float, pattern: str, ctx: RenderContext) -> Optional[str]:
    """Number patterns "#,##0", "#,##0.00", "0", "0.00" in the locale's separators (None: other)."""
    m = _GROUPED_RE.match(pattern) or _PLAIN_RE.match(pattern)
    if not m:
        return None
    decimals = len(m.group(1) or "")
    text = ("{:,.%df}" % decimals).format(x) if pattern.startswith("#") else ("{:.%df}" % decimals).format(x)
    return text.replace(",", "\0").replace(".", ctx.decimal).replace("\0", ctx.grouping)


def _format_auto(x: float, ctx: RenderContext) -> str:
    text = format_number(x)
    return text.replace(".", ctx.decimal) if ctx.decimal != "." else text


def is_empty(cell: Optional[Dict[str, Any]]) -> bool:
    return not cell or "userEnteredValue" not in cell


def formula_result(cell: Dict[str, Any], ctx: Optional[RenderContext]) -> Any:
    """Evaluated value of a formula cell (float / str / bool) or a FormulaError."""
    ctx = ctx or _DEFAULT_CTX
    try:
        return Evaluator(ctx.locale).evaluate(cell["userEnteredValue"]["formulaValue"], ctx.sheet)
    except FormulaError as exc:
        return exc


def _show_number(x: Any, cell: Dict[str, Any], ctx: RenderContext) -> str:
    nf = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    pattern = nf.get("pattern")
    if nf.get("type") in ("DATE", "DATE_TIME") and pattern in _DATE_TOKENS:
        try:
            return _format_serial(x, pattern)
        except (OverflowError, ValueError):
            pass
    if pattern and nf.get("type") in ("NUMBER", None):
        shown = _format_pattern(x, pattern, ctx)
        if shown is not None:
            return shown
    return _format_auto(x, ctx)


def formatted_value(cell: Optional[Dict[str, Any]], ctx: Optional[RenderContext] = None) -> Optional[str]:
    """What the UI shows; None for an empty cell."""
    if is_empty(cell):
        return None
    ctx = ctx or _DEFAULT_CTX
    ev = cell["userEnteredValue"]
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return "TRUE" if ev["boolValue"] else "FALSE"
    if "formulaValue" in ev:
        result = formula_result(cell, ctx)
        if isinstance(result, FormulaError):
            return result.code
        if isinstance(result, bool):
            return "TRUE" if result else "FALSE"
        if isinstance(result, str):
            return result
        return _show_number(_num(result), cell, ctx)
    return _show_number(ev.get("numberValue", 0), cell, ctx)


def render(
    cell: Optional[Dict[str, Any]],
    option: str = "FORMATTED_VALUE",
    datetime_option: str = "SERIAL_NUMBER",
    ctx: Optional[RenderContext] = None,
) -> Any:
    """Render one cell for the values API; None means empty."""
    if is_empty(cell):
        return None
    if option == "FORMATTED_VALUE":
        return formatted_value(cell, ctx)
    ev = cell["userEnteredValue"]
    if "formulaValue" in ev:
        if option == "FORMULA":
            return ev["formulaValue"]
        result = formula_result(cell, ctx)
        if isinstance(result, FormulaError):
            return result.code
        return _num(result) if isinstance(result, float) else result
    if "stringValue" in ev:
        return ev["stringValue"]
    if "boolValue" in ev:
        return ev["boolValue"]
    nf = (cell.get("userEnteredFormat") or {}).get("numberFormat") or {}
    if datetime_option == "FORMATTED_STRING" and nf.get("type") in ("DATE", "DATE_TIME"):
        return formatted_value(cell, ctx)
    return _num(ev.get("numberValue", 0))


def effective_value(cell: Optional[Dict[str, Any]], ctx: Optional[RenderContext] = None) -> Optional[Dict[str, Any]]:
    """ExtendedValue of the computed value (a formula's result, or an errorValue)."""
    if is_empty(cell):
        return None
    ev = cell["userEnteredValue"]
    if "formulaValue" in ev:
        result = formula_result(cell, ctx)
        if isinstance(result, FormulaError):
            return {"errorValue": {"type": result.type, "message": result.message}}
        if isinstance(result, bool):
            return {"boolValue": result}
        if isinstance(result, str):
            return {"stringValue": result}
        return {"numberValue": _num(result)}
    return dict(ev)


def sort_key(cell: Optional[Dict[str, Any]], ctx: Optional[RenderContext] = None) -> Tuple[int, Any]:
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

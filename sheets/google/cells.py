"""What people type into a worksheet's cells, read: counts and dates.

No gspread here: pure functions over the text a ``values.get`` returns
(FORMATTED_VALUE, i.e. what people see). Each returns ``(value, error)``:
the value, or None and a Romanian message (``MSG_*``) that becomes a
``Problem`` with the cell's address.

Date rule (documented in the README): ISO ``2026-11-24`` (optionally with a
time), ``24.11.2026``, ``24-11-2026`` and ``24/11/2026`` are day-first (the
Romanian order); slash dates are month-first (``11/24/2026``) only when the
spreadsheet's locale is ``en_US``; when the preferred order gives an
impossible date and the other one is valid, the other one is used. A plain
number between 36526 and 73050 is a Google serial date (days since
1899-12-30, i.e. 2000-01-01..2099-12-31). Years outside 2000..2099 are refused.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

_SPACES = "\u00a0\u202f\u2009 "
_INT_RE = re.compile(r"\d+")
_DECIMAL_RE = re.compile(r"(\d+)[.,](\d+)")
_GROUPED_RE = re.compile(r"(\d{1,3}(?:([.,' \u00a0\u202f\u2009])\d{3})(?:\2\d{3})*)(?:([.,])(\d+))?")
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_DMY_RE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})\.?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_SERIAL_RE = re.compile(r"\d{5}(?:[.,]\d+)?")
_EPOCH = date(1899, 12, 30)
SERIAL_MIN, SERIAL_MAX = 36526, 73050  # 2000-01-01 .. 2099-12-31
MAX_COUNT = 10_000_000

MSG_NOT_NUMBER = "Valoarea nu este un număr întreg; celula nu este luată în calcul."
MSG_NEGATIVE = "Numărul este negativ; se așteaptă un număr întreg de la 0 în sus."
MSG_FRACTION = "Numărul are zecimale; se așteaptă un număr întreg."
MSG_DATE_IN_COUNT = "Celula conține o dată calendaristică, nu un număr."
MSG_TOO_BIG = "Numărul este prea mare pentru o săptămână de lucru."
MSG_UNREADABLE = "Valoarea nu poate fi citită; celula nu este luată în calcul."
MSG_FORMULA_ERROR = "Formula din celulă dă o eroare; celula nu este luată în calcul."
MSG_BAD_DATE = ("Data nu poate fi citită (scrieți-o ca 2026-11-24 sau 24.11.2026); "
                "rândul nu este luat în calcul.")


def strip_cell(text: object) -> str:
    if text is None:
        return ""
    return str(text).strip(_SPACES + "\t\r\n")


def parse_count(text: object) -> tuple[int | None, str | None]:
    """A count cell -> (number or None when blank, Romanian error or None).

    "12 ", "12,0", "12.0", "1.510", "1,510", "1 510" -> ints; "" -> None;
    text, negative, fractional, a date, a formula error -> an error.
    """
    s = strip_cell(text)
    if not s:
        return None, None
    if s.startswith("#"):
        return None, MSG_FORMULA_ERROR
    if _ISO_RE.fullmatch(s) or _DMY_RE.fullmatch(s) or re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", s):
        return None, MSG_DATE_IN_COUNT
    if len(s) > 40:  # far above MAX_COUNT in any spelling; int() refuses > 4300 digits
        return None, (MSG_TOO_BIG if re.fullmatch(r"[+\-−]?[\d.,' \u00a0\u202f\u2009]+", s) else MSG_NOT_NUMBER)
    negative = s[0] in "-−"
    if s[0] in "+-−":
        s = s[1:].strip(_SPACES)
    number: int | None = None
    fraction = ""
    if _INT_RE.fullmatch(s):
        number = int(s)
    else:
        grouped = _GROUPED_RE.fullmatch(s)
        if grouped and grouped.group(3) != grouped.group(2):
            number = int(re.sub(r"\D", "", grouped.group(1)))
            fraction = grouped.group(4) or ""
        else:
            decimal = _DECIMAL_RE.fullmatch(s)
            if decimal is None:
                return None, MSG_NOT_NUMBER
            number, fraction = int(decimal.group(1)), decimal.group(2)
    if fraction.strip("0"):
        return None, MSG_FRACTION
    if negative and number:
        return None, MSG_NEGATIVE
    if number > MAX_COUNT:
        return None, MSG_TOO_BIG
    return number, None


def _make_date(y: int, m: int, d: int) -> date | None:
    if not 2000 <= y <= 2099:
        return None
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_day(text: object, month_first: bool = False) -> tuple[date | None, str | None]:
    """A date cell -> (date or None when blank, Romanian error or None)."""
    s = strip_cell(text)
    if not s:
        return None, None
    m = _ISO_RE.fullmatch(s)
    if m:
        d = _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return (d, None) if d else (None, MSG_BAD_DATE)
    m = _DMY_RE.fullmatch(s)
    if m:
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        first, second = (b, a) if (month_first and sep == "/") else (a, b)  # (day, month)
        d = _make_date(y, second, first) or _make_date(y, first, second)
        return (d, None) if d else (None, MSG_BAD_DATE)
    if _SERIAL_RE.fullmatch(s):
        serial = float(s.replace(",", "."))
        if SERIAL_MIN <= serial <= SERIAL_MAX:
            return _EPOCH + timedelta(days=int(serial)), None
    return None, MSG_BAD_DATE

"""The worksheet layout of the Google backend and how its cells are read.

No gspread here: pure functions over the values a ``values.get`` /
``values:batchGet`` returns (FORMATTED_VALUE, i.e. what people see), so the
rules are testable on their own.

Layout: one worksheet per office, row 1 is a header, one row per
``sheets.Row`` (the long layout). Columns are found by *header name*
(case-, diacritics- and punctuation-insensitive), never by position, so a
supervisor may reorder columns or add their own; extra columns are ignored.

Reading is robust to what people type (see ``parse_count``/``parse_day``):
a cell that cannot be read is left out and reported as a ``Problem`` with
its A1 address and a link; a row whose date or activity cannot be read is
skipped (and reported). Nothing a person types makes a read fail.

Date rule (documented in the README): ISO ``2026-11-24`` (optionally with a
time), ``24.11.2026``, ``24-11-2026`` and ``24/11/2026`` are day-first (the
Romanian order); slash dates are month-first (``11/24/2026``) only when the
spreadsheet's locale is ``en_US``; when the preferred order gives an
impossible date and the other one is valid, the other one is used. A plain
number between 36526 and 73050 is a Google serial date (days since
1899-12-30, i.e. 2000-01-01..2099-12-31). Years outside 2000..2099 are refused.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterable, Sequence

from domain.rows import Problem, Row

# -- columns ------------------------------------------------------------------

#: (Row field or "label", header text) in the order of a new worksheet.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_id", "ID rând"),
    ("day", "Data"),
    ("activity", "Activitate (cod)"),
    ("label", "Activitate"),
    ("part", "Detaliu"),
    ("clerk", "Funcționar"),
    ("lucrari", "Nr. lucrări"),
    ("documente", "Nr. documente produse"),
    ("note", "Observații"),
    ("entered_at", "Introdus la"),
    ("changed_by", "Modificat de"),
    ("changed_at", "Modificat la"),
)
HEADER: tuple[str, ...] = tuple(h for _, h in COLUMNS)
KEYS: tuple[str, ...] = tuple(k for k, _ in COLUMNS)
COUNT_KEYS = ("lucrari", "documente")
TEXT_KEYS = ("part", "clerk", "note", "entered_at", "changed_by", "changed_at")
MAX_COUNT = 10_000_000


def normalise(text: object) -> str:
    """Header/title comparison key: no diacritics, case or punctuation."""
    text = unicodedata.normalize("NFKD", str(text or ""))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


#: normalised header text -> column key. Each header of ``COLUMNS`` plus a
#: few names supervisors are likely to use instead.
HEADER_NAMES: dict[str, str] = {normalise(h): k for k, h in COLUMNS}
HEADER_NAMES.update({
    "id": "row_id", "id rand": "row_id", "cod activitate": "activity", "activitate cod": "activity",
    "cod": "activity", "data zilei": "day", "zi": "day", "ziua": "day", "functionar": "clerk",
    "lucrari": "lucrari", "nr lucrari": "lucrari", "numar lucrari": "lucrari",
    "documente": "documente", "nr documente": "documente", "documente produse": "documente",
    "numar documente produse": "documente", "observatii": "note", "obs": "note", "detaliu": "part",
})


def column_letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_a1(row: int, col: int) -> str:
    """0-based (row, col) -> "G12"."""
    return f"{column_letters(col)}{row + 1}"


def quote_title(title: str) -> str:
    """A worksheet title as an A1 range: 'SERVICIUL PRESĂ' (quotes doubled)."""
    return "'" + title.replace("'", "''") + "'"


def cell_url(spreadsheet_id: str, sheet_id: int | None, a1: str | None = None) -> str:
    url = f"https://docs.google.com/spreadsheets/d/{spreadsheet_id}/edit"
    if sheet_id is None:
        return url
    url += f"#gid={sheet_id}"
    return url + (f"&range={a1}" if a1 else "")


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column sits in a worksheet (0-based), from row 1."""

    positions: dict  # key -> column index (first header with that name wins)
    width: int = 0  # number of header cells (including unknown/empty ones)

    @classmethod
    def from_row(cls, cells: Sequence[object]) -> "HeaderMap":
        positions: dict[str, int] = {}
        for i, text in enumerate(cells):
            key = HEADER_NAMES.get(normalise(text))
            if key and key not in positions:
                positions[key] = i
        return cls(positions, len(cells))

    @classmethod
    def standard(cls) -> "HeaderMap":
        return cls({k: i for i, k in enumerate(KEYS)}, len(KEYS))

    def missing(self) -> list[str]:
        return [k for k in KEYS if k not in self.positions]


# -- reading cell values ------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009 "
_INT_RE = re.compile(r"\d+")
_DECIMAL_RE = re.compile(r"(\d+)[.,](\d+)")
_GROUPED_RE = re.compile(r"(\d{1,3}(?:([.,' \u00a0\u202f\u2009])\d{3})(?:\2\d{3})*)(?:([.,])(\d+))?")
_ISO_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_DMY_RE = re.compile(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4})\.?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_SERIAL_RE = re.compile(r"\d{5}(?:[.,]\d+)?")
_EPOCH = date(1899, 12, 30)
SERIAL_MIN, SERIAL_MAX = 36526, 73050  # 2000-01-01 .. 2099-12-31

MSG_NOT_NUMBER = "Valoarea nu este un număr întreg; celula nu este luată în calcul."
MSG_NEGATIVE = "Numărul este negativ; se așteaptă un număr întreg de la 0 în sus."
MSG_FRACTION = "Numărul are zecimale; se așteaptă un număr întreg."
MSG_DATE_IN_COUNT = "Celula conține o dată calendaristică, nu un număr."
MSG_TOO_BIG = "Numărul este prea mare pentru o săptămână de lucru."
MSG_UNREADABLE = "Valoarea nu poate fi citită; celula nu este luată în calcul."
MSG_FORMULA_ERROR = "Formula din celulă dă o eroare; celula nu este luată în calcul."
MSG_BAD_DATE = ("Data nu poate fi citită (scrieți-o ca 2026-11-24 sau 24.11.2026); "
                "rândul nu este luat în calcul.")
MSG_NO_DATE = "Rândul nu are dată; nu este luat în calcul."
MSG_NO_ACTIVITY = "Rândul nu are codul activității; nu este luat în calcul."
MSG_NO_HEADER = "Antetul foii nu are coloana „{column}”; rândurile foii nu pot fi citite."
MSG_HEADER_MISSING = "Rândul 1 (antetul) este gol; rândurile foii nu pot fi citite."


def _clean(text: object) -> str:
    if text is None:
        return ""
    return str(text).strip(_SPACES + "\t\r\n")


def parse_count(text: object) -> tuple[int | None, str | None]:
    """A count cell -> (number or None when blank, Romanian error or None).

    "12 ", "12,0", "12.0", "1.510", "1,510", "1 510" -> ints; "" -> None;
    text, negative, fractional, a date, a formula error -> an error.
    """
    s = _clean(text)
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
    s = _clean(text)
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


# -- parsing a worksheet ------------------------------------------------------


@dataclass
class SheetRow:
    """One non-empty data row of a worksheet as read."""

    index: int  # 0-based row index in the worksheet
    row_id: str  # effective id ("" when the row could not be read and has no ID cell)
    row: Row | None  # None: skipped (unreadable date/activity)
    has_problem: bool = False
    duplicate_of: int | None = None  # index of the row this one exactly repeats


@dataclass
class ParsedSheet:
    office: str
    title: str
    sheet_id: int | None
    header: HeaderMap | None
    rows: list[SheetRow] = field(default_factory=list)  # every non-empty data row, in sheet order
    problems: list[tuple[date | None, Problem]] = field(default_factory=list)
    height: int = 0  # number of rows returned (header included)

    @property
    def readable(self) -> list[Row]:
        return [r.row for r in self.rows if r.row is not None and r.duplicate_of is None]


def synthetic_id(office: str, day: date | None, activity: str, part: str, clerk: str, n: int) -> str:
    """Stable id of a row typed by hand without an ID: same content and order, same id."""
    key = "|".join((office, day.isoformat() if day else "", activity, part, clerk.lower(), str(n)))
    return "h" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:15]


def _safely(parse, *args):
    """A cell parser whose unexpected error makes the cell a problem, not the whole read fail."""
    try:
        return parse(*args)
    except Exception:  # noqa: BLE001 - one odd cell must never break every page of an office
        return None, MSG_UNREADABLE


def parse_sheet(values: Sequence[Sequence[object]], *, office: str, title: str, sheet_id: int | None,
                spreadsheet_id: str, month_first: bool = False) -> ParsedSheet:
    """The rows and problems of one worksheet's values (row 1 = header)."""
    values = [list(r) if isinstance(r, (list, tuple)) else [] for r in (values or [])]
    header_cells = values[0] if values else []
    header = HeaderMap.from_row(header_cells)
    parsed = ParsedSheet(office, title, sheet_id, header, height=len(values))

    def problem(day, r, c, value, message):
        a1 = cell_a1(r, c)
        parsed.problems.append((day, Problem(office, title, a1, "" if value is None else str(value), message,
                                             cell_url(spreadsheet_id, sheet_id, a1))))

    data = values[1:]
    if not any(_clean(c) for c in header_cells):
        if any(_clean(c) for row in data for c in row):
            problem(None, 0, 0, "", MSG_HEADER_MISSING)
        parsed.header = None
        return parsed
    for key in ("day", "activity"):
        if key not in header.positions:
            column = dict(COLUMNS)[key]
            problem(None, 0, 0, _clean(header_cells[0]) if header_cells else "", MSG_NO_HEADER.format(column=column))
            return parsed

    pos = header.positions

    def cell(row, key):
        i = pos.get(key)
        if i is None or i >= len(row):
            return None
        v = row[i]
        return v if isinstance(v, str) else ("" if v is None else str(v))

    seen: dict[str, int] = {}  # id -> index of its first row
    signatures: dict[int, tuple] = {}
    synthetic_counts: dict[tuple, int] = {}
    for offset, cells in enumerate(data):
        index = offset + 1
        ours = [cell(cells, k) for k in KEYS]
        if not any(_clean(v) for v in ours):
            continue  # an empty row, or only a supervisor's own columns
        signature = tuple("" if v is None else v for v in ours)
        cell_id = _clean(cell(cells, "row_id"))
        if cell_id and cell_id in seen and signatures.get(seen[cell_id]) == signature:
            parsed.rows.append(SheetRow(index, cell_id, None, duplicate_of=seen[cell_id]))
            continue  # an exact copy (e.g. a write that landed twice): read once
        raw_day = cell(cells, "day")
        day, error = _safely(parse_day, raw_day, month_first)
        activity = _clean(cell(cells, "activity"))
        skip = False
        if day is None:
            problem(None, index, pos["day"], raw_day, error or MSG_NO_DATE)
            skip = True
        elif not activity:
            problem(day, index, pos["activity"], "", MSG_NO_ACTIVITY)
            skip = True
        if skip:
            if cell_id and cell_id not in seen:
                seen[cell_id] = index
                signatures[index] = signature
            parsed.rows.append(SheetRow(index, cell_id if cell_id and seen[cell_id] == index else "", None,
                                        has_problem=True))
            continue
        counts = {}
        bad = False
        for key in COUNT_KEYS:
            raw = cell(cells, key)
            number, error = _safely(parse_count, raw)
            if error:
                problem(day, index, pos[key], raw, error)
                bad = True
            counts[key] = number
        part = _clean(cell(cells, "part"))
        clerk = _clean(cell(cells, "clerk"))
        if cell_id and cell_id not in seen:
            row_id = cell_id
        else:  # typed by hand without an ID, or a changed copy of another row
            base = (day, activity, part, clerk.lower())
            n = synthetic_counts.get(base, 0)
            synthetic_counts[base] = n + 1
            row_id = synthetic_id(office, day, activity, part, clerk, n)
        seen.setdefault(row_id, index)
        signatures[index] = signature
        row = Row(
            office=office, day=day, activity=activity, clerk=clerk, part=part,
            note=cell(cells, "note") or "", entered_at=_clean(cell(cells, "entered_at")),
            changed_by=_clean(cell(cells, "changed_by")), changed_at=_clean(cell(cells, "changed_at")),
            row_id=row_id, **counts,
        )
        parsed.rows.append(SheetRow(index, row_id, row, has_problem=bad))
    return parsed


# -- writing ------------------------------------------------------------------


def cell_values(row: Row, label: str = "") -> dict[str, object]:
    """Column key -> the value written (RAW: text stays text, counts are numbers)."""
    return {
        "row_id": row.row_id, "day": row.day.isoformat(), "activity": row.activity, "label": label,
        "part": row.part, "clerk": row.clerk,
        "lucrari": "" if row.lucrari is None else int(row.lucrari),
        "documente": "" if row.documente is None else int(row.documente),
        "note": row.note or "", "entered_at": row.entered_at or "", "changed_by": row.changed_by or "",
        "changed_at": row.changed_at or "",
    }


def row_values(row: Row, header: HeaderMap, label: str = "") -> list[object]:
    """A row laid out by ``header`` (for values.append, RAW); "" elsewhere."""
    values = cell_values(row, label)
    width = max(header.positions.values()) + 1
    out: list[object] = [""] * width
    for key, i in header.positions.items():
        out[i] = values[key]
    return out


def extended_value(value: object) -> dict:
    """A literal ExtendedValue for batchUpdate (never a formula)."""
    if value is None or value == "":
        return {}
    if isinstance(value, bool):
        return {"userEnteredValue": {"stringValue": str(value)}}
    if isinstance(value, (int, float)):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def column_runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted column indexes -> [(first, last_exclusive)] contiguous runs."""
    runs: list[tuple[int, int]] = []
    for i in sorted(set(positions)):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs

"""The worksheet layout of the Google backend: its columns, how a worksheet is read, how rows are written.

No gspread here: pure functions over the values a ``values.get`` /
``values:batchGet`` returns (FORMATTED_VALUE, i.e. what people see), so the
rules are testable on their own.

Layout: one worksheet per office, row 1 is a header, one row per
``sheets.Row`` (the long layout). Columns are found by *header name*
(case-, diacritics- and punctuation-insensitive), never by position, so a
supervisor may reorder columns or add their own; extra columns are ignored.

Reading is robust to what people type (``sheets.google.cells``): a cell
that cannot be read is left out and reported as a ``Problem`` with its A1
address and a link; a row whose date or activity cannot be read is skipped
(and reported). Nothing a person types makes a read fail.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping, Sequence

from domain.rows import Problem, Row

from .cells import MSG_UNREADABLE, strip_cell, parse_count, parse_day

MSG_NO_DATE = "Rândul nu are dată; nu este luat în calcul."
MSG_NO_ACTIVITY = "Rândul nu are codul activității; nu este luat în calcul."
MSG_NO_HEADER = "Antetul foii nu are coloana „{column}”; rândurile foii nu pot fi citite."
MSG_HEADER_MISSING = "Rândul 1 (antetul) este gol; rândurile foii nu pot fi citite."
MSG_NO_COUNT_HEADER = ("Antetul foii nu are coloana „{column}”; cifrele din ea nu sunt luate în calcul "
                       "până când antetul este scris din nou.")

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


def _off_place(key: str, i: int, known: dict[str, int]) -> int:
    """How far column ``i`` is from where ``key`` stands among the columns of
    ours found once: next to the nearest one before it and the nearest after."""
    k = KEYS.index(key)
    before = next((known[x] for x in reversed(KEYS[:k]) if x in known), None)
    after = next((known[x] for x in KEYS[k + 1:] if x in known), None)
    return (abs(i - before - 1) if before is not None else 0) + (abs(after - 1 - i) if after is not None else 0)


@dataclass(frozen=True)
class HeaderMap:
    """Where each known column sits in a worksheet (0-based), from row 1."""

    positions: dict  # key -> column index (first header with that name wins)
    width: int = 0  # number of header cells (including unknown/empty ones)
    blank: frozenset = frozenset()  # indexes of empty header cells (before ``width``)

    @classmethod
    def from_row(cls, cells: Sequence[object]) -> "HeaderMap":
        found: dict[str, list[int]] = {}
        blank = set()
        for i, text in enumerate(cells):
            key = HEADER_NAMES.get(normalise(text))
            if key:
                found.setdefault(key, []).append(i)
            elif not strip_cell(text):
                blank.add(i)
        positions = {k: v[0] for k, v in found.items() if len(v) == 1}
        for key, places in found.items():
            if len(places) > 1:
                # a person's own column named like ours (their „Observații”):
                # ours is the one beside our neighbouring columns
                positions[key] = min(places, key=lambda i: _off_place(key, i, positions))
        return cls(positions, len(cells), frozenset(blank))

    @classmethod
    def standard(cls) -> "HeaderMap":
        return cls({k: i for i, k in enumerate(KEYS)}, len(KEYS))

    def missing(self) -> list[str]:
        return [k for k in KEYS if k not in self.positions]

    def cleared(self) -> dict[str, int]:
        """Where each missing name most likely stood before a person cleared
        its cell: its standard column when that cell is blank; else, when one
        name is missing and one header cell is blank (a moved column's name
        cleared), that cell. Names not in the result have no known place."""
        missing = self.missing()
        places = {k: KEYS.index(k) for k in missing if KEYS.index(k) in self.blank}
        leftover = [k for k in missing if k not in places]
        free = sorted(self.blank - set(places.values()))
        if len(leftover) == 1 and len(free) == 1:
            places[leftover[0]] = free[0]
        return places


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
                spreadsheet_id: str, month_first: bool = False, some: Mapping[int, list] | None = None,
                height: int = 0) -> ParsedSheet:
    """The rows and problems of one worksheet's values (row 1 = header).

    ``some``: only these rows were read (sheet row index -> cells; a period
    read, sheets/google/period.py); ``values`` is then the header row alone and
    ``height`` the worksheet's."""
    values = [list(r) if isinstance(r, (list, tuple)) else [] for r in (values or [])]
    header_cells = values[0] if values else []
    rows = sorted(some.items()) if some is not None else list(enumerate(values[1:], 1))
    parsed = ParsedSheet(office, title, sheet_id, HeaderMap.from_row(header_cells),
                         height=height if some is not None else len(values))
    reader = _SheetReader(parsed, spreadsheet_id, month_first)
    if reader.header_usable(header_cells, [cells for _, cells in rows]):
        for index, cells in rows:
            if cells:
                reader.read_row(index, cells)
    return parsed


class _SheetReader:
    """Reads a worksheet's data rows into ``parsed``, one at a time, in sheet order."""

    def __init__(self, parsed: ParsedSheet, spreadsheet_id: str, month_first: bool):
        self.parsed = parsed
        self.spreadsheet_id = spreadsheet_id
        self.month_first = month_first
        self.pos = parsed.header.positions
        self.seen: dict[str, int] = {}  # id -> index of its first row
        self.signatures: dict[int, tuple] = {}
        self.synthetic_counts: dict[tuple, int] = {}

    def problem(self, day: date | None, r: int, c: int, value: object, message: str) -> None:
        p = self.parsed
        a1 = cell_a1(r, c)
        p.problems.append((day, Problem(p.office, p.title, a1, "" if value is None else str(value), message,
                                        cell_url(self.spreadsheet_id, p.sheet_id, a1))))

    def cell(self, row: list, key: str) -> str | None:
        i = self.pos.get(key)
        if i is None or i >= len(row):
            return None
        v = row[i]
        return v if isinstance(v, str) else ("" if v is None else str(v))

    def header_usable(self, header_cells: list, data: list) -> bool:
        """False (and the problem reported) when no row can be read: an empty
        header, or one without the date or the activity code."""
        if not any(strip_cell(c) for c in header_cells):
            if any(strip_cell(c) for row in data for c in row):
                self.problem(None, 0, 0, "", MSG_HEADER_MISSING)
            self.parsed.header = None
            return False
        for key in ("day", "activity"):
            if key not in self.pos:
                column = dict(COLUMNS)[key]
                first = strip_cell(header_cells[0]) if header_cells else ""
                self.problem(None, 0, 0, first, MSG_NO_HEADER.format(column=column))
                return False
        missing = [k for k in COUNT_KEYS if k not in self.pos]
        if missing and any(strip_cell(c) for row in data for c in row):
            # a cleared „Nr. lucrări”: its figures would leave every report without a word
            places = self.parsed.header.cleared()
            for key in missing:
                c = places.get(key, 0)
                below = [strip_cell(row[c]) for row in data if c < len(row) and strip_cell(row[c])]
                if c != KEYS.index(key) and not (below and all(parse_count(v)[1] is None for v in below)):
                    c = 0  # a person's own unnamed column: no guess, the header's first cell
                value = header_cells[c] if c < len(header_cells) else ""
                self.problem(None, 0, c, value, MSG_NO_COUNT_HEADER.format(column=dict(COLUMNS)[key]))
        return True

    def read_row(self, index: int, cells: list) -> None:
        ours = [self.cell(cells, k) for k in KEYS]
        if not any(strip_cell(v) for v in ours):
            return  # an empty row, or only a supervisor's own columns
        signature = tuple("" if v is None else v for v in ours)
        cell_id = strip_cell(self.cell(cells, "row_id"))
        if cell_id and cell_id in self.seen and self.signatures.get(self.seen[cell_id]) == signature:
            # an exact copy (e.g. a write that landed twice): read once
            self.parsed.rows.append(SheetRow(index, cell_id, None, duplicate_of=self.seen[cell_id]))
            return
        day, activity = self._day_and_activity(index, cells)
        if day is None or not activity:
            self._skip(index, cell_id, signature)
            return
        counts, bad = self._counts(index, cells, day)
        part = strip_cell(self.cell(cells, "part"))
        clerk = strip_cell(self.cell(cells, "clerk"))
        row_id = self._row_id(cell_id, day, activity, part, clerk)
        self.seen.setdefault(row_id, index)
        self.signatures[index] = signature
        row = Row(
            office=self.parsed.office, day=day, activity=activity, clerk=clerk, part=part,
            note=self.cell(cells, "note") or "", entered_at=strip_cell(self.cell(cells, "entered_at")),
            changed_by=strip_cell(self.cell(cells, "changed_by")),
            changed_at=strip_cell(self.cell(cells, "changed_at")),
            row_id=row_id, **counts,
        )
        self.parsed.rows.append(SheetRow(index, row_id, row, has_problem=bad))

    def _day_and_activity(self, index: int, cells: list) -> tuple[date | None, str]:
        """The row's date and activity code; a problem reported when either is missing."""
        raw_day = self.cell(cells, "day")
        day, error = _safely(parse_day, raw_day, self.month_first)
        activity = strip_cell(self.cell(cells, "activity"))
        if day is None:
            self.problem(None, index, self.pos["day"], raw_day, error or MSG_NO_DATE)
        elif not activity:
            self.problem(day, index, self.pos["activity"], "", MSG_NO_ACTIVITY)
        return day, activity

    def _skip(self, index: int, cell_id: str, signature: tuple) -> None:
        """A row that cannot be read: kept (by its ID, if first) so a write finds it."""
        if cell_id and cell_id not in self.seen:
            self.seen[cell_id] = index
            self.signatures[index] = signature
        row_id = cell_id if cell_id and self.seen[cell_id] == index else ""
        self.parsed.rows.append(SheetRow(index, row_id, None, has_problem=True))

    def _counts(self, index: int, cells: list, day: date) -> tuple[dict, bool]:
        """The count cells read (None when blank or unreadable), and whether one was unreadable."""
        counts, bad = {}, False
        for key in COUNT_KEYS:
            raw = self.cell(cells, key)
            number, error = _safely(parse_count, raw)
            if error:
                self.problem(day, index, self.pos[key], raw, error)
                bad = True
            counts[key] = number
        return counts, bad

    def _row_id(self, cell_id: str, day: date, activity: str, part: str, clerk: str) -> str:
        if cell_id and cell_id not in self.seen:
            return cell_id
        # typed by hand without an ID, or a changed copy of another row
        base = (day, activity, part, clerk.lower())
        n = self.synthetic_counts.get(base, 0)
        self.synthetic_counts[base] = n + 1
        return synthetic_id(self.parsed.office, day, activity, part, clerk, n)


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


#: data rows are written with this format: rows Google inserts take the format of
#: the row above (the bold header would make every data row bold)
DATA_FORMAT = {"textFormat": {"bold": False}}
DATA_FIELDS = "userEnteredValue,userEnteredFormat.textFormat.bold"


def data_cell(value: object) -> dict:
    """A cell of a data row for appendCells (``DATA_FIELDS``): its value, not bold."""
    return {**extended_value(value), "userEnteredFormat": DATA_FORMAT}


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

"""A1 notation parsing and formatting, the way the Sheets v4 API reads it.

Indexes are zero-based and end-exclusive (like a GridRange).  An open end
(``A:A`` has no row end, ``1:1`` has no column end, ``A2:C`` has no row end)
is ``None`` and is later clipped to the sheet's grid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Tuple

# Google Sheets allows at most 18,278 columns (A..ZZZ).
MAX_COLUMNS = 18278

_PART_RE = re.compile(r"^\$?([A-Za-z]{1,3})?\$?([0-9]+)?$")
_BARE_TITLE_RE = re.compile(r"^[^\W\d]\w*$")
_CELL_LIKE_RE = re.compile(r"^[A-Za-z]{1,3}[0-9]+$")
_R1C1_LIKE_RE = re.compile(r"^[Rr][0-9]*[Cc][0-9]*$")


class A1Error(ValueError):
    """The text is not a range the Sheets API could parse."""


def col_letters(index: int) -> str:
    """Zero-based column index -> letters (0 -> "A", 26 -> "AA")."""
    if index < 0:
        raise ValueError("column index must be >= 0")
    n = index + 1
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


def col_index(letters: str) -> int:
    """Column letters -> zero-based index ("A" -> 0, "aa" -> 26)."""
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError("not column letters: %r" % (letters,))
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


def quote_title(title: str) -> str:
    """Sheet title as Google writes it in a range: quoted only when needed."""
    if (
        _BARE_TITLE_RE.match(title)
        and not _CELL_LIKE_RE.match(title)
        and not _R1C1_LIKE_RE.match(title)
        and title.lower() not in ("true", "false")
    ):
        return title
    return "'" + title.replace("'", "''") + "'"


def always_quoted(title: str) -> str:
    """Sheet title always quoted (as in Google's 'exceeds grid limits' message)."""
    return "'" + title.replace("'", "''") + "'"


def cell_a1(row: int, col: int) -> str:
    """Zero-based (row, col) -> "A1"."""
    return "%s%d" % (col_letters(col), row + 1)


def format_cells(r0: int, r1: int, c0: int, c1: int) -> str:
    """Concrete zero-based, end-exclusive box -> "A1" or "A1:B2"."""
    if r1 - r0 == 1 and c1 - c0 == 1:
        return cell_a1(r0, c0)
    return "%s:%s" % (cell_a1(r0, c0), cell_a1(r1 - 1, c1 - 1))


def format_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """Like Google's normalised response ranges: ``Sheet1!A1:Z1000``."""
    return "%s!%s" % (quote_title(title), format_cells(r0, r1, c0, c1))


@dataclass(frozen=True)
class CellBox:
    """Zero-based, end-exclusive bounds; ``None`` ends are open."""

    r0: int = 0
    r1: Optional[int] = None
    c0: int = 0
    c1: Optional[int] = None

    @property
    def is_single_cell(self) -> bool:
        return self.r1 == self.r0 + 1 and self.c1 == self.c0 + 1

    def clip(self, rows: int, cols: int) -> Tuple[int, int, int, int]:
        """Concrete box clipped to a rows x cols grid."""
        r1 = rows if self.r1 is None else min(self.r1, rows)
        c1 = cols if self.c1 is None else min(self.c1, cols)
        return self.r0, r1, self.c0, c1


WHOLE_SHEET = CellBox()


@dataclass(frozen=True)
class A1Range:
    """A parsed range: an optional sheet title and cell bounds.

    ``cells`` is None when the text had no cell part (bare or quoted title,
    meaning the whole sheet) or when the text had no ``!`` and could be
    either a sheet title or a cell range (``ambiguous``); the caller resolves
    that against the spreadsheet's titles.
    """

    text: str
    sheet: Optional[str]
    cells: Optional[CellBox]
    ambiguous_cells: Optional[CellBox] = None
    cell_text: Optional[str] = None


def _parse_part(part: str) -> Tuple[Optional[int], Optional[int]]:
    m = _PART_RE.match(part)
    if not m or (m.group(1) is None and m.group(2) is None):
        raise A1Error(part)
    col = col_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise A1Error(part)
    if col is not None and col >= MAX_COLUMNS:
        raise A1Error(part)
    return row, col


def parse_cells(text: str) -> CellBox:
    """Parse the cell part: A1, A1:B2, A:A, 1:1, A2:C, A:B5, A5:5 ($ allowed)."""
    text = text.strip()
    parts = text.split(":")
    if len(parts) == 1:
        row, col = _parse_part(parts[0])
        if row is None or col is None:
            raise A1Error(text)
        return CellBox(row, row + 1, col, col + 1)
    if len(parts) != 2:
        raise A1Error(text)
    (ra, ca), (rb, cb) = _parse_part(parts[0]), _parse_part(parts[1])
    if ca is None and cb is not None and ra is not None:
        raise A1Error(text)  # "5:A10"
    if ca is not None and cb is None and rb is None:
        raise A1Error(text)
    # Columns
    if ca is None and cb is None:
        c0, c1 = 0, None
    elif cb is None:
        c0, c1 = ca, None  # "A5:5"
    else:
        lo, hi = sorted((ca, cb)) if ca is not None else (cb, cb)
        c0, c1 = lo, hi + 1
    # Rows
    if ra is None and rb is None:
        r0, r1 = 0, None
    elif rb is None:
        r0, r1 = ra, None  # "A2:C"
    elif ra is None:
        r0, r1 = 0, rb + 1  # "A:B5"
    else:
        lo, hi = sorted((ra, rb))
        r0, r1 = lo, hi + 1
    return CellBox(r0, r1, c0, c1)


def _split_quoted(text: str) -> Tuple[str, Optional[str]]:
    out = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if i + 1 < len(text) and text[i + 1] == "'":
                out.append("'")
                i += 2
                continue
            rest = text[i + 1 :]
            title = "".join(out)
            if not title:
                raise A1Error(text)
            if rest == "":
                return title, None
            if rest.startswith("!"):
                return title, rest[1:]
            raise A1Error(text)
        out.append(ch)
        i += 1
    raise A1Error(text)  # unterminated quote


def parse_range(text: str) -> A1Range:
    """Parse a (percent-decoded) range string as the API receives it."""
    if text is None or text.strip() == "":
        raise A1Error(text or "")
    if text.startswith("'"):
        title, rest = _split_quoted(text)
        if rest is None:
            return A1Range(text, title, None)
        return A1Range(text, title, parse_cells(rest), cell_text=rest)
    if "!" in text:
        title, rest = text.split("!", 1)
        if not title:
            raise A1Error(text)
        return A1Range(text, title, parse_cells(rest), cell_text=rest)
    # No "!": either a sheet title or a cell range on the first sheet.
    try:
        box: Optional[CellBox] = parse_cells(text)
    except A1Error:
        box = None
    return A1Range(text, text, None, ambiguous_cells=box, cell_text=text if box else None)

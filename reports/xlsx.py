"""The report as an XLSX workbook that looks like the office's document.

Sheet "Raport": the document's tables, one office under the other.
Sheet "Date": the period's raw entry rows, one per line, for filtering.

Memory: the workbook is written in XlsxWriter's ``constant_memory`` mode,
which keeps one row in memory at a time and spools each sheet's cells to a
temporary file (the finished file is returned as bytes). Measured for a year
of 100 offices (400k raw rows): ~20 s, a 14 MB file, and a few tens of MiB
on top of the rows themselves, where ``in_memory`` mode needs ~750 MiB (it
holds every cell object until ``close``). A week of two offices: ~0.1 s.
The price: every sheet must be written strictly row by row, and
``merge_range`` only works within the current row, so the vertical merges of
the work-type cells are registered after their rows are written (see
``_merge_down``).
"""
from __future__ import annotations

import io
import itertools
import textwrap
from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from forms.catalog import COUNTERS, Catalog
from domain.rows import Row

from .model import HEADERS, Report
from domain.periods import to_local

RAPORT_SHEET = "Raport"
DATE_SHEET = "Date"
JURNAL_SHEET = "Jurnal"
JURNAL_HEADERS = ("Serviciul", "Când", "Cine", "Ce", "Ziua", "Funcționar", "Activitatea", "Rubrica", "Înainte",
                  "După", "Motiv / celula")
JURNAL_KEYS = ("at", "by", "what", "day", "clerk", "activity", "counter", "old", "new")
JURNAL_WIDTHS = (26, 24, 14, 22, 11, 14, 40, 22, 10, 10, 30)
RAPORT_WIDTHS = (28, 70, 14, 16)
DATE_HEADERS = (
    "Data",
    "Serviciu",
    "Lucrări specifice",
    "Activitate",
    "Detaliu",
    "Funcționar",
    *COUNTERS.values(),
    "Observații",
    "Introdus la",
    "Modificat de",
    "Modificat la",
)
DATE_WIDTHS = (11, 30, 30, 40, 20, 22, 12, 14, 30, 16, 18, 16)
MAX_XLSX_ROWS = 1_048_576
# Row heights. Spreadsheet programs do not reliably fit a row to wrapped text
# (LibreOffice keeps the default height when converting, and nobody fits a
# merged cell), so every wrapped row gets an explicit height from an estimate
# of its line count. Column widths are counted in digit widths of the default
# font, and a digit is wider than an average letter, so a column of width w
# holds about 1.1-1.25 w characters of text (Calibri in Excel; DejaVu Sans in
# LibreOffice without Carlito); 1.12 errs on the side of a little white space.
_CHARS_PER_WIDTH = 1.12
_BOLD_CHARS_PER_WIDTH = 1.0
_LINE_HEIGHT = 15.0  # points per line of 11 pt text
_SMALL_LINE_HEIGHT = 13.5  # points per line of 10 pt text


def _merge_down(ws: Worksheet, first_row: int, col: int, last_row: int) -> None:
    """Register a vertical merge whose cells were already written (the first
    one with the value, the others as formatted blanks).

    In constant_memory mode XlsxWriter flushes a row once a later row is
    written, and ``merge_range`` refuses ranges that start on a flushed row;
    the merge itself is only a list of ranges emitted with the sheet, so the
    range is appended to that list. tests/test_xlsx.py checks the resulting
    merged ranges, which would catch a change of this XlsxWriter internal."""
    ws.merge.append([first_row, col, last_row, col])


def _merge_across(ws: Worksheet, row: int, last_col: int, text: str, fmt) -> None:
    """``text`` as a string (never a formula or number) in one cell merged
    across columns 0..``last_col`` of ``row``."""
    ws.merge_range(row, 0, row, last_col, "", fmt)
    ws.write_string(row, 0, text, fmt)


def _line_count(text: str, width: float, per_width: float = _CHARS_PER_WIDTH) -> int:
    """Estimated lines of ``text`` wrapped in a column ``width`` wide."""
    chars = max(1, int(width * per_width))
    return sum(
        max(1, len(textwrap.wrap(part, chars, break_long_words=True, break_on_hyphens=False)))
        for part in text.split("\n")
    )


def _set_height(ws: Worksheet, row: int, lines: int, line_height: float = _LINE_HEIGHT) -> None:
    """An explicit height for a row of several lines (one line keeps the default)."""
    if lines > 1:
        ws.set_row(row, round(lines * line_height + 3, 1))


def _line_heights(group, widths=RAPORT_WIDTHS) -> list[int]:
    """Lines of each table row of a work-type group; the last row grows when
    the (merged) work-type title needs more lines than the rows give it."""
    heights = [
        max(_line_count(line.text, widths[1]),
            *(_line_count(c.text, w) for c, w in zip(line.cells, widths[2:])))
        for line in group.lines
    ]
    title_lines = _line_count(group.title, widths[0], _BOLD_CHARS_PER_WIDTH)
    if title_lines > sum(heights):
        heights[-1] += title_lines - sum(heights)
    return heights


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        add = wb.add_format
        cell = {"border": 1, "valign": "top", "text_wrap": True}
        self.institution = add({"bold": True, "font_size": 11})
        self.title = add({"bold": True, "font_size": 14})
        self.as_of = add({"italic": True, "font_size": 10})
        self.notice = add({"font_size": 10, "font_color": "#9C0006", "text_wrap": True, "valign": "top"})
        self.office = add({"bold": True, "font_size": 12, "align": "center", "valign": "vcenter"})
        self.header = add(
            {**cell, "bold": True, "bg_color": "#D9D9D9", "align": "center", "valign": "vcenter"}
        )
        self.group = add({**cell, "bold": True})
        self.text = add(cell)
        self.number = add({**cell, "align": "right", "num_format": "0"})
        self.word = add({**cell, "align": "left"})
        self.blank = add(cell)
        self.completeness = add({"italic": True, "font_size": 10, "text_wrap": True, "valign": "top"})
        # sheet "Date"
        self.d_header = add({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "top"})
        self.d_date = add({"num_format": "dd.mm.yyyy"})
        self.d_datetime = add({"num_format": "dd.mm.yyyy hh:mm"})


def _write_raport(ws: Worksheet, f: _Formats, report: Report, extra_notices: tuple[str, ...] = ()) -> None:
    for col, width in enumerate(RAPORT_WIDTHS):
        ws.set_column(col, col, width)
    last_col = len(RAPORT_WIDTHS) - 1
    r = 0
    ws.write_string(r, 0, report.institution, f.institution)
    r += 1
    _merge_across(ws, r, last_col, report.title, f.title)
    ws.set_row(r, 21)
    r += 1
    if report.as_of_text:
        ws.write_string(r, 0, report.as_of_text, f.as_of)
        r += 1
    for notice in (*report.notices, *extra_notices):
        _merge_across(ws, r, last_col, notice, f.notice)
        _set_height(ws, r, _line_count(notice, sum(RAPORT_WIDTHS)), _SMALL_LINE_HEIGHT)
        r += 1
    r += 1  # blank row before the first office

    first_header_row = None
    for office in report.offices:
        _merge_across(ws, r, last_col, office.title, f.office)
        ws.set_row(r, 20)
        r += 1
        for col, title in enumerate(HEADERS):
            ws.write_string(r, col, title, f.header)
        _set_height(ws, r, max(_line_count(t, w, _BOLD_CHARS_PER_WIDTH) for t, w in zip(HEADERS, RAPORT_WIDTHS)))
        if first_header_row is None:
            first_header_row = r
        r += 1
        for group in office.groups:
            first = r
            for i, (line, lines) in enumerate(zip(group.lines, _line_heights(group))):
                _set_height(ws, r, lines)
                if i == 0:
                    ws.write_string(r, 0, group.title, f.group)
                else:
                    ws.write_blank(r, 0, None, f.group)
                ws.write_string(r, 1, line.text, f.text)
                for col, cell in enumerate(line.cells, start=2):
                    if cell.is_number:
                        ws.write_number(r, col, cell.value, f.number)
                    elif cell.text:
                        ws.write_string(r, col, cell.text, f.word)
                    else:
                        ws.write_blank(r, col, None, f.blank)
                r += 1
            if group.span > 1:
                _merge_down(ws, first, 0, r - 1)
        text = " ".join(x for x in (f"Starea săptămânii: {office.status}." if office.status else "",
                                     report.as_of_text + "." if report.as_of_text else "",
                                     office.completeness.summary) if x)
        if office.orphans:
            text += (
                f" Înregistrări care nu apar în tabel (activități scoase din catalog): {office.orphans}."
            )
        _merge_across(ws, r, last_col, text, f.completeness)
        _set_height(ws, r, _line_count(text, sum(RAPORT_WIDTHS)), _SMALL_LINE_HEIGHT)
        r += 2  # a blank row between offices

    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.center_horizontally()
    if first_header_row is not None:
        ws.repeat_rows(first_header_row)
    title = report.title.replace("&", "&&")
    ws.set_footer(f"&L&8{title}&R&8Pagina &P din &N")


def _local_timestamp(value: str) -> datetime | None:
    if not value:
        return None
    try:  # typed by hand in the sheet, it may be anything: then it stays text
        return to_local(datetime.fromisoformat(value)).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None


def _text(ws: Worksheet, row: int, col: int, value: str) -> None:
    """User text, always as a string cell (never a formula, number or link);
    nothing for an empty value."""
    if value:
        ws.write_string(row, col, value)


def _write_date(
    ws: Worksheet, f: _Formats, report: Report, rows: Iterable[Row], catalog: Catalog
) -> tuple[int, int]:
    """Writes the raw rows; returns (rows written, rows of the report)."""
    for col, width in enumerate(DATE_WIDTHS):
        ws.set_column(col, col, width)
    for col, title in enumerate(DATE_HEADERS):
        ws.write_string(0, col, title, f.d_header)

    period = report.period
    shown = {o.slug for o in report.offices}
    offices = {o.slug: (i, o) for i, o in enumerate(catalog.offices) if o.slug in shown}
    # (office, activity id) -> (position, work type title, activity label, {part key: (pos, label)})
    acts: dict[tuple[str, str], tuple[int, str, str, dict[str, tuple[int, str]]]] = {}
    for slug, (_, office) in offices.items():
        pos = 0
        for wt in office.work_types:
            for a in wt.activities:
                acts[(slug, a.id)] = (pos, wt.title, a.label, {p.key: (k, p.label) for k, p in enumerate(a.parts)})
                pos += 1
    unknown = (10**9, "", "", {})

    def key(row: Row):
        pos, _, _, parts = acts.get((row.office, row.activity), unknown)
        return (offices[row.office][0], pos, row.activity, parts.get(row.part, (10**9,))[0],
                row.part, row.clerk.casefold(), row.clerk)

    # Bucket by day, then sort each day: the sort keys of one day at a time
    # instead of a key tuple per row of a whole year.
    by_day: dict[date, list[Row]] = {}
    for row in rows:
        if row.office in offices and period.start <= row.day <= period.end:
            by_day.setdefault(row.day, []).append(row)
    total = sum(len(day_rows) for day_rows in by_day.values())

    def ordered():
        for day in sorted(by_day):
            yield from sorted(by_day.pop(day), key=key)

    selected = itertools.islice(ordered(), MAX_XLSX_ROWS - 1)
    counters = tuple(COUNTERS)
    r = 0
    for row in selected:
        r += 1
        _, wt_title, label, parts = acts.get((row.office, row.activity), unknown)
        ws.write_datetime(r, 0, row.day, f.d_date)
        _text(ws, r, 1, offices[row.office][1].title)
        _text(ws, r, 2, wt_title)
        _text(ws, r, 3, label or row.activity)
        _text(ws, r, 4, parts[row.part][1] if row.part in parts else row.part)
        _text(ws, r, 5, row.clerk)
        for col, counter in enumerate(counters, start=6):
            value = getattr(row, counter)
            if value is not None:
                ws.write_number(r, col, value)
        col = 6 + len(counters)
        _text(ws, r, col, row.note)
        for offset, raw in ((1, row.entered_at), (3, row.changed_at)):
            stamp = _local_timestamp(raw)
            if stamp is not None:
                ws.write_datetime(r, col + offset, stamp, f.d_datetime)
            else:
                _text(ws, r, col + offset, raw)
        _text(ws, r, col + 2, row.changed_by)

    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(DATE_HEADERS) - 1)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    return r, total


def _write_jurnal(ws: Worksheet, f: _Formats, journal) -> None:
    """One line per change of the week, per office, newest first."""
    for col, width in enumerate(JURNAL_WIDTHS):
        ws.set_column(col, col, width)
    for col, title in enumerate(JURNAL_HEADERS):
        ws.write_string(0, col, title, f.d_header)
    r = 1
    for title, lines in journal:
        for line in lines:
            values = (title, *(line[k] for k in JURNAL_KEYS),
                      line["reason"] or (f"celula {line['cell']}" if line["cell"] else ""))
            for col, value in enumerate(values):
                ws.write_string(r, col, str(value or ""))
            r += 1
    ws.freeze_panes(1, 0)


def build_xlsx(report: Report, rows: Iterable[Row], catalog: Catalog,
               journal: Sequence[tuple[str, Sequence[Mapping[str, str]]]] = ()) -> bytes:
    """The XLSX file of ``report``; ``rows`` are the entry rows it was built
    from (rows outside the period or of offices not in the report are left
    out of the "Date" sheet). ``journal``: (office title, audit trail lines,
    newest first) for a „Jurnal” sheet, as the audit page shows them. Every
    user-typed text is written as a string (never a formula, number or link)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        wb.set_properties({"title": report.title, "company": report.institution})
        f = _Formats(wb)
        raport, data = wb.add_worksheet(RAPORT_SHEET), wb.add_worksheet(DATE_SHEET)
        # Each sheet spools to its own file, so "Date" can be written first:
        # the "Raport" sheet then says if the rows did not fit.
        written, total = _write_date(data, f, report, rows, catalog)
        extra = ()
        if written < total:
            extra = (
                f"Foaia „{DATE_SHEET}” cuprinde doar primele {written} din {total} de înregistrări "
                "(limita unei foi Excel); restrângeți perioada pentru toate datele.",
            )
        _write_raport(raport, f, report, extra)
        if journal:
            _write_jurnal(wb.add_worksheet(JURNAL_SHEET), f, journal)
    finally:
        wb.close()
    return buf.getvalue()

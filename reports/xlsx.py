"""The report as an XLSX workbook ready to print, sign and send.

Sheet "Raport": the page's title, then per office the document's table, its
week status, „Situația la <data, ora>”, who is missing, and a signature
block (Întocmit / Verificat / Aprobat: name, date, signature). Printed A4
landscape, one page wide; each office starts on a new page and page breaks
are set between work-type groups, never inside one. With ``&compare=1``
every counter has the previous period's figure and the change beside it.
Sheet "Tendințe" (periods of four weeks or more): per office its weekly
totals and a native Excel line chart of them. Sheet "Jurnal" (a week): the
audit trail.

The raw entry rows are not in this workbook: they are their own download,
streamed as CSV (reports/rows_csv.py), so the report of a year for a
hundred offices is written in well under a second (bench/RESULTS.md).
Written in XlsxWriter's ``constant_memory`` mode (one row in memory at a
time): every sheet is written strictly row by row, and the vertical merges
of the work-type cells are registered after their rows (``_merge_down``).
"""
from __future__ import annotations

import io
from datetime import datetime
import textwrap
from functools import lru_cache
from typing import Mapping, Sequence

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from .model import Report

RAPORT_SHEET = "Raport"
TRENDS_SHEET = "Tendințe"
JURNAL_SHEET = "Jurnal"
JURNAL_HEADERS = ("Serviciul", "Când", "Cine", "Ce", "Ziua", "Funcționar", "Activitatea", "Rubrica", "Înainte",
                  "După", "Motiv / celula")
JURNAL_KEYS = ("at", "by", "what", "day", "clerk", "activity", "counter", "old", "new")
JURNAL_WIDTHS = (26, 24, 14, 22, 11, 14, 40, 22, 10, 10, 30)
RAPORT_WIDTHS = (28, 70, 14, 16)
#: With a comparison: per counter its figure, the previous one and the change.
COMPARE_WIDTHS = (24, 52, 11, 13, 10, 13, 14, 10)
TRENDS_WIDTHS = (34, 14, 16)
#: The weeks are named by their Monday, as on the trends page.
TRENDS_WEEK = "Săptămâna (de la)"  # its first day in the period
SIGNATURES = ("Întocmit", "Verificat", "Aprobat")
SIGNATURE_LINES = ("Nume: ", "Data: ", "Semnătura: ")
BLANK_LINE = "_" * 22
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
_DEFAULT_HEIGHT = 15.0
# A4 landscape (842 x 595 pt) less the margins set below; a little is kept
# for the footer and for rows a program draws taller than estimated.
_PAGE_WIDTH = 842 - 2 * 36
_PAGE_HEIGHT = 595 - 43 - 50 - 40


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


@lru_cache(maxsize=8192)
def _line_count(text: str, width: float, per_width: float = _CHARS_PER_WIDTH) -> int:
    """Estimated lines of ``text`` wrapped in a column ``width`` wide. Kept
    per text: an office's labels are the same in every download."""
    chars = max(1, int(width * per_width))
    return sum(
        # a part that fits (most count cells) is one line, without textwrap
        1 if len(part) <= chars and "\t" not in part else
        max(1, len(textwrap.wrap(part, chars, break_long_words=True, break_on_hyphens=False)))
        for part in text.split("\n")
    )


def _height(lines: int, line_height: float = _LINE_HEIGHT) -> float:
    return round(lines * line_height + 3, 1) if lines > 1 else _DEFAULT_HEIGHT


def _set_height(ws: Worksheet, row: int, lines: int, line_height: float = _LINE_HEIGHT) -> float:
    """An explicit height for a row of several lines (one line keeps the
    default); returns the row's height in points."""
    if lines > 1:
        ws.set_row(row, _height(lines, line_height))
    return _height(lines, line_height)


def _line_heights(group, widths=RAPORT_WIDTHS) -> list[int]:
    """Lines of each table row of a work-type group; the last row grows when
    the (merged) work-type title needs more lines than the rows give it."""
    heights = [
        max(_line_count(line.text, widths[1]),
            *(_line_count(c.text, w) for c, w in zip(line.columns, widths[2:])))
        for line in group.lines
    ]
    title_lines = _line_count(group.title, widths[0], _BOLD_CHARS_PER_WIDTH)
    if title_lines > sum(heights):
        heights[-1] += title_lines - sum(heights)
    return heights


def _scale(widths: Sequence[float]) -> float:
    """The print scale "one page wide" gives: column widths in points (a
    width of w digits is 7w + 5 pixels of 0.75 pt) against the page's."""
    points = sum(w * 7 + 5 for w in widths) * 0.75
    return min(1.0, _PAGE_WIDTH / points)


def page_breaks(blocks: Sequence[tuple[int, float, bool]], first_page_used: float, repeated: float,
                page_height: float) -> list[int]:
    """Rows (0-based) to break the page above. ``blocks``: (first row,
    height in points, starts a new page) of rows that must stay together (a
    work-type group, an office's title with its header and first group, the
    status lines with the signature block), in order; ``repeated``: the
    height of the header row printed on top of every page after the first."""
    breaks, used = [], first_page_used
    for first, height, new_page in blocks:
        if new_page or (used > repeated and used + height > page_height):
            breaks.append(first)
            used = repeated
        used += height
    return breaks


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        add = wb.add_format
        cell = {"border": 1, "valign": "top", "text_wrap": True}
        self.institution = add({"bold": True, "font_size": 11})
        self.title = add({"bold": True, "font_size": 14, "text_wrap": True, "valign": "top"})
        self.subtitle = add({"italic": True, "font_size": 10, "text_wrap": True, "valign": "top"})
        self.notice = add({"font_size": 10, "font_color": "#9C0006", "text_wrap": True, "valign": "top"})
        self.office = add({"bold": True, "font_size": 12, "align": "center", "valign": "vcenter"})
        self.header = add(
            {**cell, "bold": True, "bg_color": "#D9D9D9", "align": "center", "valign": "vcenter"}
        )
        self.group = add({**cell, "bold": True})
        self.text = add(cell)
        self.number = add({**cell, "align": "right", "num_format": "0"})
        self.change = add({**cell, "align": "right", "num_format": "+0;-0;0"})
        self.word = add({**cell, "align": "left"})
        self.blank = add(cell)
        self.status = add({"bold": True, "font_size": 10, "text_wrap": True, "valign": "top"})
        self.completeness = add({"italic": True, "font_size": 10, "text_wrap": True, "valign": "top"})
        self.sign_title = add({"bold": True, "font_size": 11})
        self.sign_line = add({"font_size": 10})
        self.d_header = add({"bold": True, "bg_color": "#D9D9D9", "border": 1, "text_wrap": True, "valign": "top"})
        self.t_number = add({"border": 1, "num_format": "0"})
        self.t_date = add({"border": 1, "num_format": "dd.mm.yyyy", "align": "left"})


def _write_raport(ws: Worksheet, f: _Formats, report: Report) -> None:
    widths = COMPARE_WIDTHS if report.previous is not None else RAPORT_WIDTHS
    headers = report.column_titles
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    last_col = len(widths) - 1
    r = 0
    ws.write_string(r, 0, report.institution, f.institution)
    r += 1
    _merge_across(ws, r, last_col, report.heading, f.title)
    ws.set_row(r, 21)
    top = _DEFAULT_HEIGHT + 21
    r += 1
    lines = []
    if report.previous is not None:
        lines.append((f"Comparat cu perioada anterioară: {report.previous_title}.", f.subtitle))
    lines += [(notice, f.notice) for notice in report.notices]
    for text, fmt in lines:
        _merge_across(ws, r, last_col, text, fmt)
        top += _set_height(ws, r, _line_count(text, sum(widths)), _SMALL_LINE_HEIGHT)
        r += 1
    r += 1  # blank row before the first office
    top += _DEFAULT_HEIGHT

    header_height = _height(max(_line_count(t, w, _BOLD_CHARS_PER_WIDTH) for t, w in zip(headers, widths)))
    blocks: list[tuple[int, float, bool]] = []
    first_header_row = None
    for n, office in enumerate(report.offices):
        start, height = r, 20.0
        _merge_across(ws, r, last_col, office.title, f.office)
        ws.set_row(r, 20)
        r += 1
        for col, title in enumerate(headers):
            ws.write_string(r, col, title, f.header)
        height += _set_height(ws, r, max(_line_count(t, w, _BOLD_CHARS_PER_WIDTH) for t, w in zip(headers, widths)))
        if first_header_row is None:
            first_header_row = r
        r += 1
        for g, group in enumerate(office.groups):
            first = r
            group_height = 0.0
            for i, (line, lines_) in enumerate(zip(group.lines, _line_heights(group, widths))):
                group_height += _set_height(ws, r, lines_)
                if i == 0:
                    ws.write_string(r, 0, group.title, f.group)
                else:
                    ws.write_blank(r, 0, None, f.group)
                ws.write_string(r, 1, line.text, f.text)
                for col, cell in enumerate(line.columns, start=2):
                    if cell.is_number:
                        change = report.previous is not None and col % 3 == 1  # 2 + (figure, previous, change)
                        ws.write_number(r, col, cell.value, f.change if change else f.number)
                    elif cell.text:
                        ws.write_string(r, col, cell.text, f.word)
                    else:
                        ws.write_blank(r, col, None, f.blank)
                r += 1
            if group.span > 1:
                _merge_down(ws, first, 0, r - 1)
            if g == 0:  # the office's title and header stay with its first group
                blocks.append((start, height + group_height, n > 0))
            else:
                blocks.append((first, group_height, False))
        # Status, situation, who is missing, then the signature block: one block.
        foot, foot_height = r, 0.0
        status = f"Starea săptămânii: {office.status}." if office.status else ""
        if status and report.period.kind != "week":
            status = f"{office.status}."
        situation = f"{report.situation_text}." if report.situation_text else ""
        for text, fmt in ((" ".join(x for x in (status, situation) if x), f.status),
                          (office.completeness.summary + (
                              f" Înregistrări care nu apar în tabel (activități scoase din catalog): "
                              f"{office.orphans}." if office.orphans else ""), f.completeness)):
            if not text:
                continue
            _merge_across(ws, r, last_col, text, fmt)
            foot_height += _set_height(ws, r, _line_count(text, sum(widths)), _SMALL_LINE_HEIGHT)
            r += 1
        r += 1
        foot_height += _DEFAULT_HEIGHT
        foot_height += _write_signatures(ws, f, r, widths)
        r += 1 + len(SIGNATURE_LINES)
        blocks.append((foot, foot_height, False))
        r += 1  # a blank row between offices

    ws.print_area(0, 0, max(r - 2, 0), last_col)
    ws.hide_gridlines(2)
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.center_horizontally()
    if first_header_row is not None:
        ws.repeat_rows(first_header_row)
    scale = _scale(widths)
    ws.set_h_pagebreaks(page_breaks(blocks, top, header_height, _PAGE_HEIGHT / scale))
    title = report.heading.replace("&", "&&")
    ws.set_footer(f"&L&8{title}&R&8Pagina &P din &N")


def _signature_columns(widths: Sequence[float]) -> list[tuple[int, int]]:
    """Three column spans side by side for Întocmit / Verificat / Aprobat."""
    if len(widths) == 4:
        return [(0, 0), (1, 1), (2, 3)]
    return [(0, 0), (1, 1), (2, len(widths) - 1)]


def _write_signatures(ws: Worksheet, f: _Formats, r: int, widths: Sequence[float]) -> float:
    """„Întocmit”, „Verificat”, „Aprobat”, each with name, date and
    signature lines to fill in by hand; returns the block's height."""
    spans = _signature_columns(widths)
    for (first, last), title in zip(spans, SIGNATURES):
        if last > first:
            ws.merge_range(r, first, r, last, "", f.sign_title)
        ws.write_string(r, first, title, f.sign_title)
    for k, label in enumerate(SIGNATURE_LINES, start=1):
        ws.set_row(r + k, 24)
        for first, last in spans:
            if last > first:
                ws.merge_range(r + k, first, r + k, last, "", f.sign_line)
            ws.write_string(r + k, first, label + BLANK_LINE, f.sign_line)
    return _DEFAULT_HEIGHT + 24 * len(SIGNATURE_LINES)


def _write_trends(ws: Worksheet, wb: xlsxwriter.Workbook, f: _Formats, trends) -> None:
    """Per office: its weekly totals (week, Nr. lucrări, Nr. documente
    produse) and a native line chart of them beside the table."""
    from forms.catalog import COUNTERS

    for col, width in enumerate(TRENDS_WIDTHS):
        ws.set_column(col, col, width)
    r = 0
    for office_title, weeks in trends:
        ws.write_string(r, 0, office_title, f.sign_title)
        head = r + 1
        ws.write_string(head, 0, TRENDS_WEEK, f.d_header)
        for col, title in enumerate(COUNTERS.values(), start=1):
            ws.write_string(head, col, title, f.d_header)
        _set_height(ws, head, max(_line_count(t, w, _BOLD_CHARS_PER_WIDTH)
                                  for t, w in zip((TRENDS_WEEK, *COUNTERS.values()), TRENDS_WIDTHS)))
        for i, (first, totals) in enumerate(weeks, start=head + 1):
            # a date, so that the chart's categories are the dates it reads
            ws.write_datetime(i, 0, datetime.combine(first, datetime.min.time()), f.t_date)
            for col, value in enumerate(totals, start=1):
                ws.write_number(i, col, value, f.t_number)
        last = head + len(weeks)
        chart = wb.add_chart({"type": "line"})
        for col, title in enumerate(COUNTERS.values(), start=1):
            chart.add_series({
                "name": title,
                "categories": [ws.name, head + 1, 0, last, 0],
                "values": [ws.name, head + 1, col, last, col],
                "marker": {"type": "circle", "size": 4},
            })
        chart.set_title({"name": f"{office_title}: totalul pe săptămâni", "name_font": {"size": 11}})
        chart.set_x_axis({"date_axis": True, "num_format": "dd.mm.yyyy", "num_font": {"rotation": -45}})
        chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 640, "height": max(300, 20 * (len(weeks) + 2))})
        ws.insert_chart(r, len(TRENDS_WIDTHS) + 1, chart)
        r = max(last + 2, r + max(300, 20 * (len(weeks) + 2)) // 20 + 2)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, max(r - 1, 0), len(TRENDS_WIDTHS) + 10)
    ws.set_footer(f"&L&8{TRENDS_SHEET}&R&8Pagina &P din &N")


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
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def build_xlsx(report: Report, journal: Sequence[tuple[str, Sequence[Mapping[str, str]]]] = (),
               trends: Sequence[tuple[str, Sequence[tuple[str, Sequence[int]]]]] = ()) -> bytes:
    """The XLSX file of ``report``. ``journal``: (office title, audit trail
    lines, newest first) for a „Jurnal” sheet, as the audit page shows them;
    ``trends``: (office title, [(week label, totals per counter)]) for a
    „Tendințe” sheet with a chart per office. Every user-typed text is
    written as a string (never a formula, number or link)."""
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
        wb.set_properties({"title": report.heading, "company": report.institution})
        f = _Formats(wb)
        _write_raport(wb.add_worksheet(RAPORT_SHEET), f, report)
        if trends:
            _write_trends(wb.add_worksheet(TRENDS_SHEET), wb, f, trends)
        if journal:
            _write_jurnal(wb.add_worksheet(JURNAL_SHEET), f, journal)
    finally:
        wb.close()
    return buf.getvalue()

"""The XLSX export, read back with openpyxl (and converted by LibreOffice)."""
import io
import re
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
import pytest

from forms.catalog import load_catalog
from reports.model import build_report
from domain.periods import Period
from tests.seed import seed_rows
from reports.xlsx import build_xlsx
from domain.rows import Row

ROOT = Path(__file__).parents[1]
CATALOG = load_catalog(ROOT / "forms")
WEEK = Period.iso_week(2026, 48)
FRIDAY = date(2026, 11, 27)
READ_AT = datetime(2026, 11, 27, 14, 42, tzinfo=timezone.utc)  # 16:42 in Bucharest


def seed():
    rows = seed_rows(CATALOG, WEEK.working_days)
    return build_report(CATALOG, rows, WEEK, today=FRIDAY, read_at=READ_AT), rows


def open_book(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def values(ws):
    return [[c.value for c in r] for r in ws.iter_rows(min_col=1, max_col=4)]


SIGNATURE = [
    ["Întocmit", "Verificat", "Aprobat", None],
    *([f"{label}______________________"] * 3 + [None] for label in ("Nume: ", "Data: ", "Semnătura: ")),
]


def expected_raport(report):
    """The "Raport" sheet's first four columns, row by row: the work-type
    title only on its first row (the others are part of the merge), numbers
    as ints, words and breakdowns as text, blanks as None; under each table
    the status and „Situația la”, who is missing, then the signature block."""
    out = [
        ["Primăria Sectorului 3", None, None, None],
        [f"Raport de activitate — {report.title}", None, None, None],
        *([[notice, None, None, None] for notice in report.notices]),
        [None] * 4,
    ]
    for office in report.offices:
        out.append([office.title, None, None, None])
        out.append(["Lucrări specifice", "Activități", "Nr. lucrări", "Nr. documente produse"])
        for group in office.groups:
            for i, line in enumerate(group.lines):
                counts = [c.value if c.is_number else (c.text or None) for c in line.cells]
                out.append([group.title if i == 0 else None, line.text, *counts])
        out.append(["Starea săptămânii: Deschisă. Situația la 27 noiembrie 2026, 16:42.", None, None, None])
        out.append([office.completeness.summary, None, None, None])
        out.append([None] * 4)
        out.extend(SIGNATURE)
        out.append([None] * 4)
    return out[:-1]  # openpyxl stops at the last written row


def test_raport_sheet_reproduces_the_document():
    report, rows = seed()
    wb = open_book(build_xlsx(report))
    assert wb.sheetnames == ["Raport"]  # the raw rows are their own download (CSV)
    ws = wb["Raport"]
    assert values(ws) == expected_raport(report)
    assert wb.properties.title == "Raport de activitate — Săptămâna 23–27 noiembrie 2026"
    # Spot checks against the document's figures.
    assert ws["C6"].value == 12 and ws["C6"].data_type == "n"
    assert ws["D8"].value == 12
    assert ws["C13"].value == "- 73 discuții telefonice\n- 1 scrisă"
    assert [ws["C20"].value, ws["D20"].value] == ["Zilnic", "Zilnic"]
    assert [ws["C39"].value, ws["D39"].value] == [3030, 1510]


def test_raport_sheet_merges_and_formats():
    report, rows = seed()
    ws = open_book(build_xlsx(report))["Raport"]
    # Presă: title row 4, header row 5, lines from row 6; Consiliere on its
    # own page after the status lines, a blank row and the signature block.
    assert sorted(str(r) for r in ws.merged_cells.ranges) == sorted([
        "A2:D2",  # title
        "A4:D4",  # SERVICIUL PRESĂ
        "A6:A12",  # Legea 544: 7 activities
        "A14:A17",  # Comunicate de presă
        "A18:A19",  # Conferință de presă
        "A21:A22",  # Fișe de post
        "A24:A25",  # Actualizare site
        "A29:D29", "A30:D30",  # status and situation; who is missing
        "C32:D32", "C33:D33", "C34:D34", "C35:D35",  # „Aprobat” spans the two count columns
        "A37:D37",  # SERVICIUL CONSILIERE ȘI ÎNDRUMARE
        "A39:A42",  # Biroul de relații cu publicul
        "A43:A46",  # 1. Poșta tradițională
        "A48:A49",  # 1. Petiții
        "A50:D50", "A51:D51",
        "C53:D53", "C54:D54", "C55:D55", "C56:D56",
    ])
    assert ws["A4"].value == "SERVICIUL PRESĂ" and ws["A4"].font.b
    assert ws["A37"].value == "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
    for cell in ws[5]:
        assert cell.font.b and cell.fill.fgColor.rgb == "FFD9D9D9"
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    for row in ws.iter_rows(min_row=6, max_row=28, max_col=4):
        for cell in row:
            if isinstance(cell, MergedCell):  # openpyxl keeps only the range's outer border
                assert cell.border.left.style == "thin", cell.coordinate
                continue
            assert cell.border.top.style == "thin", cell.coordinate
            assert cell.border.bottom.style == "thin", cell.coordinate
            assert cell.alignment.vertical == "top", cell.coordinate
    assert ws["B10"].alignment.wrap_text
    assert ws["C6"].alignment.horizontal == "right"
    assert [round(ws.column_dimensions[c].width) for c in "ABCD"] == [29, 71, 15, 17]
    # Print setup: A4 landscape, one page wide, the header row repeated.
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth defaults to 1 when absent (XlsxWriter leaves it out).
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$5:$5"
    assert ws.print_area == "'Raport'!$A$1:$D$56"
    assert ws.oddFooter.left.text == "Raport de activitate — Săptămâna 23–27 noiembrie 2026"


def groups_of(ws) -> list[tuple[int, int]]:
    """(first, last) row of each work-type group, read back from the sheet:
    a bordered row with a work-type title starts one, its merge ends it."""
    merges = {m.min_row: m.max_row for m in ws.merged_cells.ranges if m.min_col == m.max_col == 1}
    out = []
    for row in ws.iter_rows(min_col=1, max_col=2):
        a, b = row
        if a.value and b.value and a.value != "Lucrări specifice" and a.border.top.style == "thin":
            out.append((a.row, merges.get(a.row, a.row)))
    return out


def test_page_breaks_never_split_a_group_and_each_office_starts_a_page():
    report, rows = seed()
    ws = open_book(build_xlsx(report))["Raport"]
    breaks = [b.id for b in ws.row_breaks.brk]  # the page ends after this row (1-based)
    groups = groups_of(ws)
    assert len(groups) == sum(len(o.groups) for o in report.offices)
    for first, last in groups:
        assert not any(first <= b < last for b in breaks), (first, last, breaks)
    consiliere = next(c.row for c in ws["A"] if c.value == "SERVICIUL CONSILIERE ȘI ÎNDRUMARE")
    assert consiliere - 1 in breaks
    # The status lines and the signature block stay on one page.
    foot = next(c.row for c in ws["A"] if str(c.value).startswith("Starea săptămânii"))
    assert not any(foot <= b < foot + 6 for b in breaks)
    assert breaks == [19, 28, 36, 42, 47]


def test_page_breaks_plan():
    from reports.xlsx import page_breaks

    # (first row, height, new page): a block that does not fit moves to the
    # next page, whose repeated header takes 30 points.
    assert page_breaks([(5, 200, False), (9, 200, False), (14, 100, False), (20, 50, True)],
                       first_page_used=50, repeated=30, page_height=460) == [14, 20]
    # A block taller than a page starts a page and is not split further.
    assert page_breaks([(5, 900, False), (40, 10, False)], 50, 30, 460) == [5, 40]


def test_comparison_columns():
    from reports.model import with_previous

    report, rows = seed()
    previous = build_report(CATALOG, [r for r in rows if r.activity == "adrese-email"], WEEK, today=FRIDAY)
    compared = with_previous(report, replace(previous, period=WEEK.prev()))
    ws = open_book(build_xlsx(compared))["Raport"]
    assert ws["A3"].value == "Comparat cu perioada anterioară: Săptămâna 16–20 noiembrie 2026."
    assert [c.value for c in ws[6]] == ["Lucrări specifice", "Activități", "Nr. lucrări",
                                        "Nr. lucrări, perioada anterioară", "Diferența", "Nr. documente produse",
                                        "Nr. documente produse, perioada anterioară", "Diferența"]
    by_text = {r[1].value: [c.value for c in r[2:]] for r in ws.iter_rows(min_row=7) if r[1].value}
    assert by_text["Studiere solicitare"] == [12, 0, 12, None, None, None]
    assert by_text["Gestionare adrese de e-mail"] == [7, 7, 0, None, None, None]
    assert [ws["E7"].number_format, ws["C7"].number_format] == ["+0;-0;0", "0"]  # the change shows "+12"
    assert by_text["Monitorizarea zilnică a presei scrise, online și tv cu privire la activitatea primăriei "
                   "Sectorului 3"] == [
        "Zilnic", "0 zile", None, "Zilnic", "0 zile", None]
    assert ws.print_area == f"'Raport'!$A$1:$H${ws.max_row}"


def test_trends_sheet_has_native_charts_for_long_periods():
    import zipfile

    month = Period.between(date(2026, 11, 1), date(2026, 11, 30))
    report = build_report(CATALOG, [], month, today=FRIDAY)
    trends = [("SERVICIUL PRESĂ", [(date(2026, 11, 1), (3, 4)), (date(2026, 11, 2), (5, 0))])]  # Sun, Mon
    data = build_xlsx(report, trends=trends)
    wb = open_book(data)
    assert wb.sheetnames == ["Raport", "Tendințe"]
    ws = wb["Tendințe"]
    assert [[c.value for c in r] for r in ws.iter_rows(max_col=3)] == [
        ["SERVICIUL PRESĂ", None, None],
        ["Săptămâna (de la)", "Nr. lucrări", "Nr. documente produse"],
        [datetime(2026, 11, 1), 3, 4],  # dates, shown as 01.11.2026
        [datetime(2026, 11, 2), 5, 0],
    ]
    assert [ws["A3"].number_format, ws["A4"].number_format] == ["dd.mm.yyyy", "dd.mm.yyyy"]
    assert ws.row_dimensions[2].height > 15  # „Nr. documente produse” wraps: the row is as tall as it
    assert ws.oddFooter.right.text == "Pagina &P din &N"
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:lineChart>" in chart and "<c:dateAx>" in chart
    assert re.findall(r"<c:(numRef|strRef)><c:f>(.*?)</c:f>", chart) == [  # per series: categories, values
        ("numRef", "Tendințe!$A$3:$A$4"), ("numRef", "Tendințe!$B$3:$B$4"),
        ("numRef", "Tendințe!$A$3:$A$4"), ("numRef", "Tendințe!$C$3:$C$4")]  # dates are numbers: numRef fits


def test_notices_and_missing_days_are_written():
    rows = [Row("presa", date(2026, 11, 23), "zz-sters", clerk="Ana", lucrari=1)]
    report = build_report(CATALOG, rows, WEEK, offices=["presa"], today=date(2026, 11, 24), stale=True)
    ws = open_book(build_xlsx(report))["Raport"]
    col_a = [c.value for c in ws["A"]]
    assert col_a[:4] == [
        "Primăria Sectorului 3",
        "Raport de activitate — Săptămâna 23–27 noiembrie 2026",
        "Foaia de calcul nu a răspuns la timp; se afișează ultima citire reușită.",
        "O înregistrare se referă la o activitate care nu mai este în catalog și nu apare în tabel.",
    ]
    assert "Starea săptămânii: Deschisă." in col_a
    assert (
        "Zile lucrătoare fără înregistrări (1 din 2): mar. 24 nov. "
        "Înregistrări care nu apar în tabel (activități scoase din catalog): 1."
    ) in col_a


def test_empty_report():
    report = build_report(CATALOG, [], WEEK, today=FRIDAY)
    wb = open_book(build_xlsx(report))
    assert wb["Raport"]["C6"].value == 0


def test_libreoffice_converts_it_to_pdf(tmp_path):
    soffice = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: install it to check that the XLSX opens and prints")
    report, rows = seed()
    xlsx = tmp_path / "raport.xlsx"
    xlsx.write_bytes(build_xlsx(report))
    profile = tmp_path / "lo-profile"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(xlsx)],
        capture_output=True, text=True, timeout=120,
    )
    pdf = tmp_path / "raport.pdf"
    assert result.returncode == 0, result.stderr
    assert pdf.exists(), f"no PDF produced: {result.stdout} {result.stderr}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 5000


def test_line_count_of_short_parts_is_textwraps():
    """_line_count skips textwrap for a part that fits its column: the same
    estimate as textwrap's for every text of the catalogs and for edge cases."""
    import random
    import textwrap

    from reports.xlsx import _line_count

    def wrapped(text, width, per_width=1.12):
        chars = max(1, int(width * per_width))
        return sum(max(1, len(textwrap.wrap(p, chars, break_long_words=True, break_on_hyphens=False)))
                   for p in text.split("\n"))

    catalog = load_catalog(Path(__file__).resolve().parents[1] / "forms")
    texts = [a.text for o in catalog.offices for a in o.activities] + [wt.title for o in catalog.offices
                                                                        for wt in o.work_types]
    rnd = random.Random(14)
    texts += ["", " ", "\n", "12", "- 73 discuții telefonice\n- 1 scrisă", "a\tb", "\t" * 3, "x" * 40,
              "cuvânt " * 9] + ["".join(rnd.choice("ab \t\nșț-") for _ in range(rnd.randint(0, 60)))
                                for _ in range(300)]
    for text in texts:
        for width in (3, 10, 14, 16, 28, 70):
            assert _line_count(text, width) == wrapped(text, width), (text, width)

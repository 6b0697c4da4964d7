"""The XLSX export, read back with openpyxl (and converted by LibreOffice)."""
import io
import os
import shutil
import subprocess
from datetime import date, datetime, timezone
from pathlib import Path

import openpyxl
from openpyxl.cell.cell import MergedCell
import pytest

from forms.catalog import load_catalog
from reports.model import build_report
from domain.periods import Period
from tests.seed import seed_rows
from reports.xlsx import DATE_HEADERS, build_xlsx
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


def expected_raport(report):
    """The "Raport" sheet's first four columns, row by row: the work-type
    title only on its first row (the others are part of the merge), numbers
    as ints, words and breakdowns as text, blanks as None."""
    out = [
        ["Primăria Sectorului 3", None, None, None],
        [report.title, None, None, None],
        ["Date la zi: 27 noiembrie 2026, 16:42", None, None, None],
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
        out.append(
            [f"Starea săptămânii: Deschisă. Date la zi: 27 noiembrie 2026, 16:42. {office.completeness.summary}",
             None, None, None]
        )
        out.append([None] * 4)
    return out[:-1]  # openpyxl stops at the last written row


def test_raport_sheet_reproduces_the_document():
    report, rows = seed()
    wb = open_book(build_xlsx(report, rows, CATALOG))
    assert wb.sheetnames == ["Raport", "Date"]
    ws = wb["Raport"]
    assert values(ws) == expected_raport(report)
    # Spot checks against the document's figures.
    assert ws["C7"].value == 12 and ws["C7"].data_type == "n"
    assert ws["D9"].value == 12
    assert ws["C14"].value == "- 73 discuții telefonice\n- 1 scrisă"
    assert [ws["C21"].value, ws["D21"].value] == ["Zilnic", "Zilnic"]
    consiliere_first = 6 + len(report.offices[0].lines) + 5  # completeness, blank, title, header
    assert [ws.cell(consiliere_first, c).value for c in (3, 4)] == [3030, 1510]


def test_raport_sheet_merges_and_formats():
    report, rows = seed()
    ws = open_book(build_xlsx(report, rows, CATALOG))["Raport"]
    # Presă: title row 5, header row 6, lines from row 7; Consiliere after
    # its 23 lines + completeness + blank row: title 32, header 33, lines 34.
    assert sorted(str(r) for r in ws.merged_cells.ranges) == sorted([
        "A2:D2",  # period title
        "A5:D5",  # SERVICIUL PRESĂ
        "A7:A13",  # Legea 544: 7 activities
        "A15:A18",  # Comunicate de presă
        "A19:A20",  # Conferință de presă
        "A22:A23",  # Fișe de post
        "A25:A26",  # Actualizare site
        "A30:D30",  # completeness line
        "A32:D32",  # SERVICIUL CONSILIERE ȘI ÎNDRUMARE
        "A34:A37",  # Biroul de relații cu publicul
        "A38:A41",  # 1. Poșta tradițională
        "A43:A44",  # 1. Petiții
        "A45:D45",  # completeness line
    ])
    assert ws["A5"].value == "SERVICIUL PRESĂ" and ws["A5"].font.b
    assert ws["A32"].value == "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
    for cell in ws[6]:
        assert cell.font.b and cell.fill.fgColor.rgb == "FFD9D9D9"
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
    for row in ws.iter_rows(min_row=7, max_row=29, max_col=4):
        for cell in row:
            if isinstance(cell, MergedCell):  # openpyxl keeps only the range's outer border
                assert cell.border.left.style == "thin", cell.coordinate
                continue
            assert cell.border.top.style == "thin", cell.coordinate
            assert cell.border.bottom.style == "thin", cell.coordinate
            assert cell.alignment.vertical == "top", cell.coordinate
    assert ws["B11"].alignment.wrap_text
    assert ws["C7"].alignment.horizontal == "right"
    assert [round(ws.column_dimensions[c].width) for c in "ABCD"] == [29, 71, 15, 17]
    # Print setup: A4 landscape, one page wide, the header row repeated.
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth defaults to 1 when absent (XlsxWriter leaves it out).
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == "$6:$6"


def test_date_sheet_has_the_raw_rows():
    report, rows = seed()
    extra = Row("presa", date(2026, 11, 24), "activitate-stearsa", "Ana Popescu", lucrari=5,
                note="veche", entered_at="2026-11-24T08:05:00+00:00",
                changed_by="sef", changed_at="2026-11-25T10:00:00+02:00")
    outside = Row("presa", date(2026, 11, 30), "l544-studiere", "Ana Popescu", lucrari=1)
    report = build_report(CATALOG, rows + [extra, outside], WEEK, today=FRIDAY, read_at=READ_AT)
    ws = open_book(build_xlsx(report, rows + [extra, outside], CATALOG))["Date"]
    data = [[c.value for c in r] for r in ws.iter_rows()]
    assert tuple(data[0]) == DATE_HEADERS == (
        "Data", "Serviciu", "Lucrări specifice", "Activitate", "Detaliu", "Funcționar",
        "Nr. lucrări", "Nr. documente produse", "Observații", "Introdus la", "Modificat de", "Modificat la",
    )
    assert len(data) == 1 + len(rows) + 1  # the row after the week is left out
    assert data[1] == [
        datetime(2026, 11, 23), "SERVICIUL PRESĂ", "Rezolvarea solicitărilor formulate în baza Legii 544/2001",
        "Studiere solicitare", None, "Ana Popescu", 3, None, None, datetime(2026, 11, 23, 15, 30), None, None,
    ]
    assert ws["A2"].number_format == "dd.mm.yyyy"
    breakdown = [r for r in data if r[3] == "Solicitări de presă"]
    assert [(r[0].day, r[4], r[6]) for r in breakdown] == [
        (23, "Discuții telefonice", 15), (23, "Solicitări scrise", 1), (24, "Discuții telefonice", 15),
        (25, "Discuții telefonice", 15), (26, "Discuții telefonice", 14), (27, "Discuții telefonice", 14),
    ]
    orphan = next(r for r in data if r[3] == "activitate-stearsa")
    assert orphan == [
        datetime(2026, 11, 24), "SERVICIUL PRESĂ", None, "activitate-stearsa", None, "Ana Popescu",
        5, None, "veche", datetime(2026, 11, 24, 10, 5), "sef", datetime(2026, 11, 25, 10, 0),
    ]
    # Sorted by day, then office (catalog order), then activity (catalog order).
    keys = [(r[0], r[1] != "SERVICIUL PRESĂ") for r in data[1:]]
    assert keys == sorted(keys)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:L{len(data)}"


def test_user_text_stays_text():
    hostile = ["=1+1", "@SUM(A1)", "+40 721 000 000", "-2", "0012", "http://exemplu.ro", "=HYPERLINK(\"x\")"]
    rows = [
        Row("presa", date(2026, 11, 23), "adrese-email", clerk=text, lucrari=1, note=text)
        for text in hostile
    ]
    report = build_report(CATALOG, rows, WEEK, offices=["presa"], today=FRIDAY)
    wb = open_book(build_xlsx(report, rows, CATALOG))
    ws = wb["Date"]
    got = [(r[5].value, r[5].data_type, r[8].value, r[8].data_type) for r in ws.iter_rows(min_row=2)]
    assert sorted(got) == sorted((t, "s", t, "s") for t in hostile)
    for sheet in wb.worksheets:
        assert not sheet._hyperlinks
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.coordinate


def test_notices_and_missing_days_are_written():
    rows = [Row("presa", date(2026, 11, 23), "zz-sters", clerk="Ana", lucrari=1)]
    report = build_report(CATALOG, rows, WEEK, offices=["presa"], today=date(2026, 11, 24), stale=True)
    ws = open_book(build_xlsx(report, rows, CATALOG))["Raport"]
    col_a = [c.value for c in ws["A"]]
    assert col_a[:4] == [
        "Primăria Sectorului 3",
        "Săptămâna 23–27 noiembrie 2026",
        "Foaia de calcul nu a răspuns la timp; se afișează ultima citire reușită.",
        "O înregistrare se referă la o activitate care nu mai este în catalog și nu apare în tabel.",
    ]
    assert col_a[-1] == (
        "Starea săptămânii: Deschisă. Zile lucrătoare fără înregistrări (1 din 2): mar. 24 nov. "
        "Înregistrări care nu apar în tabel (activități scoase din catalog): 1."
    )


def test_empty_report():
    report = build_report(CATALOG, [], WEEK, today=FRIDAY)
    wb = open_book(build_xlsx(report, [], CATALOG))
    assert wb["Raport"]["C7"].value == 0
    assert [c.value for c in wb["Date"][1]] == list(DATE_HEADERS)
    assert wb["Date"].max_row == 1


def test_libreoffice_converts_it_to_pdf(tmp_path):
    soffice = shutil.which("soffice") or ("/usr/bin/soffice" if os.path.exists("/usr/bin/soffice") else None)
    if soffice is None:
        pytest.fail("LibreOffice (soffice) is not installed: install it to check that the XLSX opens and prints")
    report, rows = seed()
    xlsx = tmp_path / "raport.xlsx"
    xlsx.write_bytes(build_xlsx(report, rows, CATALOG))
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


def test_odd_time_stamps_typed_in_the_sheet_stay_text():
    rows = [Row("presa", date(2026, 11, 23), "l544-studiere", clerk="Ana", lucrari=1,
                entered_at="0001-01-01T00:00:00+05:00", changed_at="ieri seară")]
    report = build_report(CATALOG, rows, WEEK, offices=["presa"], today=date(2026, 11, 27))
    ws = open_book(build_xlsx(report, rows, CATALOG))["Date"]
    values = [c.value for c in ws[2]]
    assert "0001-01-01T00:00:00+05:00" in values and "ieri seară" in values

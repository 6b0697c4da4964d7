"""The managers' weekly report in a real browser: the previous week, the
XLSX download read back, printing on A4 landscape; and what a clerk of
another office cannot reach."""
from __future__ import annotations

import re
import subprocess
from datetime import timedelta

import openpyxl
import pytest
from playwright.sync_api import expect

from devtools.browser import SCREENSHOTS, report_rows, screenshot, week_slug, weeks_ago
from domain.periods import Period

STUDIERE = "Studiere solicitare — Nr. lucrări"
TELEFONICE = "Solicitări de presă — Discuții telefonice"
SCRISE = "Solicitări de presă — Solicitări scrise"
POSTA_DOCS = "E-mailuri înregistrate (relatiipublice@primarie3.ro) — Nr. documente produse"


def save_day(page, slug: str, day, values: dict[str, str]) -> None:
    page.goto(f"/entry/{slug}?date={day.isoformat()}")
    for label, value in values.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("status")).to_contain_text("Salvat:")


@pytest.fixture
def last_week(server, open_page):
    """presa2 enters two days of the previous week through the form."""
    tuesday, wednesday = weeks_ago(1, 1), weeks_ago(1, 2)
    clerk = open_page(server, "presa2")
    save_day(clerk, "presa", tuesday, {STUDIERE: "5", TELEFONICE: "3", SCRISE: "1", POSTA_DOCS: "40"})
    save_day(clerk, "presa", wednesday, {STUDIERE: "6", POSTA_DOCS: "2"})
    return Period.week_of(tuesday)


def test_supervisor_reads_last_week_and_downloads_the_xlsx(server, open_page, last_week, tmp_path):
    page = open_page(server, "sef")
    page.goto("/")
    page.get_by_role("link", name="Raport săptămânal").click()
    this_week = Period.week_of(last_week.start + timedelta(days=7))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Raport de activitate — {this_week.title}")

    page.get_by_role("link", name="← săptămâna anterioară").click()
    expect(page).to_have_url(re.compile(rf"week={week_slug(last_week.start)}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Raport de activitate — {last_week.title}")
    table = report_rows(page, "presa")
    assert table["Studiere solicitare"] == ["11", ""]
    calls = next(v for k, v in table.items() if k.startswith("Discuții telefonice cu reprezentanții"))
    assert calls[0].splitlines() == ["- 3 discuții telefonice", "- 1 scrisă"]
    email = next(v for k, v in table.items() if k.startswith("Emailurile sosite pe adresa"))
    assert email == ["0", "42"]
    screenshot(page, f"{server.backend}-report")

    with page.expect_download() as info:
        page.get_by_role("link", name="Descarcă XLSX").click()
    download = info.value
    assert download.suggested_filename == f"raport-saptamanal-{last_week.slug}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Raport", "Jurnal"]  # the raw rows are their own download
    ws = wb["Raport"]
    assert ws["A1"].value == "Primăria Sectorului 3"
    assert ws["A2"].value == f"Raport de activitate — {last_week.title}"
    by_activity = {}
    for row in ws.iter_rows(values_only=True):
        if row[1] and row[1] not in by_activity:
            by_activity[row[1]] = row[2:4]
    assert by_activity["Studiere solicitare"] == (11, None)
    assert by_activity[next(k for k in by_activity if k.startswith("Emailurile sosite"))] == (0, 42)
    calls = by_activity[next(k for k in by_activity if k.startswith("Discuții telefonice cu reprezentanții"))]
    assert calls == ("- 3 discuții telefonice\n- 1 scrisă", None)

    # The raw rows, one per clerk, day and activity (part): 4 + 2, as CSV.
    with page.expect_download() as info:
        page.get_by_role("link", name="Rândurile perioadei (CSV)").click()
    csv_path = tmp_path / info.value.suggested_filename
    info.value.save_as(csv_path)
    import csv

    data = list(csv.reader(csv_path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    header, rows = data[0], [r for r in data[1:] if any(r)]
    assert header[:6] == ["Data", "Serviciu", "Lucrări specifice", "Activitate", "Detaliu", "Funcționar"]
    assert len(rows) == 6
    assert {r[5] for r in rows} == {"presa2"}
    studiere = sorted((r[0], r[6]) for r in rows if r[3] == "Studiere solicitare")
    assert studiere == [(weeks_ago(1, 1).strftime("%d.%m.%Y"), "5"), (weeks_ago(1, 2).strftime("%d.%m.%Y"), "6")]


def test_report_prints_on_a4_landscape(server, open_page, last_week, tmp_path):
    """Print media: no page chrome, the table fits the width of an A4
    landscape page (297 mm - 2 x 12 mm margins), header repeated."""
    page = open_page(server, "sef", viewport={"width": 1032, "height": 730})
    page.goto(f"/report?{'&'.join(f'{k}={v}' for k, v in last_week.query().items())}")
    page.emulate_media(media="print")
    for selector in ("header.topbar", "nav.period-nav", ".report-tools"):
        expect(page.locator(selector)).to_be_hidden()
    overflow = page.evaluate("""() => [...document.querySelectorAll('.report-table')].map(
        t => [t.scrollWidth, t.parentElement.clientWidth])""")
    assert overflow and all(w <= avail for w, avail in overflow), overflow
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    data = pdf.read_bytes()
    boxes = {tuple(round(float(x)) for x in m.groups()) for m in
             re.finditer(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", data)}
    assert boxes == {(842, 595)}, boxes  # A4 landscape, in points
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(SCREENSHOTS / f"{server.backend}-report-print")], check=True)
    assert (SCREENSHOTS / f"{server.backend}-report-print.png").stat().st_size > 0


def test_clerk_cannot_reach_another_office(server, open_page):
    page = open_page(server, "presa1")
    for url, message in (
        ("/entry/consiliere", "Nu aveți acces la acest serviciu."),
        ("/report?service=consiliere", "Nu aveți acces la acest serviciu."),
        ("/report.xlsx?service=consiliere", "Nu aveți acces la acest serviciu."),
        ("/data/consiliere", "Pagina este doar pentru șefii de serviciu."),
        ("/users", "Pagina este doar pentru administratori."),
    ):
        response = page.goto(url)
        assert response.status == 403, url
        expect(page.get_by_role("heading", level=1)).to_have_text("Acces interzis (403)")
        expect(page.locator("main")).to_contain_text(message)
        expect(page.get_by_role("link", name="Înapoi la pagina principală")).to_be_visible()
    screenshot(page, f"{server.backend}-forbidden")

    # Their own report shows only Presă, and no link leads to Consiliere.
    page.goto("/report")
    assert report_rows(page, "presa") is not None
    assert report_rows(page, "consiliere") is None
    expect(page.locator("a[href*='consiliere']")).to_have_count(0)

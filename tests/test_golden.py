"""The acceptance test: the seed document's week, entered through the real
forms by two clerks per office over five days, comes out of the HTML report
and the XLSX as the document's two tables, cell for cell."""
from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest

import demo
from forms import load_catalog
from tests.conftest import ROOT
from domain.periods import default_week, last_complete_week
from devtools.dates import DATES
from tests.htmltables import html_tables

# The seed week is entered in the latest complete week before each date of
# devtools/dates.py: 16–20 Nov 2026 (five working days), 23–27 Nov, 21–25 Dec
# (Christmas: four), 28 Dec – 1 Jan (New Year's Day: four), October and
# March weeks ending on a DST change.
CLERKS = {"presa": ["clerk", "clerk2"], "consiliere": ["other", "other2"]}

# The document's tables (shared/seed/README.md): work type, activity id (its
# full text comes from the catalog), Nr. lucrări, Nr. documente produse.
PRESA = [
    ("Rezolvarea solicitărilor formulate în baza Legii 544/2001", "l544-studiere", "12", ""),
    ("", "l544-verificare", "12", ""),
    ("", "l544-instiintare-solicitant", "", "12"),
    ("", "l544-inaintare-directii", "", "14"),
    ("", "l544-prelungire-petent", "", "7"),
    ("", "l544-prelungire-directii", "", "7"),
    ("", "l544-raspunsuri", "", "4"),
    ("Solicitări de presă verbale sau scrise", "solicitari-presa", "- 73 discuții telefonice\n- 1 scrisă", ""),
    ("Comunicate de presă", "comunicate-informatii", "5", "5"),
    ("", "comunicate-mass-media", "5", "5"),
    ("", "comunicate-site", "5", "5"),
    ("", "comunicate-city-care", "5", "5"),
    ("Conferință de presă", "conferinta-tema", "1", "1"),
    ("", "conferinta-invitatie", "1", "1"),
    ("Monitorizare presă", "monitorizare-presa", "Zilnic", "Zilnic"),
    ("Fișe de post", "fise-post", "", "2"),
    ("", "fise-post-anexe", "", "2"),
    ("Adrese de e-mail", "adrese-email", "7", ""),
    ("Actualizare site", "site-adrese", "4", ""),
    ("", "site-editare", "4", "4"),
    ("Ședințe de consiliu", "sedinte-consiliu", "1", ""),
    ("Poșta electronică", "posta-electronica", "277", "277"),
    ("Aplicație I love S3", "aplicatie-i-love-s3", "107", "107"),
]
CONSILIERE = [
    ("Biroul de relații cu publicul", "brp-petenti", "3030", "1510"),
    ("", "brp-inregistrare", "1510", "1510"),
    ("", "brp-eliberare", "78", "78"),
    ("", "brp-audiente", "3", "3"),
    ("1. Poșta tradițională", "posta-primita", "1304", "1304"),
    ("", "posta-expediata", "412", "412"),
    ("", "posta-confirmari", "200", "200"),
    ("", "posta-faxuri", "23", "23"),
    ("Centrala telefonică", "centrala-telefonica", "540", ""),
    ("1. Petiții", "petitii-centralizate", "22", "22"),
    ("", "petitii-redirectionate", "5", "5"),
]
HEADER = ["Lucrări specifice", "Activități", "Nr. lucrări", "Nr. documente produse"]


def expected(slug, table):
    office = load_catalog(ROOT / "forms").office(slug)
    return [list(filter(None, [wt])) + [office.activity(aid).text, l, d] for wt, aid, l, d in table]


@pytest.fixture(params=list(DATES))
def filled(request, app, as_user):
    """The seed week entered through the real forms, one POST per clerk-day,
    on each date of devtools/dates.py; returns (app, week)."""
    app.extensions["clock"].set(DATES[request.param])
    today = app.extensions["clock"].today()
    week = last_complete_week(today)
    DAYS = week.working_days
    app.extensions["users"].add("other2", "parola-de-test-1", "clerk", ["consiliere"])
    catalog = app.extensions["catalog"]
    figures = demo.seed_figures()
    for slug, clerks in CLERKS.items():
        office = catalog.office(slug)
        clients = {c: as_user(c) for c in clerks}
        for (day, clerk), data in demo.day_forms(office, DAYS, clerks, figures[slug]).items():
            if not data:
                continue
            r = clients[clerk].post(f"/entry/{slug}?date={day.isoformat()}", data={
                k: ("y" if v is True else v) for k, v in data.items()})
            assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    rows = app.extensions["store"].read(["presa", "consiliere"], DAYS[0], DAYS[-1], fresh=True).rows
    assert {r.day for r in rows} == set(DAYS)
    assert {r.clerk for r in rows} == {"clerk", "clerk2", "other", "other2"}
    return app, week


def test_html_report_is_the_document(filled, as_user):
    app, week = filled
    supervisor = as_user("supervisor")
    html = supervisor.get(f"/report?week={week.slug}").get_data(as_text=True)
    assert f"Raport de activitate — {week.title}</h1>" in html
    presa, consiliere = html_tables(html)[:2]
    assert presa[0] == HEADER and consiliere[0] == HEADER
    assert presa[1:] == expected("presa", PRESA)
    assert consiliere[1:] == expected("consiliere", CONSILIERE)
    assert "Toate zilele lucrătoare de până azi au înregistrări." in html
    # Without parameters the report opens on the latest week with a working
    # day so far: on the holidays of 30 Nov and 1 Dec, the week before.
    opened = default_week(app.extensions["clock"].today())
    assert f"Raport de activitate — {opened.title}</h1>" in supervisor.get("/report").get_data(as_text=True)


def xlsx_tables(data: bytes):
    """The Raport sheet's office tables: title, header and rows of values
    (merged cells: the top-left value once, '' below, as in the document)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Raport"]
    titles = {"SERVICIUL PRESĂ", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"}
    tables, current = {}, None
    for row in ws.iter_rows(min_col=1, max_col=4):
        values = ["" if c.value is None else str(c.value) for c in row]
        if values[0] in titles:
            current = tables.setdefault(values[0], [])
        elif current is not None and (len(current) == 0 or any(values[1:])):
            current.append(values)
        else:
            current = None
    merged = sorted(str(r) for r in ws.merged_cells.ranges)
    return wb, tables, merged


def test_xlsx_is_the_document(filled, as_user):
    app, week = filled
    r = as_user("supervisor").get(f"/report.xlsx?week={week.slug}")
    assert r.status_code == 200
    assert r.headers["Content-Disposition"] == f'attachment; filename="raport-saptamanal-{week.slug}.xlsx"'
    wb, tables, merged = xlsx_tables(r.data)

    presa = tables["SERVICIUL PRESĂ"]
    consiliere = tables["SERVICIUL CONSILIERE ȘI ÎNDRUMARE"]
    assert presa[0] == HEADER and consiliere[0] == HEADER

    def strip_group(rows):
        return [(row[1:] if row[0] == "" else row) for row in rows]

    assert strip_group(presa[1:]) == expected("presa", PRESA)
    assert strip_group(consiliere[1:]) == expected("consiliere", CONSILIERE)
    # Work types merged vertically over their activities (only spans > 1).
    ws = wb["Raport"]
    starts = {}
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value in {"Rezolvarea solicitărilor formulate în baza Legii 544/2001", "Comunicate de presă",
                            "Biroul de relații cu publicul", "1. Poșta tradițională", "Conferință de presă",
                            "Fișe de post", "Actualizare site", "1. Petiții"}:
            starts[row[0].value] = row[0].row
    spans = {"Rezolvarea solicitărilor formulate în baza Legii 544/2001": 7, "Comunicate de presă": 4,
             "Conferință de presă": 2, "Fișe de post": 2, "Actualizare site": 2,
             "Biroul de relații cu publicul": 4, "1. Poșta tradițională": 4, "1. Petiții": 2}
    vertical = [m for m in merged if m.startswith("A") and m.split(":")[1].startswith("A")]
    assert sorted(vertical) == sorted(f"A{starts[t]}:A{starts[t] + n - 1}" for t, n in spans.items())
    # Plain counts are numbers in the XLSX; words and breakdowns are text.
    numbers = [c.value for row in ws.iter_rows(min_col=3, max_col=4) for c in row if isinstance(c.value, int)]
    assert 3030 in numbers and 277 in numbers

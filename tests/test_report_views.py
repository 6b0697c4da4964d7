"""The report pages: parameters, periods, roles, file names."""
from __future__ import annotations

import io

import openpyxl
import pytest

from tests.htmltables import html_tables


@pytest.mark.parametrize("query, message", [
    ("week=2026-W99", "Săptămâna"),
    ("week=abc", "Săptămâna"),
    ("from=2026-11-30&to=2026-11-01", "Data de început (30 noiembrie 2026) este după data de sfârșit (1 noiembrie 2026)."),
    ("from=2026-02-30&to=2026-03-01", "Data de început „2026-02-30” nu există în calendar."),
    ("from=2026-11-01", "Lipsește data de sfârșit a perioadei"),
    ("week=2026-W48&from=2026-11-01&to=2026-11-02", "Alegeți fie o săptămână, fie o perioadă"),
    ("from=2020-01-01&to=2026-01-01", "Alegeți o perioadă mai scurtă."),
])
@pytest.mark.parametrize("path", ["/report", "/report.xlsx"])
def test_bad_parameters_are_400_with_a_romanian_message(as_user, path, query, message):
    r = as_user("supervisor").get(f"{path}?{query}")
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)


def test_empty_week_is_all_zeros_and_blanks(as_user):
    html = as_user("supervisor").get("/report?week=2026-W01").get_data(as_text=True)
    assert "Săptămâna 29 decembrie 2025 – 2 ianuarie 2026" in html
    presa = html_tables(html)[0]
    assert presa[1] == ["Rezolvarea solicitărilor formulate în baza Legii 544/2001", "Studiere solicitare", "0", ""]
    monitoring = next(row for row in presa if row[-3].startswith("Monitorizarea zilnică"))
    assert monitoring[-2:] == ["0 zile", "0 zile"]
    press = next(row for row in presa if row[-3].startswith("Discuții telefonice"))
    assert press[-2:] == ["- 0 discuții telefonice\n- 0 scrise", ""]


def test_range_report_title_and_file_name(as_user):
    c = as_user("supervisor")
    html = c.get("/report?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert "Perioada 1–30 noiembrie 2026" in html
    assert 'href="/report?from=2026-10-01&amp;to=2026-10-31"' in html  # previous month
    r = c.get("/report.xlsx?from=2026-11-01&to=2026-11-30&service=presa")
    assert r.headers["Content-Disposition"] == 'attachment; filename="raport-2026-11-01-2026-11-30-presa.xlsx"'
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    titles = [c.value for c in wb["Raport"]["A"] if c.value in ("SERVICIUL PRESĂ", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE")]
    assert titles == ["SERVICIUL PRESĂ"]


def test_week_navigation_links(as_user):
    html = as_user("supervisor").get("/report?week=2026-W01").get_data(as_text=True)
    assert 'href="/report?week=2025-W52" rel="prev"' in html
    assert 'href="/report?week=2026-W02" rel="next"' in html


def test_clerk_sees_only_their_offices(app, as_user):
    html = as_user("clerk").get("/report?week=2026-W48").get_data(as_text=True)
    assert "SERVICIUL PRESĂ" in html and "SERVICIUL CONSILIERE" not in html
    assert as_user("clerk").get("/report?service=consiliere").status_code == 403
    assert as_user("clerk").get("/report?service=nuexista").status_code == 404


def test_week_with_a_holiday_counts_daily_over_working_days(app, as_user):
    """2025-W49: Monday 1 December is a public holiday, so four working days."""
    from datetime import date

    from domain.rows import Row

    store = app.extensions["store"]

    def monitoring_cells():
        html = as_user("supervisor").get("/report?week=2025-W49&service=presa").get_data(as_text=True)
        return next(r for r in html_tables(html)[0] if r[-3].startswith("Monitorizarea zilnică"))[-2:]

    for d in (date(2025, 12, 2), date(2025, 12, 3), date(2025, 12, 4)):
        store.save_day("presa", d, "clerk", [Row("presa", d, "monitorizare-presa", "clerk", lucrari=1)])
    assert monitoring_cells() == ["3 zile", "3 zile"]
    store.save_day("presa", date(2025, 12, 5), "clerk2",
                   [Row("presa", date(2025, 12, 5), "monitorizare-presa", "clerk2", lucrari=1)])
    assert monitoring_cells() == ["Zilnic", "Zilnic"]

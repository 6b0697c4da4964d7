"""/trends: an office's weekly totals over the last N weeks, as SVG charts
drawn on the server and as tables; and the report's comparison with the
previous period (&compare=1)."""
from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta

import pytest

from domain.rows import Row
from tests.htmltables import html_tables

MONDAYS = [date(2026, 11, 23) - timedelta(weeks=k) for k in range(11, -1, -1)]  # 12 weeks up to W48


def fill(app):
    """Rows on varied days of the 12 weeks (and one just before them)."""
    store = app.extensions["store"]
    rows = []
    for k, monday in enumerate(MONDAYS + [MONDAYS[0] - timedelta(weeks=1)]):
        for i, clerk in enumerate(("clerk", "clerk2")):
            day = monday + timedelta(days=(k + i) % 5)
            if day > date(2026, 11, 27):
                continue
            day_rows = [
                Row("presa", day, "l544-studiere", clerk, lucrari=k + i + 1),
                Row("presa", day, "comunicate-site", clerk, lucrari=2 * k, documente=k % 3 or None),
                Row("presa", day, "solicitari-presa", clerk, lucrari=3 + i, part="telefonice"),
                Row("presa", day, "solicitari-presa", clerk, lucrari=1, part="scrise"),
                Row("presa", day, "monitorizare-presa", clerk, lucrari=1),
            ]
            store.save_day("presa", day, clerk, day_rows)
            rows += day_rows
    return rows


def test_trends_figures_are_the_sums_of_the_entered_rows(app, as_user):
    rows = fill(app)
    r = as_user("supervisor").get("/trends?service=presa")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    week_of = {m + timedelta(days=d): m for m in MONDAYS for d in range(7)}
    sums = defaultdict(int)
    days = defaultdict(set)
    for row in rows:
        monday = week_of.get(row.day)
        if monday is None:
            continue
        for counter in ("lucrari", "documente"):
            sums[(monday, row.activity, counter)] += getattr(row, counter) or 0
        if row.activity == "monitorizare-presa":
            days[monday].add(row.day)
    tables = html_tables(html)
    total = tables[0]
    assert total[0] == ["Săptămâna", "Nr. lucrări", "Nr. documente produse"]
    assert total[1:] == [
        [m.strftime("%d.%m.%Y"),
         str(sum(sums[(m, a, "lucrari")] for a in ("l544-studiere", "comunicate-site", "solicitari-presa"))),
         str(sums[(m, "comunicate-site", "documente")])]
        for m in MONDAYS]
    by_label = {row[0]: row[1:] for t in tables[1:] for row in t[1:]}
    assert by_label["Studiere solicitare — Nr. lucrări"] == [str(sums[(m, "l544-studiere", "lucrari")]) for m in MONDAYS]
    assert by_label["Postate pe site — Nr. documente produse"] == [
        str(sums[(m, "comunicate-site", "documente")]) for m in MONDAYS]
    assert by_label["Solicitări de presă — Nr. lucrări"] == [
        str(sums[(m, "solicitari-presa", "lucrari")]) for m in MONDAYS]
    assert by_label["Monitorizarea zilnică a presei — zile"] == [str(len(days[m])) for m in MONDAYS]
    assert tables[1][0] == ["Activitatea", *(m.strftime("%d.%m") for m in MONDAYS)]
    assert "ultimele 12 săptămâni (07.09.2026 – 27.11.2026)" in html


def test_charts_are_accessible_svg_without_script_or_inline_style(app, as_user):
    fill(app)
    c = as_user("clerk")
    html = c.get("/trends?service=presa&weeks=26").get_data(as_text=True)
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    work_types = app.extensions["catalog"].office("presa").work_types
    assert len(svgs) == 1 + len(work_types) == 12  # the office's total and one per work type
    for svg in svgs:
        opening = svg.split(">", 1)[0]
        assert 'role="img"' in opening
        chart_id = re.search(r'aria-labelledby="([^"]+)"', opening).group(1)
        assert f'<title id="{chart_id}">' in svg
        assert "<script" not in svg and "style=" not in svg and "<style" not in svg
        assert set(re.findall(r"https?://[^\s\"'<>]+", svg)) <= {"http://www.w3.org/2000/svg",
                                                                "http://www.w3.org/1999/xlink"}
    assert '<title id="chart-total-title">SERVICIUL PRESĂ: totalul săptămânal</title>' in html
    assert "<script" not in html
    assert '<link rel="stylesheet" href="/trends.css">' in html
    css = c.get("/trends.css")
    assert css.mimetype == "text/css" and "svg.chart .axis" in css.get_data(as_text=True)
    assert len(html_tables(html)[0]) == 1 + 26


@pytest.mark.parametrize("weeks, message", [
    ("0", "Numărul de săptămâni „0” nu poate fi folosit: alegeți un număr între 1 și 104."),
    ("105", "„105”"), ("abc", "„abc”"),
])
def test_bad_number_of_weeks(as_user, weeks, message):
    r = as_user("supervisor").get(f"/trends?service=presa&weeks={weeks}")
    assert r.status_code == 400 and message in r.get_data(as_text=True)


def test_report_compared_with_the_previous_week(app, as_user):
    store = app.extensions["store"]
    for day, n in ((date(2026, 11, 17), 5), (date(2026, 11, 24), 8)):
        store.save_day("presa", day, "clerk", [Row("presa", day, "l544-studiere", "clerk", lucrari=n),
                                               Row("presa", day, "adrese-email", "clerk", lucrari=n - 5)])
    sup = as_user("supervisor")
    html = sup.get("/report?week=2026-W48&service=presa&compare=1").get_data(as_text=True)
    assert "Comparat cu perioada anterioară: Săptămâna 16–20 noiembrie 2026." in html
    presa = html_tables(html)[0]
    assert presa[0] == ["Lucrări specifice", "Activități", "Nr. lucrări", "Nr. lucrări, perioada anterioară",
                        "Diferența", "Nr. documente produse", "Nr. documente produse, perioada anterioară",
                        "Diferența"]
    assert presa[1] == ["Rezolvarea solicitărilor formulate în baza Legii 544/2001", "Studiere solicitare",
                        "8", "5", "+3", "", "", ""]
    emails = next(row for row in presa if row[-7] == "Gestionare adrese de e-mail")
    assert emails[-6:] == ["3", "0", "+3", "", "", ""]
    assert 'href="/report?week=2026-W47&amp;service=presa&amp;compare=1" rel="prev"' in html
    import io

    import openpyxl

    ws = openpyxl.load_workbook(io.BytesIO(
        sup.get("/report.xlsx?week=2026-W48&service=presa&compare=1").data))["Raport"]
    row = next(r for r in ws.iter_rows(values_only=True) if r[1] == "Studiere solicitare")
    assert row == ("Rezolvarea solicitărilor formulate în baza Legii 544/2001", "Studiere solicitare", 8, 5, 3,
                   None, None, None)

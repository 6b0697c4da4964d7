"""The daily entry form: round trip, prefill, edit without duplicates, and
every bad input refused with a Romanian message and nothing saved."""
from __future__ import annotations

import re
from html import unescape as html_unescape
from datetime import date, timedelta

import pytest

from devtools.dates import today
from tests.conftest import ROOT, csrf_token, make_app

DAY = date(2026, 11, 24)
URL = f"/entry/presa?date={DAY.isoformat()}"


def stored(app, office="presa", start=DAY, end=DAY):
    rows = app.extensions["store"].read([office], start, end, fresh=True).rows
    return sorted((r.day.isoformat(), r.activity, r.part, r.clerk, r.lucrari, r.documente) for r in rows)


def field_value(html, name):
    m = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert m, name
    if 'type="checkbox"' in m.group(0):
        return "checked" if "checked" in m.group(0) else ""
    v = re.search(r'value="([^"]*)"', m.group(0))
    return v.group(1) if v else ""


FILLED = {
    "l544-studiere__lucrari": "12",
    "comunicate-site__lucrari": "5",
    "comunicate-site__documente": "5",
    "solicitari-presa__telefonice": "73",
    "solicitari-presa__scrise": "1",
    "monitorizare-presa__done": "y",
    "fise-post__documente": "0",
}


def test_form_lists_every_activity_with_labelled_inputs(as_user):
    html = as_user("clerk").get(URL).get_data(as_text=True)
    assert "<legend>Rezolvarea solicitărilor formulate în baza Legii 544/2001</legend>" in html
    labels = re.findall(r'<label for="([^"]+)"><span class="sr-only">([^<]+) — </span>([^<]+)</label>', html)
    assert len(labels) == 33  # 23 activities: 12 with one counter, 9 with two, a breakdown of 2, a daily
    assert ("solicitari-presa__telefonice", "Solicitări de presă", "Discuții telefonice") in labels
    assert ("monitorizare-presa__done", "Monitorizarea zilnică a presei", "Realizat") in labels
    assert ("l544-studiere__lucrari", "Studiere solicitare", "Nr. lucrări") in labels
    assert "<summary>Detalii</summary><p>Emailurile sosite pe adresa de e-mail" in html
    assert "l544-studiere__documente" not in html  # the counter does not apply


def test_round_trip_prefill_edit_no_duplicates(app, as_user):
    c = as_user("clerk")
    r = c.post(URL, data=FILLED)
    assert r.status_code == 302 and r.headers["Location"] == URL
    expected = [
        ("2026-11-24", "comunicate-site", "", "clerk", 5, 5),
        ("2026-11-24", "fise-post", "", "clerk", None, 0),
        ("2026-11-24", "l544-studiere", "", "clerk", 12, None),
        ("2026-11-24", "monitorizare-presa", "", "clerk", 1, None),
        ("2026-11-24", "solicitari-presa", "scrise", "clerk", 1, None),
        ("2026-11-24", "solicitari-presa", "telefonice", "clerk", 73, None),
    ]
    assert stored(app) == expected
    page = c.get(URL).get_data(as_text=True)
    assert "Salvat: 6 rânduri pentru marți, 24 noiembrie 2026." in page
    assert "ați completat deja această zi" in page
    for name, value in FILLED.items():
        assert field_value(page, name) == ("checked" if value == "y" else value), name
    edited = dict(FILLED, **{"l544-studiere__lucrari": "13", "solicitari-presa__scrise": ""})
    del edited["monitorizare-presa__done"]
    assert c.post(URL, data=dict(edited, shown=html_unescape(field_value(page, "shown")))).status_code == 302
    assert stored(app) == [
        ("2026-11-24", "comunicate-site", "", "clerk", 5, 5),
        ("2026-11-24", "fise-post", "", "clerk", None, 0),
        ("2026-11-24", "l544-studiere", "", "clerk", 13, None),
        ("2026-11-24", "solicitari-presa", "telefonice", "clerk", 73, None),
    ]


def test_two_clerks_each_keep_their_rows(app, as_user):
    as_user("clerk").post(URL, data={"l544-studiere__lucrari": "2"})
    as_user("clerk2").post(URL, data={"l544-studiere__lucrari": "3"})
    as_user("clerk").post(URL, data={"l544-studiere__lucrari": "4", "shown": '{"l544-studiere__lucrari":2}'})
    assert stored(app) == [
        ("2026-11-24", "l544-studiere", "", "clerk", 4, None),
        ("2026-11-24", "l544-studiere", "", "clerk2", 3, None),
    ]


@pytest.mark.parametrize("value, message", [
    ("-3", "Numărul nu poate fi negativ."),
    ("2.5", "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."),
    ("abc", "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."),
    ("١٢", "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."),
    ("=1+1", "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."),
    ("100001", "Valoarea este prea mare: cel mult 100 000."),
    ("99999999999999999999999", "Valoarea este prea mare: cel mult 100 000."),
])
def test_bad_value_is_refused_next_to_its_field_and_nothing_saved(app, as_user, value, message):
    c = as_user("clerk")
    data = dict(FILLED, **{"comunicate-site__documente": value})
    r = c.post(URL, data=data)
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert f'<p class="field-error" id="comunicate-site__documente-err">{message}</p>' in html
    assert 'aria-describedby="comunicate-site__documente-err"' in html
    assert "Nu s-a salvat nimic: corectați valorile marcate mai jos." in html
    assert field_value(html, "l544-studiere__lucrari") == "12"  # typed values kept
    assert stored(app) == []


def test_bad_value_on_an_edit_keeps_the_saved_day(app, as_user):
    c = as_user("clerk")
    c.post(URL, data={"l544-studiere__lucrari": "2", "adrese-email__lucrari": "1"})
    r = c.post(URL, data={"l544-studiere__lucrari": "9", "adrese-email__lucrari": "x"})
    assert r.status_code == 400
    assert stored(app) == [
        ("2026-11-24", "adrese-email", "", "clerk", 1, None),
        ("2026-11-24", "l544-studiere", "", "clerk", 2, None),
    ]


def test_whitespace_around_numbers_is_fine(app, as_user):
    assert as_user("clerk").post(URL, data={"l544-studiere__lucrari": " 7 "}).status_code == 302
    assert stored(app) == [("2026-11-24", "l544-studiere", "", "clerk", 7, None)]


def test_empty_form_saves_nothing(app, as_user):
    r = as_user("clerk").post(URL, data={})
    assert r.status_code == 400
    assert "Nu ați completat nicio valoare; nu s-a salvat nimic." in r.get_data(as_text=True)


@pytest.mark.parametrize("query, status, message", [
    ("date=2026-13-01", 400, "Data „2026-13-01” nu este validă. Folosiți forma ZZ.LL.AAAA, de exemplu 27.11.2026."),
    ("date=31.11.2026", 400, "Data „31.11.2026” nu este validă."),
    ("date=ieri", 400, "Data „ieri” nu este validă."),
    ("date=1999-12-31", 400, "Data este prea veche."),
])
def test_bad_dates(as_user, query, status, message):
    r = as_user("clerk").get(f"/entry/presa?{query}")
    assert r.status_code == status
    assert message in r.get_data(as_text=True)


def test_future_date_refused_on_get_and_post(app, as_user):
    tomorrow = (today() + timedelta(days=1)).isoformat()
    c = as_user("clerk")
    for r in (c.get(f"/entry/presa?date={tomorrow}"), c.post(f"/entry/presa?date={tomorrow}", data=FILLED)):
        assert r.status_code == 400
        assert "Nu puteți completa o zi din viitor" in r.get_data(as_text=True)
    assert stored(app, start=today(), end=today() + timedelta(days=1)) == []


def test_unknown_office_404_and_other_office_403(as_user):
    c = as_user("clerk")
    r404 = c.get("/entry/nuexista")
    assert r404.status_code == 404 and "Serviciul „nuexista” nu există." in r404.get_data(as_text=True)
    r403 = c.post("/entry/consiliere", data={"centrala-telefonica__lucrari": "1"})
    assert r403.status_code == 403 and "Nu aveți acces la acest serviciu." in r403.get_data(as_text=True)


def test_default_date_is_today(as_user):
    html = as_user("clerk").get("/entry/presa").get_data(as_text=True)
    assert 'aria-current="date"' in html
    assert today().isoformat() in html


def test_week_strip_marks_filled_days(as_user):
    c = as_user("clerk")
    c.post("/entry/presa?date=2026-11-23", data={"l544-studiere__lucrari": "1"})
    html = c.get(URL).get_data(as_text=True)
    strip = html.split('<nav class="week-strip"')[1].split("</ul>")[0]
    days = [(d, label.strip()) for d, label in re.findall(r'<a href="/entry/presa\?date=(2026-11-2\d)"[^>]*>([^<]+)', strip)]
    assert days == [("2026-11-23", "lun. 23 nov."), ("2026-11-24", "mar. 24 nov."), ("2026-11-25", "mie. 25 nov."),
                    ("2026-11-26", "joi 26 nov."), ("2026-11-27", "vin. 27 nov.")]
    assert strip.count('<span class="sr-only"> (completată)</span>') == 1


def test_csrf_expired_keeps_typed_values(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    c = app.test_client()
    token = csrf_token(c.get("/login").get_data(as_text=True))
    c.post("/login", data={"username": "clerk", "password": "parola-de-test-1", "csrf_token": token})
    r = c.post(URL, data=dict(FILLED, csrf_token="expired-or-forged"))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Formularul a expirat. Valorile introduse sunt păstrate: apăsați din nou „Salvează”." in html
    assert field_value(html, "l544-studiere__lucrari") == "12"
    assert stored(app) == []
    fresh = csrf_token(html)
    assert c.post(URL, data=dict(FILLED, csrf_token=fresh)).status_code == 302
    assert len(stored(app)) == 6


def test_supervisor_table_offers_only_the_counters_that_apply(app, as_user):
    as_user("clerk").post(URL, data={"l544-studiere__lucrari": "2", "comunicate-site__lucrari": "1",
                                     "comunicate-site__documente": "3"})
    html = as_user("supervisor").get("/data/presa?week=2026-W48").get_data(as_text=True)
    labels = re.findall(r'<th scope="row">([^<]*)</th>', html)
    assert [x for x in labels if x.startswith(("Studiere solicitare", "Postate pe site"))] == [
        "Studiere solicitare — Nr. lucrări", "Postate pe site — Nr. lucrări", "Postate pe site — Nr. documente produse"]
    filled = {k: v for k, v in re.findall(r'<input id="[^"]*" name="(v\|[^"]*)" value="([^"]*)"', html) if v}
    day = URL.split("date=")[1]
    assert filled == {f"v|l544-studiere||lucrari|{day}|clerk": "2", f"v|comunicate-site||lucrari|{day}|clerk": "1",
                      f"v|comunicate-site||documente|{day}|clerk": "3"}


def test_form_class_follows_the_layout_not_the_object():
    """Versions and the editor's drafts make new Office objects all the time:
    the same layout reuses its form class, another layout never gets it."""
    from dataclasses import replace

    from forms.catalog import load_catalog
    from forms.entry import form_class

    presa = load_catalog(ROOT / "forms").office("presa")
    again = load_catalog(ROOT / "forms").office("presa")
    assert again is not presa and form_class(again) is form_class(presa)
    first = presa.work_types[0]
    shorter = replace(presa, work_types=(replace(first, activities=first.activities[:1]),))
    names = [slot.name for slot in form_class(shorter).slots]
    assert names == [slot.name for slot in form_class(presa).slots][:len(names)] and len(names) == 1
    assert form_class(shorter) is not form_class(presa)

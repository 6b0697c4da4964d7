"""Final figures: a save never overwrites what its author did not see, weeks
close and reopen, and one append-only audit trail (issue: final figures).

Through the app (local store); the same rules on the Google backend are in
tests/test_store_contract.py (the store's save) and tests/test_google_final.py."""
from __future__ import annotations

import io
import re
import sqlite3
from datetime import date

import openpyxl
import pytest

from domain.rows import Row, row_id_for
from html import unescape as html_unescape

from tests.htmltables import html_tables
from tests.test_entry import field_value

DAY = "2026-11-24"
WEEK = "2026-W48"
URL = f"/entry/presa?date={DAY}"


def shown_field(html: str) -> str:
    """The hidden field that carries what the form showed."""
    return html_unescape(field_value(html, "shown"))


def stored(app):
    rows = app.extensions["store"].read(["presa"], date.fromisoformat(DAY), date.fromisoformat(DAY), fresh=True).rows
    return sorted((r.activity, r.part, r.clerk, r.lucrari, r.documente, r.note, r.changed_by) for r in rows)


def open_form(client) -> str:
    html = client.get(URL).get_data(as_text=True)
    return shown_field(html)


def row_id(app, activity):
    """The id of the clerk's own row (not one added by hand)."""
    return row_id_for("presa", date.fromisoformat(DAY), activity, "", "clerk")


def test_stale_form_after_a_correction_is_a_409_that_keeps_the_typed_values(app, as_user):
    clerk, sup = as_user("clerk"), as_user("supervisor")
    clerk.post(URL, data={"l544-studiere__lucrari": "5", "adrese-email__lucrari": "2", "shown": open_form(clerk)})
    shown = open_form(clerk)  # the clerk keeps this form open (showing 5)
    r = sup.post(f"/data/presa/{row_id(app, 'l544-studiere')}?week={WEEK}",
                 data={"action": "save", "lucrari": "9", "documente": "", "note": "verificat"})
    assert r.status_code == 302

    r = clerk.post(URL, data={"l544-studiere__lucrari": "5", "adrese-email__lucrari": "3", "shown": shown})
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert "între timp altcineva a modificat cifre din această zi" in html
    table = next(t for t in html_tables(html) if t[0][0] == "Activitatea")
    assert table[0] == ["Activitatea", "Rubrica", "Ați introdus", "Valoarea actuală", "Modificată de", "La"]
    assert table[1][:5] == ["Studiere solicitare", "Nr. lucrări", "5", "9", "supervisor"]
    assert table[1][5] == "27 noiembrie 2026, 16:00"  # the clock of the suite
    # nothing of the day was saved; the typed values are in the form
    assert stored(app) == [("adrese-email", "", "clerk", 2, None, "", ""),
                           ("l544-studiere", "", "clerk", 9, None, "verificat", "supervisor")]
    assert field_value(html, "adrese-email__lucrari") == "3"
    assert field_value(html, "l544-studiere__lucrari") == "5"
    # resubmitting (the form now carries the current figures) saves
    r = clerk.post(URL, data={"l544-studiere__lucrari": "5", "adrese-email__lucrari": "3",
                              "shown": shown_field(html)})
    assert r.status_code == 302
    assert stored(app) == [("adrese-email", "", "clerk", 3, None, "", ""),
                           ("l544-studiere", "", "clerk", 5, None, "verificat", "")]


def test_a_save_keeps_what_the_form_cannot_show(app, as_user):
    """Notes, correction marks of figures the clerk left alone, a row a
    person added under another id, counters an activity does not use."""
    clerk = as_user("clerk")
    day = date.fromisoformat(DAY)
    store = app.extensions["store"]
    store.save_day("presa", day, "clerk", [
        Row("presa", day, "l544-studiere", "clerk", lucrari=3, documente=4, note="din registru"),  # documente n/a
        Row("presa", day, "l544-studiere", "clerk", lucrari=5, row_id="adaugat-de-mana"),
        Row("presa", day, "scos-din-catalog", "clerk", lucrari=2),
    ])
    store.update_row("presa", row_id(app, "l544-studiere"), {"note": "verificat"}, "supervisor")
    r = clerk.post(URL, data={"l544-studiere__lucrari": "3", "adrese-email__lucrari": "1", "shown": open_form(clerk)})
    assert r.status_code == 302
    assert stored(app) == [("adrese-email", "", "clerk", 1, None, "", ""),
                           ("l544-studiere", "", "clerk", 3, 4, "verificat", "supervisor"),
                           ("l544-studiere", "", "clerk", 5, None, "", ""),
                           ("scos-din-catalog", "", "clerk", 2, None, "", "")]
    # the report counts the hand-added row too: 3 + 5
    html = as_user("supervisor").get(f"/report?week={WEEK}").get_data(as_text=True)
    presa = html_tables(html)[0]
    assert next(row for row in presa if "Studiere solicitare" in row)[-2:] == ["8", ""]


def close_week(client, week=WEEK, slug="presa"):
    return client.post(f"/data/{slug}/week?week={week}", data={"action": "close"})


def test_a_closed_week_is_read_only_until_reopened_with_a_reason(app, as_user):
    clerk, sup = as_user("clerk"), as_user("supervisor")
    clerk.post(URL, data={"l544-studiere__lucrari": "5", "shown": open_form(clerk)})
    shown = open_form(clerk)
    assert close_week(sup).status_code == 302
    assert close_week(sup).status_code == 409  # twice: refused, nothing changed

    page = clerk.get(URL).get_data(as_text=True)
    assert "Săptămâna a fost închisă de supervisor la 27 noiembrie 2026, 16:00" in page
    assert "Salvează</button>" not in page and field_value(page, "l544-studiere__lucrari") == "5"
    assert re.search(r'disabled[^>]*name="l544-studiere__lucrari"|name="l544-studiere__lucrari"[^>]*disabled', page)
    r = clerk.post(URL, data={"l544-studiere__lucrari": "6", "shown": shown})
    assert r.status_code == 409 and "Săptămâna este închisă: nu s-a salvat nimic." in r.get_data(as_text=True)
    rid = row_id(app, "l544-studiere")
    r = sup.post(f"/data/presa/{rid}?week={WEEK}", data={"action": "save", "lucrari": "7", "documente": "", "note": ""})
    assert r.status_code == 409
    assert sup.post(f"/data/presa/{rid}?week={WEEK}", data={"action": "delete"}).status_code == 409
    assert stored(app) == [("l544-studiere", "", "clerk", 5, None, "", "")]

    # the report and its XLSX say who closed it
    html = sup.get(f"/report?week={WEEK}").get_data(as_text=True)
    assert "Starea săptămânii: Închisă de supervisor la 27 noiembrie 2026, 16:00" in html
    assert "Starea săptămânii: Deschisă" in html  # Consiliere's week is open
    wb = openpyxl.load_workbook(io.BytesIO(sup.get(f"/report.xlsx?week={WEEK}").data))
    footers = [c.value for c in wb["Raport"]["A"] if c.value and str(c.value).startswith("Starea săptămânii")]
    assert footers[0].startswith("Starea săptămânii: Închisă de supervisor la 27 noiembrie 2026, 16:00.")
    assert footers[1].startswith("Starea săptămânii: Deschisă.")

    # reopening needs a reason: spaces only -> a message next to the field
    r = sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": "   "})
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and '<p class="field-error" id="reason-err">Scrieți motivul redeschiderii.</p>' in html
    assert app.extensions["state"].week_closure("presa", WEEK) is not None
    r = sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": " cifre  greșite la 544 "})
    assert r.status_code == 302 and app.extensions["state"].week_closure("presa", WEEK) is None
    assert sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": "x"}).status_code == 409
    r = clerk.post(URL, data={"l544-studiere__lucrari": "6", "shown": open_form(clerk)})
    assert r.status_code == 302 and stored(app) == [("l544-studiere", "", "clerk", 6, None, "", "")]


def test_week_actions_refused_for_clerks_and_bad_weeks(as_user):
    clerk, sup = as_user("clerk"), as_user("supervisor")
    assert close_week(clerk).status_code == 403
    assert sup.post("/data/presa/week?from=2026-11-01&to=2026-11-30", data={"action": "close"}).status_code == 400
    assert sup.post("/data/presa/week", data={"action": "close"}).status_code == 400
    assert sup.post(f"/data/presa/week?week={WEEK}", data={"action": "burn"}).status_code == 400
    assert sup.post(f"/data/nuexista/week?week={WEEK}", data={"action": "close"}).status_code == 404
    assert clerk.get(f"/audit?service=presa&week={WEEK}").status_code == 403


def test_the_audit_trail_lists_every_change_of_the_week(app, as_user):
    clerk, sup = as_user("clerk"), as_user("supervisor")
    clerk.post(URL, data={"l544-studiere__lucrari": "5", "shown": open_form(clerk)})
    clerk.post(URL, data={"l544-studiere__lucrari": "6", "monitorizare-presa__done": "y", "shown": open_form(clerk)})
    sup.post(f"/data/presa/{row_id(app, 'l544-studiere')}?week={WEEK}",
             data={"action": "save", "lucrari": "7", "documente": "", "note": ""})
    close_week(sup)
    sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": "o cifră lipsă"})
    html = sup.get(f"/audit?service=presa&week={WEEK}").get_data(as_text=True)
    table = html_tables(html)[0]
    at = "27 noiembrie 2026, 16:00"
    assert table == [
        ["Când", "Cine", "Ce", "Ziua", "Funcționar", "Activitatea", "Rubrica", "Înainte", "După", "Motiv / celula"],
        [at, "supervisor", "redeschiderea săptămânii", "", "", "", "", "", "", "o cifră lipsă"],
        [at, "supervisor", "închiderea săptămânii", "", "", "", "", "", "", ""],
        [at, "supervisor", "corectare", "24.11.2026", "clerk", "Studiere solicitare", "Nr. lucrări", "6", "7", ""],
        [at, "clerk", "salvare", "24.11.2026", "clerk", "Monitorizarea zilnică a presei", "Realizat", "—", "1", ""],
        [at, "clerk", "salvare", "24.11.2026", "clerk", "Studiere solicitare", "Nr. lucrări", "5", "6", ""],
        [at, "clerk", "salvare", "24.11.2026", "clerk", "Studiere solicitare", "Nr. lucrări", "—", "5", ""],
    ]
    # the week's XLSX has the same lines on a „Jurnal” sheet
    wb = openpyxl.load_workbook(io.BytesIO(sup.get(f"/report.xlsx?week={WEEK}").data))
    assert wb.sheetnames == ["Raport", "Jurnal"]  # the raw rows are their own download (CSV)
    jurnal = [[c or "" for c in row] for row in wb["Jurnal"].iter_rows(values_only=True)]
    assert jurnal[0] == ["Serviciul", *table[0]]
    assert [row[1:] for row in jurnal[1:]] == table[1:]
    assert {row[0] for row in jurnal[1:]} == {"SERVICIUL PRESĂ"}


def test_the_trail_is_append_only(app):
    state = app.extensions["state"]
    state.set_week("presa", WEEK, True, "supervisor")
    with sqlite3.connect(state.path) as con:
        for statement in ("UPDATE trail SET by='x'", "DELETE FROM trail"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(statement)
    assert [r["kind"] for r in state.trail("presa", WEEK)] == ["close"]


@pytest.mark.parametrize("shown", [None, "", "[" * 5000, '{"a":' * 5000, "x" * 70_000])
def test_a_form_that_does_not_say_what_it_showed_showed_nothing(app, as_user, shown):
    """A missing, empty, unreadable or oversized `shown` never skips the check
    (nor answers 500): a figure stored meanwhile is a conflict."""
    clerk, sup = as_user("clerk"), as_user("supervisor")
    clerk.post(URL, data={"l544-studiere__lucrari": "5", "shown": "{}"})
    sup.post(f"/data/presa/{row_id(app, 'l544-studiere')}?week={WEEK}",
             data={"action": "save", "lucrari": "7", "documente": "", "note": ""})
    data = {"l544-studiere__lucrari": "9"}
    if shown is not None:
        data["shown"] = shown
    r = clerk.post(URL, data=data)
    assert r.status_code == 409
    assert stored(app) == [("l544-studiere", "", "clerk", 7, None, "", "supervisor")]


@pytest.mark.parametrize("reason, message", [
    ("\x01\x02", "Motivul conține caractere de control sau de formatare invizibile"),
    ("\u200b\u200b", "Motivul conține caractere de control sau de formatare invizibile"),
    ("ok\u202e", "Motivul conține caractere de control sau de formatare invizibile"),
    ("x" * 501, "Motivul are 501 de caractere; cel mult 500."),
])
def test_reopen_reasons_without_visible_text_or_too_long_are_refused_next_to_the_field(app, as_user, reason,
                                                                                       message):
    sup = as_user("supervisor")
    close_week(sup)
    r = sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": reason})
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    assert app.extensions["state"].week_closure("presa", WEEK) is not None
    r = sup.post(f"/data/presa/week?week={WEEK}", data={"action": "reopen", "reason": " " * 800 + "ok" + " " * 800})
    assert r.status_code == 302


def test_clerks_get_no_jurnal_sheet(as_user):
    import io as _io

    wb = openpyxl.load_workbook(_io.BytesIO(as_user("clerk").get(f"/report.xlsx?week={WEEK}").data))
    assert "Jurnal" not in wb.sheetnames


def test_the_trail_refuses_insert_or_replace_over_a_line(app):
    state = app.extensions["state"]
    state.set_week("presa", WEEK, True, "supervisor")
    with sqlite3.connect(state.path) as con:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            con.execute("INSERT OR REPLACE INTO trail (id, at, by, office, week, kind) "
                        "VALUES (1, 'x', 'x', 'presa', 'x', 'close')")


def test_review_fixes_for_access(app, as_user):
    """A scoped supervisor's home lists only their offices' missing clerks;
    a field sent twice on the users' and the grid's forms is refused."""
    home = as_user("scoped").get("/").get_data(as_text=True)
    assert "SERVICIUL CONSILIERE" in home and "SERVICIUL PRESĂ" not in home
    admin = as_user("admin")
    r = admin.post("/users/clerk2", data={"role": ["clerk", "admin"], "offices": ["presa"], "full_name": ""})
    assert r.status_code == 400
    assert app.extensions["users"].get("clerk2").role == "clerk"
    r = as_user("supervisor").post(f"/data/presa/grid?week={WEEK}", data={"clerk": ["clerk", "clerk2"]})
    assert r.status_code == 400


def test_the_xlsx_trends_sheet_through_the_app_equals_the_weeks_sums(app, as_user):
    """/report.xlsx of a month: the „Tendințe” sheet's weekly totals per office
    (plain counts and breakdowns; daily activities left out) from the store's
    weekly sums."""
    from datetime import date as _date, datetime

    store = app.extensions["store"]
    for day, n in ((_date(2026, 11, 3), 2), (_date(2026, 11, 5), 3), (_date(2026, 11, 17), 4)):
        store.save_day("presa", day, "clerk", [
            Row("presa", day, "l544-studiere", "clerk", lucrari=n),
            Row("presa", day, "comunicate-site", "clerk", lucrari=1, documente=n),
            Row("presa", day, "solicitari-presa", "clerk", lucrari=5, part="telefonice"),
            Row("presa", day, "monitorizare-presa", "clerk", lucrari=1)])
    r = as_user("supervisor").get("/report.xlsx?from=2026-11-01&to=2026-11-30&service=presa")
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    rows = [[c.value for c in row] for row in wb["Tendințe"].iter_rows(max_col=3)]
    assert rows == [
        ["SERVICIUL PRESĂ", None, None],
        ["Săptămâna (de la)", "Nr. lucrări", "Nr. documente produse"],
        [datetime(2026, 11, 1), 0, 0],   # the period's first week, from 1 Nov (a Sunday)
        [datetime(2026, 11, 2), 2 + 1 + 5 + 3 + 1 + 5, 2 + 3],
        [datetime(2026, 11, 9), 0, 0],
        [datetime(2026, 11, 16), 4 + 1 + 5, 4],
        [datetime(2026, 11, 23), 0, 0],
        [datetime(2026, 11, 30), 0, 0],
    ]

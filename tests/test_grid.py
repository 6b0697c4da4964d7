"""The supervisors' grid: activities as rows, days × clerks as columns, one
save; refused values next to their cell, typed text kept; saves that never
overwrite a figure changed since the page was shown; closed weeks refuse;
deleting a clerk's day asks first; every change in the audit trail."""
from __future__ import annotations

from html import unescape as html_unescape

import html as htmllib
import json
import re
from datetime import date

from domain.rows import Row
from tests.test_entry import field_value

W = "2026-W48"
MON, TUE, WED = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


def name(activity, counter, day, clerk, part=""):
    return f"v|{activity}|{part}|{counter}|{day.isoformat()}|{clerk}"


def page_form(page: str) -> dict:
    """The grid form's fields as the page fills them (a browser's POST)."""
    form = page.split('class="grid-form"', 1)[1].split("</form>", 1)[0]
    data = {"shown": htmllib.unescape(re.search(r'name="shown" value="([^"]*)"', form).group(1))}
    for tag in re.findall(r"<input[^>]*>", form):
        n = re.search(r'name="([^"]*)"', tag)
        if not n or n.group(1) in ("shown", "csrf_token"):
            continue
        key = htmllib.unescape(n.group(1))
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data[key] = "1"
        else:
            data[key] = htmllib.unescape(re.search(r'value="([^"]*)"', tag).group(1))
    return data


def stored(app):
    rows = app.extensions["store"].read(["presa"], MON, date(2026, 11, 29), fresh=True).rows
    return sorted((r.day.day, r.clerk, r.activity, r.part, r.lucrari, r.documente, r.changed_by) for r in rows)


def seed(app):
    store = app.extensions["store"]
    store.save_day("presa", TUE, "clerk", [Row("presa", TUE, "l544-studiere", "clerk", lucrari=2),
                                          Row("presa", TUE, "monitorizare-presa", "clerk", lucrari=1),
                                          Row("presa", TUE, "comunicate-site", "clerk", lucrari=1, documente=3)])


def test_one_save_for_the_whole_grid(app, as_user):
    seed(app)
    sup = as_user("supervisor")
    page = sup.get(f"/data/presa?week={W}").get_data(as_text=True)
    header = re.findall(r'<th scope="col" class="grid-col">([^<]*)', page)
    assert [h.strip() for h in header] == [f"{d}, {c}" for d in ("lun. 23 nov.", "mar. 24 nov.", "mie. 25 nov.",
                                                                 "joi 26 nov.", "vin. 27 nov.")
                                            for c in ("clerk", "clerk2")]
    rows = re.findall(r'<th scope="row">([^<]*)</th>', page)
    assert rows[:3] == ["Studiere solicitare — Nr. lucrări", "Studiere + verificare documente atașate — Nr. lucrări",
                        "Adresă de înștiințare către solicitant — Nr. documente produse"]
    assert "Monitorizarea zilnică a presei (zilnic)" in rows
    assert "Solicitări de presă — Discuții telefonice" in rows
    data = page_form(page)
    assert data[name("l544-studiere", "lucrari", TUE, "clerk")] == "2"
    assert data[name("monitorizare-presa", "lucrari", TUE, "clerk")] == "1"  # a checked checkbox
    data[name("l544-studiere", "lucrari", TUE, "clerk")] = "5"  # corrected
    data[name("adrese-email", "lucrari", WED, "clerk2")] = "3"  # a new figure
    data[name("monitorizare-presa", "lucrari", MON, "clerk")] = "1"  # ticked
    del data[name("monitorizare-presa", "lucrari", TUE, "clerk")]  # unticked: the row goes
    data[name("comunicate-site", "documente", TUE, "clerk")] = ""  # one of two figures blanked
    r = sup.post(f"/data/presa/grid?week={W}", data=data)
    assert r.status_code == 302 and r.headers["Location"] == f"/data/presa?week={W}"
    assert stored(app) == [
        (23, "clerk", "monitorizare-presa", "", 1, None, "supervisor"),
        (24, "clerk", "comunicate-site", "", 1, None, "supervisor"),
        (24, "clerk", "l544-studiere", "", 5, None, "supervisor"),
        (25, "clerk2", "adrese-email", "", 3, None, "supervisor"),
    ]
    trail = app.extensions["state"].trail("presa", W)
    assert sorted((t["kind"], t["day"], t["clerk"], t["activity"], t["counter"], t["old"], t["new"]) for t in trail) == [
        ("correct", "2026-11-23", "clerk", "monitorizare-presa", "lucrari", "", "1"),
        ("correct", "2026-11-24", "clerk", "comunicate-site", "documente", "3", ""),
        ("correct", "2026-11-24", "clerk", "l544-studiere", "lucrari", "2", "5"),
        ("correct", "2026-11-25", "clerk2", "adrese-email", "lucrari", "", "3"),
        ("delete", "2026-11-24", "clerk", "monitorizare-presa", "lucrari", "1", ""),
    ]
    assert "Salvat: 5 cifre modificate." in sup.get(f"/data/presa?week={W}").get_data(as_text=True)


def test_a_refused_value_is_shown_next_to_its_cell_and_kept(app, as_user):
    seed(app)
    sup = as_user("supervisor")
    data = page_form(sup.get(f"/data/presa?week={W}").get_data(as_text=True))
    data[name("l544-studiere", "lucrari", TUE, "clerk")] = "doi"
    data[name("adrese-email", "lucrari", WED, "clerk2")] = "4"
    r = sup.post(f"/data/presa/grid?week={W}", data=data)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert "Nu s-a salvat nimic: 1 valoare nu a fost primită; sunt marcate mai jos" in page
    cell = re.search(r'<td class="has-error">(.*?)</td>', page, re.S).group(1)
    assert f'name="{name("l544-studiere", "lucrari", TUE, "clerk")}" value="doi"' in cell
    assert 'aria-invalid="true"' in cell and '<span class="cell-error"' in cell
    assert "Studiere solicitare — Nr. lucrări, mar. 24 nov., clerk</a>:" in page  # the summary names the cell
    assert f'value="4"' in page  # the other typed value is kept too
    assert stored(app) == [(24, "clerk", "comunicate-site", "", 1, 3, ""), (24, "clerk", "l544-studiere", "", 2, None, ""),
                           (24, "clerk", "monitorizare-presa", "", 1, None, "")]


def test_a_figure_changed_since_the_page_was_shown_is_not_overwritten(app, as_user):
    seed(app)
    sup = as_user("supervisor")
    data = page_form(sup.get(f"/data/presa?week={W}").get_data(as_text=True))
    clerk = as_user("clerk")
    form = clerk.get(f"/entry/presa?date={TUE}").get_data(as_text=True)
    r = clerk.post(f"/entry/presa?date={TUE}", data={
        "l544-studiere__lucrari": "7", "monitorizare-presa__done": "y", "comunicate-site__lucrari": "1",
        "comunicate-site__documente": "3", "shown": html_unescape(field_value(form, "shown"))})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    data[name("l544-studiere", "lucrari", TUE, "clerk")] = "9"
    data[name("adrese-email", "lucrari", WED, "clerk2")] = "4"
    r = sup.post(f"/data/presa/grid?week={W}", data=data)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Nu s-a salvat nimic: între timp altcineva a modificat cifre din tabel" in page
    assert "Modificat între timp de clerk: acum 7." in page
    assert f'name="{name("l544-studiere", "lucrari", TUE, "clerk")}" value="9"' in page
    assert (24, "clerk", "l544-studiere", "", 7, None, "") in stored(app)
    assert not any(r[2] == "adrese-email" for r in stored(app))
    # Saving again from the refusal page: the supervisor has now seen 7.
    again = page_form(page)
    assert sup.post(f"/data/presa/grid?week={W}", data=again).status_code == 302
    assert (24, "clerk", "l544-studiere", "", 9, None, "supervisor") in stored(app)
    assert (25, "clerk2", "adrese-email", "", 4, None, "supervisor") in stored(app)


def test_filters_and_closed_weeks(app, as_user):
    seed(app)
    sup = as_user("supervisor")
    page = sup.get(f"/data/presa?week={W}&clerk=clerk&activity=l544-studiere").get_data(as_text=True)
    assert re.findall(r'<th scope="row">([^<]*)</th>', page) == ["Studiere solicitare — Nr. lucrări"]
    data = page_form(page)
    assert sorted(k for k in data if k != "shown") == sorted(
        name("l544-studiere", "lucrari", d, "clerk") for d in (MON, TUE, WED, date(2026, 11, 26), date(2026, 11, 27)))
    data[name("l544-studiere", "lucrari", MON, "clerk")] = "1"
    r = sup.post(f"/data/presa/grid?week={W}&clerk=clerk&activity=l544-studiere", data=data)
    assert r.headers["Location"] == f"/data/presa?week={W}&clerk=clerk&activity=l544-studiere"
    assert (23, "clerk", "l544-studiere", "", 1, None, "supervisor") in stored(app)
    app.extensions["state"].set_week("presa", W, True, "supervisor")
    before = stored(app)
    data[name("l544-studiere", "lucrari", MON, "clerk")] = "8"
    r = sup.post(f"/data/presa/grid?week={W}&clerk=clerk&activity=l544-studiere", data=data)
    assert r.status_code == 409 and "corectările și ștergerile sunt oprite" in r.get_data(as_text=True)
    assert stored(app) == before
    assert 'disabled' in sup.get(f"/data/presa?week={W}").get_data(as_text=True)


def test_deleting_a_clerks_day_asks_first(app, as_user):
    seed(app)
    sup = as_user("supervisor")
    url = f"/data/presa/delete?week={W}&day={TUE}&clerk=clerk"
    page = sup.get(url).get_data(as_text=True)
    assert "Ștergeți rândurile lui clerk din 24 noiembrie 2026?" in page
    assert "Rândurile care vor fi șterse (3)" in page
    assert stored(app)  # nothing deleted by looking
    shown = htmllib.unescape(re.search(r'name="shown" value="([^"]*)"', page).group(1))
    assert sup.post(url, data={"shown": shown + "x"}).status_code == 409
    assert len(stored(app)) == 3
    r = sup.post(url, data={"shown": shown})
    assert r.status_code == 302 and stored(app) == []
    kinds = [(t["kind"], t["activity"], t["counter"]) for t in app.extensions["state"].trail("presa", W)]
    assert sorted(kinds) == [("delete", "comunicate-site", "documente"), ("delete", "comunicate-site", "lucrari"),
                             ("delete", "l544-studiere", "lucrari"), ("delete", "monitorizare-presa", "lucrari")]


def test_grid_save_on_the_google_backend(tmp_path, monkeypatch):
    """The same save through real gspread against the in-repo emulator: a
    correction, a new figure (created for the clerk, marked as corrected by
    the supervisor) and an unticked daily activity."""
    from sheets_emulator import EmulatorServer
    from tests.conftest import login, make_app

    with EmulatorServer() as server:
        server.emulator.create_spreadsheet("1GridOnGoogle_abcdefghijklmnopq", title="Raportare")
        monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
        app = make_app(tmp_path / "g", SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID="1GridOnGoogle_abcdefghijklmnopq",
                       SHEETS_SYNC_INTERVAL=0)
        seed(app)
        store = app.extensions["store"]
        store.sync_queue.sync(max_seconds=10)
        sup = app.test_client()
        login(sup, "supervisor")
        data = page_form(sup.get(f"/data/presa?week={W}").get_data(as_text=True))
        data[name("l544-studiere", "lucrari", TUE, "clerk")] = "5"
        data[name("adrese-email", "lucrari", WED, "clerk2")] = "3"
        del data[name("monitorizare-presa", "lucrari", TUE, "clerk")]
        r = sup.post(f"/data/presa/grid?week={W}", data=data)
        assert r.status_code == 302
        assert store.sync_queue.sync(max_seconds=10)["pending"] == 0
        assert stored(app) == [
            (24, "clerk", "comunicate-site", "", 1, 3, ""),
            (24, "clerk", "l544-studiere", "", 5, None, "supervisor"),
            (25, "clerk2", "adrese-email", "", 3, None, "supervisor"),
        ]
        kinds = sorted((t["kind"], t["activity"]) for t in app.extensions["state"].trail("presa", W))
        assert kinds == [("correct", "adrese-email"), ("correct", "l544-studiere"), ("delete", "monitorizare-presa")]
        store.close()

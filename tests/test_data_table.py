"""The supervisors' table: correct a figure, delete a row, who changed what."""
from __future__ import annotations

import re
from datetime import date

DAY = date(2026, 11, 24)


def rows(app):
    result = app.extensions["store"].read(["presa"], DAY, DAY, fresh=True)
    return sorted((r.activity, r.clerk, r.lucrari, r.documente, r.note, r.changed_by) for r in result.rows)


def test_correct_delete_and_audit(app, as_user):
    as_user("clerk").post(f"/entry/presa?date={DAY}", data={
        "l544-studiere__lucrari": "2", "comunicate-site__lucrari": "1", "comunicate-site__documente": "3"})
    sup = as_user("supervisor")
    page = sup.get("/data/presa?week=2026-W48").get_data(as_text=True)
    assert 'name="v|l544-studiere||lucrari|2026-11-24|clerk" value="2"' in page  # the grid shows the figure
    by_activity = {r.activity: r.row_id for r in app.extensions["store"].read(["presa"], DAY, DAY).rows}

    r = sup.post(f"/data/presa/{by_activity['comunicate-site']}?week=2026-W48",
                 data={"action": "save", "lucrari": "4", "documente": "3", "note": "verificat la registratură"})
    assert r.status_code == 302 and r.headers["Location"] == "/data/presa?week=2026-W48"
    r = sup.post(f"/data/presa/{by_activity['l544-studiere']}?week=2026-W48", data={"action": "delete"})
    assert r.status_code == 302
    assert rows(app) == [("comunicate-site", "clerk", 4, 3, "verificat la registratură", "supervisor")]

    page = sup.get("/data/presa?week=2026-W48").get_data(as_text=True)
    assert "Rândul a fost șters." in page
    changes = re.findall(r"<li>(.*?)</li>", page.split("Modificări recente")[1], re.S)
    changes = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in changes]
    assert [c.split(" — ", 1)[1] for c in changes] == [  # newest first; the clerk's save too
        "supervisor: ștergere, 24.11.2026 (rândul lui clerk), Studiere solicitare — Nr. lucrări: 2 → —",
        "supervisor: corectare, 24.11.2026 (rândul lui clerk), Postate pe site — Observații: — → "
        "verificat la registratură",
        "supervisor: corectare, 24.11.2026 (rândul lui clerk), Postate pe site — Nr. lucrări: 1 → 4",
        "clerk: salvare, 24.11.2026, Postate pe site — Nr. documente produse: — → 3",
        "clerk: salvare, 24.11.2026, Postate pe site — Nr. lucrări: — → 1",
        "clerk: salvare, 24.11.2026, Studiere solicitare — Nr. lucrări: — → 2",
    ]
    assert 'name="v|comunicate-site||lucrari|2026-11-24|clerk" value="4"' in page

    # A bad figure changes nothing and says why, in Romanian.
    r = sup.post(f"/data/presa/{by_activity['comunicate-site']}?week=2026-W48",
                 data={"action": "save", "lucrari": "-1", "documente": "3", "note": ""}, follow_redirects=True)
    assert "Nu s-a salvat nimic. Nr. lucrări: Numărul nu poate fi negativ." in r.get_data(as_text=True)
    assert rows(app) == [("comunicate-site", "clerk", 4, 3, "verificat la registratură", "supervisor")]


def test_clerk_saving_the_day_again_keeps_what_the_form_does_not_show(app, as_user):
    """A supervisor's note, its "corectat de" mark on an unchanged row, and a
    row of an activity no longer in the catalog survive the clerk's re-save."""
    from domain.rows import Row

    clerk, sup = as_user("clerk"), as_user("supervisor")
    clerk.post(f"/entry/presa?date={DAY}", data={"l544-studiere__lucrari": "2", "adrese-email__lucrari": "1"})
    store = app.extensions["store"]
    by_activity = {r.activity: r.row_id for r in store.read(["presa"], DAY, DAY).rows}
    sup.post(f"/data/presa/{by_activity['l544-studiere']}?week=2026-W48",
             data={"action": "save", "lucrari": "2", "documente": "", "note": "verificat"})
    old = Row("presa", DAY, "activitate-veche", "clerk", lucrari=4)
    mine = [r for r in store.read(["presa"], DAY, DAY).rows]
    store.save_day("presa", DAY, "clerk", mine + [old])
    r = clerk.post(f"/entry/presa?date={DAY}", data={"l544-studiere__lucrari": "2", "adrese-email__lucrari": "3",
                                                     "shown": '{"l544-studiere__lucrari":2,"adrese-email__lucrari":1}'})
    assert r.status_code == 302
    assert rows(app) == [
        ("activitate-veche", "clerk", 4, None, "", ""),
        ("adrese-email", "clerk", 3, None, "", ""),
        ("l544-studiere", "clerk", 2, None, "verificat", "supervisor"),
    ]
    assert "Salvat: 2 rânduri pentru" in clerk.get(f"/entry/presa?date={DAY}").get_data(as_text=True)


def test_google_pages_are_linked_from_the_data_pages(tmp_path, monkeypatch, as_user):
    from sheets_emulator import EmulatorServer
    from tests.conftest import login, make_app

    links = ('href="/data/problems">Probleme în date</a>', 'href="/data/outbox">Sincronizare</a>')
    local = as_user("supervisor").get("/data/").get_data(as_text=True)
    assert not any(link in local for link in links)
    with EmulatorServer() as server:
        server.emulator.create_spreadsheet("1DataPagesLinks_abcdefghijklmnop", title="Raportare")
        monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
        app = make_app(tmp_path / "g", SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID="1DataPagesLinks_abcdefghijklmnop",
                       SHEETS_SYNC_INTERVAL=0)
        c = app.test_client()
        login(c, "supervisor")
        for url in ("/data/", "/data/presa?week=2026-W48"):
            page = c.get(url).get_data(as_text=True)
            assert all(link in page for link in links), url

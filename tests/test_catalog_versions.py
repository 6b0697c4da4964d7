"""Catalog versions (issue 15): the one rule set through `catalog import`,
conflicts, effective weeks and retired activities, export, and a publish
reaching every worker of a running server without a restart."""
from __future__ import annotations

import copy
import subprocess
import sys
import time
from datetime import date

import pytest
import yaml

from forms.catalog import Problem, check_document, diff_documents, document_of, office_from_document
from state.catalogs import CatalogConflict, CatalogInvalid
from tests.conftest import PASSWORD, ROOT, login, make_app
from tests.htmltables import html_tables


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def catalogs(app):
    return app.extensions["catalogs"]


def run_import(app, tmp_path, doc, *args):
    path = tmp_path / "import.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["catalog", "import", str(path), "--by", "ana", *args])


def presa(app) -> dict:
    return catalogs(app).document("presa")


def edit(doc, fn):
    doc = copy.deepcopy(doc)
    fn(doc)
    return doc


def first(doc):
    return doc["work_types"][0]["activities"][0]


def _set(path, value):
    def fn(doc):
        node = doc
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if k.isdigit() else node[k]
        node[keys[-1]] = value
    return fn


# -- each rule through `catalog import` -----------------------------------------------------

RULES = [
    ("empty label", _set("work_types.0.activities.1.label", "  "),
     "import.yaml: work_types.0.activities.1.label: Completați denumirea activității."),
    ("duplicate id", _set("work_types.0.activities.1.id", "l544-studiere"),
     "import.yaml: work_types.0.activities.1.id: Id-ul „l544-studiere” este folosit deja de altă activitate a "
     "biroului; fiecare activitate are un id al ei."),
    ("changed id of an activity with rows", _set("work_types.0.activities.0.id", "studiere-noua"),
     "import.yaml: work_types.0.activities.0.id: Activitatea „Studiere solicitare” are rânduri înregistrate: "
     "id-ul ei „l544-studiere” nu se poate schimba. Retrageți-o și adăugați o activitate nouă."),
    ("deleted activity with rows", lambda d: d["work_types"][0]["activities"].pop(0),
     "import.yaml: work_types: Activitatea „Studiere solicitare” (l544-studiere) are rânduri înregistrate și nu "
     "poate fi ștearsă; retrageți-o."),
    ("changed kind of an activity with rows", _set("work_types.0.activities.0.kind", "daily"),
     "import.yaml: work_types.0.activities.0.kind: Activitatea „Studiere solicitare” are rânduri înregistrate: "
     "tipul ei („numărare”) nu se poate schimba în „zilnic, da/nu”. Retrageți-o și adăugați o activitate nouă."),
    ("activity id over 40 characters", _set("work_types.0.activities.1.id", "a" * 41),
     "import.yaml: work_types.0.activities.1.id: Id-ul are 41 de caractere; cel mult 40."),
    ("unknown counter", _set("work_types.0.activities.0.counters", ["lucrari", "ore"]),
     "import.yaml: work_types.0.activities.0.counters: Contor necunoscut „ore”; se acceptă: lucrari (Nr. lucrări), "
     "documente (Nr. documente produse)."),
    ("breakdown without parts", lambda d: d["work_types"][1]["activities"][0].pop("parts"),
     "import.yaml: work_types.1.activities.0.parts: O activitate defalcată pe părți trebuie să aibă cel puțin "
     "o parte."),
    ("title over 100 characters", _set("title", "SERVICIUL " + "Ă" * 91),
     "import.yaml: title: Titlul are 101 caractere; Google Sheets acceptă pentru numele unei foi cel mult 100."),
    ("title clashing ignoring case", _set("title", "Serviciul Consiliere și Îndrumare"),
     "import.yaml: title: Titlul „Serviciul Consiliere și Îndrumare” este același (ignorând majusculele) cu al "
     "biroului „consiliere”; fiecare birou are propria foaie, cu un nume diferit."),
]


@pytest.mark.parametrize("name, change, message", RULES, ids=[r[0] for r in RULES])
def test_each_rule_through_catalog_import(app, tmp_path, name, change, message):
    clerk = app.test_client()
    login(clerk, "clerk")
    assert clerk.post("/entry/presa?date=2026-11-23", data={"l544-studiere__lucrari": "7"}).status_code == 302
    before = catalogs(app).history("presa")
    r = run_import(app, tmp_path, edit(presa(app), change))
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", message + "\nCatalog invalid: nu s-a publicat nimic.\n")
    assert catalogs(app).history("presa") == before  # nothing published


def test_a_new_office_slug_over_40_characters_is_refused_and_its_kinds_are_free(app, tmp_path):
    doc = {"slug": "s" * 41, "title": "SERVICIUL NOU", "work_types": [
        {"title": "Grup", "activities": [{"id": "a", "label": "A", "counters": ["lucrari"]}]}]}
    r = run_import(app, tmp_path, doc)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", (
        "import.yaml: slug: Identificatorul are 41 de caractere; cel mult 40.\n"
        "Catalog invalid: nu s-a publicat nimic.\n"))
    # an activity without rows may change its kind
    before = presa(app)
    assert run_import(app, tmp_path, edit(before, _set("work_types.0.activities.2.kind", "daily"))).exit_code == 0
    assert presa(app)["work_types"][0]["activities"][2]["kind"] == "daily"


@pytest.mark.parametrize("slug", ["outbox", "problems"])
def test_slug_clashing_with_a_route_through_catalog_import(app, tmp_path, slug):
    doc = {"slug": slug, "title": "SERVICIUL NOU", "work_types": [
        {"title": "Grup", "activities": [{"id": "a", "label": "A", "counters": ["lucrari"]}]}]}
    r = run_import(app, tmp_path, doc)
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", (
        f"import.yaml: slug: Identificatorul „{slug}” este adresa unei pagini a aplicației (/data/{slug}); "
        "nu se pot folosi: outbox, problems.\nCatalog invalid: nu s-a publicat nimic.\n"))
    assert [v.slug for v in catalogs(app).offices()] == ["presa", "consiliere"]


def test_every_problem_is_listed_with_its_path():
    doc = {"slug": "Birou Nou", "title": "", "order": "1", "work_types": [
        {"title": "", "activities": [
            {"id": "a", "label": "", "counters": []},
            {"id": "a", "label": "B", "counters": ["lucrari", "documente"], "kind": "breakdown",
             "parts": [{"key": "x", "singular": "", "plural": "xs"}]},
            {"id": "c", "label": "C", "counters": ["lucrari"], "parts": [{"key": "x"}]}]}]}
    assert [str(p) for p in check_document(doc)] == [
        "order: Ordinea în raport trebuie să fie un număr întreg.",
        "slug: Identificatorul „Birou Nou” poate conține doar litere mici fără diacritice, cifre și „-”.",
        "title: Completați titlul biroului.",
        "work_types.0.activities.0.counters: Alegeți cel puțin un contor: lucrari (Nr. lucrări), documente "
        "(Nr. documente produse).",
        "work_types.0.activities.0.label: Completați denumirea activității.",
        "work_types.0.activities.1.counters: O activitate defalcată pe părți are exact un contor.",
        "work_types.0.activities.1.id: Id-ul „a” este folosit deja de altă activitate a biroului; fiecare "
        "activitate are un id al ei.",
        "work_types.0.activities.1.parts.0.singular: Completați forma de singular (de ex. „discuție telefonică”).",
        "work_types.0.activities.2.parts: Doar o activitate defalcată pe părți (breakdown) are părți.",
        "work_types.0.title: Completați titlul lucrării specifice.",
    ]
    assert check_document(doc)[0] == Problem("order", "Ordinea în raport trebuie să fie un număr întreg.")


def test_documents_round_trip(app):
    for info in catalogs(app).offices():
        doc = catalogs(app).document(info.slug)
        office = office_from_document(doc)
        assert document_of(office) == doc
        assert office_from_document(document_of(office)) == office


# -- versions: conflicts, export, effective weeks ---------------------------------------------

def test_export_then_import_and_a_stale_base_is_a_conflict(app, tmp_path):
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["catalog", "export", "consiliere"])
    assert exported.exit_code == 0
    head, text = exported.stdout.split("\n", 1)
    assert head == "# consiliere: versiunea 1, în vigoare din 2000-W01, publicată de seed la 27 noiembrie 2026, 16:00"
    doc = yaml.safe_load(text)
    assert doc == {"version": 1, **catalogs(app).document("consiliere")}
    # another admin publishes meanwhile, in the browser
    theirs = edit(catalogs(app).document("consiliere"), _set("work_types.0.activities.0.label", "Audiențe"))
    catalogs(app).publish(theirs, by="admin2", base=1)
    mine = edit(doc, _set("title", "SERVICIUL CONSILIERE"))
    r = run_import(app, tmp_path, mine)
    old_label = catalogs(app).document("consiliere", 1)["work_types"][0]["activities"][0]["label"]
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", (
        "import.yaml: conflict: consiliere are între timp versiunea 2, publicată de admin2 la "
        "27 noiembrie 2026, 16:00; fișierul pornește de la versiunea 1. Schimbările ei:\n"
        f"  Redenumită: {old_label} → Audiențe\n"
        "Exportați din nou (flask --app app catalog export), refaceți modificarea și importați.\n"))
    # exported again, the change goes through on top of theirs: nothing lost
    doc = yaml.safe_load(runner.invoke(args=["catalog", "export", "consiliere"]).stdout)
    r = run_import(app, tmp_path, edit(doc, _set("title", "SERVICIUL CONSILIERE")), "--effective", "2026-w50")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0, "import.yaml: consiliere — versiunea 3, în vigoare din 2026-W50, publicată de ana.\n", "")
    latest = catalogs(app).document("consiliere")
    assert (latest["title"], latest["work_types"][0]["activities"][0]["label"]) == ("SERVICIUL CONSILIERE", "Audiențe")
    assert [(v.version, v.effective, v.published_by) for v in catalogs(app).history("consiliere")] == [
        (3, "2026-W50", "ana"), (2, "2026-W48", "admin2"), (1, "2000-W01", "seed")]
    assert diff_documents(catalogs(app).document("consiliere", 2), latest) == [
        "Titlu schimbat: SERVICIUL CONSILIERE ȘI ÎNDRUMARE → SERVICIUL CONSILIERE"]


def test_publish_conflicts_and_invalid(app):
    cv = catalogs(app)
    doc = cv.document("presa")
    with pytest.raises(CatalogConflict) as info:  # a new office whose slug exists
        cv.publish(doc, by="ana", base=None)
    assert (info.value.current.slug, info.value.current.version, info.value.changes) == (
        "presa", 1, ["Birou nou: SERVICIUL PRESĂ (presa)"])
    with pytest.raises(CatalogInvalid) as bad:
        cv.publish(edit(doc, _set("slug", "presa2")), by="ana", base=None, ids_with_rows=set())
    assert [str(p) for p in bad.value.problems] == [
        "title: Titlul „SERVICIUL PRESĂ” este același (ignorând majusculele) cu al biroului „presa”; fiecare "
        "birou are propria foaie, cu un nume diferit."]
    with pytest.raises(CatalogInvalid) as bad:
        cv.publish(edit(doc, _set("slug", "presa2")), by="ana", base=1)
    assert [str(p) for p in bad.value.problems] == ["slug: Biroul „presa2” nu există; un birou nou se publică fără versiune de bază."]


def test_ids_are_never_reused_a_dropped_activity_stays_retired(app):
    cv = catalogs(app)
    doc = edit(cv.document("presa"), lambda d: d["work_types"][0]["activities"].pop(0))
    cv.publish(doc, by="ana", base=1, effective="2026-W49")
    stored = cv.document("presa")
    assert stored["work_types"][0]["activities"][-1] == {
        "id": "l544-studiere", "label": "Studiere solicitare", "text": "Studiere solicitare",
        "counters": ["lucrari"], "retired": True}
    assert diff_documents(cv.document("presa", 1), stored) == ["Retrasă: Studiere solicitare", (
        "Ordinea activităților schimbată: " + ", ".join(
            a["label"] for wt in stored["work_types"] for a in wt["activities"]))]


def _table(client, query):
    return html_tables(client.get(f"/report?{query}&service=presa").get_data(as_text=True))[0]


def test_retired_next_week(app):
    """Retired effective next week: this week's form and report have it,
    next week's report does not, a two-week report has it with this week's figure."""
    clock = app.extensions["clock"]
    clerk = app.test_client()
    login(clerk, "clerk")
    assert clerk.post("/entry/presa?date=2026-11-23", data={"l544-studiere__lucrari": "7"}).status_code == 302
    doc = edit(catalogs(app).document("presa"), _set("work_types.0.activities.0.retired", True))
    catalogs(app).publish(doc, effective="2026-W49", by="admin", base=1)
    form = clerk.get("/entry/presa?date=2026-11-27").get_data(as_text=True)
    assert 'name="l544-studiere__lucrari"' in form
    boss = app.test_client()
    login(boss, "supervisor")
    this_week = _table(boss, "week=2026-W48")
    assert this_week[1] == ["Rezolvarea solicitărilor formulate în baza Legii 544/2001", "Studiere solicitare",
                            "7", ""]
    next_week = _table(boss, "week=2026-W49")
    assert next_week[1] == ["Rezolvarea solicitărilor formulate în baza Legii 544/2001",
                            "Studiere + verificare documente atașate", "0", ""]
    assert len(next_week) == len(this_week) - 1
    assert "Studiere solicitare" not in [cell for row in next_week for cell in row]
    both = _table(boss, "from=2026-11-23&to=2026-12-06")
    assert both == this_week
    clock.set("2026-12-02T10:00")  # next week: the form has it no more
    form = clerk.get("/entry/presa?date=2026-12-02").get_data(as_text=True)
    assert 'name="l544-studiere__lucrari"' not in form and 'name="l544-verificare__lucrari"' in form
    assert 'name="l544-studiere__lucrari"' in clerk.get("/entry/presa?date=2026-11-27").get_data(as_text=True)


def test_effective_week_defaults_to_the_current_one_and_earlier_weeks_keep_their_layout(app):
    cv = catalogs(app)
    doc = edit(cv.document("presa"), _set("work_types.0.activities.1.label", "Verificare"))
    info = cv.publish(doc, by="admin", base=1)
    assert (info.version, info.effective, info.published_by, info.published_at) == (
        2, "2026-W48", "admin", "2026-11-27T14:00:00+00:00")
    label = lambda d: cv.catalog_for(d, d).office("presa").activity("l544-verificare").label
    assert (label(date(2026, 11, 20)), label(date(2026, 11, 23)), label(date(2027, 1, 4))) == (
        "Studiere + verificare documente atașate", "Verificare", "Verificare")
    assert cv.current().office("presa").activity("l544-verificare").label == "Verificare"


# -- a third office, live: every gunicorn worker within 5 s -----------------------------------------

THIRD = {"order": 3, "slug": "registratura", "title": "SERVICIUL REGISTRATURĂ", "work_types": [
    {"title": "Înregistrare", "activities": [
        {"id": "acte-intrate", "label": "Acte intrate", "counters": ["lucrari", "documente"]}]}]}


def test_import_reaches_every_worker_without_a_restart(tmp_path):
    import requests

    from devtools.live import Clerk, create_users, gunicorn

    instance = tmp_path / "instance"
    create_users(instance, [("reg", "clerk", ("registratura",)), ("sef", "supervisor", ())], processes=1)
    (tmp_path / "third.yaml").write_text(yaml.safe_dump(THIRD, allow_unicode=True), encoding="utf-8")
    with gunicorn(instance, workers=3, log=tmp_path / "gunicorn.log") as base:
        clerk = Clerk(base, "reg")
        clerk.login()

        def page():  # a new connection each time: any of the three workers answers
            return clerk.http.get(f"{base}/entry/registratura?date=2026-11-23", headers={"Connection": "close"},
                                  timeout=10, allow_redirects=False)

        assert [page().status_code for _ in range(9)] == [404] * 9  # every worker has read the catalog
        env = {"FLASK_INSTANCE_PATH": str(instance), "FLASK_CLOCK_START": "2026-11-27T16:00",
               "PATH": "/usr/bin:/bin"}
        r = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "catalog", "import",
                            str(tmp_path / "third.yaml"), "--by", "admin"],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        published = time.monotonic()
        assert (r.returncode, r.stdout, r.stderr) == (
            0, "third.yaml: registratura — versiunea 1, în vigoare din 2026-W48, publicată de admin.\n", "")
        streak, first_ok, seen = 0, None, []
        while streak < 12:
            resp = page()
            seen.append(resp.status_code)
            if resp.status_code == 200 and "Acte intrate" in resp.text:
                first_ok = first_ok or time.monotonic()
                streak += 1
            else:
                streak = 0
            assert time.monotonic() - published < 5, seen
            time.sleep(0.05)
        delay = time.monotonic() - published
        print(f"every worker shows the imported office within {delay:.2f} s "
              f"(first page {first_ok - published:.2f} s)")
        saved = clerk.submit("registratura", "2026-11-23", {"acte-intrate__lucrari": "4",
                                                            "acte-intrate__documente": "2"})
        assert saved.status_code == 302, saved.text[:500]
        boss = requests.Session()
        page0 = boss.get(base + "/login", timeout=10)
        from devtools.live import token_of

        boss.post(base + "/login", data={"username": "sef", "password": PASSWORD, "csrf_token": token_of(page0.text)},
                  timeout=10)
        table = html_tables(boss.get(base + "/report?week=2026-W48&service=registratura", timeout=10).text)[0]
        assert table[:2] == [["Lucrări specifice", "Activități", "Nr. lucrări", "Nr. documente produse"],
                             ["Înregistrare", "Acte intrate", "4", "2"]]


# -- the Google backend: a new office's worksheet, a renamed office's worksheet ------------------

def test_google_new_office_gets_its_worksheet_and_a_renamed_office_keeps_it(tmp_path, monkeypatch):
    from sheets_emulator import EmulatorServer
    from tests.test_google_backend import SS, google_app

    with EmulatorServer() as server:
        emu = server.emulator
        emu.create_spreadsheet(SS, title="Raportare activitate")
        app = google_app(tmp_path, server, monkeypatch)
        store = app.extensions["store"]
        app.extensions["users"].add("reg", PASSWORD, "clerk", ["registratura"])
        catalogs(app).publish(THIRD, by="admin", base=None)
        clerk = app.test_client()
        login(clerk, "reg")
        r = clerk.post("/entry/registratura?date=2026-11-23", data={"acte-intrate__lucrari": "4"})
        assert r.status_code == 302
        assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
        # created on first use, with every other office's missing worksheet in the same write
        others = ["SERVICIUL CONSILIERE ȘI ÎNDRUMARE", "SERVICIUL PRESĂ", "Sheet1"]
        assert sorted(emu.sheet_titles()) == sorted(others + ["SERVICIUL REGISTRATURĂ"])
        sheet_id = emu.sheet_properties("SERVICIUL REGISTRATURĂ")["sheetId"]
        # an administrator renames the office: the same worksheet, renamed, keeps its rows
        doc = edit(catalogs(app).document("registratura"), _set("title", "SERVICIUL REGISTRATURĂ GENERALĂ"))
        catalogs(app).publish(doc, by="admin", base=1)
        r = clerk.post("/entry/registratura?date=2026-11-24", data={"acte-intrate__lucrari": "5"})
        assert r.status_code == 302
        assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
        titles = emu.sheet_titles()
        assert "SERVICIUL REGISTRATURĂ" not in titles and "SERVICIUL REGISTRATURĂ GENERALĂ" in titles
        assert emu.sheet_properties("SERVICIUL REGISTRATURĂ GENERALĂ")["sheetId"] == sheet_id
        assert sorted(titles) == sorted(others + ["SERVICIUL REGISTRATURĂ GENERALĂ"])
        rows = store.read(["registratura"], date(2026, 11, 23), date(2026, 11, 29), fresh=True).rows
        assert sorted((r.day.isoformat(), r.lucrari) for r in rows) == [("2026-11-23", 4), ("2026-11-24", 5)]
        # a name a person gives the worksheet by hand is theirs: found by its id, left as it is
        emu.rename_sheet("SERVICIUL REGISTRATURĂ GENERALĂ", "Registratura (de mână)")
        r = clerk.post("/entry/registratura?date=2026-11-25", data={"acte-intrate__lucrari": "6"})
        assert r.status_code == 302
        assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
        assert sorted(emu.sheet_titles()) == sorted(others + ["Registratura (de mână)"])
        assert len(store.read(["registratura"], date(2026, 11, 23), date(2026, 11, 29), fresh=True).rows) == 3


def test_a_retired_activity_left_out_of_the_file_stays_retired_and_bad_weeks_are_refused(app, tmp_path):
    clerk = app.test_client()
    login(clerk, "clerk")
    assert clerk.post("/entry/presa?date=2026-11-23", data={"l544-studiere__lucrari": "7"}).status_code == 302
    cv = catalogs(app)
    cv.publish(edit(cv.document("presa"), _set("work_types.0.activities.0.retired", True)), by="admin", base=1,
               effective="2026-W49")
    doc = edit(cv.document("presa"), lambda d: d["work_types"][0]["activities"].pop(0))
    r = run_import(app, tmp_path, doc, "--effective", "2026-W54")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "", (
        "Error: Săptămâna „2026-W54” nu există: anul 2026 are 53 de săptămâni (2026-W01 … 2026-W53).\n"))
    with pytest.raises(CatalogInvalid) as bad:
        cv.publish(doc, by="admin", base=2, effective="2026-48")
    assert [str(p) for p in bad.value.problems] == [
        "effective: Săptămâna „2026-48” nu este scrisă corect. Folosiți forma AAAA-Wss (anul, litera W și "
        "numărul săptămânii), de ex. 2026-W48."]
    r = run_import(app, tmp_path, doc, "--effective", "2026-W50")
    assert (r.exit_code, r.stderr) == (0, "")
    assert [a["id"] for a in cv.document("presa")["work_types"][0]["activities"] if a.get("retired")] == [
        "l544-studiere"]


def test_a_period_spanning_a_change_shows_the_union_in_the_newest_order(app):
    cv = catalogs(app)
    small = {"slug": "mic", "title": "SERVICIUL MIC", "order": 5, "work_types": [{"title": "Grup", "activities": [
        {"id": "a", "label": "A", "counters": ["lucrari"]}, {"id": "b", "label": "B", "counters": ["lucrari"]},
        {"id": "c", "label": "C", "counters": ["lucrari"]}]}]}
    assert cv.publish(small, by="admin", base=None, effective="2026-W47").version == 1
    newer = edit(cv.document("mic"), lambda d: d["work_types"][0].update(activities=[
        {"id": "c", "label": "C nou", "counters": ["lucrari"]}, {"id": "b", "label": "B", "counters": ["lucrari"]},
        {"id": "d", "label": "D", "counters": ["documente"]}]))
    cv.publish(newer, by="admin", base=1, effective="2026-W49")
    labels = lambda start, end: [a.label for a in cv.catalog_for(start, end).office("mic").activities]
    assert labels(date(2026, 11, 16), date(2026, 11, 29)) == ["A", "B", "C"]
    assert labels(date(2026, 11, 30), date(2026, 12, 6)) == ["C nou", "B", "D"]
    assert labels(date(2026, 11, 23), date(2026, 12, 6)) == ["C nou", "B", "D", "A"]
    assert cv.catalog_for(date(2026, 11, 9), date(2026, 11, 15)).office("mic") is None  # not yet
    assert diff_documents(cv.document("mic", 1), cv.document("mic")) == [
        "Redenumită: C → C nou", "Activitate adăugată: D (d), în „Grup”", "Retrasă: A",
        "Ordinea activităților schimbată: C nou, B, A"]


def test_a_published_office_keeps_its_slug(app):
    cv = catalogs(app)
    doc = edit(cv.document("presa"), _set("slug", "presa-noua"))
    expected = ["slug: Identificatorul unui birou publicat nu se schimbă (rândurile lui îl folosesc): rămâne „presa”."]
    assert [str(p) for p in cv.check(doc, base=1, office="presa")] == expected
    with pytest.raises(CatalogInvalid) as bad:
        cv.publish(doc, by="admin", base=1, office="presa")
    assert [str(p) for p in bad.value.problems] == expected
    assert cv.check(cv.document("presa"), base=1) == []

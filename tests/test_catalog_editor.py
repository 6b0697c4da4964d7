"""The catalog editor (views/catalog.py) through the Flask test client:
each rule of the catalog check shows its message next to its field, the
draft survives, the preview shows the draft, publishing makes a version,
two admins publishing the same office get a conflict and lose nothing,
only admins get in, every POST needs its CSRF token. The pure draft
operations (forms/editor.py) are tested at the end."""
from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from app import create_app
from domain.rows import Row
from forms import editor
from tests.conftest import PASSWORD, csrf_token, login, make_app

WEEK = "2026-W48"  # the tests' clock: Friday 27 November 2026


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    app.extensions["users"].add("admin2", PASSWORD, "admin")
    return app


@pytest.fixture
def admin(app):
    c = app.test_client()
    assert login(c, "admin").status_code == 302
    return c


def signed_in(app, name):
    c = app.test_client()
    assert login(c, name).status_code == 302
    return c


def errors_of(html: str) -> dict[str, str]:
    """field id -> its error message, as the page shows them next to fields."""
    return {k: unescape(v) for k, v in re.findall(r'<p class="field-error" id="([^"]+)-err">([^<]*)</p>', html)}


def described_by(html: str, field: str) -> str:
    m = re.search(rf'<(?:input|textarea|select|fieldset)[^>]*\bid="{re.escape(field)}"[^>]*>', html)
    assert m, f"no field {field}"
    d = re.search(r'aria-describedby="([^"]+)"', m.group(0))
    return d.group(1) if d else ""


def rev_of(html: str) -> str:
    return re.search(r'name="rev" value="(\d+)"', html).group(1)


def new_draft(c) -> str:
    r = c.post("/catalog/new")
    assert r.status_code == 302
    return r.location


def post(c, url, fields: dict, action="save"):
    """Post the editor's form as a browser would, with the page's revision."""
    html = c.get(url).get_data(as_text=True)
    data = {"rev": rev_of(html), "action": action, **fields}
    return c.post(url, data=data)


def office_fields(title="Registratura generală", slug="registratura", order="7"):
    return {"title": title, "slug": slug, "order": order}


def activity(i, j, label, counters=("lucrari",), kind="counts", text="", parts=""):
    n = f"wt{i}-a{j}"
    return {f"{n}-shown": "1", f"{n}-label": label, f"{n}-text": text, f"{n}-counters": list(counters),
            f"{n}-kind": kind, f"{n}-parts": parts}


def small_office(c) -> str:
    """A draft of a small valid office: one work type, two activities."""
    url = new_draft(c)
    post(c, url, {**office_fields(), "wt0-title": "Corespondență"}, "add-act-0")
    post(c, url, {**office_fields(), "wt0-title": "Corespondență",
                  **activity(0, 0, "Scrisori înregistrate", ("lucrari", "documente"))}, "add-act-0")
    r = post(c, url, {**office_fields(), "wt0-title": "Corespondență",
                      **activity(0, 0, "Scrisori înregistrate", ("lucrari", "documente")),
                      **activity(0, 1, "Arhivare zilnică", ("lucrari",), "daily")})
    assert r.status_code == 302
    return url


# -- validation: each rule's message next to its field --------------------------------------


def test_a_new_draft_lists_what_is_missing_next_to_each_field(admin):
    url = new_draft(admin)
    html = admin.get(url).get_data(as_text=True)
    errs = errors_of(html)
    assert errs["title"] == "Completați titlul biroului."
    assert errs["slug"].startswith("Completați identificatorul biroului")
    assert errs["wt0-title"] == "Completați titlul lucrării specifice."
    assert errs["wt0"] == "Lucrarea specifică trebuie să aibă cel puțin o activitate."
    # tied to the fields, and summarised at the top with links to them
    assert described_by(html, "title") == "title-err"
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*id="title"[^>]*>', html).group(0)
    summary = re.search(r'<div class="form-errors problem-summary".*?</div>', html, re.S).group(0)
    assert 'href="#title"' in summary and 'href="#slug"' in summary and 'href="#wt0-title"' in summary


def test_empty_label(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(), "wt0-title": "Corespondență"}, "add-act-0")
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html) == {"wt0-a0-label": "Completați denumirea activității."}
    assert described_by(html, "wt0-a0-label") == "wt0-a0-label-err"


def test_unknown_counter(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(), "wt0-title": "Corespondență"}, "add-act-0")
    post(admin, url, {**office_fields(), "wt0-title": "Corespondență",
                      **activity(0, 0, "Scrisori", ("lucrari", "ore"))})
    html = admin.get(url).get_data(as_text=True)
    errs = errors_of(html)
    assert list(errs) == ["wt0-a0-counters"]
    assert errs["wt0-a0-counters"].startswith("Contor necunoscut „ore”")
    assert described_by(html, "wt0-a0-counters") == "wt0-a0-counters-err"
    # no counter at all
    post(admin, url, {**office_fields(), "wt0-title": "Corespondență", **activity(0, 0, "Scrisori", ())})
    errs = errors_of(admin.get(url).get_data(as_text=True))
    assert errs["wt0-a0-counters"].startswith("Alegeți cel puțin un contor")


def test_unknown_kind_and_a_breakdown_in_both_columns(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(), "wt0-title": "Presă"}, "add-act-0")
    post(admin, url, {**office_fields(), "wt0-title": "Presă", **activity(0, 0, "Solicitări", kind="lunar")})
    errs = errors_of(admin.get(url).get_data(as_text=True))
    assert errs["wt0-a0-kind"].startswith("Tip necunoscut „lunar”")
    post(admin, url, {**office_fields(), "wt0-title": "Presă",
                      **activity(0, 0, "Solicitări", ("lucrari", "documente"), kind="breakdown", parts="Scrise")})
    errs = errors_of(admin.get(url).get_data(as_text=True))
    assert errs == {"wt0-a0-counters": "O activitate defalcată pe părți are exact un contor."}


def test_breakdown_without_parts_then_with_parts(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(), "wt0-title": "Presă"}, "add-act-0")
    post(admin, url, {**office_fields(), "wt0-title": "Presă", **activity(0, 0, "Solicitări", kind="breakdown")})
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html) == {
        "wt0-a0-parts": "O activitate defalcată pe părți trebuie să aibă cel puțin o parte."}
    assert described_by(html, "wt0-a0-parts") == "wt0-a0-parts-hint wt0-a0-parts-err"
    post(admin, url, {**office_fields(), "wt0-title": "Presă",
                      **activity(0, 0, "Solicitări", kind="breakdown",
                                 parts="Discuții telefonice | discuție telefonică | discuții telefonice\nScrise")})
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html) == {}
    doc = admin.application.extensions["catalog_drafts"].of("admin")[0].doc
    assert doc["work_types"][0]["activities"][0]["parts"] == [
        {"key": "discutii-telefonice", "label": "Discuții telefonice", "singular": "discuție telefonică",
         "plural": "discuții telefonice"},
        {"key": "scrise", "label": "Scrise", "singular": "scrise", "plural": "scrise"}]
    # the keys are shown and kept on the next save
    assert "[discutii-telefonice] Discuții telefonice | discuție telefonică | discuții telefonice" in unescape(html)


def test_title_over_100_characters(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(title="S" * 101), "wt0-title": "Corespondență"})
    errs = errors_of(admin.get(url).get_data(as_text=True))
    assert errs["title"].startswith("Titlul are 101 caractere")


def test_title_clashing_with_another_office_ignoring_case(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(title="serviciul presă"), "wt0-title": "Corespondență"})
    errs = errors_of(admin.get(url).get_data(as_text=True))
    assert errs["title"].startswith("Titlul „serviciul presă” este același (ignorând majusculele)")


@pytest.mark.parametrize("slug, message", [
    ("problems", "Identificatorul „problems” este adresa unei pagini a aplicației"),
    ("outbox", "Identificatorul „outbox” este adresa unei pagini a aplicației"),
    ("presa", "Există deja un birou cu identificatorul „presa”."),
    ("Registratură", "Identificatorul „Registratură” poate conține doar litere mici"),
])
def test_slug_clashing_with_a_route_or_an_office(admin, slug, message):
    url = new_draft(admin)
    post(admin, url, {**office_fields(slug=slug), "wt0-title": "Corespondență"})
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html)["slug"].startswith(message)
    assert "slug-err" in described_by(html, "slug")


def test_order_must_be_a_whole_number(admin):
    url = new_draft(admin)
    post(admin, url, {**office_fields(order="întâi"), "wt0-title": "Corespondență"})
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html)["order"] == "Ordinea în raport trebuie să fie un număr întreg."
    assert 'value="întâi"' in html  # what was typed is kept


def _presa_draft(c):
    r = c.get("/catalog/presa/edit")
    assert r.status_code == 302
    return r.location


def test_duplicate_id_in_a_draft_is_shown_at_the_second_activity(app, admin):
    """The editor never makes a duplicate id (ids come from labels, made
    unique); a draft holding one anyway (e.g. written before) is refused
    with the message at the second activity's label."""
    url = _presa_draft(admin)
    store = app.extensions["catalog_drafts"]
    draft = store.of("admin")[0]
    doc = draft.doc
    doc["work_types"][0]["activities"][1]["id"] = doc["work_types"][0]["activities"][0]["id"]
    store.save(draft.id, doc)
    html = admin.get(url).get_data(as_text=True)
    errs = errors_of(html)
    assert errs["wt0-a1-label"].startswith("Id-ul „l544-studiere” este folosit deja de altă activitate")
    assert described_by(html, "wt0-a1-label") == "wt0-a1-label-err"


def test_changed_id_of_an_activity_with_rows(app, admin):
    day = date(2026, 11, 24)
    app.extensions["store"].save_day("presa", day, "clerk", [Row("presa", day, "adrese-email", "clerk", lucrari=2)])
    url = _presa_draft(admin)
    store = app.extensions["catalog_drafts"]
    draft = store.of("admin")[0]
    doc = draft.doc
    where = next((i, j) for i, wt in enumerate(doc["work_types"]) for j, a in enumerate(wt["activities"])
                 if a["id"] == "adrese-email")
    doc["work_types"][where[0]]["activities"][where[1]]["id"] = "adrese-de-email"
    store.save(draft.id, doc)
    html = admin.get(url).get_data(as_text=True)
    field = f"wt{where[0]}-a{where[1]}-label"
    assert errors_of(html)[field].startswith("Activitatea „Gestionare adrese de e-mail” are rânduri înregistrate")
    # and publishing it is refused with the same message
    r = admin.post(url + "/publish", data={"effective": WEEK})
    assert r.status_code == 400
    assert "are rânduri înregistrate" in unescape(r.get_data(as_text=True))


def test_new_ids_come_from_labels_unique_and_never_a_retired_one(app, admin):
    url = _presa_draft(admin)
    doc = app.extensions["catalog_drafts"].of("admin")[0].doc
    n = len(doc["work_types"][-1]["activities"])
    last = len(doc["work_types"]) - 1
    r = post(admin, url, {}, f"add-act-{last}")
    assert r.location.endswith(f"#wt{last}-a{n}")
    # "Adrese e-mail": like the id of adrese-email? no: the label's slug is adrese-e-mail.
    post(admin, url, activity(last, n, "Gestionare adrese de e-mail"))
    post(admin, url, {}, f"add-act-{last}")
    post(admin, url, activity(last, n + 1, "Gestionare adrese de e-mail"))
    doc = app.extensions["catalog_drafts"].of("admin")[0].doc
    ids = [a["id"] for a in doc["work_types"][last]["activities"][n:]]
    assert ids == ["gestionare-adrese-de-e-mail", "gestionare-adrese-de-e-mail-2"]
    reserved = {"gestionare-adrese-de-e-mail"}
    again = {"work_types": [{"title": "x", "activities": [{"id": "", "label": "Gestionare adrese de e-mail"}]}]}
    editor.assign_ids(again, reserved)
    assert again["work_types"][0]["activities"][0]["id"] == "gestionare-adrese-de-e-mail-2"
    html = admin.get(url).get_data(as_text=True)
    assert errors_of(html) == {}
    assert "<code>gestionare-adrese-de-e-mail-2</code>" in html  # shown, read-only


# -- editing: actions keep what was typed ----------------------------------------------------


def test_every_button_keeps_what_was_typed(app, admin):
    url = new_draft(admin)
    r = post(admin, url, {**office_fields(), "wt0-title": "Corespondență"}, "add-act-0")
    assert r.status_code == 302 and r.location.endswith("#wt0-a0")
    # typed a label, then pressed "add a work type": the label is kept
    post(admin, url, {**office_fields(), "wt0-title": "Corespondență", **activity(0, 0, "Scrisori")}, "add-wt")
    post(admin, url, {"wt1-title": "Arhivă"}, "add-act-1")
    post(admin, url, activity(1, 0, "Dosare arhivate", ("documente",)), "wt-up-1")
    doc = app.extensions["catalog_drafts"].of("admin")[0].doc
    assert [wt["title"] for wt in doc["work_types"]] == ["Arhivă", "Corespondență"]
    assert doc["work_types"][0]["activities"][0]["label"] == "Dosare arhivate"
    assert doc["work_types"][1]["activities"][0]["label"] == "Scrisori"
    assert doc["title"] == "Registratura generală" and doc["order"] == 7
    # move an activity within its work type, retire/reactivate, delete a new one
    post(admin, url, {}, "add-act-1")
    post(admin, url, activity(1, 1, "Registru de intrare"), "act-up-1-1")
    doc = app.extensions["catalog_drafts"].of("admin")[0].doc
    assert [a["label"] for a in doc["work_types"][1]["activities"]] == ["Registru de intrare", "Scrisori"]
    post(admin, url, {}, "act-delete-1-1")
    doc = app.extensions["catalog_drafts"].of("admin")[0].doc
    assert [a["label"] for a in doc["work_types"][1]["activities"]] == ["Registru de intrare"]
    # an empty work type can be removed; one with activities cannot
    post(admin, url, {}, "add-wt")
    post(admin, url, {}, "wt-remove-2")
    assert len(app.extensions["catalog_drafts"].of("admin")[0].doc["work_types"]) == 2
    assert post(admin, url, {}, "wt-remove-0").status_code == 400


def test_a_published_activity_is_retired_not_deleted(app, admin):
    url = _presa_draft(admin)
    html = admin.get(url).get_data(as_text=True)
    assert 'value="act-retire-0-0"' in html and 'value="act-delete-0-0"' not in html
    assert post(admin, url, {}, "act-delete-0-0").status_code == 400
    post(admin, url, {}, "act-retire-0-0")
    html = admin.get(url).get_data(as_text=True)
    assert "(retrasă)" in html and 'value="act-unretire-0-0"' in html
    assert 'name="wt0-a0-label"' not in html  # a retired activity is not edited
    r = admin.get(url + "/preview")
    assert 'id="l544-studiere__lucrari"' not in r.get_data(as_text=True)
    post(admin, url, {}, "act-unretire-0-0")
    assert "retired" not in app.extensions["catalog_drafts"].of("admin")[0].doc["work_types"][0]["activities"][0]


def test_a_page_from_a_stale_tab_changes_nothing(app, admin):
    url = new_draft(admin)
    html = admin.get(url).get_data(as_text=True)
    old_rev = rev_of(html)
    post(admin, url, {**office_fields(), "wt0-title": "A"})
    r = admin.post(url, data={"rev": old_rev, "action": "save", "title": "Altceva"}, follow_redirects=True)
    assert "Ciorna a fost modificată între timp" in r.get_data(as_text=True)
    assert app.extensions["catalog_drafts"].of("admin")[0].doc["title"] == "Registratura generală"


def test_the_draft_survives_hours_and_a_restart(tmp_path, app, admin):
    url = small_office(admin)
    app.extensions["clock"].advance(6 * 3600)
    # the same instance folder, a new app: a restarted server (make_app would copy fresh users over it)
    again = create_app(dict(app.config, TESTING=True), instance_path=app.instance_path)
    c = signed_in(again, "admin")
    page = c.get("/catalog").get_data(as_text=True)
    assert "Ciornele mele" in page and "Registratura generală" in page
    html = c.get(url).get_data(as_text=True)
    assert 'value="Scrisori înregistrate"' in html and 'value="Arhivare zilnică"' in html
    # another admin does not see it
    other = signed_in(again, "admin2")
    assert other.get(url).status_code == 404
    assert "Registratura generală" not in other.get("/catalog").get_data(as_text=True)


# -- preview, publish, history ----------------------------------------------------------------


def test_preview_shows_the_draft_in_the_form_and_the_report_table(admin):
    url = small_office(admin)
    r = post(admin, url, {}, "preview")
    assert r.location.endswith("/preview")
    html = admin.get(r.location).get_data(as_text=True)
    form = html[html.index('id="preview-form-title"'):html.index('id="preview-report-title"')]
    table = html[html.index('id="preview-report-title"'):]
    assert "<legend>Corespondență</legend>" in form
    assert 'id="scrisori-inregistrate__lucrari"' in form and 'id="scrisori-inregistrate__documente"' in form
    assert 'id="arhivare-zilnica__done"' in form  # the daily checkbox
    assert '<table class="report-table">' in table
    assert "Registratura generală" in table and "Scrisori înregistrate" in table and "Arhivare zilnică" in table
    assert "Corespondență" in table


def test_publish_creates_a_version_in_use_at_once(app, admin):
    url = small_office(admin)
    page = admin.get(url + "/publish").get_data(as_text=True)
    assert 'value="2026-W48" selected' in page
    assert "săptămâna 48 (23 nov. – 29 nov. 2026) — săptămâna curentă" in page
    assert "săptămâna 49 (30 nov. – 6 dec. 2026)" in page
    assert "Birou nou: Registratura generală (registratura)" in page
    r = admin.post(url + "/publish", data={"effective": WEEK})
    assert r.status_code == 302 and r.location.endswith("/catalog/registratura/history")
    info = app.extensions["catalogs"].history("registratura")[0]
    assert (info.version, info.effective, info.published_by) == (1, WEEK, "admin")
    assert app.extensions["catalog_drafts"].of("admin") == []  # the draft is done
    history = admin.get(r.location).get_data(as_text=True)
    assert "săptămâna 48 (23 nov. – 29 nov. 2026)" in history and "27 noiembrie 2026, 16:00" in history
    index = admin.get("/catalog").get_data(as_text=True)
    assert "Registratura generală" in index
    # a clerk of the office gets its form
    app.extensions["users"].add("registrator", PASSWORD, "clerk", ("registratura",))
    clerk = signed_in(app, "registrator")
    form = clerk.get("/entry/registratura?date=2026-11-26")
    assert form.status_code == 200 and 'id="scrisori-inregistrate__lucrari"' in form.get_data(as_text=True)


def test_a_draft_that_changes_nothing_is_not_published(app, admin):
    url = _presa_draft(admin)
    r = admin.post(url + "/publish", data={"effective": WEEK})
    assert r.status_code == 400
    assert "ciorna nu schimbă nimic față de versiunea 1" in r.get_data(as_text=True)
    assert len(app.extensions["catalogs"].history("presa")) == 1


def test_an_unknown_effective_week_is_refused(admin):
    url = small_office(admin)
    assert admin.post(url + "/publish", data={"effective": "2020-W01"}).status_code == 400
    assert admin.post(url + "/publish", data={"effective": "nu"}).status_code == 400


def test_history_shows_the_difference_between_two_versions(app, admin):
    url = _presa_draft(admin)
    post(admin, url, activity(0, 0, "Studierea solicitării", ("lucrari",)))
    assert admin.post(url + "/publish", data={"effective": "2026-W49"}).status_code == 302
    html = admin.get("/catalog/presa/history").get_data(as_text=True)
    assert "săptămâna 49 (30 nov. – 6 dec. 2026)" in html
    assert "Versiunea 1 → versiunea 2" in html
    assert "Redenumită: Studiere solicitare → Studierea solicitării" in unescape(html)
    html = admin.get("/catalog/presa/history?from=2&to=1").get_data(as_text=True)
    assert "Redenumită: Studierea solicitării → Studiere solicitare" in unescape(html)
    assert admin.get("/catalog/presa/history?from=9").status_code == 400


def test_two_admins_publishing_the_same_office(app, admin):
    """The second publish gets a conflict showing the other's change; the
    draft is kept; rebased, it carries both changes into the next version."""
    second = signed_in(app, "admin2")
    url1, url2 = _presa_draft(admin), _presa_draft(second)
    assert url1 != url2
    assert "Și admin2 are o ciornă a acestui birou" in admin.get(url1).get_data(as_text=True)
    post(admin, url1, activity(0, 0, "Studierea solicitării", ("lucrari",)))
    post(second, url2, activity(0, 1, "Verificarea documentelor atașate", ("lucrari",)))
    assert admin.post(url1 + "/publish", data={"effective": WEEK}).status_code == 302
    r = second.post(url2 + "/publish", data={"effective": WEEK})
    html = unescape(r.get_data(as_text=True))
    assert r.status_code == 409
    assert "Nu s-a publicat: între timp admin a publicat versiunea 2" in html
    assert "Redenumită: Studiere solicitare → Studierea solicitării" in html
    assert app.extensions["catalogs"].history("presa")[0].version == 2
    draft = app.extensions["catalog_drafts"].find("admin2", "presa")
    assert draft.base == 1
    assert draft.doc["work_types"][0]["activities"][1]["label"] == "Verificarea documentelor atașate"
    # the editor says so too, with the way forward
    assert "Mută ciorna pe versiunea 2" in second.get(url2).get_data(as_text=True)
    r = second.post(url2 + "/rebase", follow_redirects=True)
    assert r.status_code == 200
    draft = app.extensions["catalog_drafts"].find("admin2", "presa")
    assert draft.base == 2
    labels = [a["label"] for a in draft.doc["work_types"][0]["activities"][:2]]
    assert labels == ["Studierea solicitării", "Verificarea documentelor atașate"]
    assert second.post(url2 + "/publish", data={"effective": WEEK}).status_code == 302
    doc = app.extensions["catalogs"].document("presa")
    assert [a["label"] for a in doc["work_types"][0]["activities"][:2]] == labels


def test_both_admins_changing_the_same_field_keeps_the_draft_and_names_the_other(app, admin):
    second = signed_in(app, "admin2")
    url1, url2 = _presa_draft(admin), _presa_draft(second)
    post(admin, url1, activity(0, 0, "Varianta unu", ("lucrari",)))
    post(second, url2, activity(0, 0, "Varianta doi", ("lucrari",)))
    assert admin.post(url1 + "/publish", data={"effective": WEEK}).status_code == 302
    html = unescape(second.post(url2 + "/rebase", follow_redirects=True).get_data(as_text=True))
    assert "s-a păstrat „Varianta doi” din ciornă; versiunea publicată are „Varianta unu”" in html
    assert 'value="Varianta doi"' in html


def test_discarding_a_draft(app, admin):
    url = small_office(admin)
    r = admin.post(url + "/discard")
    assert r.status_code == 302 and app.extensions["catalog_drafts"].of("admin") == []
    assert admin.get(url).status_code == 404


def test_hostile_texts_stay_text_on_every_editor_page(app, admin):
    script, attr = "<script>alert(1)</script>", '"><img src=x onerror=alert(2)>'
    url = new_draft(admin)
    post(admin, url, {**office_fields(title=f"Birou {script}", slug="birou-ostil"), "wt0-title": f"Lucrări {attr}"},
         "add-act-0")
    post(admin, url, activity(0, 0, f"Eticheta {script}", text=f"Text {attr}", kind="breakdown",
                              parts=f"Telefon {script} | apel {attr} | apeluri {script}"))
    pages = [admin.get(url), admin.get(url + "/preview"), admin.get(url + "/publish"), admin.get("/catalog")]
    assert admin.post(url + "/publish", data={"effective": WEEK}).status_code == 302
    pages.append(admin.get("/catalog/birou-ostil/history"))
    for r in pages:
        html = r.get_data(as_text=True)
        assert r.status_code == 200, r.request.path
        assert "<script>alert" not in html and "<img src=x" not in html, r.request.path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, r.request.path


# -- access and CSRF -------------------------------------------------------------------------


def test_non_admins_get_403_on_every_catalog_route(app, admin):
    url = small_office(admin)
    draft_id = url.rsplit("/", 1)[1]
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/catalog")]
    assert len(rules) >= 8
    for name in ("clerk", "supervisor", "scoped"):
        c = signed_in(app, name)
        for rule in rules:
            path = rule.rule.replace("<slug>", "presa").replace("<int:draft_id>", draft_id)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                r = c.open(path, method=method, data={"action": "save", "rev": "1"} if method == "POST" else None)
                assert r.status_code == 403, (name, method, path, r.status_code)
    anonymous = app.test_client()
    assert "/login?next=" in anonymous.get("/catalog").location
    assert app.extensions["catalog_drafts"].of("admin")[0].rev == 4  # nothing changed


def test_every_catalog_post_needs_its_csrf_token(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    c = app.test_client()
    token = csrf_token(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = csrf_token(c.get("/catalog").get_data(as_text=True))
    r = c.post("/catalog/new", data={"csrf_token": token})
    assert r.status_code == 302
    url = r.location
    draft_id = url.rsplit("/", 1)[1]
    before = app.extensions["catalog_drafts"].get(int(draft_id))
    posts = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/catalog") and "POST" in r.methods]
    for rule in posts:
        path = rule.replace("<int:draft_id>", draft_id).replace("<slug>", "presa")
        for bad in (None, "garbage"):
            data = {"action": "add-wt", "rev": str(before.rev), "title": "X", "effective": WEEK}
            if bad:
                data["csrf_token"] = bad
            r = c.post(path, data=data)
            assert r.status_code == 400, (rule, r.status_code)
            assert "Formularul a expirat sau nu este valid" in r.get_data(as_text=True)
            if rule == "/catalog/draft/<int:draft_id>":  # the editor shows what was typed, unsaved
                html = r.get_data(as_text=True)
                assert "Valorile introduse sunt păstrate mai jos" in html and 'id="title" name="title" value="X"' in html
    assert app.extensions["catalog_drafts"].get(int(draft_id)) == before
    assert len(app.extensions["catalog_drafts"].of("admin")) == 1
    # another admin's draft, or none: the plain CSRF refusal
    assert c.post("/catalog/draft/999", data={"action": "save"}).status_code == 400
    # with the page's token the editor works
    html = c.get(url).get_data(as_text=True)
    r = c.post(url, data={"csrf_token": csrf_token(html), "rev": rev_of(html), "action": "add-wt", "title": "X"})
    assert r.status_code == 302
    assert app.extensions["catalog_drafts"].get(int(draft_id)).doc["title"] == "X"


def test_an_editor_left_open_past_the_token_limit_keeps_what_was_typed(tmp_path):
    from tests.test_security import _expired_token, secure_app, sign_in

    app = secure_app(tmp_path)
    c = sign_in(app, "admin")
    url = c.post("/catalog/new", data={"csrf_token": csrf_token(c.get("/catalog").get_data(as_text=True))}).location
    html = c.get(url).get_data(as_text=True)
    expired = _expired_token(c, app, app.config["WTF_CSRF_TIME_LIMIT"] + 60)
    typed = {"rev": rev_of(html), "action": "save", "title": "Registratura", "slug": "registratura",
             "wt0-title": "Corespondență"}
    r = c.post(url, data=dict(typed, csrf_token=expired))
    page = r.get_data(as_text=True)
    assert r.status_code == 400 and "Valorile introduse sunt păstrate mai jos" in page
    assert 'value="Registratura"' in page and 'value="Corespondență"' in page
    assert app.extensions["catalog_drafts"].get(int(url.rsplit("/", 1)[1])).doc["title"] == ""
    # the page carries a fresh token: saving again works
    assert c.post(url, data=dict(typed, csrf_token=csrf_token(page))).status_code == 302
    assert app.extensions["catalog_drafts"].get(int(url.rsplit("/", 1)[1])).doc["title"] == "Registratura"


# -- forms/editor.py, pure ----------------------------------------------------------------------


def test_slugify_and_field_of():
    assert editor.slugify("Adresă de înștiințare către petent") == "adresa-de-instiintare-catre-petent"
    assert editor.slugify("Țară, Șes — 2!") == "tara-ses-2"
    assert editor.slugify("!!!") == "activitate"
    assert len(editor.slugify("cuvânt " * 20)) <= editor.MAX_ID_CHARS
    assert editor.field_of("title") == "title"
    assert editor.field_of("work_types") == "work-types"
    assert editor.field_of("work_types.3.title") == "wt3-title"
    assert editor.field_of("work_types.3.activities") == "wt3"
    assert editor.field_of("work_types.0.activities.2.label") == "wt0-a2-label"
    assert editor.field_of("work_types.0.activities.2.id") == "wt0-a2-label"
    assert editor.field_of("work_types.0.activities.2.parts.1.singular") == "wt0-a2-parts"
    assert editor.part_line("work_types.0.activities.2.parts.1.singular") == 2
    assert editor.field_of("work_types.0.activities.2.retired") == "wt0-a2"


def test_merge_takes_each_side_and_adds_what_either_added():
    base = {"title": "T", "slug": "s", "order": 1, "work_types": [
        {"title": "W", "activities": [{"id": "a", "label": "A", "counters": ["lucrari"]},
                                      {"id": "b", "label": "B", "counters": ["lucrari"]}]}]}
    mine = editor.copy.deepcopy(base)
    theirs = editor.copy.deepcopy(base)
    mine["work_types"][0]["activities"][0]["label"] = "A2"
    mine["work_types"][0]["activities"].append({"id": "c", "label": "C", "counters": ["lucrari"]})
    theirs["title"] = "T nou"
    theirs["work_types"][0]["activities"][1]["counters"] = ["documente"]
    theirs["work_types"].append({"title": "X", "activities": [{"id": "d", "label": "D", "counters": ["lucrari"]}]})
    merged, notes = editor.merge(base, mine, theirs)
    assert notes == []
    assert merged["title"] == "T nou"
    assert [[a["id"] for a in wt["activities"]] for wt in merged["work_types"]] == [["a", "b", "c"], ["d"]]
    acts = {a["id"]: a for wt in merged["work_types"] for a in wt["activities"]}
    assert acts["a"]["label"] == "A2" and acts["b"]["counters"] == ["documente"]


def test_merge_one_retires_the_other_renames_and_both_reorder():
    acts = [{"id": x, "label": x.upper(), "counters": ["lucrari"]} for x in "abc"]
    base = {"title": "T", "slug": "s", "order": 1, "work_types": [{"title": "W", "activities": acts}]}
    mine = editor.copy.deepcopy(base)
    theirs = editor.copy.deepcopy(base)
    mine["work_types"][0]["activities"][0]["label"] = "A nou"
    theirs["work_types"][0]["activities"][0]["retired"] = True
    theirs["work_types"][0]["activities"].reverse()  # only they reordered: their order is taken
    merged, notes = editor.merge(base, mine, theirs)
    assert notes == []
    assert [a["id"] for a in merged["work_types"][0]["activities"]] == ["c", "b", "a"]
    a = merged["work_types"][0]["activities"][2]
    assert a["label"] == "A nou" and a["retired"] is True
    # both reordered: the draft's order wins, nothing is dropped
    mine["work_types"][0]["activities"].reverse()
    mine["work_types"][0]["activities"].insert(0, mine["work_types"][0]["activities"].pop(1))
    merged, _ = editor.merge(base, mine, theirs)
    assert sorted(a["id"] for a in merged["work_types"][0]["activities"]) == ["a", "b", "c"]
    assert [a["id"] for a in merged["work_types"][0]["activities"]] == [a["id"] for a in
                                                                         mine["work_types"][0]["activities"]]


def test_parts_lines_round_trip_and_keep_keys():
    parts = [{"key": "telefonice", "label": "Discuții telefonice", "singular": "discuție telefonică",
              "plural": "discuții telefonice"}]
    text = editor.parts_text(parts)
    assert text == "[telefonice] Discuții telefonice | discuție telefonică | discuții telefonice"
    assert editor.parse_parts(text) == parts
    # a line retyped without its key keeps the key of the part with the same label
    assert editor.parse_parts("Discuții telefonice | discuție telefonică | discuții telefonice", parts) == parts
    assert editor.parse_parts("\n  \nScrise\n") == [{"key": "", "label": "Scrise", "singular": "scrise",
                                                     "plural": "scrise"}]

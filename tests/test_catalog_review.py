"""Review of the catalog editor: what broke when tried as a new admin, an
attacker and a manager (each test failed before its fix)."""
from __future__ import annotations

import copy

import pytest

from forms import editor
from forms.catalog import check_document, diff_documents, normalize_document


def office(**over):
    doc = {"slug": "urbanism", "title": "Urbanism", "order": 5, "work_types": [
        {"title": "Autorizări", "activities": [
            {"id": "certificate", "label": "Certificate emise", "counters": ["lucrari"]},
            {"id": "petitii", "label": "Petiții", "counters": ["documente"], "kind": "breakdown",
             "parts": [{"key": "tel", "label": "Telefonic", "singular": "telefonică", "plural": "telefonice"}]}]},
        {"title": "Control", "activities": [
            {"id": "controale", "label": "Controale pe teren", "counters": ["lucrari", "documente"]}]}]}
    doc.update(over)
    return doc


@pytest.mark.parametrize("counters", [[["lucrari"]], [{"a": 1}], [None], [1]])
def test_counters_that_are_not_text_are_a_message_not_a_crash(counters):
    doc = office()
    doc["work_types"][0]["activities"][0]["counters"] = counters
    problems = check_document(doc)
    assert [p.path for p in problems] == ["work_types.0.activities.0.counters"]
    assert "Contor necunoscut" in problems[0].message


def test_catalog_import_of_a_nested_counter_says_so(tmp_path):
    from tests.conftest import make_app

    app = make_app(tmp_path)
    f = tmp_path / "x.yaml"
    f.write_text("slug: xx\ntitle: XX\nwork_types:\n- title: A\n  activities:\n  - id: a\n    label: A\n"
                 "    counters: [[1]]\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(f)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "work_types.0.activities.0.counters: Contor necunoscut" in result.output


@pytest.mark.parametrize("where,setter", [
    ("title", lambda d, v: d.__setitem__("title", v)),
    ("work_types.1.title", lambda d, v: d["work_types"][1].__setitem__("title", v)),
    ("work_types.0.activities.0.label", lambda d, v: d["work_types"][0]["activities"][0].__setitem__("label", v)),
    ("work_types.0.activities.0.text", lambda d, v: d["work_types"][0]["activities"][0].__setitem__("text", v)),
    ("work_types.0.activities.1.parts.0.singular",
     lambda d, v: d["work_types"][0]["activities"][1]["parts"][0].__setitem__("singular", v)),
    ("work_types.0.activities.1.parts.0.label",
     lambda d, v: d["work_types"][0]["activities"][1]["parts"][0].__setitem__("label", v)),
])
@pytest.mark.parametrize("char", ["\u202e", "\u200b", "\u2066", "\x07", "\ufeff"])
def test_invisible_and_bidi_characters_are_refused_in_romanian(where, setter, char):
    doc = office()
    setter(doc, f"Text{char}ascuns")
    problems = [p for p in check_document(doc) if p.path == where]
    assert problems, check_document(doc)
    assert f"U+{ord(char):04X}" in problems[0].message
    assert "caracter" in problems[0].message


def test_a_part_made_of_a_zero_width_space_is_refused():
    doc = office()
    doc["work_types"][0]["activities"][1]["parts"][0]["singular"] = "\u200b"
    assert any(p.path == "work_types.0.activities.1.parts.0.singular" for p in check_document(doc))


def test_romanian_letters_and_typographic_quotes_stay_allowed():
    doc = office(title="Direcția „Urbanism” — ședințe, țărani, Îndrumare")
    assert check_document(doc) == []


def test_moving_a_work_type_is_reported_as_a_move_not_as_two_renames():
    old = normalize_document(office())
    new = copy.deepcopy(old)
    new["work_types"].reverse()
    lines = diff_documents(old, new)
    assert not any("redenumită" in line for line in lines), lines
    assert lines == ["Ordinea lucrărilor specifice schimbată: Control, Autorizări"]


def test_renaming_a_published_activity_renames_its_report_text_when_the_text_was_the_label():
    """The published document has text == label: the report prints the text,
    so renaming the label alone left the report with the old name."""
    doc = normalize_document(office())
    assert doc["work_types"][0]["activities"][0]["text"] == "Certificate emise"
    form = {"wt0-a0-shown": "1", "wt0-a0-label": "Certificate de urbanism", "wt0-a0-text": "Certificate emise",
            "wt0-a0-counters": ["lucrari"], "wt0-a0-kind": "counts"}
    out = editor.apply_fields(doc, form, lambda name: form.get(name) or [])
    act = normalize_document(editor.publishable(out))["work_types"][0]["activities"][0]
    assert act["label"] == act["text"] == "Certificate de urbanism"


def test_a_text_of_its_own_is_kept_when_the_label_changes():
    doc = normalize_document(office())
    doc["work_types"][0]["activities"][0]["text"] = "Certificate de urbanism emise în termen"
    form = {"wt0-a0-shown": "1", "wt0-a0-label": "Certificate", "wt0-a0-text": "Certificate de urbanism emise în termen",
            "wt0-a0-counters": ["lucrari"], "wt0-a0-kind": "counts"}
    out = editor.apply_fields(doc, form, lambda name: form.get(name) or [])
    assert out["work_types"][0]["activities"][0]["text"] == "Certificate de urbanism emise în termen"


def test_a_draft_id_is_never_given_again(tmp_path):
    """A published (deleted) draft's id went to the next draft: a tab left
    open on the old one then saved its positional fields (wt0-title …) into
    another office's draft when the revisions matched."""
    from state.drafts import DraftStore

    store = DraftStore(tmp_path / "state.sqlite3")
    first = store.open("adm", "", editor.empty_document(), None)
    store.delete(first.id)
    second = store.open("adm", "", editor.empty_document(), None)
    assert second.id != first.id
    store.delete(second.id)
    again = DraftStore(tmp_path / "state.sqlite3")  # another worker, or after a restart
    assert again.open("adm2", "presa", {"slug": "presa"}, 1).id not in (first.id, second.id)


@pytest.mark.parametrize("version", ["abc", "0", "true", "[2]"])
def test_an_import_whose_version_is_not_a_number_says_so_instead_of_a_conflict(tmp_path, version):
    from tests.conftest import make_app

    app = make_app(tmp_path)
    runner = app.test_cli_runner()
    exported = runner.invoke(args=["catalog", "export", "presa"]).output
    f = tmp_path / "presa.yaml"
    f.write_text("\n".join(f"version: {version}" if line.startswith("version:") else line
                           for line in exported.splitlines()) + "\n", encoding="utf-8")
    result = runner.invoke(args=["catalog", "import", str(f)])
    assert result.exit_code == 1
    assert "conflict" not in result.output
    assert "nu este un număr de versiune" in result.output


@pytest.mark.parametrize("where,setter,limit", [
    ("work_types.0.title", lambda d, v: d["work_types"][0].__setitem__("title", v), 200),
    ("work_types.0.activities.0.label", lambda d, v: d["work_types"][0]["activities"][0].__setitem__("label", v), 200),
    ("work_types.0.activities.0.text", lambda d, v: d["work_types"][0]["activities"][0].__setitem__("text", v), 2000),
    ("work_types.0.activities.1.parts.0.plural",
     lambda d, v: d["work_types"][0]["activities"][1]["parts"][0].__setitem__("plural", v), 100),
])
def test_texts_have_a_length_limit(where, setter, limit):
    """A 40 000-character text went through the editor (the request limit is
    256 KB) into the XLSX, whose cells hold at most 32 767 characters."""
    doc = office()
    setter(doc, "a" * limit)
    assert not [p for p in check_document(doc) if p.path == where]
    setter(doc, "a" * (limit + 1))
    problems = [p for p in check_document(doc) if p.path == where]
    assert problems and f"cel mult {limit}" in problems[0].message


def test_the_data_page_of_an_office_published_for_a_later_week_is_a_404_not_a_500(tmp_path):
    from tests.conftest import login, make_app

    app = make_app(tmp_path)
    doc = office(slug="viitor", title="Biroul Viitor")
    app.extensions["catalogs"].publish(doc, effective="2026-W50", by="adm", base=None)
    c = app.test_client()
    login(c, "supervisor")
    page = c.get("/data/viitor")  # "today" is in 2026-W48
    assert page.status_code == 404
    assert "nu are formular în perioada aleasă" in page.get_data(as_text=True)
    assert c.get("/data/viitor?week=2026-W50").status_code == 200


def test_a_clerk_of_an_office_published_for_a_later_week_is_told_when_it_starts(tmp_path):
    """The home page said „Contul dumneavoastră nu aparține niciunui serviciu”."""
    from tests.conftest import login, make_app

    app = make_app(tmp_path)
    app.extensions["catalogs"].publish(office(slug="viitor", title="Biroul Viitor"), effective="2026-W50",
                                       by="adm", base=None)
    app.extensions["users"].add("viitoare", "parola-de-test-1", "clerk", ["viitor"],
                                app.extensions["catalog"].slugs, must_change=False)
    c = app.test_client()
    login(c, "viitoare")
    page = c.get("/").get_data(as_text=True)
    assert "nu aparține niciunui serviciu" not in page
    assert "Formularul serviciului „Biroul Viitor” se aplică din săptămâna 50 (7 dec. – 13 dec. 2026)." in page


def test_editor_messages_use_the_pages_words_and_say_what_retiring_does():
    """The page says „lucrare specifică”, the messages said „tip de lucrare";
    retiring said the activity leaves the report, but weeks with its rows keep it."""
    doc = normalize_document(office())
    messages = [editor.apply_action(doc, action, ["certificate"])[2]
                for action in ("add-wt", "wt-down-0", "act-retire-0-0")]
    assert messages[0] == "Lucrare specifică adăugată: completați-i titlul."
    assert messages[1] == "Lucrarea specifică a fost mutată."
    assert "rapoartele săptămânilor în care are rânduri o arată în continuare" in messages[2]
    assert not any("Tip" in m for m in messages)


def test_an_office_title_that_looks_like_another_is_refused():
    """„SERVICIUL PRЕSĂ” with a Cyrillic „Е” passed as a second, different office."""
    presa = office(slug="presa", title="SERVICIUL PRESĂ")
    twin = office(slug="presa2", title="SERVICIUL PR\u0415S\u0102")  # Cyrillic Е
    problems = [p for p in check_document(twin, others=[presa]) if p.path == "title"]
    assert problems and "amestecă alfabete" in problems[0].message
    cedilla = office(slug="presa3", title="Serviciul Şedinţe")
    sedinte = office(slug="sedinte", title="Serviciul Ședințe")
    problems = [p for p in check_document(cedilla, others=[sedinte]) if p.path == "title"]
    assert problems and "este același" in problems[0].message  # „ş ţ” are read as „ș ț”
    zero = office(slug="registru", title="Regıstratura Ordine")  # dotless ı
    problems = [p for p in check_document(zero, others=[office(slug="r", title="Registratura Ordine")])
                if p.path == "title"]
    assert problems and "arată la fel" in problems[0].message
    assert check_document(office(title="Serviciul Ședințe și Relații cu Publicul"), others=[presa]) == []


def test_cedillas_typed_in_the_editor_become_commas_below():
    doc = normalize_document(office())
    form = {"title": "Serviciul Şedinţe", "wt0-a1-shown": "1", "wt0-a1-label": "Petiţii",
            "wt0-a1-counters": ["documente"], "wt0-a1-kind": "breakdown",
            "wt0-a1-parts": "[tel] Telefonic | discuţie telefonică | discuţii telefonice"}
    out = editor.apply_fields(doc, form, lambda name: form.get(name) or [])
    assert out["title"] == "Serviciul Ședințe"
    act = out["work_types"][0]["activities"][1]
    assert act["label"] == "Petiții" and act["parts"][0]["plural"] == "discuții telefonice"


def test_an_imported_document_is_stored_with_commas_below():
    stored = normalize_document(office(title="Serviciul Şedinţe"))
    assert stored["title"] == "Serviciul Ședințe"


def test_a_clerk_typing_into_an_activity_retired_meanwhile_is_told_not_silently_dropped(tmp_path):
    """The form was shown, an admin retired an activity for this week, the
    clerk saved: „Salvat: N rânduri” and the retired activity's figures were
    gone without a word."""
    import html as H
    import re

    from tests.conftest import login, make_app

    app = make_app(tmp_path)
    c = app.test_client()
    login(c, "clerk")
    page = c.get("/entry/presa?date=2026-11-26").get_data(as_text=True)
    shown = H.unescape(re.search(r'name="shown" type="hidden" value="([^"]*)"', page).group(1))
    assert "l544-studiere__lucrari" in shown
    catalogs = app.extensions["catalogs"]
    doc = copy.deepcopy(catalogs.document("presa"))
    doc["work_types"][0]["activities"][0]["retired"] = True
    catalogs.publish(doc, effective="2026-W48", by="admin", base=1)
    other = next(k for k in re.findall(r'"([a-z0-9-]+__[a-z0-9-]+)"', shown) if not k.startswith("l544-studiere"))
    sent = c.post("/entry/presa?date=2026-11-26", data={"shown": shown, "l544-studiere__lucrari": "7", other: "3"})
    text = H.unescape(sent.get_data(as_text=True))
    assert sent.status_code == 409
    assert "Nu s-a salvat nimic: între timp formularul serviciului s-a schimbat" in text
    assert "(ați tastat: 7)" in text
    assert f'name="{other}"' in text and 'value="3"' in text  # the rest of what was typed is kept
    assert c.get("/entry/presa?date=2026-11-26").status_code == 200
    again = c.post("/entry/presa?date=2026-11-26", data={"shown": shown, other: "3"})
    assert again.status_code == 302  # nothing typed for the retired one: saved


def test_a_new_office_gets_its_identifier_from_its_title(tmp_path):
    """An admin who never saw YAML was asked for a „slug”: now the title gives one."""
    import re

    from tests.conftest import login, make_app

    app = make_app(tmp_path)
    c = app.test_client()
    login(c, "admin")
    url = c.post("/catalog/new").location
    html = c.get(url).get_data(as_text=True)
    rev = re.search(r'name="rev" value="(\d+)"', html).group(1)
    c.post(url, data={"rev": rev, "action": "save", "title": "Direcția Urbanism și Amenajarea Teritoriului",
                      "slug": "", "order": "100", "wt0-title": "Autorizări"})
    html = c.get(url).get_data(as_text=True)
    assert 'name="slug" value="directia-urbanism-si-amenajarea"' in html
    rev = re.search(r'name="rev" value="(\d+)"', html).group(1)
    c.post(url, data={"rev": rev, "action": "save", "title": "SERVICIUL PRESĂ 2", "slug": "", "order": "100"})
    assert 'name="slug" value="serviciul-presa-2"' in c.get(url).get_data(as_text=True)


def test_lengths_are_said_in_correct_romanian():
    """„101 de caractere” is wrong Romanian: 101..119 take no „de”."""
    problems = check_document(office(title="a" * 101))
    assert problems[0].message.startswith("Titlul are 101 caractere;")
    doc = office()
    doc["work_types"][0]["title"] = "a" * 201
    assert [p.message for p in check_document(doc)][0].startswith("Textul are 201 caractere;")
    doc["work_types"][0]["title"] = "a" * 220
    assert [p.message for p in check_document(doc)][0].startswith("Textul are 220 de caractere;")

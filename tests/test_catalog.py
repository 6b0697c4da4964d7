"""The catalog: the seed transcription, every validation error, the CLI check,
and a third office added as one YAML file with no Python change."""
from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from app import create_app
from forms import CatalogError, load_catalog
from tests.conftest import ROOT
from devtools.dates import START


@pytest.fixture
def catalog():
    return load_catalog(ROOT / "forms")


def outline(office):
    return [(wt.title, [(a.id, a.kind, a.counters) for a in wt.activities]) for wt in office.work_types]


def test_offices_in_document_order(catalog):
    assert [(o.slug, o.title) for o in catalog.offices] == [
        ("presa", "SERVICIUL PRESĂ"),
        ("consiliere", "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"),
    ]


def test_presa_transcribes_the_document(catalog):
    L, D, B = ("lucrari",), ("documente",), ("lucrari", "documente")
    assert outline(catalog.office("presa")) == [
        ("Rezolvarea solicitărilor formulate în baza Legii 544/2001", [
            ("l544-studiere", "counts", L), ("l544-verificare", "counts", L),
            ("l544-instiintare-solicitant", "counts", D), ("l544-inaintare-directii", "counts", D),
            ("l544-prelungire-petent", "counts", D), ("l544-prelungire-directii", "counts", D),
            ("l544-raspunsuri", "counts", D)]),
        ("Solicitări de presă verbale sau scrise", [("solicitari-presa", "breakdown", L)]),
        ("Comunicate de presă", [("comunicate-informatii", "counts", B), ("comunicate-mass-media", "counts", B),
                                 ("comunicate-site", "counts", B), ("comunicate-city-care", "counts", B)]),
        ("Conferință de presă", [("conferinta-tema", "counts", B), ("conferinta-invitatie", "counts", B)]),
        ("Monitorizare presă", [("monitorizare-presa", "daily", B)]),
        ("Fișe de post", [("fise-post", "counts", D), ("fise-post-anexe", "counts", D)]),
        ("Adrese de e-mail", [("adrese-email", "counts", L)]),
        ("Actualizare site", [("site-adrese", "counts", L), ("site-editare", "counts", B)]),
        ("Ședințe de consiliu", [("sedinte-consiliu", "counts", L)]),
        ("Poșta electronică", [("posta-electronica", "counts", B)]),
        ("Aplicație I love S3", [("aplicatie-i-love-s3", "counts", B)]),
    ]
    press = catalog.office("presa").activity("solicitari-presa")
    assert [(p.key, p.phrase(73), p.phrase(1)) for p in press.parts] == [
        ("telefonice", "- 73 discuții telefonice", "- 1 discuție telefonică"),
        ("scrise", "- 73 scrise", "- 1 scrisă"),
    ]


def test_consiliere_transcribes_the_document(catalog):
    L, B = ("lucrari",), ("lucrari", "documente")
    assert outline(catalog.office("consiliere")) == [
        ("Biroul de relații cu publicul", [("brp-petenti", "counts", B), ("brp-inregistrare", "counts", B),
                                           ("brp-eliberare", "counts", B), ("brp-audiente", "counts", B)]),
        ("1. Poșta tradițională", [("posta-primita", "counts", B), ("posta-expediata", "counts", B),
                                   ("posta-confirmari", "counts", B), ("posta-faxuri", "counts", B)]),
        ("Centrala telefonică", [("centrala-telefonica", "counts", L)]),
        ("1. Petiții", [("petitii-centralizate", "counts", B), ("petitii-redirectionate", "counts", B)]),
    ]


def test_long_texts_kept_in_full_and_labels_short(catalog):
    email = catalog.office("presa").activity("posta-electronica")
    assert email.text.startswith("Emailurile sosite pe adresa de e-mail relatiipublice@primarie3.ro, sunt înregistrate")
    assert email.text.endswith("se comunică petentului numărul de înregistrare pe e-mail.")
    for office in catalog.offices:
        for act in office.activities:
            assert len(act.label) <= 70, act.id
            assert "ş" not in act.text + act.label and "ţ" not in act.text + act.label, act.id  # comma below only


GOOD = """\
    slug: x
    title: SERVICIUL X
    work_types:
      - title: Grup
        activities:
          - id: a
            label: Activitate
            counters: [lucrari]
"""


@pytest.mark.parametrize(
    "text, message",
    [
        ("slug: x\ntitle: a: b\n", "broken.yaml: rândul 2: YAML greșit (mapping values are not allowed here)"),
        (GOOD.replace("    title: SERVICIUL X\n", ""), "broken.yaml: title: Completați titlul biroului."),
        (GOOD.replace("            label: Activitate\n", ""), "broken.yaml: work_types.0.activities.0.label: Completați denumirea activității."),
        (GOOD.replace("[lucrari]", "[lucrari, minute]"), "broken.yaml: work_types.0.activities.0.counters: Contor necunoscut „minute”; se acceptă: "
         "lucrari (Nr. lucrări), documente (Nr. documente produse)."),
        (GOOD.replace("            counters: [lucrari]\n", ""), "broken.yaml: work_types.0.activities.0.counters: Alegeți cel puțin un contor: "
         "lucrari (Nr. lucrări), documente (Nr. documente produse)."),
        (GOOD + "          - id: a\n            label: Alta\n            counters: [documente]\n",
         "broken.yaml: work_types.0.activities.1.id: Id-ul „a” este folosit deja de altă activitate a biroului; "
         "fiecare activitate are un id al ei."),
        (GOOD.replace("counters: [lucrari]", "counters: [lucrari]\n            kind: weekly"),
         "broken.yaml: work_types.0.activities.0.kind: Tip necunoscut „weekly”; se acceptă: counts (numărare), "
         "daily (zilnic, da/nu), breakdown (defalcată pe părți)."),
        (GOOD.replace("counters: [lucrari]", "counters: [lucrari]\n            kind: breakdown"),
         "broken.yaml: work_types.0.activities.0.parts: O activitate defalcată pe părți trebuie să aibă cel puțin o parte."),
        (GOOD.replace("- id: a", "- id: A b"), "broken.yaml: work_types.0.activities.0.id: Id-ul „A b” poate conține doar litere mici fără diacritice, cifre și „-”."),
        ("- just a list\n", "broken.yaml: document: Documentul trebuie să descrie un birou: slug, title, work_types."),
        (GOOD.replace("    work_types:\n", "    work_types: []\n    ignored:\n"), "broken.yaml: work_types: Biroul trebuie să aibă cel puțin o lucrare specifică."),
    ],
)
def test_broken_file_is_named_with_its_field(tmp_path, text, message):
    (tmp_path / "broken.yaml").write_text(textwrap.dedent(text) if text.startswith("    ") else text, encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert str(info.value) == message


def test_duplicate_office_slug(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert str(info.value).splitlines() == [
        "b.yaml: slug: Există deja un birou cu identificatorul „x”.",
        "b.yaml: title: Titlul „SERVICIUL X” este același (ignorând majusculele) cu al biroului „x”; "
        "fiecare birou are propria foaie, cu un nume diferit."]


def test_broken_catalog_stops_start_up(tmp_path):
    (tmp_path / "broken.yaml").write_text("slug: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="broken.yaml: title: Completați titlul biroului."):
        create_app({"TESTING": True, "SECRET_KEY": "x", "CATALOG_DIR": str(tmp_path)}, instance_path=str(tmp_path / "i"))


def _check(folder):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "catalog", "check", "--dir", str(folder)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )


def test_cli_check_ok_and_broken(tmp_path):
    ok = _check(ROOT / "forms")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [
        "presa.yaml: presa — SERVICIUL PRESĂ: 11 lucrări specifice, 23 activități",
        "consiliere.yaml: consiliere — SERVICIUL CONSILIERE ȘI ÎNDRUMARE: 4 lucrări specifice, 11 activități",
        "Catalog valid.",
    ]
    (tmp_path / "bad.yaml").write_text(textwrap.dedent(GOOD).replace("[lucrari]", "[ore]"), encoding="utf-8")
    bad = _check(tmp_path)
    assert bad.returncode == 1
    assert bad.stderr.strip() == (
        "Catalog invalid: bad.yaml: work_types.0.activities.0.counters: Contor necunoscut „ore”; se acceptă: "
        "lucrari (Nr. lucrări), documente (Nr. documente produse)."
    )


THIRD_OFFICE = """\
order: 3
slug: registratura
title: SERVICIUL REGISTRATURĂ
work_types:
  - title: Înregistrare
    activities:
      - id: acte-intrate
        label: Acte intrate
        counters: [lucrari, documente]
"""


def test_third_office_is_one_yaml_file(tmp_path):
    """A whole office added as data: its form, its rows and its report, no Python."""
    from tests.conftest import PASSWORD

    folder = tmp_path / "catalog"
    shutil.copytree(ROOT / "forms", folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    (folder / "registratura.yaml").write_text(THIRD_OFFICE, encoding="utf-8")
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False, "CATALOG_DIR": str(folder),
                      "CLOCK_START": START},
                     instance_path=str(tmp_path / "instance"))
    app.extensions["users"].add("reg", PASSWORD, "clerk", ["registratura"])
    client = app.test_client()
    client.post("/login", data={"username": "reg", "password": PASSWORD})
    page = client.get("/entry/registratura?date=2026-11-23")
    assert page.status_code == 200
    assert "Acte intrate" in page.get_data(as_text=True)
    saved = client.post("/entry/registratura?date=2026-11-23",
                        data={"acte-intrate__lucrari": "4", "acte-intrate__documente": "2"})
    assert saved.status_code == 302
    rows = app.extensions["store"].read(["registratura"], *[__import__("datetime").date(2026, 11, 23)] * 2).rows
    assert [(r.activity, r.clerk, r.lucrari, r.documente) for r in rows] == [("acte-intrate", "reg", 4, 2)]
    report = client.get("/report?week=2026-W48&service=registratura").get_data(as_text=True)
    assert "SERVICIUL REGISTRATURĂ" in report and "Acte intrate" in report


def test_check_refuses_worksheet_titles_google_refuses(tmp_path):
    """An office's title names its worksheet: at most 100 characters, unique ignoring case."""
    long_title = "SERVICIUL " + "Ă" * 91  # 101 characters
    import yaml

    doc = yaml.safe_load(textwrap.dedent(GOOD))
    doc["title"] = long_title
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    bad = _check(tmp_path)
    assert bad.returncode == 1
    assert bad.stderr == ("Catalog invalid: a.yaml: title: Titlul are 101 caractere; Google Sheets acceptă pentru "
                          "numele unei foi cel mult 100.\n")
    doc["title"] = "Serviciul Presă"
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    other = dict(doc, slug="y", title="SERVICIUL PRESĂ")
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    assert str(info.value) == ("b.yaml: title: Titlul „SERVICIUL PRESĂ” este același (ignorând majusculele) cu "
                               "al biroului „x”; fiecare birou are propria foaie, cu un nume diferit.")
    assert _check(tmp_path).returncode == 1
    other["title"] = "SERVICIUL PRESĂ 2"
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(other, allow_unicode=True), encoding="utf-8")
    assert _check(tmp_path).returncode == 0

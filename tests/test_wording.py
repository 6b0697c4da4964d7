"""The Romanian of the pages and of the XLSX, as a clerk reads it: letters
with a comma below (ș ț), never the cedilla (ş ţ); counts that agree with
their noun ("1 rând", "20 de rânduri"); words that fit the store in use."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from domain.rows import Row

ROOT = Path(__file__).resolve().parents[1]
CEDILLA = re.compile("[şţŞŢ]")
TUE, SAT = date(2026, 11, 24), date(2026, 11, 21)  # a Saturday before the clock's Friday
W = "2026-W48"


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in (
    *(ROOT / "templates").rglob("*.html"), ROOT / "reports" / "xlsx.py", ROOT / "reports" / "model.py",
    ROOT / "reports" / "trends.py", ROOT / "reports" / "rows_csv.py", *(ROOT / "views").glob("*.py"),
    *(ROOT / "forms").glob("*.yaml"))))
def test_no_cedilla_letters(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    assert [(n, line) for n, line in enumerate(text.splitlines(), 1) if CEDILLA.search(line)] == []


def test_figures_added_in_the_sheet_agree_with_their_noun(app, as_user):
    """The entry page lists rows someone else put under the clerk's name."""
    app.extensions["store"].save_day("presa", TUE, "clerk", [
        Row("presa", TUE, "l544-studiere", "clerk", lucrari=1, row_id="de-mana-1"),
        Row("presa", TUE, "comunicate-site", "clerk", lucrari=20, documente=1, row_id="de-mana-2"),
        Row("presa", TUE, "comunicate-mass-media", "clerk", lucrari=101, documente=0, row_id="de-mana-3")])
    page = as_user("clerk").get(f"/entry/presa?date={TUE}").get_data(as_text=True)
    items = re.findall(r"<li>([^<]*)</li>", page.split('id="added-title"', 1)[1].split("</section>", 1)[0])
    assert sorted(items) == ["Postate pe site: 20 de lucrări, 1 document",
                             "Studiere solicitare: 1 lucrare",
                             "Transmise către mass-media: 101 lucrări, 0 documente"]


def test_a_day_off_in_the_week_strip_is_called_so(app, as_user):
    page = as_user("clerk").get(f"/entry/presa?date={SAT}").get_data(as_text=True)
    assert "(zi liberă)" in page and "(liber)" not in page


def test_deleting_one_row_asks_in_the_singular(app, as_user):
    app.extensions["store"].save_day("presa", TUE, "clerk", [Row("presa", TUE, "l544-studiere", "clerk", lucrari=2)])
    page = as_user("supervisor").get(f"/data/presa/delete?week={W}&day={TUE}&clerk=clerk").get_data(as_text=True)
    assert re.findall(r'<th scope="col">([^<]*)</th>', page) == [
        "Activitatea", "Nr. lucrări", "Nr. documente produse", "Observații"]
    assert "Da, șterge 1 rând</button>" in page


def test_the_local_store_offers_to_reload_its_data_not_a_sheet(app, as_user):
    page = as_user("supervisor").get(f"/data/presa?week={W}").get_data(as_text=True)
    assert "Reîncarcă datele</a>" in page and "foaia de calcul</a>" not in page


def test_users_page_counts_failed_sign_ins_and_minutes(tmp_path):
    from tests.conftest import login, make_app

    app = make_app(tmp_path, LOGIN_WINDOW_SECONDS=1200)
    login(app.test_client(), "clerk", "parola-gresita")
    admin = app.test_client()
    login(admin, "admin")
    page = admin.get("/users").get_data(as_text=True)
    assert re.search(r'<strong class="locked">[^<]*1 încercare eșuată</strong>', page), page
    assert "se deblochează singur după cel mult 20 de minute;" in page

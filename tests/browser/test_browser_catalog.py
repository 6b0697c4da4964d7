"""The catalog editor in a real browser: an admin builds a small office from
nothing (no JavaScript needed: every button is a submit button), previews
it, publishes it from this week; a clerk of the new office fills its form
and the report shows the figures. Also: the editor by keyboard, on a phone,
and axe on the editor page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from devtools.browser import bucharest_today, choose_password, is_focused, report_rows, screenshot, week_slug
from tests.browser.test_browser_a11y import BLOCKING, axe_violations, describe, unlabelled_controls

TITLE = "Registratura generală"
SLUG = "registratura"
CLERK = "registrator1"
FIRST_PASSWORD = "parola-registru-1"
OWN_PASSWORD = "parola-registru-2"


def _add_activity(page, work_type: str):
    page.get_by_role("button", name=f"+ Adaugă o activitate la lucrarea {work_type}").click()


def test_admin_builds_an_office_a_clerk_fills_it_the_report_shows_it(server, open_page):
    week = week_slug(bucharest_today())
    page = open_page(server, "admin")
    page.goto("/catalog")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogul birourilor")
    page.get_by_role("button", name="Birou nou").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciornă: birou nou")
    # What is missing is said next to each field.
    expect(page.get_by_label("Titlul biroului", exact=False)).to_have_accessible_description(
        "Completați titlul biroului.")

    page.get_by_label("Titlul biroului", exact=False).fill(TITLE)
    page.get_by_label("Identificatorul", exact=False).fill(SLUG)
    page.get_by_label("Ordinea în raport", exact=False).fill("50")
    page.get_by_label("Titlul lucrării specifice").fill("Corespondență")
    _add_activity(page, "1")  # the buttons name the work type by its saved title, none yet
    # the page comes back at the new activity, with what was typed kept
    expect(page).to_have_url(re.compile(r"#wt0-a0$"))
    expect(page.get_by_label("Titlul biroului", exact=False)).to_have_value(TITLE)
    page.locator("#wt0-a0-label").fill("Scrisori înregistrate")
    page.locator("#wt0-a0-text").fill("Scrisori primite și înregistrate în registrul general")
    page.get_by_label("„Nr. documente produse”").check()
    _add_activity(page, "Corespondență")
    page.locator("#wt0-a1-label").fill("Arhivare zilnică")
    page.locator("#wt0-a1-kind").select_option("daily")
    # Enter in a field saves the draft (the first button of the form)
    page.locator("#wt0-a1-label").press("Enter")
    expect(page.get_by_role("status").first).to_have_text("Ciorna a fost salvată.")
    expect(page.locator(".problem-summary")).to_have_count(0)
    expect(page.locator("#wt0-a0 .act-id code")).to_have_text("scrisori-inregistrate")
    screenshot(page, f"{server.backend}-catalog-editor")

    page.get_by_role("button", name="Previzualizare").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Previzualizare: {TITLE}")
    form = page.locator("section.preview-form")
    expect(form.get_by_label("Scrisori înregistrate — Nr. lucrări")).to_be_visible()
    expect(form.get_by_label("Scrisori înregistrate — Nr. documente produse")).to_be_visible()
    expect(form.get_by_label("Arhivare zilnică — Realizat")).to_be_visible()
    assert report_rows(page, SLUG) == {"Scrisori primite și înregistrate în registrul general": ["0", "0"],
                                       "Arhivare zilnică": ["0 zile", ""]}
    screenshot(page, f"{server.backend}-catalog-preview")

    page.get_by_role("link", name="Publică…").click()
    effective = page.get_by_label("Se aplică din")
    expect(effective).to_have_value(week)
    expect(effective.locator("option:checked")).to_contain_text("săptămâna curentă")
    page.get_by_role("button", name="Publică", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Istoricul versiunilor: {TITLE}")
    expect(page.locator("table.catalog-history tbody tr")).to_have_count(1)
    expect(page.locator("table.catalog-history tbody tr td").nth(1)).to_have_text("admin")

    # A clerk of the new office, created on the users' page.
    page.goto("/users")
    page.get_by_label("Utilizator", exact=True).fill(CLERK)
    page.get_by_label("Rol", exact=True).select_option("clerk")
    page.get_by_label(TITLE).check()
    page.get_by_label("Parolă", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Confirmați parola").fill(FIRST_PASSWORD)
    page.get_by_role("button", name="Creează utilizatorul").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Utilizatorul „{CLERK}” a fost creat")

    clerk = open_page(server)
    clerk.goto("/login")
    clerk.get_by_label("Utilizator").fill(CLERK)
    clerk.get_by_label("Parolă").fill(FIRST_PASSWORD)
    clerk.get_by_role("button", name="Intră").click()
    choose_password(clerk, FIRST_PASSWORD, OWN_PASSWORD)
    day = bucharest_today()
    clerk.goto(f"/entry/{SLUG}?date={day.isoformat()}")
    expect(clerk.get_by_role("heading", level=1)).to_have_text(TITLE)
    clerk.get_by_label("Scrisori înregistrate — Nr. lucrări").fill("7")
    clerk.get_by_label("Scrisori înregistrate — Nr. documente produse").fill("3")
    clerk.get_by_label("Arhivare zilnică — Realizat").check()
    clerk.get_by_role("button", name="Salvează").click()
    expect(clerk.get_by_role("status").first).to_contain_text("Salvat: 2 rânduri")

    clerk.goto(f"/report?week={week}&service={SLUG}")
    rows = report_rows(clerk, SLUG)
    assert rows["Scrisori primite și înregistrate în registrul general"] == ["7", "3"]
    assert rows["Arhivare zilnică"][0] in ("Zilnic", "1 zi"), rows
    screenshot(clerk, f"{server.backend}-catalog-report")


def test_editor_by_keyboard_on_a_phone_and_accessible(server, open_page):
    page = open_page(server, "admin", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/catalog/presa/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ciornă: SERVICIUL PRESĂ")
    # nothing wider than the phone
    page.wait_for_load_state("load")  # measured with the stylesheet applied, not before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # a mobile viewport widens to its content
    # by keyboard: focus the first activity's label, type, Enter saves
    field = page.locator("#wt0-a0-label")
    field.focus()
    assert is_focused(field)
    page.keyboard.press("End")
    page.keyboard.type(" (tastatură)")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_have_text("Ciorna a fost salvată.")
    expect(page.locator("#wt0-a0-label")).to_have_value("Studiere solicitare (tastatură)")
    # a move button reached by Tab, pressed with Enter; the page comes back at the activity
    down = page.get_by_role("button", name="↓ Mută jos activitatea Studiere solicitare (tastatură)")
    down.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#wt0-a1$"))
    expect(page.locator("#wt0-a1-label")).to_have_value("Studiere solicitare (tastatură)")
    screenshot(page, f"{server.backend}-catalog-editor-phone")
    violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    assert not unlabelled_controls(page)
    # a problem is tied to its field and listed at the top
    page.locator("#wt0-a1-label").fill("")
    page.get_by_role("button", name="Salvează ciorna").first.click()
    expect(page.locator("#wt0-a1-label")).to_have_accessible_description("Completați denumirea activității.")
    expect(page.locator(".problem-summary a[href='#wt0-a1-label']")).to_have_count(1)
    violations = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not violations, describe(violations)
    # the parts field shows only while "pe detalieri" is chosen (CSS alone)
    expect(page.locator("#wt0-a0-parts")).to_be_hidden()
    page.locator("#wt0-a0-kind").select_option("breakdown")
    expect(page.locator("#wt0-a0-parts")).to_be_visible()
    page.get_by_role("button", name="Renunță la ciornă").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogul birourilor")


def test_preview_and_publish_pages_fit_a_phone(server, open_page):
    """The preview's grid track grew to the report table's width (714 px on a
    390 px phone) and the publish page's week list to its longest option."""
    page = open_page(server, "admin", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto("/catalog/presa/edit")
    page.get_by_role("button", name="Previzualizare").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Previzualizare")
    page.wait_for_load_state("load")  # measured with the stylesheet applied, not before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # a mobile viewport widens to its content
    page.get_by_role("link", name="Publică…").click()
    expect(page.locator("#effective")).to_be_visible()
    page.wait_for_load_state("load")  # measured with the stylesheet applied, not before
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # a mobile viewport widens to its content

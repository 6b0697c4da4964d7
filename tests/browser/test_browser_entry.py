"""The clerks' daily form in a real browser: keyboard only, errors, no
JavaScript, a phone."""
from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from devtools.browser import (focused_description, is_focused, report_rows, screenshot, tab_to, week_slug,
                             weeks_ago)
from domain.periods import format_weekday_date

STUDIERE = "Studiere solicitare — Nr. lucrări"
VERIFICARE = "Studiere + verificare documente atașate — Nr. lucrări"
TELEFONICE = "Solicitări de presă — Discuții telefonice"
MASS_MEDIA_DOCS = "Transmise către mass-media — Nr. documente produse"
MONITORIZARE = "Monitorizarea zilnică a presei — Realizat"


def saved_flash(page, rows: int, day):
    """The flash a save shows: "Salvat: N rânduri pentru <zi>." (the Google
    backend adds that the sheet is being synchronised)."""
    words = "rând" if rows == 1 else "rânduri"
    text = re.escape(f"Salvat: {rows} {words} pentru {format_weekday_date(day, year=True)}")
    expect(page.get_by_role("status")).to_have_text(re.compile(f"^{text}(\\.|; se sincronizează.*)$"))


def test_keyboard_only_entry_then_correction_keeps_one_set_of_rows(server, open_page):
    day = weeks_ago(2)  # a Monday no other test writes in
    page = open_page(server)
    page.goto("/login")
    # Sign in by keyboard: Tab to the first field, type, Tab, type, Enter.
    tab_to(page, page.get_by_label("Utilizator"))
    page.keyboard.type("presa1")
    page.keyboard.press("Tab")
    assert is_focused(page.get_by_label("Parolă")), focused_description(page)
    page.keyboard.type(server.passwords["presa1"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Bună ziua, presa1")).to_be_visible()

    # Open the day from the address bar (the keyboard, not a click).
    page.goto(f"/entry/presa?date={day.isoformat()}")
    expect(page.get_by_role("heading", level=1)).to_have_text("SERVICIUL PRESĂ")
    tab_to(page, page.get_by_label(STUDIERE))
    page.keyboard.type("4")
    tab_to(page, page.get_by_label(TELEFONICE))
    page.keyboard.type("12")
    tab_to(page, page.get_by_label(MASS_MEDIA_DOCS))
    page.keyboard.type("2")
    tab_to(page, page.get_by_label(MONITORIZARE))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Salvează"))
    page.keyboard.press("Enter")
    saved_flash(page, 4, day)
    screenshot(page, f"{server.backend}-entry-saved")

    # The day reopens prefilled.
    page.goto(f"/entry/presa?date={day.isoformat()}")
    expect(page.locator("p.lead")).to_contain_text("ați completat deja această zi")
    expect(page.get_by_label(STUDIERE)).to_have_value("4")
    expect(page.get_by_label(TELEFONICE)).to_have_value("12")
    expect(page.get_by_label(MASS_MEDIA_DOCS)).to_have_value("2")
    expect(page.get_by_label(MONITORIZARE)).to_be_checked()
    expect(page.get_by_label(VERIFICARE)).to_have_value("")

    # Correct one figure, clear another, save again (keyboard only).
    tab_to(page, page.get_by_label(STUDIERE))
    page.keyboard.press("Control+A")
    page.keyboard.type("7")
    tab_to(page, page.get_by_label(MASS_MEDIA_DOCS))
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")  # in a text field: submits the form (implicit submission)
    saved_flash(page, 3, day)
    expect(page.get_by_label(STUDIERE)).to_have_value("7")
    expect(page.get_by_label(MASS_MEDIA_DOCS)).to_have_value("")

    # Exactly one set of rows: the week's report shows 7 (not 4 + 7) and no
    # mass-media count.
    sef = open_page(server, "sef")
    sef.goto(f"/report?week={week_slug(day)}")
    table = report_rows(sef, "presa")
    assert table["Studiere solicitare"] == ["7", ""]
    assert table["Transmise către mass-media"] == ["0", "0"]
    monitoring = next(v for k, v in table.items() if k.startswith("Monitorizarea zilnică"))
    assert "1 zi" in monitoring
    phone_calls = next(v for k, v in table.items() if k.startswith("Discuții telefonice cu reprezentanții"))
    assert "12 discuții telefonice" in phone_calls[0]

    # And in the store itself (the SQLite file, or the worksheet the Google
    # backend's sender writes within a few seconds): one row per activity.
    expected = sorted([
        (day.isoformat(), "l544-studiere", "", "presa1", 7, None),
        (day.isoformat(), "solicitari-presa", "telefonice", "presa1", 12, None),
        (day.isoformat(), "monitorizare-presa", "", "presa1", 1, None),
    ])
    deadline = time.monotonic() + 20
    while True:
        stored = sorted(tuple(r[k] for k in ("day", "activity", "part", "clerk", "lucrari", "documente"))
                        for r in server.stored_rows("presa", "SERVICIUL PRESĂ") if r["day"] == day.isoformat())
        if stored == expected or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert stored == expected, server.logs()


def test_bad_input_shows_romanian_message_next_to_the_field_and_keeps_values(server, open_page):
    day = weeks_ago(3, 1)
    page = open_page(server, "presa1")
    page.goto(f"/entry/presa?date={day.isoformat()}")
    page.get_by_label(STUDIERE).fill("-3")
    page.get_by_label(VERIFICARE).fill("abc")
    page.get_by_label(TELEFONICE).fill("9")
    page.get_by_label(MONITORIZARE).check()
    page.get_by_role("button", name="Salvează").click()

    expect(page.get_by_role("alert")).to_contain_text("Nu s-a salvat nimic: corectați valorile marcate mai jos.")
    for label, message in ((STUDIERE, "Numărul nu poate fi negativ."),
                           (VERIFICARE, "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12).")):
        field = page.get_by_label(label)
        expect(field).to_have_attribute("aria-invalid", "true")
        # The message is tied to its field and sits right after it.
        expect(field).to_have_accessible_description(message)
        error = page.locator(f"#{field.get_attribute('aria-describedby')}")
        expect(error).to_have_text(message)
        assert field.evaluate("(f, e) => f.parentElement === e.parentElement", error.element_handle())
    expect(page.get_by_label(STUDIERE)).to_have_value("-3")
    expect(page.get_by_label(VERIFICARE)).to_have_value("abc")
    expect(page.get_by_label(TELEFONICE)).to_have_value("9")
    expect(page.get_by_label(TELEFONICE)).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label(MONITORIZARE)).to_be_checked()
    screenshot(page, f"{server.backend}-entry-errors")

    # Nothing was saved: the day is still not filled.
    page.goto(f"/entry/presa?date={day.isoformat()}")
    expect(page.locator("p.lead")).not_to_contain_text("ați completat deja")
    expect(page.get_by_label(TELEFONICE)).to_have_value("")


def test_form_works_without_javascript(server, open_page):
    """The app ships no script: with JavaScript disabled a clerk fills and
    saves a day (a plain form POST) and sees it prefilled."""
    day = weeks_ago(4, 2)
    petenti = "Petenți sosiți la birou / petiții înregistrate — Nr. lucrări"
    page = open_page(server, "consiliere1", java_script_enabled=False)
    page.goto(f"/entry/consiliere?date={day.isoformat()}")
    expect(page.locator("script")).to_have_count(0)
    page.get_by_label(petenti).fill("31")
    page.get_by_role("button", name="Salvează").click()
    saved_flash(page, 1, day)
    expect(page.get_by_label(petenti)).to_have_value("31")
    expect(page.locator("p.lead")).to_contain_text("ați completat deja această zi")


def test_phone_viewport_has_no_horizontal_scrolling(server, open_page):
    day = weeks_ago(5, 3)
    page = open_page(server, "presa2", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"/entry/presa?date={day.isoformat()}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Every input and the save button fit in the width.
    boxes = page.locator("form.entry input, form.entry button").evaluate_all(
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [e.id || e.textContent, r.left, r.right]; })")
    assert boxes and all(left >= 0 and right <= 390 for _, left, right in boxes), boxes
    screenshot(page, f"{server.backend}-entry-phone")
    page.get_by_label(STUDIERE).tap()
    page.get_by_label(STUDIERE).fill("2")
    page.get_by_role("button", name="Salvează").tap()
    saved_flash(page, 1, day)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

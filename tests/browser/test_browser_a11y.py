"""Accessibility: axe-core (shipped inside axe-playwright-python, injected
from disk: no network) on every main page, on the demo server so that the
pages are full of real data. No violation of impact serious or critical is
allowed; every form control has a label; focus is visible."""
from __future__ import annotations

import json

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from devtools.browser import bucharest_today, screenshot, week_slug

BLOCKING = {"serious", "critical"}
AXE = Axe()


def axe_violations(page) -> list[dict]:
    results = AXE.run(page, options={"resultTypes": ["violations"],
                                     "runOnly": {"type": "tag", "values": [
                                         "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}})
    return results.response["violations"]


def describe(violations: list[dict]) -> str:
    return json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations], indent=1,
                      ensure_ascii=False)


def unlabelled_controls(page) -> list[str]:
    """Visible form controls without a label (a <label for>, a wrapping
    label or aria-label), checked independently of axe."""
    return page.locator("input:not([type=hidden]), select, textarea").evaluate_all("""els => els
        .filter(e => e.offsetWidth > 0 || e.offsetHeight > 0)
        .filter(e => !([...(e.labels || [])].some(l => l.innerText.trim()) || (e.getAttribute('aria-label') || '').trim()))
        .map(e => e.outerHTML.slice(0, 120))""")


def check_page(page, name: str) -> None:
    screenshot(page, f"a11y-{name}")
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{name}: {describe(blocking)}"
    assert not unlabelled_controls(page), f"{name}: unlabelled {unlabelled_controls(page)}"
    # Every page has one main landmark and a first-level heading.
    expect(page.get_by_role("main")).to_have_count(1)
    expect(page.get_by_role("heading", level=1)).to_have_count(1)


PAGES = {
    # name: (user, url)
    "login": (None, "/login"),
    "home": ("presa1", "/"),
    "entry": ("presa1", "/entry/presa"),
    "report": ("sef", "/report"),
    "data-index": ("sef", "/data/"),
    "data": ("sef", "/data/consiliere"),
    "users": ("admin", "/users"),
    "catalog": ("admin", "/catalog"),
    "catalog-history": ("admin", "/catalog/presa/history"),
    "forbidden": ("presa1", "/entry/consiliere"),
    "home-supervisor": ("sef", "/"),
    "trends": ("sef", "/trends?service=presa"),
    "trends-year": ("sef", "/trends?service=consiliere&weeks=52"),
    "audit": ("sef", f"/audit?service=presa&week={week_slug(bucharest_today())}"),
    "password": ("presa2", "/password"),
    "user-edit": ("admin", "/users/presa1"),
    "not-found": ("sef", "/nu-exista"),
}


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_serious_accessibility_violations(demo_server, open_page, name):
    user, url = PAGES[name]
    page = open_page(demo_server, user)
    page.goto(url)
    check_page(page, name)


def test_sign_in_fields_identify_their_purpose(demo_server, open_page):
    """WCAG 1.3.5: password managers and assistive tools recognise the fields."""
    page = open_page(demo_server)
    page.goto("/login")
    expect(page.get_by_label("Utilizator")).to_have_attribute("autocomplete", "username")
    expect(page.get_by_label("Parolă")).to_have_attribute("autocomplete", "current-password")
    page.get_by_role("button", name="Intră").click()  # empty: errors tied to the fields
    expect(page.get_by_label("Utilizator")).to_have_accessible_description("Introduceți numele de utilizator.")
    expect(page.get_by_label("Utilizator")).to_have_attribute("autocomplete", "username")
    check_page(page, "login-errors")


def test_entry_form_with_errors_is_accessible(demo_server, open_page):
    page = open_page(demo_server, "presa2")
    day = bucharest_today()
    page.goto(f"/entry/presa?date={day.isoformat()}")
    page.get_by_label("Studiere solicitare — Nr. lucrări").fill("-3")
    page.get_by_label("Solicitări de presă — Solicitări scrise").fill("abc")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_page(page, "entry-errors")
    # Each invalid field points at its message.
    invalid = page.locator("[aria-invalid=true]")
    expect(invalid).to_have_count(2)
    for i in range(2):
        field = invalid.nth(i)
        expect(page.locator(f"#{field.get_attribute('aria-describedby')}")).to_have_class("field-error")


def test_grid_absences_errors_and_audit_are_accessible(demo_server, open_page):
    """The supervisors' grid after an absence is marked and after a refused
    figure, then the week's audit trail: in a week of this test's own."""
    week = "2026-W36"  # 31 August – 4 September 2026
    page = open_page(demo_server, "sef")
    page.goto(f"/data/presa?week={week}")
    page.locator("#absence-clerk").select_option("presa2")
    page.locator("#absence-start").fill("01.09.2026")
    page.locator("#absence-end").fill("02.09.2026")
    page.get_by_role("button", name="Marchează absent").click()
    expect(page.locator("main")).to_contain_text("presa2 este marcat absent")
    check_page(page, "data-absence")

    cell = page.locator(".data-grid input[inputmode=numeric]").first
    cell.fill("abc")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("[aria-invalid=true]")).to_have_count(1)
    check_page(page, "data-grid-errors")

    page.locator(".data-grid input[inputmode=numeric]").first.fill("4")
    page.get_by_role("button", name="Salvează").click()
    expect(page.get_by_role("alert")).to_have_count(0)
    page.goto(f"/audit?service=presa&week={week}")
    expect(page.locator("main")).to_contain_text("presa2")  # the absence, and the figure typed
    check_page(page, "audit-lines")


FOCUS_STYLE = """() => {
    const e = document.activeElement;
    const rgb = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const lum = c => { const [r, g, b] = rgb(c).slice(0, 3).map(v => v / 255)
        .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
        return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
    let bg = 'rgb(255, 255, 255)';
    for (let a = e.parentElement; a; a = a.parentElement) {
        const c = getComputedStyle(a).backgroundColor;
        if (c !== 'transparent' && rgb(c).length && (rgb(c).length < 4 || rgb(c)[3] > 0)) { bg = c; break; }
    }
    const s = getComputedStyle(e);
    const [l1, l2] = [lum(s.outlineColor), lum(bg)].sort((x, y) => y - x);
    return {what: `${e.tagName} ${(e.textContent || e.name || '').trim().slice(0, 30)}`, style: s.outlineStyle,
            width: parseFloat(s.outlineWidth), contrast: (l1 + 0.05) / (l2 + 0.05), shown: e.offsetWidth > 0,
            inner: !e.matches(':focus')};
}"""


def test_keyboard_focus_is_visible_everywhere(demo_server, open_page):
    """Tab through the top bar, the report's links, buttons and fields:
    every focused element draws a solid outline at least 2 px wide whose
    colour has 3:1 contrast or more with what surrounds it (WCAG 2.4.7,
    1.4.11); the skip link comes first and moves the focus to the content."""
    page = open_page(demo_server, "sef")
    page.goto(f"/report?week={week_slug(bucharest_today())}")
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        if focus["what"].startswith("BODY") or focus["inner"]:
            continue  # inner: a date field's calendar button, which Chromium outlines itself
        assert focus["shown"] and focus["style"] == "solid" and focus["width"] >= 2, focus
        assert focus["contrast"] >= 3, focus
        seen.append(focus["what"])
    assert len(seen) >= 20 and any(w.startswith("SELECT") for w in seen) and any(w.startswith("INPUT") for w in seen), seen

    page.goto(f"/report?week={week_slug(bucharest_today())}")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Sari la conținut")).to_be_focused()
    assert page.evaluate(FOCUS_STYLE)["contrast"] >= 3
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("url", ["/data/presa", "/data/outbox", "/data/problems"])
def test_store_pages_are_accessible_on_each_backend(server, open_page, url):
    """The supervisors' pages whose content depends on the store backend
    (the sheet link, the Google outbox and the problems found in the sheet)."""
    page = open_page(server, "sef")
    response = page.goto(url)
    assert response.status == 200, url
    check_page(page, f"{server.backend}-{url.strip('/').replace('/', '-')}")


@pytest.mark.parametrize("name", ["login", "home", "entry", "report", "data", "users", "trends", "audit"])
def test_phone_pages_reflow_without_page_scrolling(demo_server, open_page, name):
    """WCAG 1.4.10 on a 390 px wide phone: the page never scrolls sideways;
    wide tables scroll inside themselves, reachable by keyboard (axe's
    scrollable-region-focusable is serious)."""
    user, url = PAGES[name]
    page = open_page(demo_server, user, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(url)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    check_page(page, f"phone-{name}")

"""``python app.py --demo``: the first report a newcomer opens is the seed
document, reproduced (figures spread over the week's working days so far)."""
from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from browser_support import bucharest_today, monday_of, report_rows, screenshot, sign_in
from reports.periods import working_days


def test_demo_report_shows_the_seed_documents_figures(demo_server, open_page):
    assert set(demo_server.passwords) >= {"presa1", "presa2", "consiliere1", "consiliere2", "sef", "admin"}, \
        demo_server.logs()
    page = open_page(demo_server)
    sign_in(page, "sef", demo_server.passwords["sef"])  # the password the app printed
    page.get_by_role("link", name="Raport săptămânal").click()
    expect(page.get_by_role("heading", name="SERVICIUL PRESĂ")).to_be_visible()

    presa, consiliere = report_rows(page, "presa"), report_rows(page, "consiliere")
    assert presa["Studiere solicitare"] == ["12", ""]
    calls = next(v for k, v in presa.items() if k.startswith("Discuții telefonice cu reprezentanții"))
    assert calls[0].splitlines() == ["- 73 discuții telefonice", "- 1 scrisă"]
    email = next(v for k, v in presa.items() if k.startswith("Emailurile sosite pe adresa"))
    assert email == ["277", "277"]
    petenti = next(v for k, v in consiliere.items() if k.startswith("Numărul petenților sosiți"))
    assert petenti == ["3030", "1510"]
    assert next(v for k, v in consiliere.items() if k.startswith("Cetățenii care sună")) == ["540", ""]

    # "Zilnic" needs every working day of the week so far done; the demo
    # fills them all (on a week whose working days have not begun yet it
    # fills the Monday only, shown as "1 zi").
    monday = monday_of(bucharest_today())
    elapsed = [d for d in working_days(monday, monday + timedelta(days=6))
               if d <= bucharest_today()]
    monitoring = next(v for k, v in presa.items() if k.startswith("Monitorizarea zilnică"))
    assert monitoring == (["Zilnic", "Zilnic"] if elapsed else ["1 zi", "1 zi"])
    expect(page.locator("main")).to_contain_text("3030")
    expect(page.locator("main")).to_contain_text("- 73 discuții telefonice")
    screenshot(page, "demo-report")

    # A clerk of the demo signs in with their printed password too.
    clerk = open_page(demo_server)
    sign_in(clerk, "presa1", demo_server.passwords["presa1"])
    expect(clerk.get_by_role("heading", name="Bună ziua, presa1")).to_be_visible()
    expect(clerk.locator(".days li.done").first).to_contain_text("completată de dumneavoastră")

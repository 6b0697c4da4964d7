"""Final figures in a real browser: a supervisor closes a week on the
supervisors' table, the clerk's form of that week turns read-only, and a
clerk whose form went stale gets the conflict page with the typed values."""
from __future__ import annotations

from playwright.sync_api import expect

from devtools.browser import screenshot, week_slug, weeks_ago


def test_supervisor_closes_a_week_and_the_clerk_sees_it_read_only(server, open_page):
    day = weeks_ago(6, 2)  # a Wednesday no other test writes in
    clerk = open_page(server, "presa1")
    clerk.goto(f"/entry/presa?date={day.isoformat()}")
    clerk.get_by_label("Studiere solicitare — Nr. lucrări").fill("3")
    clerk.get_by_role("button", name="Salvează").click()
    expect(clerk.get_by_role("status")).to_contain_text("Salvat: 1 rând")

    sef = open_page(server, "sef")
    sef.goto(f"/data/presa?week={week_slug(day)}")
    expect(sef.get_by_text("Deschisă: funcționarii pot completa")).to_be_visible()
    sef.get_by_role("button", name="Închide săptămâna").click()
    expect(sef.get_by_role("status")).to_contain_text("a fost închisă")
    expect(sef.locator(".week-status")).to_contain_text("Săptămâna a fost închisă de sef la")
    screenshot(sef, f"{server.backend}-week-closed-supervisor")

    clerk.goto(f"/entry/presa?date={day.isoformat()}")
    expect(clerk.locator(".notice.closed")).to_contain_text("Săptămâna a fost închisă de sef la")
    expect(clerk.get_by_label("Studiere solicitare — Nr. lucrări")).to_be_disabled()
    expect(clerk.get_by_label("Studiere solicitare — Nr. lucrări")).to_have_value("3")
    expect(clerk.get_by_role("button", name="Salvează")).to_have_count(0)
    screenshot(clerk, f"{server.backend}-week-closed-clerk")

    # Reopening asks for a reason, next to its field.
    sef.get_by_role("button", name="Redeschide săptămâna").click()
    expect(sef.locator("#reason-err")).to_have_text("Scrieți motivul redeschiderii.")
    sef.get_by_label("Motivul redeschiderii").fill("lipsește o adresă")
    sef.get_by_role("button", name="Redeschide săptămâna").click()
    expect(sef.get_by_role("status")).to_contain_text("a fost redeschisă")
    clerk.goto(f"/entry/presa?date={day.isoformat()}")
    expect(clerk.get_by_label("Studiere solicitare — Nr. lucrări")).to_be_editable()


def test_a_stale_form_meets_the_conflict_page(server, open_page):
    day = weeks_ago(7, 1)
    clerk = open_page(server, "presa1")
    clerk.goto(f"/entry/presa?date={day.isoformat()}")
    clerk.get_by_label("Studiere solicitare — Nr. lucrări").fill("5")
    clerk.get_by_role("button", name="Salvează").click()
    expect(clerk.get_by_role("status")).to_contain_text("Salvat: 1 rând")
    # the clerk keeps the form open; the supervisor corrects 5 to 9
    sef = open_page(server, "sef")
    sef.goto(f"/data/presa?week={week_slug(day)}")
    # the grid: the cell of (Studiere solicitare — Nr. lucrări, that day, presa1)
    sef.locator(f'input[name="v|l544-studiere||lucrari|{day.isoformat()}|presa1"]').fill("9")
    sef.locator("form.grid-form").get_by_role("button", name="Salvează").click()
    expect(sef.get_by_role("status")).to_be_visible()

    clerk.get_by_label("Adrese de e-mail — Nr. lucrări").fill("2")
    clerk.get_by_role("button", name="Salvează").click()
    conflicts = clerk.locator("section.conflicts")
    expect(conflicts).to_contain_text("Studiere solicitare")
    expect(conflicts.locator("tbody tr").first).to_contain_text("5")
    expect(conflicts.locator("tbody tr").first).to_contain_text("9")
    expect(conflicts.locator("tbody tr").first).to_contain_text("sef")
    expect(clerk.get_by_label("Adrese de e-mail — Nr. lucrări")).to_have_value("2")
    screenshot(clerk, f"{server.backend}-entry-conflict")
    clerk.get_by_label("Studiere solicitare — Nr. lucrări").fill("9")
    clerk.get_by_role("button", name="Salvează").click()
    expect(clerk.get_by_role("status")).to_contain_text("Salvat: 2 rânduri")

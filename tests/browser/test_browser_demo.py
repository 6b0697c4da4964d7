"""``python app.py --demo``: the first report a newcomer opens is the seed
document, reproduced, on any date: the demo fills the latest complete week,
the report's „Săptămâna trecută” opens it and a clerk's home lists its days.

Run at each date of devtools/dates.py (a Monday, a Sunday, the holidays of
30 November and 1 December 2026, the New Year week, both DST weekends),
each on a demo server whose clock starts at that instant."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devtools.browser import report_rows, screenshot, sign_in, start_server
from domain.clock import parse_instant
from domain.periods import last_complete_week, latest_working_day
from devtools.dates import DATES


@pytest.fixture(scope="module", params=list(DATES))
def dated_demo(request, tmp_path_factory):
    srv = start_server("local", tmp_path_factory.mktemp(f"demo-{request.param}"), demo=True,
                       clock=DATES[request.param])
    srv.today = parse_instant(DATES[request.param]).date()
    yield srv
    srv.stop()


def test_demo_report_shows_the_seed_documents_figures(dated_demo, open_page):
    srv = dated_demo
    week = last_complete_week(srv.today)
    assert set(srv.passwords) >= {"presa1", "presa2", "consiliere1", "consiliere2", "sef", "admin"}, srv.logs()
    assert f"/report?week={week.slug}" in srv.processes[-1].output()  # the printed link

    page = open_page(srv)
    sign_in(page, "sef", srv.passwords["sef"])  # the password the app printed
    page.get_by_role("link", name="Raport săptămânal").click()
    page.get_by_role("link", name="Săptămâna trecută").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Raport de activitate — {week.title}")
    expect(page.get_by_role("heading", name="SERVICIUL PRESĂ")).to_be_visible()

    presa, consiliere = report_rows(page, "presa"), report_rows(page, "consiliere")
    assert presa["Studiere solicitare"] == ["12", ""]
    calls = next(v for k, v in presa.items() if k.startswith("Discuții telefonice cu reprezentanții"))
    assert calls[0].splitlines() == ["- 73 discuții telefonice", "- 1 scrisă"]
    assert next(v for k, v in presa.items() if k.startswith("Emailurile sosite pe adresa")) == ["277", "277"]
    assert next(v for k, v in presa.items() if k.startswith("Monitorizarea zilnică")) == ["Zilnic", "Zilnic"]
    assert next(v for k, v in consiliere.items() if k.startswith("Numărul petenților sosiți")) == ["3030", "1510"]
    assert next(v for k, v in consiliere.items() if k.startswith("Cetățenii care sună")) == ["540", ""]
    screenshot(page, f"demo-report-{srv.today.isoformat()}")

    # A clerk signs in with their printed password: last week's days are
    # listed as filled, and one button opens the latest working day's form.
    clerk = open_page(srv)
    sign_in(clerk, "presa1", srv.passwords["presa1"])
    expect(clerk.get_by_role("heading", name="Bună ziua, presa1")).to_be_visible()
    card = clerk.locator("section.card", has=clerk.get_by_role("heading", name="SERVICIUL PRESĂ"))
    last_week = card.locator("h3:has-text('Săptămâna trecută') + ul.days")
    for day in week.working_days:
        expect(last_week).to_contain_text(re.compile(rf"{day.day} \w+\.?\s*:\s*completată de"))
    latest = latest_working_day(srv.today)
    card.locator("a.button").first.click()
    expect(clerk).to_have_url(re.compile(rf"/entry/presa(\?date={latest.isoformat()})?$"))
    expect(clerk.locator("main")).to_contain_text(str(latest.day))

#!/usr/bin/env python3
"""Screenshots of the main pages for the docs: docs/screenshots/*.png.

Usage: python scripts/screenshots.py [--out DIR]

Starts its own server (``python app.py --demo`` on a temporary instance
folder, local store, 127.0.0.1 on a free port), signs in with the demo
accounts' printed passwords and photographs, with Debian's Chromium
(/usr/bin/chromium, never a downloaded browser): sign-in, home, the entry
form, the entry form with errors, the weekly report, the report printed
(A4 landscape, page 1), the supervisors' grid, the users page, the entry
form on a phone and the trends page (with 11 more weeks of figures than
the demo's one, and this week begun: ``load_history``). Each PNG is 1280 px wide (the phone one 390) and
must stay under 300 KB: the script fails otherwise.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.browser import (bucharest_today, launch, new_context, screenshot,  # noqa: E402
                             sign_in, start_server, choose_password)
from domain.periods import is_working_day  # noqa: E402

MAX_BYTES = 300 * 1024
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def last_working_day():
    day = bucharest_today()
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


#: The seed week's figures scaled, week by week, for the 11 weeks before the
#: demo's: the trends page then has a curve to show (oldest first).
HISTORY = (0.62, 0.71, 0.80, 0.74, 0.90, 0.97, 0.85, 1.04, 0.93, 1.10, 0.96)


def load_history(instance: Path) -> None:
    """What the screenshots need beyond the demo (which fills one week and
    stays so, as the README says): the 11 weeks before it, for the trends
    page, and this week's first days entered by presa1 only, so the clerk's
    home shows filled days beside missing ones. Written into the server's
    local store (SQLite, WAL: the running server reads them at once)."""
    import demo
    from commands import DEMO_USERS
    from devtools.dates import START
    from domain.clock import Clock
    from domain.periods import Period, last_complete_week
    from domain.rows import Row
    from forms import load_catalog
    from sheets.local import LocalStore

    catalog = load_catalog(ROOT / "forms")
    store = LocalStore(instance / "entries.sqlite3", Clock(START))
    figures = demo.seed_figures()
    today = bucharest_today()
    weeks, week = [], last_complete_week(today)
    for factor in reversed(HISTORY):
        week = week.prev()
        weeks.append((week.working_days, factor))
    this_week = [d for d in Period.week_of(today).working_days if d < today][:-1]
    for office in catalog.offices:
        clerks = [u for u, _, offices in DEMO_USERS if office.slug in offices]
        plan = [(days, factor, clerks) for days, factor in weeks] + [(this_week, 0.55, clerks[:1])]
        for days, factor, who in plan:
            if not days:
                continue
            entries: dict[tuple, dict[str, Row]] = {}
            for act in office.activities:
                spec = figures[office.slug].get(act.id)
                if spec == "daily":
                    for d in days:
                        entries.setdefault((d, who[0]), {})[act.id] = Row(office.slug, d, act.id, who[0], lucrari=1)
                    continue
                for key, total in (spec or {}).items():
                    slots = [(d, c) for d in days for c in who]
                    for (d, c), value in zip(slots, demo.split(round(int(total) * factor), len(slots))):
                        if not value:
                            continue
                        rows = entries.setdefault((d, c), {})
                        if act.kind == "breakdown":
                            rows[f"{act.id}/{key}"] = Row(office.slug, d, act.id, c, part=key,
                                                          **{act.counters[0]: value})
                        else:
                            row = rows.get(act.id) or Row(office.slug, d, act.id, c)
                            rows[act.id] = row.with_changes(**{key: value})
            for (d, c), rows in entries.items():
                store.save_day(office.slug, d, c, list(rows.values()))


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        server = start_server("local", Path(tmp), demo=True)
        try:
            load_history(server.instance)
            with sync_playwright() as pw:
                browser = launch(pw)

                def page_as(user, viewport=WIDE):
                    ctx = new_context(browser, server, viewport=viewport)
                    page = ctx.new_page()
                    if user:
                        sign_in(page, user, server.passwords[user])
                        if "/password" in page.url:  # the first start's one-time password: replaced
                            choose_password(page, server.passwords[user], server.passwords[user] + "-nou")
                            server.passwords[user] += "-nou"
                    return page

                def shot(page, name, **kwargs):
                    shots.append(screenshot(page, name, folder=out, **kwargs))

                day = last_working_day().isoformat()

                page = page_as(None)
                page.goto("/login")
                page.get_by_label("Utilizator").fill("presa1")
                shot(page, "01-sign-in", full_page=False)

                page = page_as("presa1")
                page.goto("/")
                shot(page, "02-home", full_page=True, max_height=1100)  # this week's missing days
                page.goto(f"/entry/presa?date={day}")
                shot(page, "03-entry-form", full_page=False)
                page.get_by_label("Studiere solicitare — Nr. lucrări").fill("-3")
                page.get_by_label("Studiere + verificare documente atașate — Nr. lucrări").fill("abc")
                page.get_by_role("button", name="Salvează").click()
                page.get_by_role("alert").wait_for()
                shot(page, "04-entry-form-errors", full_page=False)

                page = page_as("sef")
                page.goto("/report")
                page.get_by_role("link", name="Săptămâna trecută").click()  # the demo's week: the document
                page.wait_for_load_state()
                shot(page, "05-report", full_page=True, max_height=1200)
                page.emulate_media(media="print")
                pdf = Path(tmp) / "report.pdf"
                page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                                str(out / "06-report-print-a4")], check=True)
                shots.append(out / "06-report-print-a4.png")
                page.emulate_media(media="screen")
                page.goto("/data/presa")
                shot(page, "07-data-table", full_page=False)
                page.goto("/trends?service=consiliere&weeks=12")
                shot(page, "10-trends", full_page=True, max_height=1400)

                page = page_as("admin")
                page.goto("/users")
                shot(page, "08-users", full_page=False)

                page = page_as("presa1", viewport=PHONE)
                page.goto(f"/entry/presa?date={day}")
                shot(page, "09-entry-form-phone", full_page=False)
                browser.close()
        finally:
            server.stop()
    return shots


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    too_big = []
    for path in take(args.out):
        size = path.stat().st_size
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: {size // 1024} KB")
        if size > MAX_BYTES:
            too_big.append(path.name)
    if too_big:
        print(f"Larger than {MAX_BYTES // 1024} KB: {', '.join(too_big)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

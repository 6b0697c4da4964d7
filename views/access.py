"""Shared helpers of the views: the app's services and server-side access checks."""
from __future__ import annotations

from datetime import date, datetime

import time

from flask import abort, current_app, flash, request
from flask_login import current_user

from domain.periods import TIMEZONE, to_local

BUCHAREST = TIMEZONE  # one definition, in reports/periods.py


def catalogs():
    """The catalog's published versions (state/catalogs.py)."""
    return current_app.extensions["catalogs"]


def catalog():
    """Every office's latest version, retired activities included: lists of
    offices, access, labels. Forms and reports ask for their period's layout
    (``week_catalog``, ``period_tally``)."""
    return catalogs().known()


def week_catalog(day: date):
    """The layout of ``day``'s ISO week: what a day's form shows."""
    return catalogs().week_catalog(day)


def period_tally(slugs, period, fresh: bool = False):
    """(the period's catalog, the store's tally, the read result) for a
    report: the layout of the period's versions, plus retired activities
    that have rows in it."""
    from reports.model import daily_keys

    wide = catalogs().catalog_for(period.start, period.end, retired=True)
    tally, result = store().tally(slugs, period.start, period.end, daily_keys(wide), fresh=fresh)
    keep = {(s, a) for s, a, _ in tally.sums} | set(tally.done_days)
    return catalogs().catalog_for(period.start, period.end, keep=keep), tally, result


def store():
    return current_app.extensions["store"]


def state():
    return current_app.extensions["state"]


def users():
    return current_app.extensions["users"]


def clock():
    """The app's one clock (domain/clock.py; FLASK_CLOCK_START chooses the date)."""
    return current_app.extensions["clock"]


def today() -> date:
    """Today in Bucharest, whatever the server's time zone."""
    return clock().today()


def _clerk_accounts() -> list:
    """The active clerk accounts: the offices' members."""
    return [u for u in users().all() if u.role == "clerk" and not u.disabled]


def members(slugs, accounts=None) -> dict[str, list[str]]:
    """Each office's clerks: the active clerk accounts of the office, whose
    own missing days the report and the supervisors' pages list."""
    out: dict[str, list[str]] = {slug: [] for slug in slugs}
    for user in _clerk_accounts() if accounts is None else accounts:
        for slug in user.offices:
            if slug in out:
                out[slug].append(user.username)
    return out


def account_day(created_at: str) -> date | None:
    """The day (Bucharest) an account was added, from its ISO time; None if unknown."""
    return to_local(datetime.fromisoformat(created_at)).date() if created_at else None


def _member_since(slugs, accounts) -> dict[tuple[str, str], date]:
    """(office, clerk) -> the day the clerk's account was added: days before
    it are not the clerk's missing days."""
    wanted = set(slugs)
    return {(slug, user.username): account_day(user.created_at)
            for user in accounts if user.created_at for slug in user.offices if slug in wanted}


def people_context(slugs, period) -> dict:
    """What ``build_report`` needs to say who is missing: members, absences
    and the weeks' closures of ``slugs`` over ``period``."""
    slugs = list(slugs)
    accounts = _clerk_accounts()  # one read of the users for both
    return {"members": members(slugs, accounts), "since": _member_since(slugs, accounts),
            "absences": state().absences(slugs, period.start, period.end),
            "closures": state().closures(slugs, period.iso_weeks)}


def office_for(slug: str, day: date | None = None):
    """The office ``slug`` if the signed-in user may use it: 404 when unknown,
    403 when it is another office's. With ``day``: its layout in that day's
    week (404 when the office has no form that week); without: its latest
    version, retired activities included (labels)."""
    office = catalog().office(slug)
    if office is None:
        abort(404, description=f"Serviciul „{slug}” nu există.")
    if not current_user.can_access(slug):
        abort(403, description="Nu aveți acces la acest serviciu.")
    if day is not None:
        office = week_catalog(day).office(slug)
        if office is None:
            from domain.trail import week_of

            abort(404, description=f"Serviciul „{slug}” nu are formular în săptămâna {week_of(day)}.")
    return office


def single_fields(*allowed: str) -> None:
    """A field sent twice is refused (400): which value was meant is unknown.
    ``allowed``: fields that are lists by nature (e.g. the offices ticked)."""
    repeated = sorted(k for k, values in request.form.lists() if len(values) > 1 and k not in allowed)
    if repeated:
        abort(400, description=f"Câmpul „{repeated[0]}” a fost trimis de mai multe ori; nu s-a schimbat nimic. "
                               "Reîncărcați pagina și trimiteți din nou.")


def require_supervisor():
    if not current_user.is_supervisor:
        abort(403, description="Pagina este doar pentru șefii de serviciu.")


def require_admin():
    if not current_user.is_admin:
        abort(403, description="Pagina este doar pentru administratori.")


def visible_offices():
    """The catalog's offices the signed-in user may see (a scoped supervisor: theirs)."""
    return current_user.visible_offices(catalog())


def fresh_requested() -> bool:
    """Whether to read the Google spreadsheet afresh for this page (``?refresh=1``).

    The whole city hall shares 60 Sheets reads a minute, so fresh reads are
    granted at most SHEETS_REFRESH_PER_MINUTE times in any 60 seconds, for
    all users and workers together (a table in the instance folder's state
    database); past that the page is served from the last read, with its time."""
    if request.args.get("refresh") != "1":
        return False
    if getattr(store(), "sync_queue", None) is None:
        return True  # the local store: no quota to spend
    if grant_refresh(int(current_app.config["SHEETS_REFRESH_PER_MINUTE"])):
        return True
    flash("Datele au fost reîncărcate de prea multe ori în ultimul minut (foaia de calcul Google primește un "
          "număr limitat de citiri pentru toată primăria): se afișează ultima citire, cu ora ei. "
          "Reîncercați peste un minut.", "info")
    return False


def grant_refresh(limit: int, window: float = 60.0) -> bool:
    now = time.time()  # a length of time, not a date
    with state().transaction() as con:
        con.execute("DELETE FROM refresh_grants WHERE at<=?", (now - window,))
        if con.execute("SELECT COUNT(*) FROM refresh_grants").fetchone()[0] >= limit:
            return False
        con.execute("INSERT INTO refresh_grants (at) VALUES (?)", (now,))
    return True

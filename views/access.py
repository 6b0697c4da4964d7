"""Shared helpers of the views: the app's services and server-side access checks."""
from __future__ import annotations

from datetime import date

from flask import abort, current_app
from flask_login import current_user

from domain.periods import TIMEZONE

BUCHAREST = TIMEZONE  # one definition, in reports/periods.py


def catalog():
    return current_app.extensions["catalog"]


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


def members(slugs) -> dict[str, list[str]]:
    """Each office's clerks: the active clerk accounts of the office, whose
    own missing days the report and the supervisors' pages list."""
    out: dict[str, list[str]] = {slug: [] for slug in slugs}
    for user in users().all():
        if user.role == "clerk" and not user.disabled:
            for slug in user.offices:
                if slug in out:
                    out[slug].append(user.username)
    return out


def people_context(slugs, period) -> dict:
    """What ``build_report`` needs to say who is missing: members, absences
    and the weeks' closures of ``slugs`` over ``period``."""
    slugs = list(slugs)
    return {"members": members(slugs), "absences": state().absences(slugs, period.start, period.end),
            "closures": state().closures(slugs, period.iso_weeks)}


def office_for(slug: str):
    """The office ``slug`` if the signed-in user may use it: 404 when unknown,
    403 when it is another office's."""
    office = catalog().office(slug)
    if office is None:
        abort(404, description=f"Serviciul „{slug}” nu există.")
    if not current_user.can_access(slug):
        abort(403, description="Nu aveți acces la acest serviciu.")
    return office


def require_supervisor():
    if not current_user.is_supervisor:
        abort(403, description="Pagina este doar pentru șefii de serviciu.")


def require_admin():
    if not current_user.is_admin:
        abort(403, description="Pagina este doar pentru administratori.")

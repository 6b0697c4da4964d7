"""Managers' pages: the weekly report (or any period) in HTML and XLSX."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from views.access import catalog, fresh_requested, office_for, state, store, today
from views.audit import trail_lines
from reports.model import build_report, daily_keys
from domain.periods import PeriodError, parse_period, presets
from reports.xlsx import build_xlsx

bp = Blueprint("report", __name__)

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope():
    """(period, office slugs, service) asked for, checked against the user."""
    try:
        period = parse_period(request.args, today())
    except PeriodError as exc:
        abort(400, description=str(exc))
    service = (request.args.get("service") or "").strip()
    if service:
        slugs = [office_for(service).slug]
    else:
        slugs = [o.slug for o in current_user.visible_offices(catalog())]
        if not slugs:
            abort(403, description="Contul dumneavoastră nu aparține niciunui serviciu.")
    return period, slugs, service


def _report():
    """(report, rows, service) for the request's period and offices."""
    period, slugs, service = _scope()
    result = store().read(slugs, period.start, period.end, fresh=fresh_requested())
    report = build_report(
        catalog(), result.rows, period, offices=slugs, today=today(), read_at=result.read_at,
        stale=result.stale, pending=result.pending, problems=len(result.problems),
        closures=state().closures(slugs, period.iso_weeks),
    )
    return report, result.rows, service


def _tallied_report():
    """The report alone, from the store's tally (summed in SQLite by the
    local store), which spares an object per row on long periods."""
    period, slugs, service = _scope()
    tally, result = store().tally(slugs, period.start, period.end, daily_keys(catalog()),
                                  fresh=fresh_requested())
    report = build_report(catalog(), tally, period, offices=slugs, today=today(), read_at=result.read_at,
                          stale=result.stale, pending=result.pending, problems=len(result.problems),
                          closures=state().closures(slugs, period.iso_weeks))
    return report, service


@bp.route("/report")
@login_required
def view():
    report, service = _tallied_report()
    extra = {"service": service} if service else {}
    return render_template("report.html", report=report, extra=extra, service=service, presets=presets(today()),
                           offices=current_user.visible_offices(catalog()))


def _journal(report):
    """The audit trail of a week's offices, for the XLSX „Jurnal” sheet."""
    if report.period.kind != "week":
        return ()
    week = report.period.slug
    return [(o.title, trail_lines(catalog().office(o.slug), state().trail(o.slug, week))) for o in report.offices]


@bp.route("/report.xlsx")
@login_required
def xlsx():
    report, rows, service = _report()
    name = ("raport-saptamanal-" if report.period.kind == "week" else "raport-") + report.period.slug
    if service:
        name += f"-{service}"
    return Response(
        build_xlsx(report, rows, catalog(), _journal(report)), mimetype=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"},
    )

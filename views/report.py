"""Managers' pages: the weekly report (or any period) in HTML and XLSX."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from views.access import catalog, catalogs, fresh_requested, office_for, people_context, period_tally, state, store, today
from views.audit import record_hand_edits, trail_lines
from reports.model import build_report, with_previous
from reports.rows_csv import stream_csv
from reports.trends import counted_keys, weekly_table
from domain.periods import Period, PeriodError, format_numeric, parse_period, presets
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


#: A period of this many ISO weeks or more gets the XLSX „Tendințe” sheet.
TRENDS_MIN_WEEKS = 4


def _build(period, slugs, fresh=False):
    layout, tally, result = period_tally(slugs, period, fresh=fresh)
    return build_report(layout, tally, period, offices=slugs, today=today(), read_at=result.read_at,
                        stale=result.stale, pending=result.pending, problems=len(result.problems),
                        **people_context(slugs, period))


def _compare() -> bool:
    return request.args.get("compare") == "1"


def _tallied_report():
    """The report alone, from the store's tally (summed in SQLite by the
    local store), which spares an object per row on long periods; with
    ``compare=1``, each line also carries the previous period's figures."""
    period, slugs, service = _scope()
    report = _build(period, slugs, fresh=fresh_requested())
    if _compare():
        report = with_previous(report, _build(period.prev(), slugs))
    return report, service


@bp.route("/report")
@login_required
def view():
    report, service = _tallied_report()
    extra = {"service": service} if service else {}
    compare = {"compare": "1"} if report.previous else {}
    return render_template("report.html", report=report, extra=extra, nav=dict(extra, **compare), service=service,
                           presets=presets(today()), offices=current_user.visible_offices(catalog()),
                           format_numeric=format_numeric)


def _journal(report):
    """The audit trail of a week's offices, for the XLSX „Jurnal” sheet
    (supervisors and admins: the audience of /audit)."""
    if report.period.kind != "week" or not current_user.is_supervisor:
        return ()
    week = report.period.slug
    record_hand_edits()
    return [(o.title, trail_lines(catalog().office(o.slug), state().trail(o.slug, week))) for o in report.offices]


def _labels(period):
    """The period's layout with every retired activity: labels and totals of any row."""
    return catalogs().catalog_for(period.start, period.end, retired=True)


def _trends(report):
    """(office title, [(week label, totals per counter)]) of a long period,
    for the XLSX „Tendințe” sheet; () for shorter ones."""
    if len(report.period.iso_weeks) < TRENDS_MIN_WEEKS:
        return ()
    offices = [_labels(report.period).office(o.slug) for o in report.offices]
    # The offices' weekly totals (daily activities left out), summed by the store.
    totals = store().weekly_totals([o.slug for o in offices], report.period.start, report.period.end,
                                   counted_keys(offices))
    return weekly_table(offices, report.period, totals)


def _file_name(report, service, prefix="raport") -> str:
    name = (f"{prefix}-saptamanal-" if report.period.kind == "week" else f"{prefix}-") + report.period.slug
    return name + (f"-{service}" if service else "")


@bp.route("/report.xlsx")
@login_required
def xlsx():
    """The report ready to print and send (no raw rows: see rows_csv)."""
    report, service = _tallied_report()
    name = _file_name(report, service)
    return Response(
        build_xlsx(report, _journal(report), _trends(report)), mimetype=XLSX_MIME,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"', "Cache-Control": "no-store"},
    )


def _months(period: Period):
    """The period in calendar-month pieces: the CSV is read a month at a time."""
    start = period.start
    while start <= period.end:
        nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield start, min(period.end, nxt - timedelta(days=1))
        start = nxt


@bp.route("/report-rows.csv")
@login_required
def rows_csv():
    """The period's raw entry rows, streamed as CSV a month at a time: the
    response starts at once and no request builds a whole year in memory."""
    period, slugs, service = _scope()
    fresh = fresh_requested()

    # Google: one read of the whole period (2 requests), then every month from the cache; a
    # read per month would send the „Data” column of every worksheet once a month
    once = getattr(store(), "is_async", False)

    def chunks():
        if once:
            store().read(slugs, period.start, period.end, fresh=fresh)
        for start, end in _months(period):
            yield start, end, store().read(slugs, start, end, fresh=fresh and not once).rows

    name = ("randuri-" + period.slug) + (f"-{service}" if service else "")
    return Response(
        stream_with_context(stream_csv(_labels(period), slugs, chunks())), content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"},
    )

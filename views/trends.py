"""Managers' trends: ``/trends?service=<slug>&weeks=N`` — an office's
weekly totals over the last N weeks (default 12, up to 104), per activity
and in all, as SVG charts drawn on the server and the same figures in
tables. ``/trends.css``: the charts' stylesheet (reports/charts.py)."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user, login_required

from domain.periods import default_week
from domain.rows import tally_rows
from reports.charts import chart_css, line_svg
from reports.model import daily_keys
from reports.trends import DEFAULT_WEEKS, MAX_WEEKS, build_trends, last_weeks
from views.access import catalogs, office_for, store, today

bp = Blueprint("trends", __name__)


def _weeks() -> int:
    raw = (request.args.get("weeks") or "").strip()
    if not raw:
        return DEFAULT_WEEKS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_WEEKS:
        abort(400, description=f"Numărul de săptămâni „{raw}” nu poate fi folosit: alegeți un număr între 1 "
                               f"și {MAX_WEEKS}.")
    return int(raw)


@bp.route("/trends")
@login_required
def view():
    service = (request.args.get("service") or "").strip()
    offices = current_user.visible_offices(catalogs().current())
    if not service:
        if not offices:
            abort(403, description="Contul dumneavoastră nu aparține niciunui serviciu.")
        service = offices[0].slug
    office = office_for(service)
    n = _weeks()
    weeks = last_weeks(default_week(today()), n)
    start, end = weeks[0].start, weeks[-1].end
    daily = daily_keys(catalogs().catalog_for(start, end, retired=True))
    # one read of the whole span, tallied per week (on Google, a read per week would cost 2 requests each)
    rows = store().read([office.slug], start, end).rows
    weekly = [(w, tally_rows(rows, w.start, w.end, [office.slug], daily)) for w in weeks]
    # the weeks' layout (union of their versions) with the retired activities that have rows
    keep = {(s, a) for _, t in weekly for s, a, _ in t.sums}
    office = catalogs().catalog_for(start, end, keep=keep).office(office.slug) or office
    trends = build_trends(office, weekly)
    total_chart = line_svg("chart-total", f"{office.title}: totalul săptămânal", trends.short_labels,
                           trends.totals)
    charts = [(wt, series, line_svg(f"chart-{i}", f"{wt}: pe săptămâni", trends.short_labels,
                                    [(s.label, s.values) for s in series], height=300))
              for i, (wt, series) in enumerate(trends.by_work_type(), start=1)]
    return render_template("trends.html", trends=trends, office=office, offices=offices, weeks=n,
                           total_chart=total_chart, charts=charts, choices=(4, 12, 26, 52, 104))


@bp.route("/trends.css")
@login_required
def css():
    return Response(chart_css(), mimetype="text/css", headers={"Cache-Control": "private, max-age=3600"})

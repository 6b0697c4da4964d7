"""The audit trail of an office's week (supervisors and admins):
``/audit?service=<slug>&week=YYYY-Www``, newest first."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, render_template, request
from flask_login import login_required

from domain.periods import PeriodError, format_datetime, parse_period
from domain.trail import KINDS
from forms.catalog import COUNTERS
from sheets import StoreError
from views.access import office_for, require_supervisor, state, store, today

bp = Blueprint("audit", __name__)

COUNTER_NAMES = dict(COUNTERS, note="Observații")


def record_hand_edits() -> None:
    """Figures people changed by hand in the worksheets, noticed by the
    store's reads, go to the audit trail („modificat direct în foaie”)."""
    state().record(store().hand_edits())


def when(iso: str) -> str:
    """An ISO time stamp as "27 noiembrie 2026, 16:42" (Bucharest)."""
    if not iso:
        return "—"
    try:
        return format_datetime(datetime.fromisoformat(iso))
    except ValueError:
        return iso


def describe_closure(closure) -> str:
    return f"Săptămâna a fost închisă de {closure.by} la {when(closure.at)}"


def activity_label(office, activity: str, part: str = "") -> str:
    """The activity's short label (and breakdown part), not its id."""
    act = office.activity(activity) if activity else None
    label = act.label if act else activity
    if act is not None and part:
        label += " — " + next((p.label for p in act.parts if p.key == part), part)
    return label


def trail_lines(office, records: list[dict]) -> list[dict]:
    """Trail records as the page and the XLSX „Jurnal” sheet show them."""
    lines = []
    for r in records:
        act = office.activity(r["activity"]) if r["activity"] else None
        counter = "Realizat" if act is not None and act.kind == "daily" and r["counter"] == "lucrari" \
            else COUNTER_NAMES.get(r["counter"], r["counter"])
        lines.append({
            "at": when(r["at"]), "by": r["by"], "what": KINDS.get(r["kind"], r["kind"]), "kind": r["kind"],
            "day": r["day"] and datetime.fromisoformat(r["day"]).strftime("%d.%m.%Y"), "clerk": r["clerk"],
            "activity": activity_label(office, r["activity"], r["part"]), "counter": counter,
            "old": r["old"] or ("—" if r["counter"] else ""), "new": r["new"] or ("—" if r["counter"] else ""),
            "reason": r["reason"], "cell": r["cell"],
        })
    return lines


@bp.route("/audit")
@login_required
def view():
    require_supervisor()
    office = office_for((request.args.get("service") or "").strip())
    try:
        period = parse_period(request.args, today())
    except PeriodError as exc:
        abort(400, description=str(exc))
    if period.kind != "week":
        abort(400, description="Jurnalul se arată pe săptămâni: alegeți o săptămână (week=2026-W48).")
    try:
        store().read([office.slug], period.start, period.end)  # notices what people typed in the sheet
    except StoreError:
        pass  # Google unreachable: the trail as known so far
    record_hand_edits()
    closure = state().week_closure(office.slug, period.slug)
    return render_template("audit.html", office=office, period=period,
                           closure=describe_closure(closure) if closure else "Deschisă",
                           lines=trail_lines(office, state().trail(office.slug, period.slug)))

"""Supervisors' pages of the Google backend: problems in hand-typed cells, and
the outbox (saves not yet confirmed by the spreadsheet)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import login_required

from views.access import BUCHAREST, fresh_requested, require_supervisor, store, visible_offices
from domain.romanian import count_phrase

bp = Blueprint("sync", __name__, url_prefix="/data")

ALL_DATES = (date(2000, 1, 1), date(2099, 12, 31))
KINDS = {"day": "Ziua unui funcționar", "entry": "Ziua unui funcționar", "update": "Corectare",
         "delete": "Ștergere", "protect": "Protejarea săptămânii în foaie"}
STATUSES = {"pending": "în așteptare", "failed": "eșuată", "dropped": "nescrisă (conflict)"}


def _queue():
    """The store's outbox (SyncQueue), or None for a backend without one."""
    return store().sync_queue


def _rows(n: int) -> str:
    return count_phrase(n, "rând", "rânduri")


def _when(epoch: float | None) -> str:
    if not epoch:
        return "—"
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(BUCHAREST).strftime("%d.%m.%Y %H:%M:%S")


def _what(op) -> str:
    if op.kind == "day":
        return f"{op.day.strftime('%d.%m.%Y')}, {op.clerk}, {_rows(len(op.rows))}"
    if op.kind == "entry":
        return f"{op.day.strftime('%d.%m.%Y')}, {op.clerk}"
    if op.kind == "protect":
        end = date.fromisoformat(op.changes["end"])
        state = "închisă" if op.changes["closed"] else "redeschisă"
        return f"săptămâna {op.day.strftime('%d.%m')}–{end.strftime('%d.%m.%Y')} {state} de {op.by}"
    return f"rândul {op.row_id}, de {op.by}"


@bp.route("/problems")
@login_required
def problems():
    require_supervisor()
    offices = visible_offices()
    result = None
    if _queue() is not None and offices:
        result = store().read([o.slug for o in offices], *ALL_DATES, fresh=fresh_requested())
    groups = []
    if result is not None:
        for office in offices:
            items = [p for p in result.problems if p.office == office.slug]
            if items:
                groups.append({"title": office.title, "problems": items})
    return render_template("sync_problems.html", google=result is not None, groups=groups, result=result,
                           read_at=_when(result.read_at.timestamp()) if result and result.read_at else "")


@bp.route("/outbox")
@login_required
def outbox():
    require_supervisor()
    if _queue() is None:
        return render_template("sync_outbox.html", google=False)
    s = _queue()
    titles = {o.slug: o.title for o in visible_offices()}
    ops = []
    for op in s.ops(statuses=("pending", "failed", "dropped")):
        if op.office not in titles:
            continue  # another office's: a scoped supervisor does not see it
        ops.append({
            "id": op.id, "office": titles.get(op.office, op.office), "kind": KINDS.get(op.kind, op.kind),
            "what": _what(op),
            "status": op.status, "status_label": STATUSES.get(op.status, op.status), "attempts": op.attempts,
            "next": _when(op.next_attempt) if op.status == "pending" else "—", "created": _when(op.created_at),
            "error": op.last_error,
        })
    counts = s.counts()
    return render_template("sync_outbox.html", google=True, ops=ops, counts=counts,
                           max_attempts=s.max_attempts)


@bp.route("/outbox/sync", methods=["POST"])
@login_required
def outbox_sync():
    require_supervisor()
    if _queue() is None:
        flash("Datele sunt păstrate local: nu există nimic de sincronizat.", "success")
        return redirect(url_for("sync.outbox"))
    result = _queue().sync(max_seconds=10)
    message = (f"Sincronizare: trimise {result['delivered']}, în așteptare {result['pending']}, "
               f"eșuate {result['failed']}.")
    flash(message, "error" if result["failed"] or result["pending"] else "success")
    return redirect(url_for("sync.outbox"))


@bp.route("/outbox/<int:op_id>/retry", methods=["POST"])
@login_required
def outbox_retry(op_id):
    require_supervisor()
    if _queue() is None:
        abort(404, description="Datele sunt păstrate local: nu există operațiuni în așteptare.")
    s = _queue()
    op = s.op(op_id)
    if op is None:
        abort(404, description="Operațiunea nu există.")
    if op.office not in {o.slug for o in visible_offices()}:
        abort(403, description="Nu aveți acces la acest serviciu.")
    if not s.retry(op_id):
        flash("Operațiunea nu este eșuată; nu a fost nevoie de reîncercare.", "error")
        return redirect(url_for("sync.outbox"))
    delivered = s.deliver_now(op.office)
    flash("Operațiunea a fost trimisă foii de calcul." if delivered
          else "Operațiunea va fi reîncercată automat.", "success")
    return redirect(url_for("sync.outbox"))

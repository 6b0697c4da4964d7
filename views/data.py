"""Supervisors' pages: an office's rows of a week as an editable table."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from views.access import catalog, office_for, require_supervisor, state, store, today
from forms.base import TextForm
from forms.entry import parse_count
from domain.periods import PeriodError, format_date, format_datetime, parse_period
from sheets import RowNotFound, StoreError

bp = Blueprint("data", __name__, url_prefix="/data")


class RowForm(TextForm):
    lucrari = StringField("Nr. lucrări")
    documente = StringField("Nr. documente produse")
    note = TextAreaField("Observații", validators=[Length(max=500, message="Cel mult 500 de caractere.")])

    def validate_lucrari(self, field):
        field.number = parse_count(field.data)

    def validate_documente(self, field):
        field.number = parse_count(field.data)


class DeleteForm(TextForm):
    pass


def _period():
    try:
        return parse_period(request.args, today())
    except PeriodError as exc:
        abort(400, description=str(exc))


@bp.route("/")
@login_required
def index():
    require_supervisor()
    return render_template("data_index.html", offices=catalog().offices, period=_period(),
                           google=store().sync_queue is not None)


@bp.route("/<slug>")
@login_required
def table(slug):
    require_supervisor()
    office = office_for(slug)
    period = _period()
    result = store().read([slug], period.start, period.end, fresh=request.args.get("refresh") == "1")
    order = {a.id: i for i, a in enumerate(office.activities)}
    rows = sorted(result.rows, key=lambda r: (r.day, r.clerk.lower(), order.get(r.activity, 1e9), r.part))
    return render_template(
        "data.html", office=office, period=period, rows=rows, result=result, format_date=format_date,
        format_datetime=format_datetime,
        changes=_changes(slug), form=RowForm(formdata=None), delete_form=DeleteForm(),
        sheet_url=store().worksheet_url(slug),
    )


@bp.route("/<slug>/<row_id>", methods=["POST"])
@login_required
def edit(slug, row_id):
    require_supervisor()
    office_for(slug)
    back = url_for("data.table", slug=slug, **{k: v for k, v in request.args.items() if k in ("week", "from", "to")})
    by = current_user.username
    try:
        if request.form.get("action") == "delete":
            if not DeleteForm().validate_on_submit():
                abort(400)
            old = store().delete_row(slug, row_id, by)
            state().record_change(by, slug, row_id, "delete", _values(old), {})
            flash("Rândul a fost șters." + _pending_note(slug), "success")
            return redirect(back)
        form = RowForm()
        if not form.validate_on_submit():
            errors = "; ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items())
            flash(f"Nu s-a salvat nimic. {errors}", "error")
            return redirect(back)
        changes = {"lucrari": form.lucrari.number, "documente": form.documente.number, "note": (form.note.data or "").strip()}
        old, new = store().update_row(slug, row_id, changes, by)
        state().record_change(by, slug, row_id, "update", _values(old), _values(new))
        flash("Rândul a fost corectat." + _pending_note(slug), "success")
    except RowNotFound:
        flash("Rândul nu mai există (poate a fost șters între timp).", "error")
    except StoreError as exc:
        flash(f"Modificarea nu a putut fi salvată: {exc}", "error")
    return redirect(back)


def _pending_note(slug: str) -> str:
    """Said after a correction the Google outbox could not deliver yet."""
    if store().pending_count([slug]):
        return (" Foaia de calcul nu răspunde acum: modificarea este păstrată și va fi trimisă automat "
                "(vezi Sincronizare).")
    return ""


def _changes(slug: str) -> list[dict]:
    """The audit log of ``slug``, times in Bucharest."""
    return [dict(c, at=format_datetime(datetime.fromisoformat(c["at"]))) for c in state().changes(slug)]


def _values(row) -> dict:
    data = asdict(row)
    return {k: (v.isoformat() if k == "day" else v) for k, v in data.items()
            if k in ("day", "activity", "part", "clerk", "lucrari", "documente", "note")}

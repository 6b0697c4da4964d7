"""Supervisors' pages: an office's rows of a week as an editable table."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from domain.trail import row_lines, week_of
from views.access import fresh_requested, office_for, require_supervisor, state, store, today, visible_offices
from views.audit import describe_closure, trail_lines
from forms.base import PlainText, TextForm
from forms.entry import parse_count
from domain.periods import PeriodError, format_date, format_datetime, parse_period
from sheets import RowNotFound, StoreError

bp = Blueprint("data", __name__, url_prefix="/data")


class RowForm(TextForm):
    lucrari = StringField("Nr. lucrări")
    documente = StringField("Nr. documente produse")
    note = TextAreaField("Observații", validators=[Length(max=500, message="Cel mult 500 de caractere."), PlainText()])

    def validate_lucrari(self, field):
        field.number = parse_count(field.data)

    def validate_documente(self, field):
        field.number = parse_count(field.data)


class DeleteForm(TextForm):
    pass


class WeekForm(TextForm):
    reason = TextAreaField("Motivul redeschiderii", validators=[Length(max=500, message="Cel mult 500 de caractere."),
                                                                PlainText()])


def _period():
    try:
        return parse_period(request.args, today())
    except PeriodError as exc:
        abort(400, description=str(exc))


@bp.route("/")
@login_required
def index():
    require_supervisor()
    return render_template("data_index.html", offices=visible_offices(), period=_period(),
                           google=store().sync_queue is not None)


def _sorted(office, rows):
    order = {a.id: i for i, a in enumerate(office.activities)}
    return sorted(rows, key=lambda r: (r.day, r.clerk.lower(), order.get(r.activity, 1e9), r.part))


@bp.route("/<slug>")
@login_required
def table(slug):
    require_supervisor()
    office = office_for(slug)
    period = _period()
    result = store().read([slug], period.start, period.end, fresh=fresh_requested())
    rows = _sorted(office, result.rows)
    return _render_table(office, period, rows, result)


def _render_table(office, period, rows, result, week_form=None, status=200):
    week = period.slug if period.kind == "week" else None
    closure = state().week_closure(office.slug, week) if week else None
    return render_template(
        "data.html", office=office, period=period, rows=rows, result=result, format_date=format_date,
        format_datetime=format_datetime, week=week, closure=closure and describe_closure(closure),
        trail=trail_lines(office, state().trail(office.slug, week, limit=20)) if week else [],
        form=RowForm(formdata=None), delete_form=DeleteForm(), week_form=week_form or WeekForm(formdata=None),
        sheet_url=store().worksheet_url(slug=office.slug),
    ), status


@bp.route("/<slug>/week", methods=["POST"])
@login_required
def week(slug):
    """„Închide săptămâna” / „Redeschide săptămâna” (with a reason)."""
    require_supervisor()
    office = office_for(slug)
    period = _period()
    if period.kind != "week" or not request.args.get("week"):
        abort(400, description="Alegeți o săptămână (de exemplu week=2026-W48): se închide o săptămână întreagă.")
    form = WeekForm()
    _single_fields()
    action = request.form.get("action")
    if action not in ("close", "reopen"):
        abort(400, description="Acțiune necunoscută: se poate închide (close) sau redeschide (reopen) săptămâna.")
    if not form.validate_on_submit() and not form.reason.errors:
        abort(400, description="Cererea nu a putut fi înțeleasă.")
    back = url_for("data.table", slug=slug, week=period.slug)
    by = current_user.username
    if action == "close":
        if not state().set_week(slug, period.slug, True, by):
            abort(409, description="Săptămâna este deja închisă.")
        flash(f"{period.title} a fost închisă.", "success")
        return redirect(back)
    reason = " ".join((form.reason.data or "").split())
    if not reason or form.reason.errors:
        form.reason.errors = form.reason.errors or ["Scrieți motivul redeschiderii."]
        result = store().read([slug], period.start, period.end)
        return _render_table(office, period, _sorted(office, result.rows), result, week_form=form, status=400)
    if not state().set_week(slug, period.slug, False, by, reason):
        abort(409, description="Săptămâna nu este închisă: nu are ce fi redeschis.")
    flash(f"{period.title} a fost redeschisă.", "success")
    return redirect(back)


def _single_fields() -> None:
    """A field sent twice is refused (400): which value was meant is unknown."""
    repeated = sorted(k for k, values in request.form.lists() if len(values) > 1)
    if repeated:
        abort(400, description=f"Câmpul „{repeated[0]}” a fost trimis de mai multe ori; nu s-a schimbat nimic. "
                               "Reîncărcați pagina și trimiteți din nou.")


@bp.route("/<slug>/row", methods=["POST"])
@login_required
def edit_by_query(slug):
    """Correct or delete a row named in the query (``?id=``): any id a person
    typed in the spreadsheet, "/", "..", "week" or "row" included, reaches it."""
    require_supervisor()
    office_for(slug)
    row_id = request.args.get("id")
    if row_id is None:
        abort(400, description="Lipsește identificatorul rândului (id).")
    return _edit(slug, row_id)


@bp.route("/<slug>/<path:row_id>", methods=["POST"])
@login_required
def edit(slug, row_id):
    require_supervisor()
    return _edit(slug, row_id)


def _edit(slug, row_id):
    office = office_for(slug)
    back = url_for("data.table", slug=slug, **{k: v for k, v in request.args.items() if k in ("week", "from", "to")})
    by = current_user.username
    try:
        _single_fields()
        action = request.form.get("action", "save")
        if action not in ("save", "delete"):
            abort(400, description="Acțiune necunoscută: un rând se poate salva (save) sau șterge (delete); "
                                   "nu s-a schimbat nimic.")
        row = store().row(slug, row_id)
        closure = state().week_closure(slug, week_of(row.day))
        if closure is not None:
            abort(409, description=f"{describe_closure(closure)}: corectările și ștergerile sunt oprite "
                                   "până la redeschiderea ei.")
        if action == "delete":
            if not DeleteForm().validate_on_submit():
                abort(400)
            old = store().delete_row(slug, row_id, by)
            state().record(row_lines(by, "delete", old))
            flash("Rândul a fost șters." + _pending_note(slug), "success")
            return redirect(back)
        form = RowForm()  # refuses a file or JSON body (400) before anything is read
        # The fields the table shows for this row must all be sent: a missing
        # one would erase its stored figure.
        act = office.activity(row.activity)
        shown = [c for c in ("lucrari", "documente") if act is None or c in act.counters or getattr(row, c) is not None]
        missing = [name for name in (*shown, "note") if name not in request.form]
        if missing:
            names = {"lucrari": "Nr. lucrări", "documente": "Nr. documente produse", "note": "Observații"}
            abort(400, description="Corectarea nu conține " + ", ".join(f"„{names[m]}”" for m in missing)
                                   + "; nu s-a schimbat nimic. Reîncărcați pagina și trimiteți din nou.")
        if not form.validate_on_submit():
            errors = "; ".join(f"{form[k].label.text}: {' '.join(v)}" for k, v in form.errors.items())
            flash(f"Nu s-a salvat nimic. {errors}", "error")
            return redirect(back)
        changes = {c: form[c].number for c in shown}
        changes["note"] = (form.note.data or "").strip()
        old, new = store().update_row(slug, row_id, changes, by)
        state().record(row_lines(by, "correct", old, new))
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

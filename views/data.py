"""Supervisors' pages: an office's rows of a week as an editable table."""
from __future__ import annotations

import unicodedata


from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from domain.rows import Row
from domain.saving import Entry, SaveConflict
from domain.trail import row_lines, week_of
from views.grid import build_grid, grid_rows, read_post
from views.access import (single_fields, catalogs, fresh_requested, members, office_for, people_context, period_tally, require_supervisor, state,
                          store, today, visible_offices)
from views.audit import describe_closure, record_hand_edits, trail_lines
from forms.base import PlainText, TextForm
from forms.entry import parse_count
from domain.periods import (MAX_RANGE_DAYS, Period, PeriodError, days_phrase, format_date, format_datetime,
                            format_numeric, parse_date, parse_period, working_days)
from reports.model import build_report
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


class AbsenceForm(TextForm):
    clerk = StringField("Funcționarul")
    start = StringField("De la")
    end = StringField("până la")


class GridForm(TextForm):
    pass


class WeekForm(TextForm):
    reason = TextAreaField("Motivul redeschiderii")


def reopen_reason(raw: str | None) -> tuple[str, str]:
    """(the reason, spaces folded; or "" with the Romanian error to show next to the field)."""
    raw = raw or ""
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in "\t\n\r" for ch in raw):
        return "", "Motivul conține caractere de control sau de formatare invizibile; scrieți-l ca text simplu."
    reason = " ".join(raw.split())
    if not reason:
        return "", "Scrieți motivul redeschiderii."
    if len(reason) > 500:
        return "", f"Motivul are {len(reason)} de caractere; cel mult 500."
    return reason, ""


def _period():
    try:
        return parse_period(request.args, today())
    except PeriodError as exc:
        abort(400, description=str(exc))


@bp.route("/")
@login_required
def index():
    require_supervisor()
    period = _period()
    offices = visible_offices()
    slugs = [o.slug for o in offices]
    layout, tally, result = period_tally(slugs, period)
    report = build_report(layout, tally, period, offices=slugs, today=today(), **people_context(slugs, period))
    return render_template("data_index.html", offices=offices, period=period, report=report,
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
    record_hand_edits()
    return _render_table(office, period, rows, result)


def _filters() -> tuple[str, str]:
    return (request.args.get("clerk") or "").strip(), (request.args.get("activity") or "").strip()


def _render_table(office, period, rows, result, week_form=None, status=200, grid=None, grid_message=""):
    week = period.slug if period.kind == "week" else None
    closure = state().week_closure(office.slug, week) if week else None
    people = people_context([office.slug], period)
    # the period's layout, with the retired activities its rows have
    layout = catalogs().catalog_for(period.start, period.end, keep={(r.office, r.activity) for r in rows})
    if layout.office(office.slug) is None:
        # published with a later effective week (or retired before this period): no table this period
        abort(404, description=f"Serviciul „{office.title}” nu are formular în perioada aleasă "
                               f"({period.title[:1].lower() + period.title[1:]}); alegeți o săptămână "
                               "din care se aplică.")
    office = layout.office(office.slug)
    report = build_report(layout, rows, period, offices=[office.slug], today=today(), **people)
    clerk, activity = _filters()
    if grid is None:
        grid = build_grid(office, period, rows, people["members"][office.slug], clerk, activity)
    all_clerks = sorted({*people["members"][office.slug], *(r.clerk for r in rows)}, key=str.casefold)
    return render_template(
        "data.html", office=office, period=period, rows=rows, result=result, format_date=format_date,
        format_datetime=format_datetime, week=week, closure=closure and describe_closure(closure),
        trail=trail_lines(office, state().trail(office.slug, week, limit=20)) if week else [],
        week_form=week_form or WeekForm(formdata=None), grid_form=GridForm(formdata=None), grid=grid,
        grid_message=grid_message, clerk=clerk, activity=activity, all_clerks=all_clerks,
        filters={k: v for k, v in (("clerk", clerk), ("activity", activity)) if v},
        sheet_url=store().worksheet_url(slug=office.slug), completeness=report.offices[0].completeness,
        absence_form=AbsenceForm(formdata=None), first_day=format_numeric(period.start),
        last_day=format_numeric(min(period.end, max(period.start, today()))),
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
    single_fields()
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
        store().protect_week(slug, period.start, period.end, True, by)
        flash(f"{period.title} a fost închisă.", "success")
        return redirect(back)
    reason, error = reopen_reason(form.reason.data)
    if error:
        form.reason.errors = [error]
        result = store().read([slug], period.start, period.end)
        return _render_table(office, period, _sorted(office, result.rows), result, week_form=form, status=400)
    if not state().set_week(slug, period.slug, False, by, reason):
        abort(409, description="Săptămâna nu este închisă: nu are ce fi redeschis.")
    store().protect_week(slug, period.start, period.end, False, by)
    flash(f"{period.title} a fost redeschisă.", "success")
    return redirect(back)


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
        single_fields()
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


@bp.route("/<slug>/absence", methods=["POST"])
@login_required
def absence(slug):
    """A supervisor marks a member clerk absent (leave) for a range of days,
    or cancels it: those working days are not counted missing."""
    require_supervisor()
    office = office_for(slug)
    form = AbsenceForm()
    action = request.form.get("action")
    if not form.validate_on_submit() or action not in ("absent", "present"):
        abort(400, description="Cererea nu a putut fi înțeleasă.")
    clerk = (form.clerk.data or "").strip()
    known = {name.casefold(): name for name in members([slug])[slug]}
    if clerk.casefold() not in known:
        abort(400, description=f"„{clerk}” nu este funcționar al serviciului {office.title}.")
    clerk = known[clerk.casefold()]
    try:
        first = parse_date(form.start.data or "", "început")
        last = parse_date(form.end.data or form.start.data or "", "sfârșit")
    except PeriodError as exc:
        abort(400, description=str(exc))
    if first > last:
        abort(400, description=f"Data de început ({format_date(first)}) este după data de sfârșit "
                               f"({format_date(last)}).")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        abort(400, description=f"Se pot marca cel mult {days_phrase(MAX_RANGE_DAYS)} odată.")
    days = working_days(first, last)
    if not days:
        abort(400, description="Perioada aleasă nu are zile lucrătoare.")
    closed = sorted({w for w in Period.between(first, last).iso_weeks if state().week_closure(slug, w)})
    if closed:
        abort(409, description=f"Săptămâna {', '.join(closed)} este închisă: absențele ei nu se mai schimbă "
                               "până la redeschidere.")
    state().set_absent(slug, clerk, days, action == "absent", current_user.username)
    span = format_date(first) if first == last else f"{format_date(first)} – {format_date(last)}"
    if action == "absent":
        flash(f"{clerk} este marcat absent: {days_phrase(len(days))} lucrătoare ({span}).", "success")
    else:
        flash(f"Absențele lui {clerk} din {span} au fost anulate.", "success")
    back = {k: v for k, v in request.args.items() if k in ("week", "from", "to")} or Period.week_of(first).query()
    return redirect(url_for("data.table", slug=slug, **back))


def _week_period():
    period = _period()
    if period.kind != "week":
        abort(400, description="Tabelul se corectează pe săptămâni: alegeți o săptămână (week=2026-W48).")
    return period


def _closed(slug, period):
    closure = state().week_closure(slug, period.slug)
    if closure is not None:
        abort(409, description=f"{describe_closure(closure)}: corectările și ștergerile sunt oprite "
                               "până la redeschiderea ei.")


@bp.route("/<slug>/grid", methods=["POST"])
@login_required
def grid_save(slug):
    """One save of the whole grid: only the figures changed on the page are
    written, each checked against what the page showed (409 on conflict),
    each recorded in the audit trail."""
    require_supervisor()
    single_fields()
    office = office_for(slug)
    period = _week_period()
    if not GridForm().validate_on_submit():
        abort(400, description="Cererea nu a putut fi înțeleasă.")
    _closed(slug, period)
    result = store().read([slug], period.start, period.end, fresh=True)
    office = catalogs().catalog_for(period.start, period.end,
                                    keep={(r.office, r.activity) for r in result.rows}).office(slug) or office
    rows = _sorted(office, result.rows)
    clerk, activity = _filters()
    grid = build_grid(office, period, rows, members([slug])[slug], clerk, activity)
    typed, texts, errors, shown = read_post(request.form, grid)
    known = {(r.activity, r.part, r.counter) for r in grid_rows(office)}
    typed = {k: v for k, v in typed.items() if k[:3] in known and period.start <= k[3] <= period.end}
    if errors:
        grid.typed, grid.errors, grid.shown = texts, errors, shown
        return _render_table(office, period, rows, result, grid=grid, status=400, grid_message=(
            f"Nu s-a salvat nimic: {len(errors)} {'valoare nu a fost primită' if len(errors) == 1 else 'valori nu au fost primite'}"
            "; sunt marcate mai jos, lângă celula lor, cu textul introdus."))
    by_row = {(r.activity, r.part, r.day, r.clerk): r for r in rows}
    current = grid.values
    changes, conflicts = {}, {}
    for key, new in typed.items():
        was, now = shown.get(key), current.get(key)
        if new == was:
            continue
        if now != was:
            if new != now:
                conflicts[key] = now
            continue
        changes.setdefault((key[0], key[1], key[3], key[4]), {})[key[2]] = new
    if conflicts:
        grid.typed, grid.shown = texts, {**shown, **conflicts}
        for key, now in conflicts.items():
            row = by_row.get((key[0], key[1], key[3], key[4]))
            who = (row.changed_by or row.clerk) if row else "altcineva"
            grid.errors[key] = (f"Modificat între timp de {who}: acum {'necompletat' if now is None else now}. "
                                "Valoarea dumneavoastră este păstrată; salvați din nou ca să o înlocuiască.")
        return _render_table(office, period, rows, result, grid=grid, status=409, grid_message=(
            "Nu s-a salvat nimic: între timp altcineva a modificat cifre din tabel (marcate mai jos). "
            "Valorile introduse de dumneavoastră sunt păstrate; verificați-le și apăsați din nou „Salvează”."))
    by = current_user.username
    lines = []
    try:
        for (act, part, day, who), values in changes.items():
            row = by_row.get((act, part, day, who))
            if row is None:
                if all(v is None for v in values.values()):
                    continue
                blank = Row(slug, day, act, who, part=part)
                store().save_entry(Entry(slug, day, who, {(act, part, c): v for c, v in values.items()},
                                         base={(act, part, c): None for c in values}))
                old, new = store().update_row(slug, blank.row_id, values, by)
                lines += row_lines(by, "correct", blank, new)
                continue
            after = row.with_changes(**values)
            if after.lucrari is None and after.documente is None and not after.note:
                lines += row_lines(by, "delete", store().delete_row(slug, row.row_id, by))
            else:
                old, new = store().update_row(slug, row.row_id, values, by)
                lines += row_lines(by, "correct", old, new)
    except SaveConflict:
        flash("O parte din modificări nu s-a putut salva: între timp funcționarul a salvat aceeași zi. "
              "Verificați tabelul și salvați din nou.", "error")
    except (RowNotFound, StoreError) as exc:
        flash(f"Modificarea nu a putut fi salvată complet: {exc}", "error")
    finally:
        state().record(lines)
    if lines:
        flash(f"Salvat: {len(lines)} {'cifră modificată' if len(lines) == 1 else 'cifre modificate'}."
              + _pending_note(slug), "success")
    elif not changes:
        flash("Nicio cifră nu a fost schimbată.", "success")
    filters = {k: v for k, v in (("clerk", clerk), ("activity", activity)) if v}
    return redirect(url_for("data.table", slug=slug, week=period.slug, **filters))


def _column_rows(slug, period):
    try:
        day = date.fromisoformat(request.args.get("day") or "")
    except ValueError:
        abort(400, description="Alegeți ziua de șters (day=AAAA-LL-ZZ).")
    clerk = (request.args.get("clerk") or "").strip()
    if not period.start <= day <= period.end or not clerk:
        abort(400, description="Alegeți o zi a săptămânii și un funcționar.")
    rows = [r for r in store().read([slug], day, day, fresh=True).rows if r.clerk == clerk]
    return day, clerk, rows


def _fingerprint(rows) -> str:
    return ";".join(sorted(f"{r.row_id}:{r.lucrari}:{r.documente}:{r.note}" for r in rows))


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete_column(slug):
    """Delete a clerk's rows of one day: a page lists them and asks to
    confirm (GET); the confirmed form (POST) deletes exactly what it listed,
    or nothing (409) if they changed since."""
    require_supervisor()
    office = office_for(slug)
    period = _week_period()
    day, clerk, rows = _column_rows(slug, period)
    form = DeleteForm()
    back = url_for("data.table", slug=slug, week=period.slug)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400, description="Cererea nu a putut fi înțeleasă.")
        _closed(slug, period)
        if request.form.get("shown", "") != _fingerprint(rows):
            abort(409, description="Rândurile acestei zile s-au schimbat după ce ați deschis confirmarea; "
                                   "nu s-a șters nimic. Deschideți din nou pagina de ștergere.")
        by, lines = current_user.username, []
        for row in rows:
            lines += row_lines(by, "delete", store().delete_row(slug, row.row_id, by))
        state().record(lines)
        flash(f"Au fost șterse rândurile lui {clerk} din {format_date(day)} ({len(rows)})." + _pending_note(slug),
              "success")
        return redirect(back)
    _closed(slug, period)
    return render_template("data_delete.html", office=office, period=period, day=day, clerk=clerk,
                           rows=_sorted(office, rows), fingerprint=_fingerprint(rows), form=form, back=back,
                           format_date=format_date)

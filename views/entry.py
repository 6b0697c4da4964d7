"""Clerks' pages: the home page and the daily entry form of an office."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from views.access import account_day, catalogs, office_for, people_context, period_tally, state, store, today
from views.audit import activity_label, describe_closure, when
from domain.saving import SaveConflict
from domain.trail import save_lines, week_of
from forms.catalog import COUNTERS
from forms.entry import entry_from_form, field_key, form_class, form_data_from_rows, own_rows, shown_values
from sheets import StoreError
from domain.periods import format_day_short as day_label
from domain.periods import (PeriodError, count_phrase, default_week, format_numeric, format_weekday_date, holiday_name,
                             latest_working_day, parse_date, working_days)


def format_date(day: date) -> str:
    return format_weekday_date(day, year=True)

bp = Blueprint("entry", __name__)


def parse_day(raw: str | None) -> date:
    """``23.11.2026`` or ``2026-11-23`` (default today); malformed or future
    dates get a 400."""
    if not raw:
        return today()
    try:
        day = parse_date(raw, "", check_years=False)
    except PeriodError:
        abort(400, description=f"Data „{raw}” nu este validă. Folosiți forma ZZ.LL.AAAA, de exemplu "
                               f"{format_numeric(today())}.")
    if day > today():
        abort(400, description=f"Nu puteți completa o zi din viitor ({format_date(day)}).")
    if day.year < 2000:
        abort(400, description="Data este prea veche.")
    return day


def week_days(day: date, rows, clerk: str) -> list[dict]:
    """The strip of the week's days (Mon–Fri, plus the weekend day shown)."""
    monday = day - timedelta(days=day.weekday())
    working = set(working_days(monday, monday + timedelta(days=6)))
    strip = []
    for i in range(7):
        d = monday + timedelta(days=i)
        clerks = sorted({r.clerk for r in rows if r.day == d})
        if i >= 5 and d != day and not clerks:
            continue
        strip.append({
            "day": d, "label": day_label(d), "current": d == day, "future": d > today(),
            "working": d in working, "mine": clerk.lower() in {c.lower() for c in clerks}, "clerks": clerks,
        })
    return strip


def _home_week(monday: date, now: date, rows, clerk: str, title: str) -> dict:
    """One week of a clerk's home: its working days up to ``now`` (done by
    whom, or missing) and its holidays, named."""
    days = []
    for i in range(5):
        d = monday + timedelta(days=i)
        if d > now:
            break
        holiday = holiday_name(d)
        clerks = sorted({r.clerk for r in rows if r.day == d})
        days.append({"day": d, "label": day_label(d), "holiday": holiday, "clerks": clerks,
                     "mine": clerk.lower() in {c.lower() for c in clerks}})
    return {"title": title, "days": days}


@bp.route("/")
@login_required
def home():
    offices = current_user.visible_offices(catalogs().current())
    now = today()
    monday = now - timedelta(days=now.weekday())
    last_monday = monday - timedelta(days=7)
    latest = latest_working_day(now)
    result = store().read([o.slug for o in offices], last_monday, monday + timedelta(days=6)) if offices else None
    me = current_user.username
    joined = account_day(current_user.created_at)  # days before the account are not the clerk's to fill
    cards = []
    for office in offices:
        rows = [r for r in result.rows if r.office == office.slug]
        weeks = [_home_week(monday, now, rows, me, "Săptămâna aceasta"),
                 _home_week(last_monday, now, rows, me, "Săptămâna trecută")]
        missing = [d for w in weeks for d in w["days"]
                   if not d["holiday"] and not d["mine"] and (joined is None or d["day"] >= joined)]
        cards.append({"office": office, "weeks": weeks, "missing": sorted(missing, key=lambda d: d["day"]),
                      "latest_done": any(d["mine"] for w in weeks for d in w["days"] if d["day"] == latest)})
    missing = _missing_people() if current_user.is_supervisor else None
    from views.catalog import week_label
    from views.years import home_warnings

    # the user's offices whose first version applies from a later week: said so,
    # not "your account belongs to no office"
    current, this_week = {o.slug for o in offices}, week_of(now)
    upcoming = []
    for o in current_user.visible_offices(catalogs().known()):
        later = sorted(v.effective for v in catalogs().history(o.slug) if v.effective > this_week)
        if o.slug not in current and later:
            upcoming.append((o, week_label(later[0])))

    return render_template("home.html", year_warnings=home_warnings(), cards=cards, upcoming=upcoming, today=now, today_label=format_date(now), missing=missing,
                           is_working_day=now == latest, holiday=holiday_name(now),
                           latest=latest, latest_label=format_date(latest))


def _missing_people():
    """For a supervisor's home: this week's report of every office, for the
    member clerks with working days missing (reports/model.py)."""
    from reports.model import build_report

    period = default_week(today())
    slugs = [o.slug for o in current_user.visible_offices(catalogs().current())]
    catalog, tally, _ = period_tally(slugs, period)
    return build_report(catalog, tally, period, offices=slugs, today=today(), **people_context(slugs, period))


@bp.route("/entry/<slug>", methods=["GET", "POST"])
@login_required
def entry_form(slug):
    office_for(slug)  # 404 / 403 first
    day = parse_day(request.args.get("date"))
    office = office_for(slug, day)  # the layout of the day's week
    clerk = current_user.username
    monday = day - timedelta(days=day.weekday())
    try:
        week_rows = store().read([slug], monday, monday + timedelta(days=6)).rows
    except StoreError:
        # Google unreachable and nothing read yet by this worker (e.g. it has
        # just started): a page cannot be shown (503), but a posted form is
        # the whole day as the clerk sees it, and the store can still queue it.
        if request.method != "POST":
            raise
        week_rows = []
    mine = own_rows(office, week_rows, day, clerk)
    ids = {r.row_id for r in mine}
    added = [r for r in week_rows if r.day == day and r.clerk.lower() == clerk.lower() and r.row_id not in ids]
    closure = state().week_closure(slug, week_of(day))
    Form = form_class(office)
    status, conflicts = 200, []
    if request.method == "POST" and closure is not None:
        form = Form(data=form_data_from_rows(office, mine))
        status = 409
        form.form_errors.append("Săptămâna este închisă: nu s-a salvat nimic. Cereți șefului de serviciu "
                                "să o redeschidă dacă trebuie corectată.")
    elif request.method == "POST":
        form = Form()
        gone = _typed_for_gone_fields(slug, form)
        if gone:
            # the office's form changed since the page was shown (an activity retired or
            # changed): what was typed for it would be dropped without a word
            status = 409
            form.form_errors.append(
                "Nu s-a salvat nimic: între timp formularul serviciului s-a schimbat și nu mai are "
                + "; ".join(gone) + ". Celelalte valori introduse sunt păstrate mai jos; verificați-le "
                "și apăsați din nou „Salvează” (sau întrebați șeful de serviciu unde se trec acum).")
        elif form.validate_on_submit():
            entry = entry_from_form(form, office, day, clerk)
            if entry.empty and not mine:
                form.form_errors.append("Nu ați completat nicio valoare; nu s-a salvat nimic.")
                status = 400
            else:
                try:
                    changes = store().save_entry(entry)
                except SaveConflict as exc:
                    status, conflicts = 409, describe_conflicts(office, exc.conflicts)
                    for c in exc.conflicts:  # the inputs in conflict are marked too
                        for slot in form.slots:
                            if field_key(slot) == (c.activity, c.part, c.counter):
                                form[slot.name].errors = list(form[slot.name].errors) + [
                                    f"Între timp valoarea a devenit {_figure(c.current)}."]
                    current = store().read([slug], day, day, fresh=True).rows
                    form.shown.data = shown_values(form, own_rows(office, current, day, clerk))
                    form.form_errors.append(
                        "Nu s-a salvat nimic: între timp altcineva a modificat cifre din această zi. "
                        "Valorile introduse de dumneavoastră sunt păstrate mai jos; verificați-le și "
                        "apăsați din nou „Salvează”.")
                else:
                    state().record(save_lines(clerk, slug, day, changes))
                    saved = len({(a, p) for (a, p, _), v in entry.values.items() if v is not None})
                    flash(
                        f"Salvat: {count_phrase(saved, 'rând', 'rânduri')} pentru {format_date(day)}"
                        + ("; se sincronizează cu foaia de calcul." if store().is_async else "."),
                        "success",
                    )
                    return redirect(url_for("entry.entry_form", slug=slug, date=day.isoformat()))
        else:
            status = 400
            csrf = getattr(form, "csrf_token", None)
            if csrf is not None and csrf.errors:
                csrf.errors = []
                form.form_errors.append(
                    "Formularul a expirat. Valorile introduse sunt păstrate: apăsați din nou „Salvează”."
                )
            if any(f.errors for f in form if f.name != "csrf_token"):
                form.form_errors.append("Nu s-a salvat nimic: corectați valorile marcate mai jos.")
    else:
        form = Form(data=form_data_from_rows(office, mine))
        form.shown.data = shown_values(form, mine)
    return render_template(
        "entry.html", office=office, form=form, day=day, day_label=format_date(day),
        strip=week_days(day, week_rows, clerk), filled=bool(mine), conflicts=conflicts,
        added=[{"label": activity_label(office, r.activity, r.part), "lucrari": r.lucrari, "documente": r.documente,
                "note": r.note} for r in added],
        closure=closure and describe_closure(closure),
        prev_day=day - timedelta(days=1), next_day=day + timedelta(days=1) if day < today() else None,
    ), status


def _typed_for_gone_fields(slug: str, form) -> list[str]:
    """What the clerk typed into inputs the page showed (its ``shown``
    field) that the office's form of that day no longer has, one phrase per
    activity („Controale pe teren (7, 2)”); [] when nothing was lost."""
    import json

    try:
        shown = json.loads(request.form.get("shown") or "{}")
    except (ValueError, RecursionError):  # unreadable or absurdly nested: the save's own check answers
        return []
    if not isinstance(shown, dict):
        return []
    current = {slot.name for slot in form.slots}
    typed: dict[str, list[str]] = {}
    for name in shown:
        value = (request.form.get(name) or "").strip() if isinstance(name, str) else ""
        if name in current or not value or "__" not in name:
            continue
        activity_id, key = name.split("__", 1)
        typed.setdefault(activity_id, []).append("da" if key == "done" else value)
    latest = office_for(slug)  # the latest version, retired activities included: their labels
    return [f"„{activity_label(latest, aid, '')}” (ați tastat: {', '.join(values)})" for aid, values in typed.items()]


def describe_conflicts(office, conflicts) -> list[dict]:
    """Per conflicting figure: the activity's label, the counter, what the
    clerk typed, what the store holds now, who set it and when."""
    out = []
    for c in conflicts:
        act = office.activity(c.activity)
        label = activity_label(office, c.activity, c.part)
        counter = "Realizat" if act is not None and act.kind == "daily" else COUNTERS.get(c.counter, c.counter)
        out.append({"label": label, "counter": counter, "typed": _figure(c.typed), "current": _figure(c.current),
                    "by": c.by or "—", "at": when(c.at)})
    return out


def _figure(value) -> str:
    return "necompletat" if value is None else str(value)

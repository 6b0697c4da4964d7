"""The administrators' page of the yearly rollover (sheets/google/years.py):
each year's Google spreadsheet, setting next year's, and the warnings of
the admin's home page."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import StringField
from wtforms.validators import DataRequired

from forms.base import TextForm
from views.access import clock, require_admin, single_fields, store, today

bp = Blueprint("years", __name__, url_prefix="/admin")


class YearForm(TextForm):
    year = StringField("Anul", validators=[DataRequired("Introduceți anul.")])
    spreadsheet = StringField("Foaia de calcul (adresa sau identificatorul)",
                              validators=[DataRequired("Introduceți adresa foii de calcul.")])


def _yearly():
    """The Google store's yearly layer, or None (the local store has no spreadsheets)."""
    return getattr(store(), "years", None) and store()


@bp.route("/years", methods=["GET", "POST"])
@login_required
def years_page():
    require_admin()
    from sheets.google.years import GOOGLE_CELL_LIMIT, check_year_setting, current_year_caveat

    yearly = _yearly()
    now = today()
    form = YearForm(data={"year": str(now.year + 1)})
    status = 200
    if request.method == "POST":
        single_fields()
    if yearly is not None and form.validate_on_submit():
        try:
            year, sid = check_year_setting(form.year.data, form.spreadsheet.data, now.year)
        except ValueError as exc:
            form.form_errors.append(str(exc))
            status = 400
        else:
            previous = yearly.years.spreadsheet_for(year)
            yearly.years.set(year, sid, current_user.username, clock().iso())
            flash(f"Anul {year} are acum foaia de calcul {sid}. Partajați-o cu contul de serviciu ca Editor, "
                  f"apoi rulați pe server: flask --app app sheets init --year {year}"
                  + ("" if previous == sid else current_year_caveat(year, now.year, previous)), "success")
            return redirect(url_for("years.years_page"))
    elif request.method == "POST":
        status = 400
    rows, cells = [], {}
    if yearly is not None:
        explicit = yearly.years.explicit()
        cells = {c["spreadsheet_id"]: c["cells"] for c in yearly.cells()}
        for y in sorted({*explicit, now.year, now.year + 1}):
            sid = yearly.years.spreadsheet_for(y, explicit)
            rows.append({"year": y, "spreadsheet_id": sid, "own": y in explicit, "cells": cells.get(sid)})
    return render_template("years.html", form=form, rows=rows, google=yearly is not None,
                           default_id=getattr(yearly, "default_id", None), limit=GOOGLE_CELL_LIMIT,
                           warnings=yearly.warnings(now) if yearly is not None else []), status


def home_warnings() -> list[str]:
    """For an admin's home page: the rollover's warnings (no network call)."""
    if not current_user.is_authenticated or not current_user.is_admin:
        return []
    yearly = _yearly()
    return yearly.warnings(today()) if yearly is not None else []

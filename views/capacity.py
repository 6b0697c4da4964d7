"""„Capacitate” (admins): how much of Google's quotas the app uses, from the
counters every worker shares (sheets/google/capacity.py): Sheets requests per
minute over the last hour against the 60-a-minute quota, the spreadsheet's
cells against 10 million and when they would fill at the current pace, the
outbox's depth and oldest pending submission, the last errors. Drawing it
asks Google nothing, but the spreadsheet's metadata (its size) when the last
count is more than ten minutes old."""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, render_template
from flask_login import login_required

from domain.romanian import count_phrase
from reports.charts import line_svg
from sheets.google.capacity import CELLS_EVERY, MAX_CELLS
from views.access import BUCHAREST, require_admin, store

bp = Blueprint("capacity", __name__)

QUOTA = 60  # Google's requests a minute per user, reads and writes each


def _when(epoch: float | None, seconds: bool = True) -> str:
    if not epoch:
        return "—"
    fmt = "%d.%m.%Y %H:%M:%S" if seconds else "%d.%m.%Y"
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(BUCHAREST).strftime(fmt)


def _minute(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(BUCHAREST).strftime("%H:%M")


def _number(n: float) -> str:
    return f"{int(round(n)):,}".replace(",", ".")


@bp.route("/capacity")
@login_required
def capacity():
    require_admin()
    s = store()
    status = s.capacity_status(refresh_after=CELLS_EVERY) if hasattr(s, "capacity_status") else None
    if status is None:
        return render_template("capacity.html", google=False)
    minutes = status["per_minute"]
    chart = line_svg("chart-requests", "Cereri către Google Sheets pe minut (ultima oră)",
                     [_minute(m["start"]) for m in minutes],
                     [("Citiri", [m["read"] for m in minutes]), ("Scrieri", [m["write"] for m in minutes]),
                      ("Limita Google (pe minut)", [QUOTA] * len(minutes))], height=320)
    sheets = []
    for sheet in status["spreadsheets"]:
        cells = sheet.get("cells")
        sheets.append({
            "id": sheet["id"], "cells": _number(cells) if cells is not None else "necunoscut încă",
            "percent": f"{100 * cells / MAX_CELLS:.2f}".replace(".", ",") if cells is not None else "—",
            "pace": _number(sheet["pace"]) if sheet.get("pace") is not None else None,
            "full": _when(sheet.get("full_at"), seconds=False) if sheet.get("full_at") else None,
            "seen": _when(sheet.get("at"))})
    oldest = status["oldest_pending"]
    errors = [{"when": _when(e["at"]), "kind": "citire" if e["kind"] == "read" else "scriere",
               "endpoint": e["endpoint"], "status": e["status"] or "fără răspuns"} for e in status["errors"]]
    failed_ops = [{"id": op.id, "office": op.office, "error": op.last_error, "when": _when(op.created_at)}
                  for op in reversed(status["errors_ops"])]
    t, busiest, budget = status["totals"], status["busiest"], status["write_budget"]
    reads, writes = (lambda n: count_phrase(n, "citire", "citiri")), (lambda n: count_phrase(n, "scriere", "scrieri"))
    totals = (f"În ultima oră: {reads(t['read'])}, {writes(t['write'])}, {count_phrase(t['errors'], 'eroare', 'erori')} "
              f"(dintre care {count_phrase(t['quota'], 'refuz', 'refuzuri')} pentru depășirea limitei, 429).")
    busiest = (f"Cel mai aglomerat minut: {reads(busiest['read'])}, {writes(busiest['write'])} "
               f"(limita Google: {QUOTA} pe minut, pentru fiecare).")
    budget = (f"Trimiterea salvărilor folosește cel mult {writes(budget)} pe minut (acum: {status['granted']})"
              if budget else "Trimiterea salvărilor nu are o limită proprie de scrieri pe minut")
    return render_template(
        "capacity.html", google=True, chart=chart, minutes=[m for m in reversed(minutes) if m["read"] or m["write"]],
        when=_minute, totals=totals, busiest=busiest, budget=budget, quota=QUOTA, sheets=sheets,
        max_cells=_number(MAX_CELLS), outbox=status["outbox"], oldest=oldest,
        oldest_when=_when(oldest.created_at) if oldest else None, errors=errors, failed_ops=failed_ops)

"""Sheets API requests per user operation, counted by the emulator: the app
(Google backend, through its real pages: Flask test client, gspread over
HTTP to the emulator) side by side with a naive gspread use of the same
operations against the same emulator.

Naive = what a first version typically does: ``open_by_key`` + ``worksheet``
for every operation; ``append_rows`` once per submit; ``find`` + ``update``
per changed row; ``get_all_records`` per office worksheet for every view.
"""
from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

from sheets_emulator import EmulatorServer
from sheets.google.client import raw_client
from sheets.google.http import EmulatorSession
from sheets.google.layout import HEADER

SS_APP = "1BenchAppSpreadsheet_abcdefghijklmnopqrst"
SS_NAIVE = "1BenchNaiveSpreadsheet_abcdefghijklmnopq"
PASSWORD = "parola-de-bench-1"
DAY = date(2025, 11, 25)  # a Tuesday of ISO week 2025-W48
WEEK = "2025-W48"
MONTH = ("2025-11-01", "2025-11-30")


def _count(emu, fn) -> tuple[int, dict]:
    emu.reset_counts()
    fn()
    c = emu.counts()
    return c["read"] + c["write"], dict(sorted(c["endpoints"].items()))


def _app(instance: Path, host: str, catalog_dir: str | None, ttl: float):
    from app import create_app

    os.environ["SHEETS_EMULATOR_HOST"] = host
    config = {"TESTING": True, "SECRET_KEY": "bench", "SHEETS_BACKEND": "google",
              "GOOGLE_SPREADSHEET_ID": SS_APP, "SHEETS_SYNC_INTERVAL": 0, "SHEETS_CACHE_TTL": ttl}
    if catalog_dir:
        config["CATALOG_DIR"] = catalog_dir
    app = create_app(config, instance_path=str(instance))
    users = app.extensions["users"]
    first = app.extensions["catalog"].offices[0].slug
    users.add("functionar", PASSWORD, "clerk", (first,))
    users.add("sef", PASSWORD, "supervisor")
    return app


def _token(c, url) -> str:
    from devtools.live import token_of

    return token_of(c.get(url).get_data(as_text=True))


def _client(app, user):
    c = app.test_client()
    r = c.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": _token(c, "/login")})
    assert r.status_code == 302, r.status_code
    return c


def measure_app(catalog_dir: str | None, ttl: float) -> dict:
    """{operation: (requests, endpoints)} for the app with cache TTL ``ttl``."""
    out = {}
    with EmulatorServer() as server, tempfile.TemporaryDirectory() as tmp:
        emu = server.emulator
        emu.create_spreadsheet(SS_APP, title="Raportare activitate")
        app = _app(Path(tmp) / "instance", server.host, catalog_dir, ttl)
        store = app.extensions["store"]
        catalog = app.extensions["catalog"]
        office = catalog.offices[0]
        acts = [a for a in office.activities if a.kind == "counts"][:3]
        fields = {f"{a.id}__{a.counters[0]}": "3" for a in acts}
        # Every office has its worksheet, as after `flask sheets init` (run by
        # another process: the measured app has not read anything yet).
        init = _app(Path(tmp) / "init", server.host, catalog_dir, ttl).extensions["store"]
        init.init()
        init.session.close()
        clerk, sef = _client(app, "functionar"), _client(app, "sef")
        entry = f"/entry/{office.slug}?date={DAY.isoformat()}"
        token = {}

        def submit(data):
            r = clerk.post(entry, data=dict(data, csrf_token=token["clerk"]))
            assert r.status_code == 302, r.status_code
            store.sync(max_seconds=10)  # what the background sender does a few seconds later

        out["first page of a new process (clerk's home)"] = _count(emu, lambda: clerk.get("/"))
        out["open the day's form"] = _count(emu, lambda: token.update(clerk=_token(clerk, entry)))
        out["submit a new day (3 rows)"] = _count(emu, lambda: submit(fields))
        out["submit the same day again, one value changed"] = _count(
            emu, lambda: submit(dict(fields, **{next(iter(fields)): "4"})))
        row = store.read([office.slug], DAY, DAY, fresh=True).rows[0]
        out["supervisor's table of an office (a week)"] = _count(
            emu, lambda: token.update(sef=_token(sef, f"/data/{office.slug}?week={WEEK}")))
        out["supervisor's correction of one row"] = _count(emu, lambda: sef.post(
            f"/data/{office.slug}/{row.row_id}?week={WEEK}",
            data={"lucrari": "5", "documente": "", "note": "corectat", "action": "save", "csrf_token": token["sef"]}))
        out["clerk's home (dashboard)"] = _count(emu, lambda: clerk.get("/"))
        out["supervisor's home (all offices)"] = _count(emu, lambda: sef.get("/"))
        out["weekly report, all offices"] = _count(emu, lambda: sef.get(f"/report?week={WEEK}"))
        out["monthly report, all offices"] = _count(emu, lambda: sef.get(f"/report?from={MONTH[0]}&to={MONTH[1]}"))
        out["monthly report, all offices, XLSX"] = _count(
            emu, lambda: sef.get(f"/report.xlsx?from={MONTH[0]}&to={MONTH[1]}"))
        store.close()
        store.session.close()
    return out


def measure_naive(catalog_dir: str | None) -> dict:
    from forms import load_catalog

    catalog = load_catalog(catalog_dir or Path(__file__).resolve().parents[1] / "forms")
    titles = [o.title for o in catalog.offices]
    out = {}
    with EmulatorServer() as server:
        emu = server.emulator
        emu.create_spreadsheet(SS_NAIVE, title="Raportare activitate", sheets=tuple(titles))
        for title in titles:  # header rows (setup, not counted)
            for col, name in enumerate(HEADER):
                emu.set_cell(title, "ABCDEFGHIJKL"[col] + "1", name, raw=True)
        session = EmulatorSession(server.host)
        gc = raw_client(session)
        office = catalog.offices[0]
        acts = [a for a in office.activities if a.kind == "counts"][:3]
        rows = [[f"id{i}", DAY.isoformat(), a.id, a.label, "", "functionar", 3, "", "", "", "", ""]
                for i, a in enumerate(acts)]

        def submit():
            gc.open_by_key(SS_NAIVE).worksheet(office.title).append_rows(rows, value_input_option="RAW")

        def change_one_row():
            ws = gc.open_by_key(SS_NAIVE).worksheet(office.title)
            cell = ws.find("id0")
            ws.update([[4]], f"G{cell.row}")

        def view(offices):
            sh = gc.open_by_key(SS_NAIVE)
            for o in offices:
                sh.worksheet(o.title).get_all_records()

        out["first page of a new process (clerk's home)"] = _count(emu, lambda: view([office]))
        out["open the day's form"] = _count(emu, lambda: view([office]))
        out["submit a new day (3 rows)"] = _count(emu, submit)
        out["submit the same day again, one value changed"] = _count(emu, change_one_row)
        out["supervisor's table of an office (a week)"] = _count(emu, lambda: view([office]))
        out["supervisor's correction of one row"] = _count(emu, change_one_row)
        out["clerk's home (dashboard)"] = _count(emu, lambda: view([office]))
        out["supervisor's home (all offices)"] = _count(emu, lambda: view(catalog.offices))
        out["weekly report, all offices"] = _count(emu, lambda: view(catalog.offices))
        out["monthly report, all offices"] = _count(emu, lambda: view(catalog.offices))
        out["monthly report, all offices, XLSX"] = _count(emu, lambda: view(catalog.offices))
        session.close()
    return out


def _fmt(entry) -> str:
    total, endpoints = entry
    detail = ", ".join(f"{k} {v}" for k, v in endpoints.items())
    return f"**{total}**" + (f" ({detail})" if detail else "")


def run(synthetic_catalog: str) -> tuple[str, dict]:
    """Markdown section and raw figures."""
    figures = {}
    lines = []
    for label, catalog_dir in (("2 offices (the seed catalog)", None),
                               ("100 offices (synthetic catalog)", synthetic_catalog)):
        worst = measure_app(catalog_dir, ttl=0)
        warm = measure_app(catalog_dir, ttl=30)
        naive = measure_naive(catalog_dir)
        figures[label] = {"app_ttl0": worst, "app_ttl30": warm, "naive": naive}
        lines += [f"#### {label}", "",
                  "| operation | app, cache expired (TTL 0) | app, within the 30 s TTL | naive gspread |",
                  "|---|---|---|---|"]
        for op in worst:
            lines.append(f"| {op} | {_fmt(worst[op])} | {_fmt(warm[op])} | {_fmt(naive[op])} |")
        lines.append("")
    return "\n".join(lines), figures


if __name__ == "__main__":
    import sys

    from bench.synthetic import write_catalog

    with tempfile.TemporaryDirectory() as tmp:
        print(run(str(write_catalog(Path(tmp) / "catalog", int(sys.argv[1]) if len(sys.argv) > 1 else 100)))[0])

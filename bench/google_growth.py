"""How a Google-backed report grows with the rows already in the sheet.

Before issue 16 the app read whole office worksheets (one values.batchGet
for all offices of a view) and kept the period's rows: a one-week report at
the end of the year carried every row of the year. Now a view of a period
reads the „Data” column first, then only the period's rows
(sheets/google/period.py), and a period made only of closed weeks is served
from the rows kept in the instance folder (sheets/google/shared.py). The
emulator runs in its own process (python -m sheets_emulator), loaded with 10
and 100 office-years of synthetic rows.

Measured per way of reading, each in a new store (a cold worker: no cache
of its own; its metadata request, one small spreadsheets.get, counted apart;
the instance folder's witness of hand edits already knows the rows, as it
does for every worker but the very first): the requests, the bytes on the wire (gzip, as Google sends it to a
User-Agent containing "gzip") and decoded, the wall time of the read (the
emulator's rendering, HTTP, the app's decoding and parsing) and the app's
own CPU time. Best of 2.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import requests

from bench.synthetic import rows_for, write_catalog
from forms import load_catalog
from sheets.google.layout import HEADER

ROOT = Path(__file__).resolve().parents[1]
SS = "1BenchGoogleGrowthSheet_abcdefghijklmnop"
WEEK = (date(2025, 12, 22), date(2025, 12, 28))


def start_emulator() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "sheets_emulator", "--port", "0", "--spreadsheet", SS],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline().strip()
    assert line.startswith("SHEETS_EMULATOR_HOST="), line
    return proc, line.split("=", 1)[1]


def load(host: str, catalog, offices: int) -> int:
    http = requests.Session()
    by_office: dict[str, list] = {}
    for rid, office, day, act, part, clerk, l, d, note, ent, cb, ca in rows_for(offices, date(2025, 1, 1),
                                                                                date(2025, 12, 31)):
        by_office.setdefault(office, []).append(
            [rid, day, act, act, part, clerk, "" if l is None else l, "" if d is None else d, note, ent, cb, ca])
    n = 0
    for office in catalog.offices:
        rows = [list(HEADER), *by_office[office.slug]]
        r = http.post(f"http://{host}/__emulator/add_sheet", json={"title": office.title, "rows": len(rows),
                                                                   "cols": len(HEADER)}, timeout=60)
        r.raise_for_status()
        r = http.put(f"http://{host}/v4/spreadsheets/{SS}/values/{quote(office.title + '!A1', safe='')}",
                     params={"valueInputOption": "RAW"}, json={"values": rows}, timeout=300)
        r.raise_for_status()
        n += len(rows) - 1
    http.close()
    return n


class Meter:
    """Requests and bytes of a session: on the wire and decoded."""

    def __init__(self, session):
        self.requests = self.wire = self.body = 0
        session.hooks["response"].append(self._seen)

    def _seen(self, response, *args, **kwargs):
        self.requests += 1
        self.wire += int(response.headers.get("Content-Length") or len(response.content))
        self.body += len(response.content)


def _one(host: str, catalog, folder: Path, how: str) -> dict:
    """One cold read of the last week of December, ``how``: "whole" (before), "period", "closed"."""
    from sheets.google import GoogleStore
    from sheets.google.http import EmulatorSession
    from sheets.google.reads import view

    folder.mkdir(parents=True, exist_ok=True)
    session = EmulatorSession(host, timeout=(5, 600))
    store = GoogleStore(SS, session, catalog, folder / "outbox.sqlite3", sync_interval=0,
                        timeout=(5, 600), read_budget=600, first_read_budget=600)  # the read itself
    try:
        store.directory.metadata()  # a worker's first request, kept for its life
        meter = Meter(session)
        w, c = time.perf_counter(), time.process_time()
        if how == "whole":
            snap = store.reads.snapshot(catalog.slugs, fresh=True)
            rows = view(snap, [], catalog.slugs, *WEEK).rows
        else:
            rows = store.read(catalog.slugs, *WEEK, fresh=True).rows
        return {"read_s": time.perf_counter() - w, "app_cpu_s": time.process_time() - c, "week_rows": len(rows),
                "requests": meter.requests, "wire_mb": meter.wire / 2**20, "body_mb": meter.body / 2**20}
    finally:
        store.close()
        session.close()


def measure(offices: int, tmp: Path) -> dict:
    catalog = load_catalog(write_catalog(tmp / f"catalog-{offices}", offices))
    proc, host = start_emulator()
    out = {"offices": offices}
    try:
        t = time.perf_counter()
        rows = load(host, catalog, offices)
        out.update(rows_in_sheet=rows, cells=rows * len(HEADER), load_s=time.perf_counter() - t)
        for how in ("whole", "period"):
            # a new store each time (a cold worker) in one instance folder (the outbox and the
            # witness of hand edits are kept there, as they are for every worker of an instance)
            runs = [_one(host, catalog, tmp / f"{how}-{offices}", how) for _ in range(2)]
            out[how] = min(runs, key=lambda r: r["read_s"])
        # closed weeks: one worker closes the week (its rows kept at the next read), a cold one reports it
        closed = tmp / f"closed-{offices}"
        _close_week(host, catalog, closed)
        runs = [_one(host, catalog, closed, "closed") for _ in range(2)]
        out["closed"] = min(runs, key=lambda r: r["read_s"])
    finally:
        proc.terminate()
        proc.wait(10)
    return out


def _close_week(host: str, catalog, folder: Path) -> None:
    """The week closed for every office as the app records it (the protected ranges are not
    written here: they cost the same as before), then read once (its rows kept)."""
    from sheets.google import GoogleStore
    from sheets.google.http import EmulatorSession

    folder.mkdir(parents=True, exist_ok=True)
    session = EmulatorSession(host, timeout=(5, 600))
    store = GoogleStore(SS, session, catalog, folder / "outbox.sqlite3", sync_interval=0,
                        timeout=(5, 600), read_budget=600, first_read_budget=600)
    try:
        for slug in catalog.slugs:
            store.shared.close(slug, WEEK[0], True, store.clock() - 1)
        store.read(catalog.slugs, *WEEK, fresh=True)
    finally:
        store.close()
        session.close()


def run(tmp: Path) -> tuple[str, dict]:
    figures = {n: measure(n, tmp) for n in (10, 100)}
    names = {"whole": "whole worksheets (before)", "period": "„Data” column, then the week's rows",
             "closed": "the week closed and kept"}
    lines = ["| office-years in the sheet | rows | read | requests | on the wire (gzip) | decoded | "
             "read time | app CPU |", "|---|---|---|---|---|---|---|---|"]
    for f in figures.values():
        for how in ("whole", "period", "closed"):
            r = f[how]
            lines.append(f"| {f['offices']} | {f['rows_in_sheet']:,} | {names[how]} | {r['requests']} | "
                         f"{r['wire_mb']:.2f} MiB | {r['body_mb']:.2f} MiB | {r['read_s']:.2f} s | "
                         f"{r['app_cpu_s']:.2f} s |")
    return "\n".join(lines), figures


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        text, figures = run(Path(tmp))
        print(text)
        print(json.dumps(figures, indent=1))

"""How a Google-backed report grows with the rows already in the sheet.

The app reads whole office worksheets (one values.batchGet for all offices
of a view) and keeps the period's rows: a one-week report at the end of
the year carries every row of the year. The emulator runs in its own
process (python -m sheets_emulator), loaded with 10 and 100 office-years of
synthetic rows; the app's GoogleStore reads one week of every office.

Measured: wall time of the read (the emulator's rendering, HTTP, the app's
JSON decoding and parsing), the app's own CPU time, the response size as the
app asks for it (compact JSON, ``prettyPrint=false``, our columns only) and,
for comparison, Google's default pretty-printed response of the same ranges
(what the app received before it asked for compact JSON) and the time to
download it alone.
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


def measure(offices: int, tmp: Path) -> dict:
    from sheets.google import GoogleStore
    from sheets.google.http import EmulatorSession

    catalog = load_catalog(write_catalog(tmp / f"catalog-{offices}", offices))
    proc, host = start_emulator()
    try:
        t = time.perf_counter()
        rows = load(host, catalog, offices)
        load_s = time.perf_counter() - t
        session = EmulatorSession(host, timeout=(5, 600))
        store = GoogleStore(SS, session, catalog, tmp / f"outbox-{offices}.sqlite3", sync_interval=0,
                            timeout=(5, 600), read_budget=600, first_read_budget=600)  # the read itself
        runs = []
        for _ in range(2):
            w, c = time.perf_counter(), time.process_time()
            result = store.read(catalog.slugs, *WEEK, fresh=True)
            runs.append((time.perf_counter() - w, time.process_time() - c, len(result.rows)))
        ranges = [f"'{o.title}'" for o in catalog.offices]
        url = f"https://sheets.googleapis.com/v4/spreadsheets/{SS}/values:batchGet"
        params = [("ranges", r) for r in ranges] + [("valueRenderOption", "FORMATTED_VALUE")]
        sizes, downloads = {}, {}
        for name, extra in (("compact", [("prettyPrint", "false")]), ("pretty", [])):
            w = time.perf_counter()
            sizes[name] = len(session.get(url, params=params + extra).content)
            downloads[name] = time.perf_counter() - w
        counts = session.get(f"http://{host}/__emulator/counts").json()
        session.close()
    finally:
        proc.terminate()
        proc.wait(10)
    best = min(runs)
    return {"offices": offices, "rows_in_sheet": rows, "cells": rows * len(HEADER), "load_s": load_s,
            "read_s": best[0], "app_cpu_s": best[1], "week_rows": best[2],
            "response_mb": sizes["compact"] / 2**20, "pretty_mb": sizes["pretty"] / 2**20,
            "download_compact_s": downloads["compact"], "download_pretty_s": downloads["pretty"],
            "requests": counts["endpoints"]}


def run(tmp: Path) -> tuple[str, dict]:
    figures = {n: measure(n, tmp) for n in (10, 100)}
    f10, f100 = figures[10], figures[100]
    lines = ["| office-years in the sheet | rows | cells | weekly report (all offices): read | app CPU | "
             "response (compact) | download alone: compact / pretty-printed (size) |",
             "|---|---|---|---|---|---|---|"]
    for f in (f10, f100):
        lines.append(f"| {f['offices']} | {f['rows_in_sheet']:,} | {f['cells']:,} | {f['read_s']:.2f} s | "
                     f"{f['app_cpu_s']:.2f} s | {f['response_mb']:.1f} MiB | {f['download_compact_s']:.2f} s / "
                     f"{f['download_pretty_s']:.2f} s ({f['pretty_mb']:.1f} MiB) |")
    k = 10
    lines.append(f"| 1000 (est. x10 from 100; beyond one spreadsheet's 10 M cells) | {f100['rows_in_sheet'] * k:,} | "
                 f"{f100['cells'] * k:,} | ~{f100['read_s'] * k:.0f} s | ~{f100['app_cpu_s'] * k:.0f} s | "
                 f"~{f100['response_mb'] * k:.0f} MiB | ~{f100['download_compact_s'] * k:.0f} s / "
                 f"~{f100['download_pretty_s'] * k:.0f} s (~{f100['pretty_mb'] * k:.0f} MiB) |")
    return "\n".join(lines), figures


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        text, figures = run(Path(tmp))
        print(text)
        print(json.dumps(figures, indent=1))

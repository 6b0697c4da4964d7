"""One measurement in a fresh process (so that peak memory is its own):

    python -m bench.worker ours|pandas|xlsx DB CATALOG_DIR START END [REPEAT]

prints one JSON object. ``ours`` = LocalStore.tally + build_report (what the
report page does: SQLite sums, no object per row); ``pandas`` = read_sql + pivot_table over the same rows;
``xlsx`` = what the XLSX download does for the year: the tally, the report,
the weekly totals of the „Tendințe” sheet and build_xlsx (report sheets
only); ``csv`` = the raw rows download (reports/rows_csv.py, read a month at
a time); ``raw`` = XlsxWriter's own speed: the same rows written as plain
cells of one sheet in constant_memory mode (what the old „Date” sheet cost).
Times are wall-clock seconds (best and median of REPEAT runs) and CPU
seconds of this process; memory is the peak RSS (ru_maxrss) and the RSS
before the measured step.
"""
from __future__ import annotations

import json
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, repeat: int):
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        result = None  # the previous run's rows are freed first: peak memory is one run's
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return result, {"best_s": min(walls), "median_s": statistics.median(walls), "cpu_s": min(cpus)}


def ours(db: str, catalog_dir: str, start: date, end: date, repeat: int) -> dict:
    from forms import load_catalog
    from reports.model import build_report, daily_keys
    from domain.periods import Period
    from sheets.local import LocalStore

    catalog = load_catalog(catalog_dir)
    store = LocalStore(db)
    period = Period.between(start, end)
    daily = daily_keys(catalog)
    before = rss_mb()
    parts = {}

    def run():
        w = time.perf_counter()
        tally, _ = store.tally(catalog.slugs, start, end, daily)
        parts.setdefault("read", []).append(time.perf_counter() - w)
        w = time.perf_counter()
        report = build_report(catalog, tally, period, today=date(2100, 1, 1))
        parts.setdefault("build_report", []).append(time.perf_counter() - w)
        return tally, report

    (tally, report), times = timed(run, repeat)
    totals = {"lucrari": 0, "documente": 0}
    for office in report.offices:
        for line in office.lines:
            if line.kind == "counts":
                for counter, cell in line.cell_by_counter.items():
                    totals[counter] += cell.value or 0
    return {**times, "read_median_s": statistics.median(parts["read"]),
            "build_median_s": statistics.median(parts["build_report"]),
            "rows": sum(n for _, _, n in tally.sums.values()),
            "totals": totals, "rss_before_mb": before, "peak_mb": peak_mb()}


def pandas_(db: str, catalog_dir: str, start: date, end: date, repeat: int) -> dict:
    import sqlite3

    import pandas as pd

    from forms import load_catalog

    catalog = load_catalog(catalog_dir)
    kinds = {(o.slug, a.id): a for o in catalog.offices for a in o.activities}
    before = rss_mb()
    parts = {}

    def run():
        w = time.perf_counter()
        con = sqlite3.connect(db)
        try:
            df = pd.read_sql("SELECT * FROM rows WHERE day BETWEEN ? AND ?", con,
                             params=(start.isoformat(), end.isoformat()))
        finally:
            con.close()
        parts.setdefault("read", []).append(time.perf_counter() - w)
        w = time.perf_counter()
        pivot = df.pivot_table(index=["office", "activity", "part"], values=["lucrari", "documente"], aggfunc="sum")
        parts.setdefault("pivot", []).append(time.perf_counter() - w)
        return df, pivot

    (df, pivot), times = timed(run, repeat)
    totals = {"lucrari": 0, "documente": 0}
    for (office, activity, part), rec in pivot.iterrows():
        act = kinds.get((office, activity))
        if act is not None and act.kind == "counts":
            for counter in act.counters:
                totals[counter] += int(rec[counter])
    return {**times, "read_median_s": statistics.median(parts["read"]),
            "build_median_s": statistics.median(parts["pivot"]), "rows": len(df), "totals": totals,
            "rss_before_mb": before, "peak_mb": peak_mb()}


def xlsx(db: str, catalog_dir: str, start: date, end: date, repeat: int) -> dict:
    from domain.periods import Period
    from forms import load_catalog
    from reports.model import build_report, daily_keys
    from reports.trends import counted_keys, weekly_table
    from reports.xlsx import build_xlsx
    from sheets.local import LocalStore

    catalog = load_catalog(catalog_dir)
    store = LocalStore(db)
    period = Period.between(start, end)
    daily = daily_keys(catalog)
    before, peak_before = rss_mb(), peak_mb()
    parts = {}

    def run():
        w = time.perf_counter()
        tally, result = store.tally(catalog.slugs, start, end, daily)
        report = build_report(catalog, tally, period, today=date(2100, 1, 1), read_at=result.read_at)
        # what /report.xlsx does for „Tendințe”
        totals = store.weekly_totals(catalog.slugs, start, end, counted_keys(catalog.offices))
        trends = weekly_table(catalog.offices, period, totals)
        parts.setdefault("data", []).append(time.perf_counter() - w)
        w = time.perf_counter()
        data = build_xlsx(report, trends=trends)
        parts.setdefault("write", []).append(time.perf_counter() - w)
        return data

    data, times = timed(run, repeat)
    return {**times, "data_median_s": statistics.median(parts["data"]),
            "write_median_s": statistics.median(parts["write"]), "bytes": len(data), "rss_before_mb": before,
            "peak_before_mb": peak_before, "peak_mb": peak_mb()}


def _months(start: date, end: date):
    from datetime import timedelta

    while start <= end:
        nxt = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield start, min(end, nxt - timedelta(days=1))
        start = nxt


def csv_(db: str, catalog_dir: str, start: date, end: date, repeat: int) -> dict:
    from forms import load_catalog
    from reports.rows_csv import stream_csv
    from sheets.local import LocalStore

    catalog = load_catalog(catalog_dir)
    store = LocalStore(db)
    before = rss_mb()
    first = []

    def run():
        w = time.perf_counter()
        chunks = ((a, b, store.read(catalog.slugs, a, b).rows) for a, b in _months(start, end))
        size = 0
        for i, chunk in enumerate(stream_csv(catalog, catalog.slugs, chunks)):
            if i == 1:
                first.append(time.perf_counter() - w)
            size += len(chunk)
        return size

    size, times = timed(run, repeat)
    return {**times, "first_chunk_s": min(first), "bytes": size, "rss_before_mb": before, "peak_mb": peak_mb()}


def raw(db: str, catalog_dir: str, start: date, end: date, repeat: int) -> dict:
    """XlsxWriter's raw speed: every row as 12 plain cells (numbers, strings,
    a date), no sorting, no formats but the date's."""
    import io

    import xlsxwriter

    from sheets.local import LocalStore
    from forms import load_catalog

    catalog = load_catalog(catalog_dir)
    rows = LocalStore(db).read(catalog.slugs, start, end).rows
    before = rss_mb()

    def run():
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"constant_memory": True, "strings_to_formulas": False,
                                       "strings_to_urls": False})
        ws = wb.add_worksheet("Date")
        fmt = wb.add_format({"num_format": "dd.mm.yyyy"})
        for r, row in enumerate(rows, start=1):
            ws.write_datetime(r, 0, row.day, fmt)
            ws.write_string(r, 1, row.office)
            ws.write_string(r, 2, row.activity)
            ws.write_string(r, 3, row.activity)
            ws.write_string(r, 4, row.part)
            ws.write_string(r, 5, row.clerk)
            if row.lucrari is not None:
                ws.write_number(r, 6, row.lucrari)
            if row.documente is not None:
                ws.write_number(r, 7, row.documente)
            ws.write_string(r, 8, row.note)
            ws.write_string(r, 9, row.entered_at)
            ws.write_string(r, 10, row.changed_by)
            ws.write_string(r, 11, row.changed_at)
        wb.close()
        return len(buf.getvalue())

    size, times = timed(run, repeat)
    return {**times, "rows": len(rows), "bytes": size, "rss_before_mb": before, "peak_mb": peak_mb()}


TASKS = {"ours": ours, "pandas": pandas_, "xlsx": xlsx, "csv": csv_, "raw": raw}

if __name__ == "__main__":
    task, db, catalog_dir, start, end = sys.argv[1:6]
    repeat = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    out = TASKS[task](db, catalog_dir, date.fromisoformat(start), date.fromisoformat(end), repeat)
    print(json.dumps(out))

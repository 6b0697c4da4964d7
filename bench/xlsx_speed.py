"""The XLSX download of a year for 100 offices, beside XlsxWriter's raw
speed and the raw-rows CSV download (issue 14: ≤ 2 s for the report sheets).

    python -m bench.xlsx_speed

One synthetic year of 100 offices (bench/synthetic.py, ~400k rows) on the
local store:

- ``served``: GET /report.xlsx of the year through gunicorn (one worker, so
  every request after the first finds it warm, as a running server is),
  signed in as an admin; the first request (a cold worker: imports, the
  catalog, Babel's locale data) and the best / median of the next ones;
- ``xlsx``: the same steps without the server, each figure from a fresh
  process (bench/worker.py), best and median of 3 runs: tally, report, the
  weekly totals of the „Tendințe” sheet (Store.weekly_totals), build_xlsx
  (Raport + Tendințe with 100 native charts);
- ``csv``: what /report-rows.csv does — the rows read a month at a time and
  streamed as CSV (and when its first rows are ready);
- ``raw``: XlsxWriter alone writing the same rows as plain cells of one sheet
  (constant_memory): the floor of any XLSX that holds the raw rows.
"""
from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from bench.report_scale import YEAR, dataset, worker
from devtools.live import Clerk, create_users, gunicorn

REQUESTS = 6


def served(tmp: Path, db: Path, catalog: Path) -> dict:
    """/report.xlsx of the year through gunicorn -w 1: (first, then warm)."""
    instance = tmp / "served"
    instance.mkdir()
    shutil.copy(db, instance / "entries.sqlite3")
    create_users(instance, [("director", "admin", ())], processes=1)
    start, end = YEAR
    url = f"/report.xlsx?from={start:%d.%m.%Y}&to={end:%d.%m.%Y}"
    times, size = [], 0
    with gunicorn(instance, workers=1, env={"FLASK_CATALOG_DIR": str(catalog)}) as base:
        user = Clerk(base, "director")
        user.login()
        for _ in range(REQUESTS):
            t = time.perf_counter()
            r = user.http.get(base + url, timeout=120)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200 and r.content[:2] == b"PK", (r.status_code, r.text[:300])
            size = len(r.content)
        user.close()
    warm = times[1:]
    return {"first_s": times[0], "best_s": min(warm), "median_s": statistics.median(warm), "max_s": max(warm),
            "bytes": size}


def run(tmp: Path) -> str:
    start, end = YEAR
    db, catalog, n, _ = dataset(tmp, 100, start, end)
    s = served(tmp, db, catalog)
    x = worker("xlsx", db, catalog, start, end, 3)
    c = worker("csv", db, catalog, start, end, 3)
    r = worker("raw", db, catalog, start, end, 3)
    return "\n".join([
        f"100 offices, one year ({n:,} rows), local store.",
        "",
        "| what | best | median | CPU | file | peak RSS |",
        "|---|---|---|---|---|---|",
        f"| **GET /report.xlsx** through gunicorn -w 1, {REQUESTS - 1} requests after the first "
        f"(the first, a cold worker: {s['first_s']:.2f} s; slowest {s['max_s']:.2f} s) | "
        f"**{s['best_s']:.2f} s** | **{s['median_s']:.2f} s** | | {s['bytes'] / 2**10:.0f} KiB | |",
        f"| the same steps in a fresh process (3 runs): tally + report + weekly totals + build_xlsx | "
        f"{x['best_s']:.2f} s | {x['median_s']:.2f} s (data {x['data_median_s']:.2f} + write "
        f"{x['write_median_s']:.2f}) | {x['cpu_s']:.2f} s | {x['bytes'] / 2**10:.0f} KiB | {x['peak_mb']:.0f} MB |",
        f"| /report-rows.csv: {n:,} rows read a month at a time, streamed (first rows after "
        f"{c['first_chunk_s']:.2f} s) | {c['best_s']:.2f} s | {c['median_s']:.2f} s | {c['cpu_s']:.2f} s | "
        f"{c['bytes'] / 2**20:.1f} MiB | {c['peak_mb']:.0f} MB |",
        f"| XlsxWriter raw: the same {r['rows']:,} rows as plain cells, one sheet, constant_memory | "
        f"{r['best_s']:.2f} s | {r['median_s']:.2f} s | {r['cpu_s']:.2f} s | {r['bytes'] / 2**20:.1f} MiB | "
        f"{r['peak_mb']:.0f} MB |",
    ])


def served_only(db: Path, catalog: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        return served(Path(tmp), db, catalog)


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--served"]:  # an existing dataset: --served DB CATALOG_DIR
        print(served_only(Path(sys.argv[2]), Path(sys.argv[3])))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            print(run(Path(tmp)))

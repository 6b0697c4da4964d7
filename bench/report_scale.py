"""Year-long reports on the local store: our path (LocalStore.tally +
build_report) against pandas (read_sql + pivot_table) on the same SQLite
rows, and the XLSX download (build_xlsx), at 10, 100 and 1000 office-years.

Every figure comes from a fresh process (bench/worker.py), so peak memory
is that step's own. Reports span at most 366 days, so 1000 office-years is
one report of 1000 offices: ~4 million rows, measured once (not 3 times)
and without the XLSX (its "Date" sheet would stop at Excel's 1 048 576
lines).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.synthetic import write_catalog, write_rows

ROOT = Path(__file__).resolve().parents[1]
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


def worker(task: str, db: Path, catalog: Path, start: date, end: date, repeat: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.worker", task, str(db), str(catalog), start.isoformat(),
                          end.isoformat(), str(repeat)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if out.returncode:
        raise RuntimeError(f"bench.worker {task} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def dataset(tmp: Path, offices: int, start: date, end: date) -> tuple[Path, Path, int, float]:
    folder = tmp / f"{offices}-{start.isoformat()}"
    catalog = write_catalog(folder / "catalog", offices)
    t = time.perf_counter()
    n = write_rows(folder / "entries.sqlite3", offices, start, end)
    return folder / "entries.sqlite3", catalog, n, time.perf_counter() - t


def run(tmp: Path, catalog_100: list) -> tuple[str, dict]:
    figures = {}
    plan = [("10 office-years", 10, 3, True), ("100 office-years", 100, 3, True),
            ("1000 office-years (1 run)", 1000, 1, False)]
    start, end = YEAR
    factor = 1
    for label, offices, repeat, with_xlsx in plan:
        db, catalog, n, gen_s = dataset(tmp, offices, start, end)
        if offices == 100:
            catalog_100.append(catalog)
        ours = worker("ours", db, catalog, start, end, repeat)
        pandas = worker("pandas", db, catalog, start, end, repeat)
        assert ours["totals"] == pandas["totals"], (ours["totals"], pandas["totals"])  # same figures
        xlsx = worker("xlsx", db, catalog, start, end, 1) if with_xlsx else None
        figures[label] = {"offices": offices, "rows": n, "factor": factor, "generate_s": gen_s, "ours": ours,
                          "pandas": pandas, "xlsx": xlsx, "db_mb": db.stat().st_size / 2**20}
        db.unlink()
    return table(figures), figures


def scaled_mb(m: dict, k: int) -> float:
    """Peak RSS, the part above the process's start scaled by ``k``."""
    return m["rss_before_mb"] + (m["peak_mb"] - m["rss_before_mb"]) * k


def table(figures: dict) -> str:
    lines = ["| data | rows (SQLite file) | ours: tally + build_report (best / median) | CPU | peak RSS | "
             "pandas: read_sql + pivot_table (best / median) | CPU | peak RSS | ours / pandas (CPU) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for label, f in figures.items():
        o, p, k = f["ours"], f["pandas"], f["factor"]
        est = " (est.)" if k != 1 else ""
        lines.append(
            f"| {label} | {f['rows'] * k:,}{est} ({f['db_mb']:.0f} MB) | {o['best_s'] * k:.2f} s / {o['median_s'] * k:.2f} s{est} "
            f"(tally {o['read_median_s'] * k:.2f} + report {o['build_median_s'] * k:.2f}) | {o['cpu_s'] * k:.2f} s | "
            f"{scaled_mb(o, k):.0f} MB{est} | {p['best_s'] * k:.2f} s / {p['median_s'] * k:.2f} s "
            f"(read {p['read_median_s'] * k:.2f} + pivot {p['build_median_s'] * k:.2f}) | {p['cpu_s'] * k:.2f} s | "
            f"{scaled_mb(p, k):.0f} MB{est} | {o['cpu_s'] / p['cpu_s']:.2f} |")
    lines += ["", "| data | XLSX rows | build_xlsx | file | RSS before | peak RSS | added by build_xlsx |",
              "|---|---|---|---|---|---|---|"]
    for label, f in figures.items():
        x = f["xlsx"]
        if x is None:
            continue
        lines.append(f"| {label} | {x['rows']:,} | {x['best_s']:.1f} s | {x['bytes'] / 2**20:.1f} MiB | "
                     f"{x['rss_before_mb']:.0f} MB | {x['peak_mb']:.0f} MB | "
                     f"{max(0.0, x['peak_mb'] - max(x['rss_before_mb'], x['peak_before_mb'])):.0f} MB |")
    return "\n".join(lines)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(run(Path(tmp), [])[0])

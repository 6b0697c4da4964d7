"""The XLSX download of a year for 100 offices, beside XlsxWriter's raw
speed and the raw-rows CSV download (issue 14: ≤ 2 s for the report sheets).

    python -m bench.xlsx_speed

One synthetic year of 100 offices (bench/synthetic.py, ~400k rows) on the
local store; each figure from a fresh process (bench/worker.py), best and
median of 3 runs:

- ``xlsx``: what /report.xlsx does — tally, report, the weekly totals of the
  „Tendințe” sheet (Store.weekly_totals), build_xlsx (Raport + Tendințe with
  100 native charts);
- ``csv``: what /report-rows.csv does — the rows read a month at a time and
  streamed as CSV (and when its first rows are ready);
- ``raw``: XlsxWriter alone writing the same rows as plain cells of one sheet
  (constant_memory): the floor of any XLSX that holds the raw rows.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from bench.report_scale import YEAR, dataset, worker


def run(tmp: Path) -> str:
    start, end = YEAR
    db, catalog, n, _ = dataset(tmp, 100, start, end)
    x = worker("xlsx", db, catalog, start, end, 3)
    c = worker("csv", db, catalog, start, end, 3)
    r = worker("raw", db, catalog, start, end, 3)
    return "\n".join([
        f"100 offices, one year ({n:,} rows), local store; best / median of 3 runs, each step in a fresh process.",
        "",
        "| what | best | median | CPU | file | peak RSS |",
        "|---|---|---|---|---|---|",
        f"| **/report.xlsx**: tally + report + weekly totals + build_xlsx (Raport, Tendințe: 100 charts) | "
        f"**{x['best_s']:.2f} s** | {x['median_s']:.2f} s (data {x['data_median_s']:.2f} + write "
        f"{x['write_median_s']:.2f}) | {x['cpu_s']:.2f} s | {x['bytes'] / 2**10:.0f} KiB | {x['peak_mb']:.0f} MB |",
        f"| /report-rows.csv: {n:,} rows read a month at a time, streamed (first rows after "
        f"{c['first_chunk_s']:.2f} s) | {c['best_s']:.2f} s | {c['median_s']:.2f} s | {c['cpu_s']:.2f} s | "
        f"{c['bytes'] / 2**20:.1f} MiB | {c['peak_mb']:.0f} MB |",
        f"| XlsxWriter raw: the same {r['rows']:,} rows as plain cells, one sheet, constant_memory | "
        f"{r['best_s']:.2f} s | {r['median_s']:.2f} s | {r['cpu_s']:.2f} s | {r['bytes'] / 2**20:.1f} MiB | "
        f"{r['peak_mb']:.0f} MB |",
    ])


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(run(Path(tmp)))

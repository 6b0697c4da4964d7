"""Reading only a period's rows of a worksheet: the plan, and its check.

A view of a period (a week's report, a day's form, the supervisors' table)
reads, for a worksheet with many rows, first its header row and its „Data”
column (request 1, ~15 bytes a row before gzip), then only the rows whose
date falls in the period (request 2, one range per run of such rows). Rows
need not be sorted (people sort by hand): runs are merged, and when there
are too many ranges the smallest gaps between runs are read too (the extra
rows are harmless: every view keeps its period's rows).

A person may sort, insert or delete rows between the two requests. The
second answer is therefore checked (``check``): every row that request 1
showed in the period must show the same date cell again, and no other row
read may be dated in the period. Then the ranges hold exactly the period's
rows (a sort keeps their number; an insert or a deletion above them shifts
a date in or out of a range). Otherwise the worksheet is read whole: a
wrong report is never shown.

A row whose date cell cannot be read is read too (its problem is shown in
every period, as a whole read shows it). A row with an empty date cell
but other cells typed is not seen by a period read (the whole read reports
it, „Rândul nu are dată”): request 1 reads the date column only.

No I/O here.
"""
from __future__ import annotations

import heapq
from datetime import date
from typing import Sequence

from .cells import parse_day, strip_cell

#: a worksheet with at most this many rows (grid rows) is read whole in request 1:
#: one request, and ~100 KiB, is cheaper than two
WHOLE_ROWS = 1500
#: at most this many row ranges in request 2 (all offices): its URL stays short
MAX_RANGES = 120


class DateReader:
    """A date cell -> (date or None, whether it is unreadable), memoised (a year has ~250 dates)."""

    def __init__(self, month_first: bool):
        self.month_first = month_first
        self._memo: dict[str, tuple[date | None, bool]] = {}

    def __call__(self, raw: object) -> tuple[date | None, bool]:
        key = raw if isinstance(raw, str) else ("" if raw is None else str(raw))
        hit = self._memo.get(key)
        if hit is None:
            if not strip_cell(key):
                hit = (None, False)
            else:
                try:
                    day, error = parse_day(key, self.month_first)
                except Exception:  # noqa: BLE001 - as layout._safely: an odd cell is a problem, not a failure
                    day, error = None, "?"
                hit = (day, day is None and error is not None)
            if len(self._memo) < 10_000:
                self._memo[key] = hit
        return hit


def wanted(raw: object, period: tuple[date, date], dates: DateReader) -> bool:
    """Whether a row whose date cell is ``raw`` is read for ``period``."""
    day, unreadable = dates(raw)
    return unreadable or (day is not None and period[0] <= day <= period[1])


def rows_in_period(column: Sequence[Sequence[object]], period: tuple[date, date], dates: DateReader) -> list[int]:
    """The 0-based sheet row indexes (the header is row 0) to read, from the
    values of the date column read from row 1 (ROWS major: one list per row)."""
    out = []
    seen: dict = {}  # date cell -> wanted (a year has ~250 distinct ones)
    for i, cells in enumerate(column):
        if i and cells:  # row 0: the header
            raw = cells[0]
            hit = seen.get(raw) if isinstance(raw, str) else None
            if hit is None:
                hit = wanted(raw, period, dates)
                if isinstance(raw, str) and len(seen) < 10_000:
                    seen[raw] = hit
            if hit:
                out.append(i)
    return out


def runs(indexes: Sequence[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 6), (9, 10)] (end exclusive)."""
    out: list[tuple[int, int]] = []
    for i in sorted(set(indexes)):
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


def capped(per_office: dict[str, list[tuple[int, int]]], limit: int = MAX_RANGES) -> dict[str, list[tuple[int, int]]]:
    """The runs of every office, the smallest gaps (all offices together) closed
    until there are at most ``limit`` ranges (at least one per office with rows)."""
    total = sum(len(r) for r in per_office.values())
    if total <= limit:
        return {o: list(r) for o, r in per_office.items()}
    gaps = [(r[k + 1][0] - r[k][1], o, k) for o, r in per_office.items() for k in range(len(r) - 1)]
    closing = {(o, k) for _, o, k in heapq.nsmallest(total - limit, gaps)}
    out: dict[str, list[tuple[int, int]]] = {}
    for o, rs in per_office.items():
        merged: list[tuple[int, int]] = []
        for k, (a, b) in enumerate(rs):
            if merged and (o, k - 1) in closing:
                merged[-1] = (merged[-1][0], b)
            else:
                merged.append((a, b))
        out[o] = merged
    return out


def check(expected: Sequence[int], ranges: Sequence[tuple[int, int]], answers: Sequence[Sequence[Sequence[object]]],
          day_col: int, first_dates: dict[int, object], period: tuple[date, date], dates: DateReader
          ) -> dict[int, list] | None:
    """The rows read in request 2 by sheet index, or None when they are not
    exactly the period's rows request 1 saw (a person moved rows in between).

    ``first_dates``: sheet index -> the date cell request 1 read."""
    by_index: dict[int, list] = {}
    for (a, b), values in zip(ranges, answers):
        if len(values) > b - a:
            return None
        for j, cells in enumerate(values):
            by_index[a + j] = list(cells) if isinstance(cells, (list, tuple)) else []
    want = set(expected)
    for index in want:
        cells = by_index.get(index, [])
        raw = cells[day_col] if day_col < len(cells) else ""
        if strip_cell(raw) != strip_cell(first_dates.get(index)):
            return None
    for index, cells in by_index.items():
        if index not in want:
            raw = cells[day_col] if day_col < len(cells) else ""
            if wanted(raw, period, dates):
                return None
    return by_index

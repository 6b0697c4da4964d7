"""A closed week, protected in the spreadsheet itself.

Closing a week (``Store.protect_week``) queues a ``protect`` op; the sender
reads the office's worksheet, finds the rows of that week and covers each
run of them with a protected range that only the app's service account may
edit (Google makes the account that adds a range its editor), described
„Săptămână închisă 2026-W48 (…)”. A person's edit of those cells is then
refused by Google itself; reopening deletes the week's ranges. Sorting the
whole sheet is refused too while it holds protected rows: sort inside a
filter view, which changes nothing for others.

The write is checked: the worksheet is read again and every row of the week
must lie in a range of the week and every such range only on rows of the
week; a person who sorted or inserted rows in between gets the ranges
planned again (up to three times), never guessed.
"""
from __future__ import annotations

from datetime import date

from .client import Failure

PREFIX = "Săptămână închisă"
TRIES = 3


def week_label(start: date) -> str:
    iso = start.isocalendar()
    return f"{PREFIX} {iso.year}-W{iso.week:02d}"


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """[3, 4, 5, 9] -> [(3, 6), (9, 10)] (end exclusive)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _week_rows(sender, office: str, info, start: date, end: date) -> list[int]:
    info, parsed = sender._read_for_write(office, info)
    return [r.index for r in parsed.rows if r.row is not None and start <= r.row.day <= end]


def protect_week(sender, office: str, op, attempt) -> None:
    start, end = op.day, date.fromisoformat(op.changes["end"])
    closed = bool(op.changes["closed"])
    label = week_label(start)
    info = sender.directory.sheet(office, create=True)
    for attempt_number in range(TRIES + 1):
        rows = _week_rows(sender, office, info, start, end) if closed else []
        mine = [p for p in sender.client.protected_ranges(info.sheet_id)
                if str(p.get("description", "")).startswith(label)]
        wanted = _runs(rows)
        if sorted((p["range"].get("startRowIndex", 0), p["range"].get("endRowIndex", 0)) for p in mine) == wanted:
            return  # as it should be: nothing to do, or the write verified
        if attempt_number == TRIES:
            break
        requests_ = [{"deleteProtectedRange": {"protectedRangeId": p["protectedRangeId"]}} for p in mine]
        requests_ += [{"addProtectedRange": {"protectedRange": {
            "range": {"sheetId": info.sheet_id, "startRowIndex": a, "endRowIndex": b},
            "description": f"{label} ({op.by}): se poate modifica doar din aplicație",
            "warningOnly": False}}} for a, b in wanted]
        attempt.stage = "write"
        sender.client.batch_update(requests_)
        sender.reads.invalidate(office)
    raise Failure(f"Rândurile săptămânii s-au mutat în foaie de {TRIES} ori în timpul protejării; "
                  "se reîncearcă.", ambiguous=True)


__all__ = ["protect_week", "week_label"]

"""Entry rows in a long layout, and their tally: the app's central values.

One row = one (date, office, activity, part, clerk) with its counts. ``part``
is the channel of a breakdown activity (e.g. "telefonice") and "" otherwise;
a breakdown part's number sits in the activity's one counter column. A daily
activity done that day is a row with ``lucrari == 1``.

Pure: imports nothing of the app (the store, the forms and the report model
import these).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import AbstractSet, Iterable, Mapping

_NS = uuid.UUID("6f1c1d52-7f55-4d35-9d0b-3a4f1b0c9e21")


def row_id_for(office: str, day: date, activity: str, part: str, clerk: str) -> str:
    """The stable id of a row: the same cell of the same day's form always
    maps to the same id, which makes a re-submitted day an upsert and lets the
    Google outbox detect rows that already arrived (idempotency key)."""
    key = "|".join((office, day.isoformat(), activity, part, clerk.lower()))
    return uuid.uuid5(_NS, key).hex[:16]


@dataclass(frozen=True)
class Row:
    office: str
    day: date
    activity: str
    clerk: str
    lucrari: int | None = None
    documente: int | None = None
    part: str = ""
    note: str = ""
    entered_at: str = ""  # ISO timestamp of the clerk's save
    changed_by: str = ""  # last supervisor who corrected it
    changed_at: str = ""
    row_id: str = ""

    def __post_init__(self):
        if not self.row_id:
            object.__setattr__(
                self, "row_id", row_id_for(self.office, self.day, self.activity, self.part, self.clerk)
            )

    def with_changes(self, **changes) -> "Row":
        return replace(self, **changes)

    @property
    def values(self) -> tuple:
        """What a clerk typed: compared to tell whether a save changed a row."""
        return (self.lucrari, self.documente, self.note)


@dataclass(frozen=True)
class Problem:
    """A cell a person typed that cannot be read as data; left out of reports."""

    office: str
    worksheet: str
    cell: str  # A1 notation, e.g. "F12"
    value: str
    message: str  # Romanian, for the supervisors' "Probleme în date" page
    url: str = ""


@dataclass
class Tally:
    """What a report needs from the rows, however many there are.

    ``sums``: (office, activity, part) -> (Nr. lucrări, Nr. documente, rows);
    ``done_days``: (office, activity) -> days a daily activity was done;
    ``clerks``: (office, day) -> who entered rows that day. ``tally_rows``
    computes it from rows; a store may compute the same in its database
    (``Store.tally``), which is how a year of a hundred offices is
    reported without making an object per row (reports/model.py renders
    either)."""

    sums: dict[tuple[str, str, str], tuple[int, int, int]]
    done_days: dict[tuple[str, str], set[date]]
    clerks: dict[tuple[str, date], AbstractSet[str]]  # a set, or one frozenset shared by many days


def weekly_totals_of(rows: Iterable[Row], start: date, end: date,
                     counted: Mapping[tuple[str, str, str], tuple[int, ...]]
                     ) -> dict[tuple[str, date], tuple[int, ...]]:
    """(office, Monday of the ISO week) -> per counter column (``lucrari``,
    ``documente``) the sum of ``rows`` dated ``start``..``end`` whose (office,
    activity, part) is a key of ``counted``, each counter taken where
    ``counted[key]`` has 1 for it (0: left out). Weeks of an office without
    such rows are left out. What the XLSX „Tendințe” sheet charts
    (``reports.trends.counted_keys``); ``Store.weekly_totals`` computes the
    same in the store."""
    out: dict[tuple[str, date], list[int]] = {}
    for r in rows:
        weights = counted.get((r.office, r.activity, r.part))
        if weights is None or not start <= r.day <= end:
            continue
        key = (r.office, r.day - timedelta(days=r.day.weekday()))
        acc = out.get(key)
        if acc is None:
            acc = out[key] = [0, 0]
        acc[0] += (r.lucrari or 0) * weights[0]
        acc[1] += (r.documente or 0) * weights[1]
    return {k: tuple(v) for k, v in out.items()}


def tally_rows(rows: Iterable[Row], start: date, end: date, offices: Iterable[str],
               daily: set[tuple[str, str]]) -> Tally:
    """The tally of ``rows`` of ``offices`` dated ``start``..``end``."""
    wanted = set(offices)
    sums: dict[tuple[str, str, str], list[int]] = {}
    done: dict[tuple[str, str], set[date]] = defaultdict(set)
    clerks: dict[tuple[str, date], set[str]] = defaultdict(set)
    for r in rows:
        if r.office not in wanted or not start <= r.day <= end:
            continue
        key = (r.office, r.activity, r.part)
        acc = sums.get(key)
        if acc is None:
            acc = sums[key] = [0, 0, 0]
        acc[0] += r.lucrari or 0
        acc[1] += r.documente or 0
        acc[2] += 1
        if r.clerk:
            clerks[(r.office, r.day)].add(r.clerk)
        if r.lucrari and not r.part and (r.office, r.activity) in daily:
            done[(r.office, r.activity)].add(r.day)
    return Tally({k: tuple(v) for k, v in sums.items()}, dict(done), dict(clerks))

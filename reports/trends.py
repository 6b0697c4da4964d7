"""Weekly figures of an office over several weeks: what the trends page
charts and tabulates, and what the XLSX „Tendințe” sheet draws. Pure: the
weekly tallies are given (one ``Tally`` per week, as the store sums them),
or for the XLSX the store's weekly totals (``counted_keys``, ``weekly_table``).

Per activity, one series per counter it uses: the week's total of plain
counts, the sum of a breakdown's parts, or, for a daily activity, the days
it was done. The office's total per week and counter adds plain counts and
breakdowns (daily yes/no activities are not quantities and stay out).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Mapping, Sequence

from domain.periods import Period, format_numeric
from domain.rows import Tally
from forms.catalog import COUNTERS, Office

_COLUMN = {c: i for i, c in enumerate(COUNTERS)}
MAX_WEEKS = 104
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class Series:
    activity_id: str
    work_type: str
    label: str  # "Studiere solicitare — Nr. lucrări" / "Monitorizare presă — zile"
    values: tuple[int, ...]  # one per week


@dataclass(frozen=True)
class Trends:
    office: Office
    weeks: tuple[Period, ...]
    series: tuple[Series, ...]
    totals: tuple[tuple[str, tuple[int, ...]], ...]  # (counter title, one per week)

    @property
    def labels(self) -> tuple[str, ...]:
        """Each week as its Monday, "23.11.2026"."""
        return tuple(format_numeric(w.start) for w in self.weeks)

    @property
    def short_labels(self) -> tuple[str, ...]:
        """"23.11" (the chart's axis)."""
        return tuple(w.start.strftime("%d.%m") for w in self.weeks)

    @property
    def title(self) -> str:
        first, last = self.weeks[0], self.weeks[-1]
        return f"{self.office.title}: ultimele {len(self.weeks)} săptămâni ({format_numeric(first.start)} – " \
               f"{format_numeric(last.start + timedelta(days=4))})"

    def by_work_type(self) -> list[tuple[str, list[Series]]]:
        out: list[tuple[str, list[Series]]] = []
        for s in self.series:
            if not out or out[-1][0] != s.work_type:
                out.append((s.work_type, []))
            out[-1][1].append(s)
        return out


def last_weeks(until: Period, n: int) -> list[Period]:
    """The ``n`` ISO weeks ending with ``until``, oldest first."""
    weeks = [until]
    while len(weeks) < n:
        weeks.append(weeks[-1].prev())
    return weeks[::-1]


def weeks_of(period: Period) -> list[Period]:
    """The period cut into its ISO weeks, the first and last clipped to it."""
    out, monday = [], period.start - timedelta(days=period.start.weekday())
    while monday <= period.end:
        out.append(Period(max(monday, period.start), min(monday + timedelta(days=6), period.end), "range"))
        monday += timedelta(days=7)
    return out


def _value(tally: Tally, office: Office, activity, counter: str) -> int:
    if activity.kind == "daily":
        return len(tally.done_days.get((office.slug, activity.id), ()))
    parts = [p.key for p in activity.parts] if activity.kind == "breakdown" else [""]
    return sum(tally.sums.get((office.slug, activity.id, part), (0, 0, 0))[_COLUMN[counter]] for part in parts)


def office_totals(office: Office, tally: Tally) -> tuple[int, ...]:
    """The office's total per counter in ``tally`` (plain counts and breakdowns)."""
    return tuple(
        sum(_value(tally, office, a, c) for a in office.activities if a.kind != "daily" and c in a.counters)
        for c in COUNTERS)


def counted_keys(offices: Iterable[Office]) -> dict[tuple[str, str, str], tuple[int, ...]]:
    """What ``office_totals`` adds up, as the ``counted`` of
    ``Store.weekly_totals``: (office, activity, part) of every plain count and
    breakdown part -> per counter 1 if the activity has it, else 0."""
    return {(office.slug, a.id, part): tuple(int(c in a.counters) for c in COUNTERS)
            for office in offices for a in office.activities if a.kind != "daily"
            for part in ([p.key for p in a.parts] if a.kind == "breakdown" else [""])}


def weekly_table(offices: Iterable[Office], period: Period,
                 totals: Mapping[tuple[str, date], tuple[int, ...]]
                 ) -> list[tuple[str, list[tuple[date, tuple[int, ...]]]]]:
    """The XLSX „Tendințe” sheet's figures: per office (title) each week of
    ``period`` (its first day in the period: the Monday, or the period's
    first day for a week it starts in) with its totals per counter, from
    ``Store.weekly_totals`` of ``counted_keys`` (weeks without rows: 0). The
    same figures as ``office_totals`` of each week's tally."""
    zero = (0,) * len(COUNTERS)
    weeks = [(w.start, w.start - timedelta(days=w.start.weekday())) for w in weeks_of(period)]
    return [(o.title, [(first, tuple(totals.get((o.slug, monday), zero))) for first, monday in weeks])
            for o in offices]


def build_trends(office: Office, weekly: Sequence[tuple[Period, Tally]]) -> Trends:
    series = []
    for wt in office.work_types:
        for a in wt.activities:
            counters = a.counters[:1] if a.kind == "daily" else a.counters
            for c in counters:
                name = "zile" if a.kind == "daily" else COUNTERS[c]
                series.append(Series(a.id, wt.title, f"{a.label} — {name}",
                                     tuple(_value(t, office, a, c) for _, t in weekly)))
    per_week = [office_totals(office, t) for _, t in weekly]
    totals = tuple((title, tuple(w[i] for w in per_week)) for i, title in enumerate(COUNTERS.values()))
    return Trends(office, tuple(p for p, _ in weekly), tuple(series), totals)

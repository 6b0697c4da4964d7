"""Entry rows that reproduce the reference document's week (test helper).

The figures come from demo/seed_week.yaml (the one copy of the document's
numbers); each figure is split over ``days`` and the rows alternate between
two clerks per office, the daily activity done on every one of ``days``.
"""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Sequence

import demo
from forms.catalog import Catalog
from domain.periods import TIMEZONE
from domain.rows import Row

SEED_CLERKS: dict[str, tuple[str, str]] = {
    "presa": ("Ana Popescu", "Mihai Ionescu"),
    "consiliere": ("Elena Dumitrescu", "Ștefan Rădulescu"),
}


def seed_rows(catalog: Catalog, days: Sequence[date]) -> list[Row]:
    rows: list[Row] = []
    n = len(days)
    for slug, figures in demo.seed_figures().items():
        office = catalog.office(slug)
        if office is None:
            continue
        for k, activity in enumerate(office.activities):
            spec = figures.get(activity.id)
            if spec is None:
                continue
            if spec == "daily":
                items = [("", {"lucrari": [1] * n})]
            elif activity.kind == "breakdown":
                (counter,) = activity.counters
                items = [(part, {counter: demo.split(v, n)}) for part, v in spec.items()]
            else:
                items = [("", {c: demo.split(v, n) for c, v in spec.items()})]
            for part, columns in items:
                for i, day in enumerate(days):
                    values = {c: v[i] for c, v in columns.items()}
                    if not any(values.values()):
                        continue
                    entered = datetime.combine(day, time(15, 30), TIMEZONE)
                    rows.append(Row(office=slug, day=day, activity=activity.id, clerk=SEED_CLERKS[slug][(i + k) % 2],
                                    part=part, entered_at=entered.isoformat(timespec="seconds"), **values))
    return rows

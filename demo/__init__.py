"""Demo data: the seed document's week, spread over days and clerks.

Used by ``flask --app app demo`` (and ``python app.py --demo``) so that the
first report a newcomer opens is the document, reproduced; the golden tests
enter the same figures through the real forms.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from forms.entry import field_name

SEED = Path(__file__).with_name("seed_week.yaml")


def seed_figures() -> dict:
    return yaml.safe_load(SEED.read_text(encoding="utf-8"))


def split(total: int, n: int) -> list[int]:
    """``total`` in ``n`` near-equal whole parts that add up exactly."""
    base, extra = divmod(total, n)
    return [base + (1 if i < extra else 0) for i in range(n)]


def day_forms(office, days: list[date], clerks: list[str], figures: dict) -> dict[tuple[date, str], dict]:
    """The form data each (day, clerk) enters so that the week sums to
    ``figures``: {(day, clerk): {field name: "value" | True}}."""
    slots = [(d, c) for d in days for c in clerks]
    forms: dict[tuple[date, str], dict] = {s: {} for s in slots}
    for act in office.activities:
        spec = figures.get(act.id)
        if spec is None:
            continue
        if spec == "daily":
            for d in days:
                forms[(d, clerks[0])][field_name(act.id, "done")] = "y"  # the checkbox's own value
            continue
        for key, total in spec.items():
            for slot, value in zip(slots, split(int(total), len(slots))):
                if value:
                    forms[slot][field_name(act.id, key)] = str(value)
    return forms

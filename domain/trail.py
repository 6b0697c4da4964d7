"""The audit trail's lines and a week's closing: pure values."""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date

#: What happened: a clerk's save changed a figure, a supervisor corrected or
#: deleted one, a week was closed or reopened, a person typed in the sheet, a
#: supervisor marked a clerk absent on a day (or cancelled it).
KINDS = {
    "save": "salvare",
    "correct": "corectare",
    "delete": "ștergere",
    "close": "închiderea săptămânii",
    "reopen": "redeschiderea săptămânii",
    "hand": "modificat direct în foaie",
    "dropped": "salvare nescrisă (conflict cu foaia)",
    "absent": "marcat absent",
    "present": "absență anulată",
}


def week_of(day: date) -> str:
    """``2026-W48``: the ISO week a day belongs to (weeks close as a whole)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


@dataclass(frozen=True)
class TrailLine:
    by: str
    office: str
    week: str
    kind: str
    day: str = ""  # ISO date of the figure, "" for a whole week
    clerk: str = ""  # whose figure
    activity: str = ""
    part: str = ""
    counter: str = ""  # "lucrari" | "documente" | "note"
    old: str = ""
    new: str = ""
    reason: str = ""
    cell: str = ""  # A1 of a hand edit in the worksheet


TRAIL_FIELDS = tuple(f.name for f in fields(TrailLine))


@dataclass(frozen=True)
class Closure:
    """Who closed a week, and when (ISO, UTC)."""

    by: str
    at: str


def text(value) -> str:
    return "" if value is None else str(value)


def save_lines(by: str, office: str, day: date, changes) -> list[TrailLine]:
    """The trail of a clerk's save: one line per figure it changed."""
    return [TrailLine(by, office, week_of(day), "save", day.isoformat(), by, c.activity, c.part, c.counter,
                      text(c.old), text(c.new)) for c in changes]


def row_lines(by: str, kind: str, before, after=None) -> list[TrailLine]:
    """The trail of a supervisor's correction (``after``) or deletion of a row."""
    lines = []
    for counter in ("lucrari", "documente", "note"):
        old = getattr(before, counter)
        new = getattr(after, counter) if after is not None else None
        if text(old) != text(new):
            lines.append(TrailLine(by, before.office, week_of(before.day), kind, before.day.isoformat(),
                                   before.clerk, before.activity, before.part, counter, text(old), text(new)))
    return lines

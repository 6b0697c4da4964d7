"""What a clerk's save does to the stored day: pure planning, shared by both
stores (each applies the plan in its own transaction or write).

A save carries, for every field the form shows, the value typed and the
value the form showed (its *base*). Against the rows the store holds now:

- a field typed as it is now: nothing to do;
- a field someone else changed since the form was shown (now ≠ shown) and
  typed otherwise: a **conflict**. One conflict and nothing of the day is
  saved; the clerk sees typed / current / who and when, and resubmits;
- otherwise the field takes the typed value (a change, for the audit trail).

Only the clerk's own rows of the fields the form shows are touched: notes,
counters an activity does not use, rows of activities no longer in the
catalog and rows a person added by hand (another id) are never removed by a
clerk's save. A row left with no figure and no note is deleted. A clerk's
deliberate change of a corrected figure (seen on the form) clears the
"corectat de" mark; the trail keeps who did what.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

from .rows import Row, row_id_for

COUNTERS = ("lucrari", "documente")

#: (activity id, breakdown part or "", counter)
FieldKey = tuple[str, str, str]


@dataclass(frozen=True)
class Entry:
    """One clerk's day as the form submits it."""

    office: str
    day: date
    clerk: str
    values: Mapping[FieldKey, int | None]
    #: what the form showed for the same fields; None: not checked (imports, demo)
    base: Mapping[FieldKey, int | None] | None = None

    @property
    def empty(self) -> bool:
        return all(v is None for v in self.values.values())


@dataclass(frozen=True)
class FieldConflict:
    activity: str
    part: str
    counter: str
    typed: int | None
    shown: int | None
    current: int | None
    by: str  # who set the current figure
    at: str  # when (ISO), may be ""


@dataclass(frozen=True)
class FieldChange:
    activity: str
    part: str
    counter: str
    old: int | None
    new: int | None


@dataclass
class SavePlan:
    upserts: list[Row] = field(default_factory=list)
    deletes: list[Row] = field(default_factory=list)
    changes: list[FieldChange] = field(default_factory=list)
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def writes(self) -> bool:
        return bool(self.upserts or self.deletes)


class SaveConflict(Exception):
    """Someone else changed figures of the day since the form was shown."""

    def __init__(self, conflicts: list[FieldConflict]):
        super().__init__(f"{len(conflicts)} conflicting figure(s)")
        self.conflicts = conflicts


def _who(row: Row) -> tuple[str, str]:
    if row.changed_by:
        return row.changed_by, row.changed_at
    return row.clerk, row.entered_at


def plan_save(entry: Entry, current: Iterable[Row], stamp: str) -> SavePlan:
    """The writes that make the stored day say what ``entry`` typed, or the
    conflicts that forbid it. ``current``: the office's rows of that day as
    the store holds them now (any clerk); ``stamp``: the save's time."""
    by_id = {r.row_id: r for r in current if r.office == entry.office and r.day == entry.day}
    groups: dict[tuple[str, str], dict[str, int | None]] = {}
    for (activity, part, counter), value in entry.values.items():
        groups.setdefault((activity, part), {})[counter] = value
    plan = SavePlan()
    for (activity, part), typed in groups.items():
        rid = row_id_for(entry.office, entry.day, activity, part, entry.clerk)
        old = by_id.get(rid)
        new_values = {}
        for counter, value in typed.items():
            now = getattr(old, counter) if old is not None else None
            if value == now:
                continue
            shown = now if entry.base is None else entry.base.get((activity, part, counter))
            if shown != now:
                by, at = _who(old) if old is not None else ("", "")
                plan.conflicts.append(FieldConflict(activity, part, counter, value, shown, now, by, at))
                continue
            new_values[counter] = value
            plan.changes.append(FieldChange(activity, part, counter, now, value))
        if not new_values or plan.conflicts:
            continue
        if old is None:
            row = Row(entry.office, entry.day, activity, entry.clerk, part=part, entered_at=stamp, row_id=rid,
                      **new_values)
        else:
            row = old.with_changes(entered_at=stamp, changed_by="", changed_at="", **new_values)
        if row.lucrari is None and row.documente is None and not row.note:
            if old is not None:
                plan.deletes.append(old)
        else:
            plan.upserts.append(row)
    if plan.conflicts:
        return SavePlan(conflicts=plan.conflicts)
    return plan


def conflict_message(conflicts: list[FieldConflict]) -> str:
    """Why a save queued earlier was not written: figures changed in the
    meantime (said on the Sincronizare page)."""
    items = "; ".join(f"{c.activity}{'/' + c.part if c.part else ''} {c.counter}: introdus {c.typed}, "
                      f"acum {c.current}" for c in conflicts)
    return ("Nu s-a scris nimic din această zi: între timp cifrele s-au schimbat în foaia de calcul "
            f"({items}). Funcționarul trebuie să deschidă ziua și să salveze din nou.")

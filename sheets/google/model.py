"""Operations of the outbox applied to rows: what the views show (the
sheet's rows plus the ops it has not confirmed yet) and what a write must
change (which sheet rows to update, delete, append). No I/O here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from domain.rows import Row
from domain.saving import conflict_message, plan_save

from .outbox import Op


@dataclass
class Entry:
    row: Row | None  # None: a row of the sheet that could not be read
    index: int | None = None  # position in the sheet (None: new, to append)
    has_problem: bool = False
    dirty: bool = False
    deleted: bool = False


class Model:
    """Rows keyed by id, with ops applied in order. Used for the views (sheet
    rows + ops not delivered yet) and to plan a write (which sheet rows to
    update, delete, append)."""

    def __init__(self):
        self.entries: dict[str, Entry] = {}
        self.order: list[str] = []
        self.extra_deletes: list[int] = []  # exact duplicates found in the sheet
        self.dropped: dict[int, str] = {}  # op id -> why it could not be applied

    @classmethod
    def from_rows(cls, rows: Iterable[Row]) -> "Model":
        m = cls()
        for row in rows:
            if row.row_id not in m.entries:
                m.entries[row.row_id] = Entry(row)
                m.order.append(row.row_id)
        return m

    @classmethod
    def from_sheet(cls, parsed) -> "Model":
        m = cls()
        for r in parsed.rows:
            if r.duplicate_of is not None:
                m.extra_deletes.append(r.index)
                continue
            key = r.row_id or f"#{r.index}"
            if key in m.entries:
                continue
            m.entries[key] = Entry(r.row, r.index, r.has_problem)
            m.order.append(key)
        return m

    def apply(self, op: Op) -> None:
        if op.kind == "day":
            self._day(op)
        elif op.kind == "entry":
            self._entry(op)
        elif op.kind == "update":
            entry = self.entries.get(op.row_id)
            if entry is None or entry.deleted or entry.row is None:
                self.dropped[op.id] = "Rândul nu mai există în foaia de calcul."
                return
            allowed = {k: v for k, v in op.changes.items() if k in ("lucrari", "documente", "note")}
            entry.row = entry.row.with_changes(**allowed, changed_by=op.by, changed_at=op.stamp)
            entry.dirty = True
        elif op.kind == "delete":
            entry = self.entries.get(op.row_id)
            if entry is not None and not entry.deleted:
                entry.deleted = True

    def _day(self, op: Op) -> None:
        new = {r.row_id: r for r in op.rows}
        clerk = op.clerk.lower()
        for key, entry in self.entries.items():
            if entry.deleted or key in new:
                continue
            if entry.row is not None and entry.row.day == op.day and entry.row.clerk.lower() == clerk:
                entry.deleted = True
        for row_id, row in new.items():
            entry = self.entries.get(row_id)
            if entry is not None and not entry.deleted and entry.row is not None and not entry.has_problem:
                old = entry.row
                if (old.day, old.activity, old.part, old.clerk, old.values) == (
                        row.day, row.activity, row.part, row.clerk, row.values):
                    continue  # unchanged: keeps its time stamps and corrections
            fresh = row.with_changes(entered_at=row.entered_at or op.stamp, changed_by="", changed_at="")
            if entry is None:
                self.entries[row_id] = Entry(fresh, dirty=True)
                self.order.append(row_id)
            else:
                entry.row, entry.deleted, entry.dirty, entry.has_problem = fresh, False, True, False

    def _entry(self, op: Op) -> None:
        """A clerk's save, planned against the rows as they are now (the
        sheet's, at write time): a figure changed since the form was shown
        drops the whole op, with the conflicts said in Romanian."""
        current = [e.row for e in self.entries.values() if not e.deleted and e.row is not None and e.row.day == op.day]
        plan = plan_save(op.entry, current, op.stamp)
        if plan.conflicts:
            self.dropped[op.id] = conflict_message(plan.conflicts)
            return
        for row in plan.deletes:
            self.entries[row.row_id].deleted = True
        for row in plan.upserts:
            entry = self.entries.get(row.row_id)
            if entry is None:
                self.entries[row.row_id] = Entry(row, dirty=True)
                self.order.append(row.row_id)
            else:
                entry.row, entry.deleted, entry.dirty, entry.has_problem = row, False, True, False

    def rows(self) -> list[Row]:
        return [e.row for k in self.order if not (e := self.entries[k]).deleted and e.row is not None]

    def plan(self) -> tuple[list[tuple[int, Row]], list[int], list[Row]]:
        """(updates [(sheet index, row)], deletes [sheet index, descending], appends [row])."""
        updates, deletes, appends = [], list(self.extra_deletes), []
        for key in self.order:
            e = self.entries[key]
            if e.index is None:
                if not e.deleted and e.row is not None:
                    appends.append(e.row)
            elif e.deleted:
                deletes.append(e.index)
            elif e.dirty:
                updates.append((e.index, e.row))
        return updates, sorted(set(deletes), reverse=True), appends

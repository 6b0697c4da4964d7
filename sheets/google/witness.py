"""Changes people type in the worksheets, noticed by the app.

The app remembers, per row id, the figures it last wrote or read. When a
read shows a row whose Nr. lucrări, Nr. documente produse or Observații
differ from that, someone changed them in the sheet: the change is kept (in
the outbox's database, in the instance folder) until the app records it in
its audit trail as „modificat direct în foaie”, with the cell (e.g. ``G14``).
A read sent before the app's own last write of a row is not compared (it
may show the figures from before that write). A row seen for the first time
is only remembered.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Iterable

from domain.rows import Row
from domain.trail import TrailLine, text, week_of

from ..sqlite import SQLiteFile
from .layout import column_letters

SCHEMA = """
CREATE TABLE IF NOT EXISTS seen (
    row_id    TEXT PRIMARY KEY,
    lucrari   TEXT NOT NULL,
    documente TEXT NOT NULL,
    note      TEXT NOT NULL,
    at        REAL NOT NULL,
    hand      TEXT NOT NULL DEFAULT ''  -- "G14 I14": cells last changed by a person (cleared when the app writes)
);
CREATE TABLE IF NOT EXISTS hand_edits (
    id       INTEGER PRIMARY KEY,
    office   TEXT NOT NULL,
    week     TEXT NOT NULL,
    day      TEXT NOT NULL,
    clerk    TEXT NOT NULL,
    activity TEXT NOT NULL,
    part     TEXT NOT NULL,
    counter  TEXT NOT NULL,
    old      TEXT NOT NULL,
    new      TEXT NOT NULL,
    cell     TEXT NOT NULL,
    kind     TEXT NOT NULL DEFAULT 'hand',
    by       TEXT NOT NULL DEFAULT '',
    reason   TEXT NOT NULL DEFAULT ''
);
"""
FIELDS = ("lucrari", "documente", "note")
BY = "(în foaie)"


class Witness:
    def __init__(self, path, clock):
        self.db = SQLiteFile(path, SCHEMA)
        self.clock = clock

    def wrote(self, rows: Iterable[Row], dropped=()) -> None:
        """The app wrote these rows (as they now stand in the sheet); the
        clerks' saves in ``dropped`` [(op, why)] were not written."""
        now = self.clock()
        with self.db.transaction() as con:
            con.executemany("INSERT OR REPLACE INTO seen (row_id, lucrari, documente, note, at) VALUES (?,?,?,?,?)",
                            [(r.row_id, text(r.lucrari), text(r.documente), r.note, now) for r in rows])
            for op, why in dropped:
                if op.kind == "entry":
                    con.execute("INSERT INTO hand_edits (office, week, day, clerk, activity, part, counter, old, new, "
                                "cell, kind, by, reason) VALUES (?,?,?,?,'','','','','','','dropped',?,?)",
                                (op.office, week_of(op.day), op.day.isoformat(), op.clerk, op.clerk, why))

    def hand_cells(self, row_id: str) -> str:
        """The cells of a row a person changed last ("" when the app wrote them last)."""
        with self.db.connect() as con:
            r = con.execute("SELECT hand FROM seen WHERE row_id=?", (row_id,)).fetchone()
        return r["hand"] if r else ""

    def conflict_by(self, conflict, row_id: str):
        """A conflict's author when the figure was last typed in the sheet by a person."""
        cells = self.hand_cells(row_id)
        if not cells:
            return conflict
        return replace(conflict, by=f"modificat direct în foaie ({cells})", at="")

    def read(self, parsed: dict, fetched_at: float) -> None:
        """Compare a read's worksheets with what the app last wrote or read."""
        with self.db.transaction() as con:
            for office, sheet in parsed.items():
                if sheet is None or sheet.header is None:
                    continue
                for srow in sheet.rows:
                    row = srow.row
                    if row is None or srow.duplicate_of is not None or not srow.row_id:
                        continue
                    values = (text(row.lucrari), text(row.documente), row.note)
                    before = con.execute("SELECT lucrari, documente, note, at FROM seen WHERE row_id=?",
                                         (row.row_id,)).fetchone()
                    if before is not None and before["at"] > fetched_at:
                        continue  # the app wrote it after this read was sent
                    cells = []
                    if before is not None:
                        for field, old, new in zip(FIELDS, tuple(before)[:3], values):
                            if old != new and field in sheet.header.positions:
                                cell = f"{column_letters(sheet.header.positions[field])}{srow.index + 1}"
                                cells.append(cell)
                                con.execute(
                                    "INSERT INTO hand_edits (office, week, day, clerk, activity, part, counter, old, "
                                    "new, cell) VALUES (?,?,?,?,?,?,?,?,?,?)",
                                    (office, week_of(row.day), row.day.isoformat(), row.clerk, row.activity,
                                     row.part, field, old, new, cell))
                        if tuple(before)[:3] == values:
                            continue
                    con.execute("INSERT OR REPLACE INTO seen (row_id, lucrari, documente, note, at, hand) "
                                "VALUES (?,?,?,?,?,?)", (row.row_id, *values, fetched_at, " ".join(cells)))

    def drain(self) -> list[TrailLine]:
        """The changes noticed since the last call, oldest first (then forgotten)."""
        with self.db.transaction() as con:
            records = con.execute("SELECT * FROM hand_edits ORDER BY id").fetchall()
            con.execute("DELETE FROM hand_edits WHERE id <= ?", (records[-1]["id"] if records else 0,))
        return [TrailLine(r["by"] or BY, r["office"], r["week"], r["kind"], r["day"], r["clerk"], r["activity"],
                          r["part"], r["counter"], r["old"], r["new"], reason=r["reason"], cell=r["cell"])
                for r in records]

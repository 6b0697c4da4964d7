"""The supervisors' table as a grid, like the report: the week's activities
as rows (one per counter, per breakdown part; a daily activity is one row of
checkboxes), the days per clerk as columns, every figure editable and saved
at once.

A save never overwrites what the supervisor did not see: the page carries
the figures it showed (``shown``), and a figure someone changed since, typed
otherwise, makes the whole save refused (409) with the typed values kept.
A refused value (not a number) is shown next to its cell, typed as it was.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from wtforms.validators import ValidationError

from domain.periods import format_day_short, working_days
from forms.catalog import COUNTERS
from forms.entry import parse_count

#: (activity, part, counter, day, clerk): one figure of the grid
CellKey = tuple[str, str, str, date, str]


@dataclass(frozen=True)
class GridRow:
    activity: str
    part: str
    counter: str
    label: str
    work_type: str
    daily: bool


@dataclass(frozen=True)
class GridColumn:
    day: date
    clerk: str

    @property
    def label(self) -> str:
        return f"{format_day_short(self.day)}, {self.clerk}"


@dataclass
class Grid:
    rows: list[GridRow]
    columns: list[GridColumn]
    values: dict[CellKey, int | None]  # what the store holds, shown
    typed: dict[CellKey, str] = field(default_factory=dict)  # re-shown after a refusal
    errors: dict[CellKey, str] = field(default_factory=dict)
    shown: dict[CellKey, int | None] | None = None  # what the page showed (default: values)

    def name(self, row: GridRow, col: GridColumn) -> str:
        return field_name((row.activity, row.part, row.counter, col.day, col.clerk))

    def key(self, row: GridRow, col: GridColumn) -> CellKey:
        return (row.activity, row.part, row.counter, col.day, col.clerk)

    def text(self, row: GridRow, col: GridColumn) -> str:
        key = self.key(row, col)
        if key in self.typed:
            return self.typed[key]
        value = self.values.get(key)
        return "" if value is None else str(value)

    def checked(self, row: GridRow, col: GridColumn) -> bool:
        key = self.key(row, col)
        if key in self.typed:
            return bool(self.typed[key])
        return bool(self.values.get(key))

    def error(self, row: GridRow, col: GridColumn) -> str:
        return self.errors.get(self.key(row, col), "")

    @property
    def shown_json(self) -> str:
        """Every cell of the page with the figure it shows: posted back, so
        the save knows what the supervisor saw."""
        shown = self.values if self.shown is None else self.shown
        return json.dumps({field_name(self.key(r, c)): shown.get(self.key(r, c))
                           for r in self.rows for c in self.columns}, separators=(",", ":"))


def field_name(key: CellKey) -> str:
    activity, part, counter, day, clerk = key
    return f"v|{activity}|{part}|{counter}|{day.isoformat()}|{clerk}"


def parse_name(name: str) -> CellKey | None:
    bits = name.split("|", 5)
    if len(bits) != 6 or bits[0] != "v":
        return None
    try:
        day = date.fromisoformat(bits[4])
    except ValueError:
        return None
    return bits[1], bits[2], bits[3], day, bits[5]


def grid_rows(office, activity_filter: str = "") -> list[GridRow]:
    out = []
    for wt in office.work_types:
        for a in wt.activities:
            if activity_filter and a.id != activity_filter:
                continue
            if a.kind == "daily":
                out.append(GridRow(a.id, "", "lucrari", f"{a.label} (zilnic)", wt.title, True))
            elif a.kind == "breakdown":
                (counter,) = a.counters
                out += [GridRow(a.id, p.key, counter, f"{a.label} — {p.label}", wt.title, False) for p in a.parts]
            else:
                out += [GridRow(a.id, "", c, f"{a.label} — {COUNTERS[c]}", wt.title, False) for c in a.counters]
    return out


def build_grid(office, period, rows, members, clerk_filter: str = "", activity_filter: str = "") -> Grid:
    """The grid of ``rows`` (the office's rows of the week): a column per
    working day (and any other day with rows) and clerk (members and anyone
    with rows), a row per activity counter/part."""
    days = sorted(set(working_days(period.start, period.end)) | {r.day for r in rows})
    clerks = sorted({*members, *(r.clerk for r in rows)}, key=lambda c: (c.casefold(), c))
    if clerk_filter:
        clerks = [c for c in clerks if c.casefold() == clerk_filter.casefold()]
    columns = [GridColumn(d, c) for d in days for c in clerks]
    values: dict[CellKey, int | None] = {}
    for r in rows:
        for counter in COUNTERS:
            value = getattr(r, counter)
            if value is not None:
                values[(r.activity, r.part, counter, r.day, r.clerk)] = value
    return Grid(grid_rows(office, activity_filter), columns, values)


@dataclass
class GridChange:
    key: CellKey
    old: int | None
    new: int | None


def read_post(form, grid: Grid) -> tuple[dict[CellKey, int | None], dict[CellKey, str], dict[CellKey, str],
                                          dict[CellKey, int | None]]:
    """(typed values, typed texts, errors, shown values) of the posted grid,
    for the cells the page showed (its ``shown`` field)."""
    try:
        raw_shown = json.loads(form.get("shown") or "{}")
        assert isinstance(raw_shown, dict)
    except (ValueError, AssertionError):
        raw_shown = {}
    daily = {(r.activity, r.part, r.counter) for r in grid.rows if r.daily}
    shown, typed, texts, errors = {}, {}, {}, {}
    for name, value in raw_shown.items():
        key = parse_name(name)
        if key is None or not (value is None or (isinstance(value, int) and not isinstance(value, bool))):
            continue
        shown[key] = value
        if key[:3] in daily:
            texts[key] = "1" if form.get(name) else ""
            typed[key] = 1 if form.get(name) else None
            continue
        text = form.get(name, "")
        texts[key] = text
        try:
            typed[key] = parse_count(text)
        except ValidationError as exc:
            errors[key] = str(exc)
    return typed, texts, errors, shown

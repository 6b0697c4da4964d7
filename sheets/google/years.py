"""One spreadsheet per year: the yearly rollover, as a layer around ``GoogleStore``.

A Google spreadsheet holds at most 10 million cells (every cell of every
worksheet's grid); ~200 office-years fill one. So each year may have its
own spreadsheet:

* ``YearMap``: year -> spreadsheet id, kept in the instance folder
  (``spreadsheets.sqlite3``), shared by every worker; a year without its own
  spreadsheet uses ``GOOGLE_SPREADSHEET_ID`` (the default).
* ``YearlyStore``: the Store Protocol over one ``GoogleStore`` per distinct
  spreadsheet (opened on first use). A row goes to the spreadsheet of its
  **day's** year (31 December corrected on 2 January goes to the old one); a
  read of a period spanning New Year reads each spreadsheet once and merges;
  a row's id (domain/rows.py, a hash) does not tell its year, so a correction
  looks for the row in this year's spreadsheet, then last year's, then the
  others (each read is the cached one the pages already use).
* Each spreadsheet has its own outbox file (the default one keeps
  ``outbox.sqlite3``; another ``outbox-<id>.sqlite3``), so an operation is
  delivered to the spreadsheet chosen when it was saved, exactly once.
* ``YearlyQueue``: the *Sincronizare* page's and ``flask sheets``'s view of
  all those outboxes together; an operation's id there is
  ``tag * OP_STRIDE + id`` (tag 0: the default spreadsheet, else the first
  year mapped to it).

While every year in use maps to one spreadsheet, ``YearlyStore`` hands
each call to that spreadsheet's store unchanged.
"""
from __future__ import annotations

import re
import threading
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Callable, Iterable, Sequence

from domain.rows import Row, tally_rows, weekly_totals_of
from domain.saving import Entry

from ..base import ReadResult, RowNotFound
from ..sqlite import SQLiteFile

GOOGLE_CELL_LIMIT = 10_000_000  # cells per spreadsheet, counting every worksheet's whole grid
CELLS_WARN_FRACTION = 0.8
NEXT_YEAR_WARN_FROM = (11, 1)  # month, day: 60 days before 31 December
OP_STRIDE = 10 ** 9
MIN_YEAR, MAX_YEAR = 2000, 2100

SCHEMA = """
CREATE TABLE IF NOT EXISTS years (
    year           INTEGER PRIMARY KEY,
    spreadsheet_id TEXT NOT NULL,
    set_by         TEXT NOT NULL DEFAULT '',
    set_at         TEXT NOT NULL DEFAULT ''
);
"""

_ID = re.compile(r"[A-Za-z0-9_-]{10,200}")
_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


def spreadsheet_id_from(text) -> str | None:
    """The spreadsheet id in ``text`` (an id, or the spreadsheet's URL
    https://docs.google.com/spreadsheets/d/<id>/edit…), or None if it holds none."""
    text = str(text or "").strip()
    m = _URL.search(text)
    if m:
        text = m.group(1)
    return text if _ID.fullmatch(text) else None


class YearMap:
    """Year -> spreadsheet id, in the instance folder: every worker reads it
    again after ``MAP_TTL`` seconds (a page makes several routing decisions)."""

    MAP_TTL = 2.0

    def __init__(self, path: str | Path, default_id: str):
        self.db = SQLiteFile(path, SCHEMA)
        self.default_id = default_id
        self._cached: tuple[float, dict[int, str]] | None = None

    def explicit(self) -> dict[int, str]:
        """The years given a spreadsheet of their own."""
        cached = self._cached
        if cached is not None and time.monotonic() - cached[0] < self.MAP_TTL:  # a length of time, not a date
            return dict(cached[1])
        with self.db.connect() as con:
            found = {r["year"]: r["spreadsheet_id"] for r in con.execute("SELECT year, spreadsheet_id FROM years")}
        self._cached = (time.monotonic(), found)
        return dict(found)

    def entries(self) -> list[dict]:
        with self.db.connect() as con:
            return [dict(r) for r in con.execute("SELECT * FROM years ORDER BY year")]

    def spreadsheet_for(self, year: int, explicit: dict[int, str] | None = None) -> str:
        return (self.explicit() if explicit is None else explicit).get(year, self.default_id)

    def set(self, year: int, spreadsheet_id: str, by: str, at: str) -> None:
        with self.db.transaction() as con:
            con.execute("INSERT INTO years (year, spreadsheet_id, set_by, set_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(year) DO UPDATE SET spreadsheet_id=excluded.spreadsheet_id, "
                        "set_by=excluded.set_by, set_at=excluded.set_at", (year, spreadsheet_id, by, at))
        self._cached = None


def check_year_setting(year, text, this_year: int) -> tuple[int, str]:
    """(year, spreadsheet id) as the admin typed them, or ValueError with a
    Romanian message. A past year is refused: its rows are already in the
    spreadsheet it had, and reports would stop reading them."""
    try:
        year = int(str(year).strip())
    except (TypeError, ValueError):
        raise ValueError(f"Anul „{year}” nu este un an (de exemplu {this_year + 1}).") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"Anul {year} nu este între {MIN_YEAR} și {MAX_YEAR}.")
    if year < this_year:
        raise ValueError(f"Anul {year} a trecut: rândurile lui sunt deja în foaia de calcul pe care o avea; "
                         "foaia unui an trecut nu se mai schimbă.")
    sid = spreadsheet_id_from(text)
    if sid is None:
        raise ValueError(f"„{str(text or '').strip()}” nu este adresa sau identificatorul unei foi de calcul Google "
                         "(de forma https://docs.google.com/spreadsheets/d/<identificator>/edit; identificatorul "
                         "are cel puțin 10 litere, cifre, „-” sau „_”).")
    return year, sid


def current_year_caveat(year: int, this_year: int, previous_id: str) -> str:
    """What setting the current year's spreadsheet means for the rows already saved ("" otherwise)."""
    if year != this_year:
        return ""
    return (f" Atenție: rândurile anului {year} salvate până acum rămân în foaia {previous_id} și nu mai apar "
            "în rapoarte; copiați-le în foaia nouă dacă e nevoie.")


def _year_span(year: int, start: date, end: date) -> tuple[date, date]:
    return max(start, date(year, 1, 1)), min(end, date(year, 12, 31))


class YearlyStore:
    """The Store Protocol over one GoogleStore per year's spreadsheet (module docstring)."""

    is_async = True
    _own = frozenset({"years", "default_id", "today", "_make", "_stores", "_lock", "default"})

    def __init__(self, years: YearMap, make_store: Callable[[str, bool], object], today: Callable[[], date]):
        """``make_store(spreadsheet_id, is_default)``: a GoogleStore (no network call)."""
        object.__setattr__(self, "years", years)
        object.__setattr__(self, "default_id", years.default_id)
        object.__setattr__(self, "today", today)
        object.__setattr__(self, "_make", make_store)
        object.__setattr__(self, "_stores", {})
        object.__setattr__(self, "_lock", threading.Lock())
        object.__setattr__(self, "default", self.store(years.default_id))

    # The default spreadsheet's store answers whatever this layer does not
    # (its tuning, its parts), as GoogleStore did before there were years.
    def __getattr__(self, name):
        return getattr(self.default, name)

    def __setattr__(self, name, value):
        if name in self._own:
            object.__setattr__(self, name, value)
        else:
            setattr(self.default, name, value)

    # -- which spreadsheet ----------------------------------------------------

    def store(self, spreadsheet_id: str):
        with self._lock:
            s = self._stores.get(spreadsheet_id)
            if s is None:
                s = self._stores[spreadsheet_id] = self._make(spreadsheet_id, spreadsheet_id == self.default_id)
            return s

    def for_year(self, year: int):
        return self.store(self.years.spreadsheet_for(year))

    def for_day(self, day: date):
        return self.for_year(day.year)

    def spreadsheet_ids(self) -> list[str]:
        """The default spreadsheet, then each year's own, once each."""
        return list(dict.fromkeys([self.default_id, *(sid for _, sid in sorted(self.years.explicit().items()))]))

    def all_stores(self) -> list:
        return [self.store(sid) for sid in self.spreadsheet_ids()]

    def _parts(self, start: date, end: date) -> list[tuple[str, date, date]]:
        """(spreadsheet id, start, end) covering ``start``..``end``: one per
        spreadsheet involved (the default one's part is the whole period;
        its rows of years that have their own spreadsheet are left out)."""
        explicit = self.years.explicit()
        inside = {y: sid for y, sid in explicit.items() if start.year <= y <= end.year}
        parts: dict[str, tuple[date, date]] = {}
        for y, sid in sorted(inside.items()):
            s, e = _year_span(y, start, end)
            parts[sid] = (min(parts[sid][0], s), max(parts[sid][1], e)) if sid in parts else (s, e)
        if len(inside) < end.year - start.year + 1:  # some year uses the default spreadsheet
            parts[self.default_id] = (start, end)
        return [(sid, s, e) for sid, (s, e) in parts.items()]

    def _single(self, parts):
        """The one store of ``parts`` (the default one for an empty period)."""
        return self.store(parts[0][0] if parts else self.default_id)

    # -- Store protocol ---------------------------------------------------------

    def _wake(self) -> None:
        """Every spreadsheet's sender runs once the app is used, not only those of
        the years being read: a save of last year's still pending after a restart
        is delivered even if nobody opens last year's pages."""
        for s in self.all_stores():
            s.sender.ensure_running()

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        self.for_day(day).save_day(office, day, clerk, rows)
        self._wake()

    def save_entry(self, entry: Entry):
        changes = self.for_day(entry.day).save_entry(entry)
        self._wake()
        return changes

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        offices = list(offices)
        self._wake()
        parts = self._parts(start, end)
        if len(parts) <= 1:
            return self._single(parts).read(offices, start, end, fresh=fresh)
        explicit = self.years.explicit()
        merged = ReadResult()
        read_at = []
        for sid, s, e in parts:
            result = self.store(sid).read(offices, s, e, fresh=fresh)
            merged.rows += [r for r in result.rows if explicit.get(r.day.year, self.default_id) == sid]
            merged.problems += result.problems
            merged.stale = merged.stale or result.stale
            merged.pending += result.pending
            if result.read_at is not None:
                read_at.append(result.read_at)
        merged.rows.sort(key=lambda r: (r.day, r.office))
        merged.read_at = min(read_at) if read_at else None  # the oldest figures shown
        return merged

    def tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]], *,
              fresh: bool = False):
        offices = list(offices)
        parts = self._parts(start, end)
        if len(parts) <= 1:
            return self._single(parts).tally(offices, start, end, daily, fresh=fresh)
        result = self.read(offices, start, end, fresh=fresh)
        return tally_rows(result.rows, start, end, offices, daily), replace(result, rows=[])

    def weekly_totals(self, offices: Iterable[str], start: date, end: date, counted):
        offices = list(offices)
        parts = self._parts(start, end)
        if len(parts) <= 1:
            return self._single(parts).weekly_totals(offices, start, end, counted)
        return weekly_totals_of(self.read(offices, start, end).rows, start, end, counted)

    def _holder(self, office: str, row_id: str):
        """The store whose spreadsheet holds the row, and the row: this year's
        first, then last year's, then the others."""
        this = self.today().year
        order = list(dict.fromkeys([self.years.spreadsheet_for(this), self.years.spreadsheet_for(this - 1),
                                    *self.spreadsheet_ids()]))
        for sid in order:  # first what the pages already read (no request), in that order
            store = self.store(sid)
            row = store.cached_row(office, row_id)
            if row is not None:
                return store, row
        for sid in order:
            store = self.store(sid)
            try:
                return store, store.row(office, row_id)
            except RowNotFound:
                continue
        raise RowNotFound(row_id)

    def row(self, office: str, row_id: str) -> Row:
        return self._holder(office, row_id)[1]

    def update_row(self, office: str, row_id: str, changes: dict, by: str):
        return self._holder(office, row_id)[0].update_row(office, row_id, changes, by)

    def delete_row(self, office: str, row_id: str, by: str) -> Row:
        return self._holder(office, row_id)[0].delete_row(office, row_id, by)

    def protect_week(self, office: str, start: date, end: date, closed: bool, by: str) -> None:
        """A week spanning New Year is protected in each year's spreadsheet."""
        spans: list[list] = []  # [spreadsheet id, start, end], consecutive years of one spreadsheet joined
        for y in range(start.year, end.year + 1):
            sid = self.years.spreadsheet_for(y)
            s, e = _year_span(y, start, end)
            if spans and spans[-1][0] == sid:
                spans[-1][2] = e
            else:
                spans.append([sid, s, e])
        for sid, s, e in spans:
            self.store(sid).protect_week(office, s, e, closed, by)

    def hand_edits(self):
        with self._lock:
            stores = list(self._stores.values())
        return [line for s in stores for line in s.hand_edits()]

    def worksheet_url(self, slug: str) -> str | None:
        """This year's worksheet of the office (no network call)."""
        return self.for_year(self.today().year).worksheet_url(slug)

    def pending_count(self, offices: Iterable[str] | None = None) -> int:
        offices = None if offices is None else list(offices)
        return sum(s.pending_count(offices) for s in self.all_stores())

    @property
    def sync_queue(self):
        stores = self.all_stores()
        return stores[0] if len(stores) == 1 else YearlyQueue(self)

    def close(self) -> None:
        with self._lock:
            stores = list(self._stores.values())
        for s in stores:
            s.close()

    # -- the rollover's health ----------------------------------------------------

    def cells(self) -> list[dict]:
        """Per spreadsheet opened here: its years and the cells of its grids
        as the metadata last read says (None before any read; no network call)."""
        explicit = self.years.explicit()
        out = []
        with self._lock:
            stores = dict(self._stores)
        for sid, store in stores.items():
            meta = getattr(store.directory, "_meta", None)
            cells = sum(s.rows * s.cols for s in meta.sheets.values()) if meta is not None else None
            out.append({"spreadsheet_id": sid, "years": sorted(y for y, i in explicit.items() if i == sid),
                        "default": sid == self.default_id, "cells": cells})
        return out

    def warnings(self, today: date) -> list[str]:
        """What the admin's home page says: next year without its own spreadsheet
        (from 1 November), a spreadsheet past 80 % of Google's 10 million cells."""
        out = []
        nxt = today.year + 1
        if today >= date(today.year, *NEXT_YEAR_WARN_FROM) and nxt not in self.years.explicit():
            out.append(f"Anul {nxt} nu are încă o foaie de calcul proprie: de la 1 ianuarie rândurile ar ajunge tot "
                       f"în foaia implicită, care se poate umple (Google permite 10.000.000 de celule într-o foaie). "
                       f"Creați foaia anului {nxt}, partajați-o cu contul de serviciu și adăugați-o pe pagina "
                       "„Foi de calcul pe ani”.")
        for c in self.cells():
            if c["cells"] is not None and c["cells"] > CELLS_WARN_FRACTION * GOOGLE_CELL_LIMIT:
                years = ", ".join(map(str, c["years"])) or "anii fără foaie proprie"
                pct = c["cells"] * 100 / GOOGLE_CELL_LIMIT
                out.append(f"Foaia de calcul {c['spreadsheet_id']} ({years}) folosește {pct:.0f}% din cele "
                           f"10.000.000 de celule permise de Google ({c['cells']:,} celule).".replace(",", ".")
                           + " Dați anului următor o foaie proprie.")
        return out


class YearlyQueue:
    """The outboxes of every spreadsheet as one SyncQueue (module docstring)."""

    def __init__(self, yearly: YearlyStore):
        self.yearly = yearly
        explicit = yearly.years.explicit()
        self.tagged: list[tuple[int, object]] = []
        for sid in yearly.spreadsheet_ids():
            tag = 0 if sid == yearly.default_id else min(y for y, i in explicit.items() if i == sid)
            self.tagged.append((tag, yearly.store(sid)))
        this = yearly.for_year(yearly.today().year)
        self.spreadsheet_id = this.spreadsheet_id
        self.max_attempts = this.max_attempts

    def _decode(self, op_id: int):
        tag, inner = divmod(int(op_id), OP_STRIDE)
        store = next((s for t, s in self.tagged if t == tag), None)
        return store, inner

    def ops(self, statuses: Sequence[str] = ("pending", "failed")) -> list:
        out = [replace(op, id=tag * OP_STRIDE + op.id) for tag, s in self.tagged for op in s.ops(statuses=statuses)]
        return sorted(out, key=lambda op: op.created_at)

    def op(self, op_id: int):
        store, inner = self._decode(op_id)
        op = store.op(inner) if store is not None else None
        return replace(op, id=int(op_id)) if op is not None else None

    def counts(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for _, s in self.tagged:
            for k, v in s.counts().items():
                total[k] = total.get(k, 0) + v
        return total

    def retry(self, op_id: int) -> bool:
        store, inner = self._decode(op_id)
        return store is not None and store.retry(inner)

    def deliver_now(self, office: str, wait: float | None = None) -> bool:
        """Each spreadsheet with operations of ``office`` waiting (not failed) delivers them now."""
        due = [s for _, s in self.tagged if s.outbox.counts([office])["pending"]]
        return all([s.deliver_now(office, wait) for s in due])

    def sync(self, max_seconds: float | None = 60.0) -> dict:
        total = {"delivered": 0, "pending": 0, "failed": 0}
        for _, s in self.tagged:
            for k, v in s.sync(max_seconds).items():
                total[k] = total.get(k, 0) + v
        return total

    def lease_holder(self):
        return self.yearly.default.lease_holder()

    def status(self) -> dict:
        """This year's spreadsheet's worksheets (as ``worksheet_url``); every outbox's counts."""
        s = dict(self.yearly.for_year(self.yearly.today().year).status())
        s["spreadsheet_id"] = ", ".join(st.spreadsheet_id for _, st in self.tagged)
        s["counts"] = self.counts()
        dues = [d for _, st in self.tagged if (d := st.status()["next_due"]) is not None]
        s["next_due"] = min(dues) if dues else None
        return s

    def init(self) -> list[str]:
        return [f"{s.spreadsheet_id}: {line}" for _, s in self.tagged for line in s.init()]

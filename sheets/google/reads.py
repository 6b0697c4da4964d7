"""The Google store's reads: cached, shared, within a budget.

One ``values:batchGet`` for all the offices asked for, parsed by
``sheets.google.layout``, cached per set of offices for ``SHEETS_CACHE_TTL``
seconds. Once a worksheet's header is known only its columns up to the last
one the app reads are asked for (``A:L``); a read whose header does not hold
them all reads that worksheet whole again.

A page's read runs in a background thread, one per set of offices at a time
(single flight: concurrent pages wait on the read in flight, a
``concurrent.futures.Future``, instead of sending their own). A page waits
for it at most ``SHEETS_READ_BUDGET`` seconds (counted from the read's start)
when an earlier read of those offices exists, and is then shown that read
with ``stale=True`` while the read goes on and refreshes the cache when it
ends; with no earlier read it waits at most ``SHEETS_FIRST_READ_BUDGET``
seconds, then ``StoreError`` (a 503 page). When Google answers with an error
the last good read is served likewise.

A read is of whole worksheets or of a period (``period=(first, last)``):
a period read of a big worksheet reads its „Data” column, then only the
period's rows (``period.py``). The cache and the reads in flight are keyed
by (offices, period); a read of more offices or of a wider period serves a
narrower one. Every period read is also written, once the pages waiting for
it have it, to the instance folder's shared cache (``shared.py``): a worker
with nothing read yet shows another worker's read, stale, when Google fails.

``Reads`` owns the cache and the reads in flight, and the lock guarding them.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from concurrent.futures import wait as wait_for
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from typing import NamedTuple, Sequence

from ..base import ReadResult, StoreError
from .client import Failure, SheetsClient
from .directory import Directory, Meta, SheetInfo
from .layout import HeaderMap, ParsedSheet, column_letters, quote_title
from .model import Model
from .outbox import OPEN, Op
from .period import WHOLE_ROWS, DateReader, capped, check, rows_in_period, runs
from .shared import SharedReads
from .tuning import Tuning

log = logging.getLogger("sheets.google")

UNREACHABLE = "Foaia de calcul Google nu răspunde acum."
# A "fresh" read (?refresh=1) within this many seconds of the newest read of
# the same worksheets is served from that read: a page reloaded in a loop must
# not spend the spreadsheet's quota (60 reads a minute for the whole city hall).
FRESH_MIN_AGE = 5.0
#: sets of offices whose last read is kept (the report, each office, the data pages...)
CACHE_ENTRIES = 32


@dataclass(frozen=True)
class Snapshot:
    parsed: dict  # office -> ParsedSheet | None (no worksheet)
    read_at: datetime
    fetched_at: float  # clock() when the read was sent
    stale: bool = False
    #: (first, last day) when only the rows of that period were read (``period.py``); None: whole worksheets
    period: tuple | None = None


def covers(held: tuple | None, wanted: tuple | None) -> bool:
    """Whether a read of period ``held`` holds every row of period ``wanted`` (None: whole worksheets)."""
    if held is None:
        return True
    return wanted is not None and held[0] <= wanted[0] and wanted[1] <= held[1]


class Key(NamedTuple):
    offices: frozenset
    period: tuple | None

    def holds(self, offices, period) -> bool:
        return set(offices) <= self.offices and covers(self.period, period)


class CacheEntry(NamedTuple):
    snap: Snapshot
    valid: bool  # False once a delivery changed one of its worksheets


@dataclass(frozen=True)
class _Flight:
    """One page read of a set of offices, running in a background thread."""

    key: Key
    started: float  # time.monotonic(): budgets are wall-clock time, whatever the store's clock
    future: Future  # -> Snapshot


class Reads:
    def __init__(self, client: SheetsClient, directory: Directory, tuning: Tuning, on_read=None,
                 shared: SharedReads | None = None):
        self.client = client
        self.shared = shared  # every worker's last good reads (shared.py)
        self.on_read = on_read  # on_read(parsed worksheets, fetched_at): what people changed (witness.py)
        self.directory = directory
        self.tuning = tuning
        self._lock = threading.Lock()  # guards the cache and the flights
        self._cache: OrderedDict[Key, CacheEntry] = OrderedDict()
        self._flights: dict[Key, _Flight] = {}  # page reads in progress
        self._heights: dict[str, tuple[int, int]] = {}  # office -> (sheetId, rows seen in its date column)
        self._flights_pid = os.getpid()

    def cached(self, offices: Sequence[str], *, valid_only: bool, period: tuple | None = None) -> Snapshot | None:
        """The newest read holding these offices (valid and within the TTL, if
        ``valid_only``) and every row of ``period`` (None: whole worksheets)."""
        now = self.tuning.clock()
        best = None
        with self._lock:
            for key, (snap, valid) in self._cache.items():
                if not key.holds(offices, period):
                    continue
                if valid_only and (not valid or now - snap.fetched_at >= self.tuning.cache_ttl):
                    continue
                if best is None or snap.fetched_at > best.fetched_at:
                    best = snap
        return best

    def valid(self, offices: Sequence[str]) -> list[Snapshot]:
        """Every valid read within the TTL holding these offices, of any period, newest first."""
        now = self.tuning.clock()
        with self._lock:
            snaps = [snap for key, (snap, valid) in self._cache.items() if valid and set(offices) <= key.offices
                     and now - snap.fetched_at < self.tuning.cache_ttl]
        return sorted(snaps, key=lambda s: s.fetched_at, reverse=True)

    def invalidate(self, office: str) -> None:
        with self._lock:
            for key, entry in self._cache.items():
                if office in key.offices:
                    self._cache[key] = entry._replace(valid=False)

    def snapshot(self, offices: Sequence[str], fresh: bool, force: bool = False,
                 period: tuple | None = None) -> Snapshot:
        """A page's read: the cache, else the read in flight (or a new one),
        waited for within the budget, else the last good read marked stale.
        ``force``: a fresh read even within FRESH_MIN_AGE (a save's check of
        the sheet, not a page reloaded in a loop). ``period``: (first, last
        day): only that period's rows are needed (None: whole worksheets)."""
        if fresh and not force:
            newest = self.cached(offices, valid_only=False, period=period)
            fresh = newest is None or self.tuning.clock() - newest.fetched_at >= FRESH_MIN_AGE
        if not fresh:
            snap = self.cached(offices, valid_only=True, period=period)
            if snap is not None:
                return snap
        old = self.cached(offices, valid_only=False, period=period)
        if old is None and self.shared is not None:
            old = self.shared.last(offices, period)  # another worker's read: shown if Google fails us
        budget = self.tuning.read_budget if old is not None else self.tuning.first_read_budget
        flight = self._flight(offices, period)
        wait_for([flight.future], timeout=max(0.0, flight.started + budget - time.monotonic()))
        if flight.future.done():
            error = flight.future.exception()
            if error is None:
                return flight.future.result()
            if not isinstance(error, Failure):
                raise error  # a bug: as if the read had run in this thread
            failure: Failure | None = error
            message = error.message
        else:
            failure, message = None, f"Google nu a răspuns în {budget:g} s."
        old = self.cached(offices, valid_only=False, period=period) or old
        if old is None:
            raise StoreError(f"{UNREACHABLE} ({message})") from failure
        log.warning("Google read failed or slow, serving the read of %s: %s", old.read_at, message)
        return replace(old, stale=True)

    def _flight(self, offices: Sequence[str], period: tuple | None = None) -> _Flight:
        """The read in flight of these offices (or of more) and period (or a wider one), else a new one."""
        wanted = Key(frozenset(offices), period)
        with self._lock:
            if os.getpid() != self._flights_pid:  # forked: the parent's threads are not here
                self._flights, self._flights_pid = {}, os.getpid()
            for key, flight in self._flights.items():
                if key.holds(offices, period):
                    return flight
            flight = self._flights[wanted] = _Flight(wanted, time.monotonic(), Future())
        threading.Thread(target=self._fly, args=(flight, list(offices)), name="sheets-read", daemon=True).start()
        return flight

    def _fly(self, flight: _Flight, offices: list[str]) -> None:
        snap, error = None, None
        try:
            snap = self._keep(flight.key, self._fetch(offices, flight.key.period))
        except BaseException as exc:  # handed to the pages waiting for it
            error = exc
        finally:
            with self._lock:
                if self._flights.get(flight.key) is flight:
                    del self._flights[flight.key]
            if error is None:
                flight.future.set_result(snap)
            else:
                flight.future.set_exception(error)
        if snap is not None and self.shared is not None and flight.key.period is not None:
            self.shared.keep(flight.key.offices, flight.key.period, snap)  # after the pages got it


    def _keep(self, key: Key, snap: Snapshot) -> Snapshot:
        with self._lock:
            self._cache[key] = CacheEntry(snap, True)
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return snap

    def _fetch(self, offices: Sequence[str], period: tuple | None = None) -> Snapshot:
        for attempt in (0, 1):
            meta = self.directory.metadata(refresh=attempt == 1)
            sheets = {o: self.directory.resolve(o, meta) for o in offices}
            if attempt == 0 and any(i is None for i in sheets.values()) and \
                    self.tuning.clock() - meta.fetched_at >= self.tuning.cache_ttl:
                continue  # a worksheet may have been created since: look again
            found = [(o, i) for o, i in sheets.items() if i is not None]
            fetched_at = self.tuning.clock()
            try:
                if period is None:
                    windows = [self.directory.window(o, i) for o, i in found]
                    ranges = self.client.batch_get([quote_title(i.title) + w for (_, i), w in zip(found, windows)])
                    parsed = self._parse(offices, found, windows, ranges, meta)
                else:
                    parsed = self._fetch_period(offices, found, meta, period)
            except Failure as exc:
                if exc.status == 400 and attempt == 0:
                    # a worksheet was renamed or deleted, or lost columns: look again, read whole
                    self.directory.forget_headers(office for office, _ in found)
                    continue
                raise
            if self.on_read is not None:
                self.on_read(parsed, fetched_at)
            return Snapshot(parsed, datetime.fromtimestamp(fetched_at, timezone.utc), fetched_at, period=period)
        raise AssertionError("unreachable")

    def _height(self, office: str, info: SheetInfo) -> int:
        """The worksheet's rows as last seen (its grid, or its date column in the last read)."""
        with self._lock:
            seen = self._heights.get(office)
        return max(info.rows, seen[1] if seen and seen[0] == info.sheet_id else 0)

    def _fetch_period(self, offices: Sequence[str], found: list[tuple[str, SheetInfo]], meta: Meta,
                      period: tuple) -> dict[str, ParsedSheet | None]:
        """The rows of ``period`` (``period.py``): small worksheets read whole and the
        big ones' header and „Data” column in request 1; the big ones' rows of the
        period in request 2; a worksheet whose rows moved in between, or whose
        columns are not where they were thought, read whole (request 3)."""
        small = [(o, i) for o, i in found if self._height(o, i) <= WHOLE_ROWS]
        big = [(o, i) for o, i in found if self._height(o, i) > WHOLE_ROWS]
        windows = [self.directory.window(o, i) for o, i in small]
        guessed = {o: self.directory.column_of(o, i, "day") for o, i in big}
        asked = [quote_title(i.title) + w for (_, i), w in zip(small, windows)]
        for o, i in big:
            letter = column_letters(guessed[o])
            asked += [quote_title(i.title) + "!1:1", f"{quote_title(i.title)}!{letter}2:{letter}"]
        answers = self.client.batch_get(asked)
        parsed: dict[str, ParsedSheet | None] = {o: None for o in offices}
        parsed.update(self._parse([o for o, _ in small], small, windows, answers[:len(small)], meta))
        dates = DateReader(meta.locale == "en_US")
        plans, whole = {}, []
        for k, (o, i) in enumerate(big):
            header_vr, column_vr = answers[len(small) + 2 * k: len(small) + 2 * k + 2]
            header_cells = (header_vr.get("values") or [[]])[0]
            header = HeaderMap.from_row(header_cells)
            if header.missing() or header.positions["day"] != guessed[o]:
                whole.append((o, i))  # columns moved or missing: read whole (and the header is known next time)
                continue
            column = [[]] + list(column_vr.get("values", []))  # index = sheet row (row 0: the header)
            with self._lock:
                self._heights[o] = (i.sheet_id, len(column))
            indexes = rows_in_period(column, period, dates)
            plans[o] = _Plan(i, header_cells, header, indexes, {n: column[n][0] for n in indexes}, len(column))
        ranges = capped({o: runs(p.indexes) for o, p in plans.items()})
        asked = []
        for o, p in plans.items():
            last = column_letters(max(p.header.positions.values()))
            asked += [f"{quote_title(p.info.title)}!A{a + 1}:{last}{b}" for a, b in ranges[o]]
        asked += [quote_title(i.title) for _, i in whole]
        answers = self.client.batch_get(asked) if asked else []
        at, moved = 0, []
        for o, p in plans.items():
            got = [vr.get("values", []) for vr in answers[at:at + len(ranges[o])]]
            at += len(ranges[o])
            by_index = check(p.indexes, ranges[o], got, p.header.positions["day"], p.first, period, dates)
            if by_index is None:
                log.info("rows of %s moved between the two reads of %s..%s: read whole", o, *period)
                moved.append((o, p.info))
                continue
            parsed[o] = self.directory.parse(o, p.info, [p.header_cells], meta, some=by_index, height=p.height)
        for (o, i), vr in zip(whole, answers[at:]):
            parsed[o] = self.directory.parse(o, i, vr.get("values", []), meta)
        if moved:
            for (o, i), vr in zip(moved, self.client.batch_get([quote_title(i.title) for _, i in moved])):
                parsed[o] = self.directory.parse(o, i, vr.get("values", []), meta)
        return parsed

    def _parse(self, offices: Sequence[str], found: list[tuple[str, SheetInfo]], windows: list[str],
               ranges: list[dict], meta: Meta) -> dict[str, ParsedSheet | None]:
        """The worksheets read; those whose columns moved past their window are read again, whole."""
        parsed: dict[str, ParsedSheet | None] = {o: None for o in offices}
        whole = []
        for (office, info), window, vr in zip(found, windows, ranges):
            values = vr.get("values", [])
            if window and HeaderMap.from_row(values[0] if values else []).missing():
                whole.append((office, info))  # our columns moved past the window: read it whole
                continue
            parsed[office] = self.directory.parse(office, info, values, meta, window=bool(window))
        if whole:
            for (office, info), vr in zip(whole, self.client.batch_get([quote_title(i.title) for _, i in whole])):
                parsed[office] = self.directory.parse(office, info, vr.get("values", []), meta)
        return parsed


class _Plan(NamedTuple):
    """A big worksheet's period read, planned from request 1."""

    info: SheetInfo
    header_cells: list
    header: HeaderMap
    indexes: list  # sheet rows (0-based) whose date falls in the period
    first: dict  # sheet row -> its date cell in request 1
    height: int


def week_of_sheet(parsed: ParsedSheet | None, office: str, start: date, end: date) -> ParsedSheet:
    """The rows and problems of ``start``..``end`` of a worksheet read (kept for a closed week)."""
    if parsed is None:
        return ParsedSheet(office, "", None, None)
    rows = [r for r in parsed.rows if r.row is not None and r.duplicate_of is None and start <= r.row.day <= end]
    problems = [(d, p) for d, p in parsed.problems if d is not None and start <= d <= end]
    return ParsedSheet(parsed.office, parsed.title, parsed.sheet_id, parsed.header, rows, problems)


def from_weeks(kept: dict, offices: Sequence[str], period: tuple) -> Snapshot:
    """A read made of closed weeks kept (``SharedReads.closed_weeks``): office -> [(ParsedSheet, read_at)]."""
    parsed, times = {}, []
    for office in offices:
        weeks = kept.get(office, [])
        first = weeks[0][0] if weeks else ParsedSheet(office, "", None, None)
        parsed[office] = ParsedSheet(office, first.title, first.sheet_id, first.header,
                                     [r for sheet, _ in weeks for r in sheet.rows],
                                     [p for sheet, _ in weeks for p in sheet.problems])
        times += [at for _, at in weeks]
    read_at = min(times)
    return Snapshot(parsed, read_at, read_at.timestamp(), period=period)


def view(snap: Snapshot, ops: list[Op], offices: Sequence[str], start: date, end: date) -> ReadResult:
    """The rows of ``offices`` dated ``start``..``end``: the read with ``ops`` applied.

    ``ops``: those the snapshot may not hold: not delivered yet, or delivered
    (by this process or another one) after the read was sent. An op is
    recorded as delivered only after Google answered, so one recorded before
    the read was sent is in it. Re-applying an op that is in it is harmless."""
    rank = {o: i for i, o in enumerate(offices)}
    rows, problems = [], []
    for office in offices:
        parsed = snap.parsed.get(office)
        model = Model.from_rows(parsed.readable if parsed else [])
        for op in ops:
            if op.office == office:
                model.apply(op)
        rows += [(r, i) for i, r in enumerate(model.rows())]
        if parsed:
            problems += [p for d, p in parsed.problems if d is None or start <= d <= end]
    rows = [r for r, _ in sorted(
        ((r, i) for r, i in rows if start <= r.day <= end),
        key=lambda x: (x[0].day, rank.get(x[0].office, 0), x[0].clerk.lower(), x[1]))]
    pending = sum(1 for op in ops if op.status in OPEN)
    return ReadResult(rows=rows, problems=problems, read_at=snap.read_at, stale=snap.stale, pending=pending)

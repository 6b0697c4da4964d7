"""The Google Sheets backend: one worksheet per office, a durable outbox, one sender.

Requests go through ``sheets.google.client`` (the only module that imports
gspread).

Reads: one ``values:batchGet`` for all the offices asked for (FORMATTED_VALUE,
what people see; compact JSON, ``prettyPrint=false``), parsed by
``sheets.google.layout`` (columns by header name, Romanian numbers, problems instead
of crashes), cached per set of offices for ``SHEETS_CACHE_TTL`` seconds. Once
a worksheet's header is known, only its columns up to the last one the app
reads are asked for (``A:L`` when a supervisor added columns after ours); a
read whose header does not hold them all reads that worksheet whole again.

Pages never wait on Google for long. A page's read runs in a background
thread, one per set of offices at a time (single flight: concurrent pages
wait on the read in flight instead of sending their own). A page waits for
it at most ``SHEETS_READ_BUDGET`` seconds (counted from the read's start)
when an earlier read of those offices exists, and is then shown that read
with ``stale=True`` (the "date din …" banner) while the read goes on and
refreshes the cache when it ends; with no earlier read it waits at most
``SHEETS_FIRST_READ_BUDGET`` seconds, then ``StoreError`` (a 503 page). When
Google answers with an error the last good read is served likewise. A
supervisor's correction is delivered at once, in the background: the page
waits for it at most ``SHEETS_READ_BUDGET`` seconds, then says it is kept in
the outbox. The sender's requests keep the plain ``SHEETS_TIMEOUT``, whoever
waits for them. Views always include the
ops the sheet has not confirmed yet (``sheets.google.outbox``), so a clerk sees
their figures at once.

Writes: ``save_day`` only commits an op to the outbox (``is_async``); one
sender per host (a lease in the outbox database) delivers, per office and
flush, either ONE ``values.append`` (RAW, INSERT_ROWS) when every op is a day
never attempted before, or a read of the worksheet plus ONE ``batchUpdate``
(updateCells / deleteDimension / appendCells, literal values only) that
finds rows by their ID. Failures back off exponentially (Google's
algorithm) up to ``SHEETS_MAX_ATTEMPTS``; after an ambiguous failure
(timeout, dropped connection, 5xx) the next attempt reads before writing, so
a row is never written twice.
"""
from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Sequence

import requests

from domain.clock import iso_at
from settings import default

from domain.rows import Row, Tally, tally_rows

from ..base import ReadResult, RowNotFound, StoreError
from .client import Failure, SheetsClient
from .http import DEFAULT_TIMEOUT
from .layout import (
    HEADER,
    KEYS,
    HeaderMap,
    ParsedSheet,
    cell_url,
    cell_values,
    column_letters,
    column_runs,
    extended_value,
    normalise,
    parse_sheet,
    quote_title,
    row_values,
)
from .outbox import OPEN, Model, Op, Outbox, backoff_delay, lease_holder_id

log = logging.getLogger("sheets.google")

NEW_SHEET_ROWS = 2  # the header (frozen) and one empty row; appends insert rows
UNREACHABLE = "Foaia de calcul Google nu răspunde acum."


# A "fresh" read (?refresh=1) within this many seconds of the newest read of
# the same worksheets is served from that read: a page reloaded in a loop must
# not spend the spreadsheet's quota (60 reads a minute for the whole city hall).
FRESH_MIN_AGE = 5.0
#: sets of offices whose last read is kept (the report, each office, the data pages...)
CACHE_ENTRIES = 32


@dataclass
class _SheetInfo:
    sheet_id: int
    title: str
    rows: int
    cols: int
    frozen: int


@dataclass
class _Meta:
    locale: str
    sheets: dict  # sheetId -> _SheetInfo
    fetched_at: float

    def by_title(self, title: str) -> _SheetInfo | None:
        wanted = normalise(title)
        return next((s for s in self.sheets.values() if normalise(s.title) == wanted), None)


@dataclass
class _Snapshot:
    parsed: dict  # office -> ParsedSheet | None (no worksheet)
    read_at: datetime
    fetched_at: float  # clock() when the read was sent
    stale: bool = False


class _Flight:
    """One page read of a set of offices, running in a background thread."""

    def __init__(self, offices: frozenset):
        self.offices = offices
        self.started = time.monotonic()  # budgets are wall-clock time, whatever the store's clock
        self.done = threading.Event()
        self.snap: _Snapshot | None = None
        self.error: BaseException | None = None


class GoogleStore:
    """Rows in a Google Spreadsheet (see the module docstring)."""

    is_async = True

    def __init__(self, spreadsheet_id: str, session: requests.Session, catalog, outbox_path: str | Path, *,
                 cache_ttl: float = default("SHEETS_CACHE_TTL"),
                 sync_interval: float = default("SHEETS_SYNC_INTERVAL"), timeout=DEFAULT_TIMEOUT,
                 backoff_max: float = default("SHEETS_BACKOFF_MAX"), backoff_unit: float = 1.0,
                 max_attempts: int = default("SHEETS_MAX_ATTEMPTS"),
                 read_budget: float = default("SHEETS_READ_BUDGET"),
                 first_read_budget: float = default("SHEETS_FIRST_READ_BUDGET"),
                 lease_seconds: float = 300, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rand: Callable[[], float] = random.random,
                 emulator: str | None = None):
        self.spreadsheet_id = spreadsheet_id
        self.catalog = catalog
        self.cache_ttl = float(cache_ttl)
        self.sync_interval = float(sync_interval)
        self.timeout = timeout
        self.backoff_max = float(backoff_max)
        self.backoff_unit = float(backoff_unit)
        self.max_attempts = int(max_attempts)
        self.read_budget = float(read_budget)
        self.first_read_budget = float(first_read_budget)
        self.lease_seconds = float(lease_seconds)
        self.clock, self.sleep, self.rand = clock, sleep, rand
        self.emulator = emulator
        self.session = session
        self.client = SheetsClient(spreadsheet_id, session, timeout)
        self.http = self.client.http
        self.outbox = Outbox(outbox_path, clock)
        self._lock = threading.RLock()  # metadata, caches
        self._flush_lock = threading.Lock()  # one flush at a time in this process
        self._created_here: set[int] = set()  # worksheets this process created and has not written yet
        self._meta: _Meta | None = None
        self._remembered = self.outbox.sheet_ids()  # office -> (sheetId, title)
        self._headers: dict[str, tuple[int, HeaderMap, float]] = {}  # office -> (sheetId, header, when)
        self._cache: OrderedDict = OrderedDict()  # frozenset(offices) -> [_Snapshot, valid]
        self._flights: dict[frozenset, _Flight] = {}  # page reads in progress
        self._flights_pid = os.getpid()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid = os.getpid()
        self._holder = lease_holder_id()
        self._pruned_at = 0.0

    # -- helpers ------------------------------------------------------------

    @property
    def in_flight_seconds(self) -> float:
        """How long a request may still be applied after we gave up on it."""
        t = self.timeout
        return float(sum(t)) if isinstance(t, (tuple, list)) else 2.0 * float(t)

    def _title(self, office: str) -> str:
        o = self.catalog.office(office)
        return o.title if o is not None else office

    def _label(self, row: Row) -> str:
        office = self.catalog.office(row.office)
        act = office.activity(row.activity) if office else None
        if act is None:
            return ""
        part = next((p for p in act.parts if p.key == row.part), None)
        return f"{act.label} — {part.label}" if part else act.label

    # -- metadata -------------------------------------------------------------

    def _metadata(self, refresh: bool = False) -> _Meta:
        with self._lock:
            meta = self._meta
        if meta is not None and not refresh:
            return meta
        data = self.client.metadata()
        sheets = {}
        for s in data.get("sheets", []):
            p = s.get("properties", {})
            gp = p.get("gridProperties", {})
            sid = int(p.get("sheetId", 0))
            sheets[sid] = _SheetInfo(sid, p.get("title", ""), gp.get("rowCount", 0), gp.get("columnCount", 0),
                                     gp.get("frozenRowCount", 0))
        meta = _Meta(data.get("properties", {}).get("locale", ""), sheets, self.clock())
        with self._lock:
            self._meta = meta
        return meta

    def _forget_metadata(self) -> None:
        with self._lock:
            self._meta = None
            self._headers.clear()

    def _resolve(self, office: str, meta: _Meta) -> _SheetInfo | None:
        """The office's worksheet: the remembered sheetId (survives renames),
        else a worksheet titled like the office."""
        known = self._remembered.get(office)
        if known and known[0] in meta.sheets:
            info = meta.sheets[known[0]]
        else:
            info = meta.by_title(self._title(office))
            if info is None:
                return None
        if self._remembered.get(office) != (info.sheet_id, info.title):
            self.outbox.remember_sheet(office, info.sheet_id, info.title)
            self._remembered[office] = (info.sheet_id, info.title)
        return info

    def _sheet(self, office: str, *, create: bool) -> _SheetInfo | None:
        with self._lock:
            cached = self._meta is not None
        meta = self._metadata()
        info = self._resolve(office, meta)
        if info is not None or not create:
            return info
        if cached:  # made by another process since we looked? look again before creating
            info = self._resolve(office, self._metadata(refresh=True))
            if info is not None:
                return info
        created = self._create([office])
        with self._lock:
            self._created_here.update(i.sheet_id for i in created)  # empty: the first write may append
        return self._resolve(office, self._metadata())

    def _create(self, offices: Sequence[str]) -> list[_SheetInfo]:
        """Add the offices' worksheets (bold frozen header, small grid) in ONE batchUpdate."""
        meta = self._metadata()
        used = set(meta.sheets)
        requests_, created = [], []
        for office in offices:
            sid = random.randrange(1, 2**31 - 1)
            while sid in used:
                sid = random.randrange(1, 2**31 - 1)
            used.add(sid)
            info = _SheetInfo(sid, self._title(office), NEW_SHEET_ROWS, len(HEADER), 1)
            requests_.append({"addSheet": {"properties": {
                "sheetId": sid, "title": info.title,
                "gridProperties": {"rowCount": info.rows, "columnCount": info.cols, "frozenRowCount": 1}}}})
            requests_.append(_header_cells(sid, 0, list(HEADER)))
            created.append((office, info))
        if not requests_:
            return []
        self.client.batch_update(requests_)
        with self._lock:
            if self._meta is not None:
                for office, info in created:
                    self._meta.sheets[info.sheet_id] = info
            for office, info in created:
                self._headers[office] = (info.sheet_id, HeaderMap.standard(), self.clock())
        for office, info in created:
            self.outbox.remember_sheet(office, info.sheet_id, info.title)
            self._remembered[office] = (info.sheet_id, info.title)
        return [info for _, info in created]

    @property
    def header_max_age(self) -> float:
        """How long column positions seen in a read are trusted for a blind append."""
        return max(60.0, 2 * self.cache_ttl)

    def _header(self, office: str, info: _SheetInfo) -> HeaderMap:
        """Column positions (from the last read if recent; else 1 read of row 1),
        completed with any of our columns a person removed."""
        with self._lock:
            cached = self._headers.get(office)
        if cached is not None and cached[0] == info.sheet_id and self.clock() - cached[2] < self.header_max_age:
            header = cached[1]
        else:
            data = self._values_get(office, info, "!1:1")
            header = HeaderMap.from_row((data.get("values") or [[]])[0])
            with self._lock:
                self._headers[office] = (info.sheet_id, header, self.clock())
        if header.missing():
            header = self._repair_header(office, info, header)
        return header

    def _repair_header(self, office: str, info: _SheetInfo, header: HeaderMap) -> HeaderMap:
        """Write our missing header names after the last header cell (1 write)."""
        missing = header.missing()
        start = header.width
        names = [dict(zip(KEYS, HEADER))[k] for k in missing]
        requests_ = []
        if start + len(names) > info.cols:
            requests_.append({"appendDimension": {"sheetId": info.sheet_id, "dimension": "COLUMNS",
                                                  "length": start + len(names) - info.cols}})
        requests_.append(_header_cells(info.sheet_id, start, names))
        if not info.frozen:
            requests_.append({"updateSheetProperties": {
                "properties": {"sheetId": info.sheet_id, "gridProperties": {"frozenRowCount": 1}},
                "fields": "gridProperties.frozenRowCount"}})
        self.client.batch_update(requests_)
        info.cols = max(info.cols, start + len(names))
        info.frozen = max(info.frozen, 1)
        positions = dict(header.positions)
        positions.update({k: start + i for i, k in enumerate(missing)})
        header = HeaderMap(positions, start + len(names))
        with self._lock:
            self._headers[office] = (info.sheet_id, header, self.clock())
        return header

    def _values_get(self, office: str, info: _SheetInfo, cells: str = "") -> dict:
        return self.client.values_get(quote_title(info.title) + cells)

    def _parse(self, office: str, info: _SheetInfo, values, meta: _Meta, window: bool = False) -> ParsedSheet:
        parsed = parse_sheet(values, office=office, title=info.title, sheet_id=info.sheet_id,
                             spreadsheet_id=self.spreadsheet_id, month_first=meta.locale == "en_US")
        header = parsed.header
        if header is not None and header.positions:
            with self._lock:
                known = self._headers.get(office)
                if window and known is not None and known[0] == info.sheet_id:
                    # a window shows the header up to our last column; cells after it are still there
                    header = HeaderMap(header.positions, max(header.width, known[1].width))
                self._headers[office] = (info.sheet_id, header, self.clock())
        return parsed

    def _window(self, office: str, info: _SheetInfo) -> str:
        """The columns to read: up to the last one of ours ("!A:L") when the
        worksheet's header is known and holds them all; else "" (whole)."""
        with self._lock:
            known = self._headers.get(office)
        if known is None or known[0] != info.sheet_id or known[1].missing():
            return ""
        return "!A:" + column_letters(max(known[1].positions.values()))

    # -- reading --------------------------------------------------------------

    def _fetch(self, offices: Sequence[str]) -> _Snapshot:
        for attempt in (0, 1):
            meta = self._metadata(refresh=attempt == 1)
            sheets = {o: self._resolve(o, meta) for o in offices}
            if attempt == 0 and any(i is None for i in sheets.values()) and \
                    self.clock() - meta.fetched_at >= self.cache_ttl:
                continue  # a worksheet may have been created since: look again
            found = [(o, i) for o, i in sheets.items() if i is not None]
            windows = [self._window(o, i) for o, i in found]
            fetched_at = self.clock()
            try:
                ranges = self.client.batch_get([quote_title(i.title) + w for (_, i), w in zip(found, windows)])
            except Failure as exc:
                if exc.status == 400 and attempt == 0:
                    # a worksheet was renamed or deleted, or lost columns: look again, read whole
                    with self._lock:
                        for office, _ in found:
                            self._headers.pop(office, None)
                    continue
                raise
            parsed = {o: None for o in offices}
            whole = []
            for (office, info), window, vr in zip(found, windows, ranges):
                values = vr.get("values", [])
                if window and HeaderMap.from_row(values[0] if values else []).missing():
                    whole.append((office, info))  # our columns moved past the window: read it whole
                    continue
                parsed[office] = self._parse(office, info, values, meta, window=bool(window))
            if whole:
                for (office, info), vr in zip(whole, self.client.batch_get([quote_title(i.title) for _, i in whole])):
                    parsed[office] = self._parse(office, info, vr.get("values", []), meta)
            return _Snapshot(parsed, datetime.fromtimestamp(fetched_at, timezone.utc), fetched_at)
        raise AssertionError("unreachable")

    def _cached(self, offices: Sequence[str], *, valid_only: bool) -> _Snapshot | None:
        wanted = set(offices)
        now = self.clock()
        best = None
        with self._lock:
            for key, (snap, valid) in self._cache.items():
                if not wanted <= key:
                    continue
                if valid_only and (not valid or now - snap.fetched_at >= self.cache_ttl):
                    continue
                if best is None or snap.fetched_at > best.fetched_at:
                    best = snap
        return best

    def _snapshot(self, offices: Sequence[str], fresh: bool) -> _Snapshot:
        """A page's read: the cache, else the read in flight (or a new one),
        waited for within the budget, else the last good read marked stale."""
        if fresh:
            newest = self._cached(offices, valid_only=False)
            fresh = newest is None or self.clock() - newest.fetched_at >= FRESH_MIN_AGE
        if not fresh:
            snap = self._cached(offices, valid_only=True)
            if snap is not None:
                return snap
        old = self._cached(offices, valid_only=False)
        budget = self.read_budget if old is not None else self.first_read_budget
        flight = self._flight(offices)
        flight.done.wait(max(0.0, flight.started + budget - time.monotonic()))
        if flight.done.is_set():
            if flight.error is None:
                return flight.snap
            if not isinstance(flight.error, Failure):
                raise flight.error  # a bug: as if the read had run in this thread
            failure: Failure | None = flight.error
            message = failure.message
        else:
            failure, message = None, f"Google nu a răspuns în {budget:g} s."
        old = self._cached(offices, valid_only=False) or old
        if old is None:
            raise StoreError(f"{UNREACHABLE} ({message})") from failure
        log.warning("Google read failed or slow, serving the read of %s: %s", old.read_at, message)
        return replace(old, stale=True)

    def _flight(self, offices: Sequence[str]) -> _Flight:
        """The read in flight of these offices (or of more), else a new one."""
        wanted = frozenset(offices)
        with self._lock:
            if os.getpid() != self._flights_pid:  # forked: the parent's threads are not here
                self._flights, self._flights_pid = {}, os.getpid()
            for key, flight in self._flights.items():
                if wanted <= key:
                    return flight
            flight = self._flights[wanted] = _Flight(wanted)
        threading.Thread(target=self._fly, args=(flight, list(offices)), name="sheets-read", daemon=True).start()
        return flight

    def _fly(self, flight: _Flight, offices: list[str]) -> None:
        try:
            flight.snap = self._keep(flight.offices, self._fetch(offices))
        except BaseException as exc:  # handed to the pages waiting for it
            flight.error = exc
        finally:
            with self._lock:
                if self._flights.get(flight.offices) is flight:
                    del self._flights[flight.offices]
            flight.done.set()

    def _keep(self, key: frozenset, snap: _Snapshot) -> _Snapshot:
        with self._lock:
            self._cache[key] = [snap, True]
            self._cache.move_to_end(key)
            while len(self._cache) > CACHE_ENTRIES:
                self._cache.popitem(last=False)
        return snap

    def _invalidate(self, office: str) -> None:
        with self._lock:
            for key, entry in self._cache.items():
                if office in key:
                    entry[1] = False

    def _view(self, snap: _Snapshot, offices: Sequence[str], start: date, end: date) -> ReadResult:
        # Ops the snapshot may not hold: not delivered yet, or delivered (by this
        # process or another one) after the read was sent. An op is recorded as
        # delivered only after Google answered, so one recorded before the read
        # was sent is in it. Re-applying an op that is in it is harmless.
        ops = self.outbox.ops(offices, delivered_since=snap.fetched_at)
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

    # -- Store protocol ---------------------------------------------------------

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        self._ensure_sender()
        offices = list(dict.fromkeys(offices))
        return self._view(self._snapshot(offices, fresh), offices, start, end)

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        self.outbox.add_day(office, day, clerk, list(rows), iso_at(self.clock()))
        self._ensure_sender()

    def _current(self, office: str, row_id: str) -> Row:
        snap = self._snapshot([office], fresh=False)
        view = self._view(snap, [office], date.min, date.max)
        row = next((r for r in view.rows if r.row_id == row_id), None)
        if row is None:
            raise RowNotFound(row_id)
        return row

    def update_row(self, office: str, row_id: str, changes: dict, by: str) -> tuple[Row, Row]:
        """Queued, then delivered at once if Google answers (else retried later);
        returns (before, after) as the views show them."""
        before = self._current(office, row_id)
        allowed = {k: v for k, v in changes.items() if k in ("lucrari", "documente", "note")}
        stamp = iso_at(self.clock())
        self.outbox.add_edit("update", office, row_id, allowed, by, stamp)
        self.deliver_now(office)
        return before, before.with_changes(**allowed, changed_by=by, changed_at=stamp)

    def delete_row(self, office: str, row_id: str, by: str) -> Row:
        before = self._current(office, row_id)
        self.outbox.add_edit("delete", office, row_id, {}, by, iso_at(self.clock()))
        self.deliver_now(office)
        return before

    # -- the sender -------------------------------------------------------------

    def deliver_now(self, office: str, wait: float | None = None) -> bool:
        """Try to deliver ``office``'s pending ops now, for a page: waits at most
        ``wait`` seconds (default ``SHEETS_READ_BUDGET``) while the delivery,
        with the plain timeouts, goes on in the background; False if they stay
        queued (Google failing or slow, backing off, or another sender busy)."""
        done, result = threading.Event(), [False]

        def deliver():
            try:
                result[0] = self._deliver_now(office)
            except Exception:  # pragma: no cover - the sender retries whatever happened
                log.exception("Delivery to %s failed", office)
            finally:
                done.set()

        threading.Thread(target=deliver, name="sheets-deliver", daemon=True).start()
        done.wait(self.read_budget if wait is None else wait)
        return result[0]

    def _deliver_now(self, office: str) -> bool:
        if not self._flush_lock.acquire(timeout=min(5.0, self.in_flight_seconds)):
            return False  # the sender thread is flushing: it will deliver them
        try:
            if not self.outbox.acquire_lease(self._holder, self.lease_seconds):
                return False
            try:
                ops = self.outbox.ops([office], statuses=("pending",))
                if not ops or ops[0].next_attempt > self.clock():
                    return False
                return self._deliver(office, ops) == len(ops)
            finally:
                self.outbox.release_lease(self._holder)
        finally:
            self._flush_lock.release()

    def sync(self, max_seconds: float | None = 60.0) -> dict:
        """Deliver what is due, waiting out backoffs, for at most ``max_seconds``.
        Returns {"delivered", "pending", "failed"}."""
        deadline = None if max_seconds is None else self.clock() + max_seconds
        delivered = 0
        while True:
            wait_lock = None if deadline is None else max(0.0, deadline - self.clock())
            done, busy = self._flush_pass(wait_lock)
            delivered += done
            counts = self.outbox.counts()
            if not counts["pending"]:
                break
            now = self.clock()
            due = self.outbox.next_due() or now
            wait = min(1.0, self.in_flight_seconds) if busy else max(due - now, 0.0)
            if deadline is not None and now + wait > deadline:
                if deadline > now:
                    self.sleep(deadline - now)
                    continue
                break
            if wait > 0:
                self.sleep(wait)
        return {"delivered": delivered, "pending": counts["pending"], "failed": counts["failed"]}

    def _flush_pass(self, wait_lock: float | None = None) -> tuple[int, bool]:
        """One pass over the offices with due ops: (ops delivered, lease busy).
        ``wait_lock``: at most this long for this process's sender to end its pass."""
        if not self._flush_lock.acquire(timeout=-1 if wait_lock is None else wait_lock):
            return 0, True
        try:
            if not self.outbox.acquire_lease(self._holder, self.lease_seconds):
                return 0, True
            try:
                delivered = 0
                for office in self.outbox.offices_pending():
                    ops = self.outbox.ops([office], statuses=("pending",), limit=1000)
                    if not ops or ops[0].next_attempt > self.clock():
                        continue
                    if not self.outbox.acquire_lease(self._holder, self.lease_seconds):  # renew
                        return delivered, True  # taken over (this pass outlived the lease): stop
                    delivered += self._deliver(office, ops)
                now = self.clock()
                if now - self._pruned_at > 3600:
                    self._pruned_at = now
                    self.outbox.prune(now - 7 * 86400)
                return delivered, False
            finally:
                self.outbox.release_lease(self._holder)
        finally:
            self._flush_lock.release()

    def _deliver(self, office: str, ops: list[Op]) -> int:
        """ONE write for ``office`` (plus the reads it needs); bookkeeping in the outbox."""
        first = all(op.kind == "day" for op in ops) and not self.outbox.ledger(op.key for op in ops)
        marked = self.outbox.begin_attempt(ops, self.clock() + self.in_flight_seconds)
        attempts = max(op.attempts for op in ops) + 1
        stage = "prepare"
        dropped: dict[int, str] = {}
        seen = self._cached([office], valid_only=False)  # even expired: rows typed by hand since are rare
        try:
            info = self._sheet(office, create=True)
            with self._lock:
                created = info.sheet_id in self._created_here
            if first and not created:
                # blind append only when the last read showed none of these days' rows
                # (typed by hand, or sent from an instance folder since lost): else replace them
                parsed = seen.parsed.get(office) if seen is not None else None
                keys = {op.key for op in ops}
                first = seen is not None and not any(
                    r.row is not None and (office, r.row.day.isoformat(), r.row.clerk.lower()) in keys
                    for r in (parsed.rows if parsed else ()))
            if first:
                header = self._header(office, info)
                rows = [r.with_changes(entered_at=r.entered_at or op.stamp, changed_by="", changed_at="")
                        for op in ops for r in op.rows]
                values = [row_values(r, header, self._label(r)) for r in rows]
                if values:
                    stage = "write"
                    self._append(office, info, values)
            else:
                parsed = self._read_for_write(office, info)
                header = parsed.header if parsed.header is not None else HeaderMap({}, 0)
                if header.missing():
                    header = self._repair_header(office, info, header)
                model = Model.from_sheet(parsed)
                for op in ops:
                    model.apply(op)
                dropped = model.dropped
                requests_ = self._write_requests(info, header, model, parsed)
                if requests_:
                    stage = "write"
                    self.client.batch_update(requests_)
        except Exception as exc:
            if not isinstance(exc, Failure):  # a bug must not stop the other offices' deliveries
                log.exception("Unexpected error delivering to %s", office)
                exc = Failure("Eroare neașteptată în aplicație la trimiterea către Google"
                               f" — detaliu: {exc.__class__.__name__}: {exc}", ambiguous=True)
            ambiguous = stage == "write" and exc.ambiguous
            delay = backoff_delay(attempts, self.backoff_max, self.backoff_unit, self.rand)
            if ambiguous:
                delay = max(delay, self.in_flight_seconds)
            if exc.status in (400, 404) or (stage == "prepare" and exc.ambiguous):
                self._forget_metadata()  # a worksheet renamed/deleted/maybe created: look again
            self.outbox.attempt_failed(ops, error=exc.message, next_attempt=self.clock() + delay,
                                       max_attempts=self.max_attempts, unmark=() if ambiguous else marked)
            log.warning("Delivery to %s failed (attempt %d, %s): %s", office, attempts,
                        "ambiguous" if ambiguous else "not applied", exc.message)
            return 0
        self._invalidate(office)
        with self._lock:
            self._created_here.discard(info.sheet_id)
        self.outbox.attempt_succeeded(ops, dropped)
        return len(ops) - len(dropped)

    def _append(self, office: str, info: _SheetInfo, values: list) -> None:
        self.client.append(info.sheet_id, info.title, info.rows, info.cols, values)
        info.rows += len(values)

    def _read_for_write(self, office: str, info: _SheetInfo) -> ParsedSheet:
        try:
            data = self._values_get(office, info)
        except Failure as exc:
            if exc.status != 400:
                raise
            self._forget_metadata()  # renamed meanwhile: find it again
            info2 = self._sheet(office, create=True)
            info.sheet_id, info.title, info.rows, info.cols = info2.sheet_id, info2.title, info2.rows, info2.cols
            data = self._values_get(office, info)
        return self._parse(office, info, data.get("values", []), self._metadata())

    def _write_requests(self, info: _SheetInfo, header: HeaderMap, model: Model, parsed: ParsedSheet) -> list:
        updates, deletes, appends = model.plan()
        sid = info.sheet_id
        where = {i: k for k, i in header.positions.items()}
        runs = column_runs(header.positions.values())
        out = []
        for index, row in updates:
            values = cell_values(row, self._label(row))
            for a, b in runs:
                out.append({"updateCells": {
                    "start": {"sheetId": sid, "rowIndex": index, "columnIndex": a},
                    "rows": [{"values": [extended_value(values[where[c]]) for c in range(a, b)]}],
                    "fields": "userEnteredValue"}})
        if deletes:
            if len(deletes) >= parsed.height - 1:
                # Google refuses to delete every row under the frozen header
                out.append({"appendDimension": {"sheetId": sid, "dimension": "ROWS", "length": 1}})
            for index in deletes:  # descending, so indexes stay right
                out.append({"deleteDimension": {"range": {
                    "sheetId": sid, "dimension": "ROWS", "startIndex": index, "endIndex": index + 1}}})
        if appends:
            out.append({"appendCells": {
                "sheetId": sid, "fields": "userEnteredValue",
                "rows": [{"values": [extended_value(v) for v in row_values(r, header, self._label(r))]}
                         for r in appends]}})
        return out

    def _ensure_sender(self) -> None:
        """Start this process's sender thread (lazily: never at start-up)."""
        if self.sync_interval <= 0:
            return
        if os.getpid() != self._pid:  # forked (e.g. gunicorn --preload)
            self._pid, self._holder, self._thread = os.getpid(), lease_holder_id(), None
            self._flush_lock = threading.Lock()
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="sheets-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.sync_interval):
            try:
                self._flush_pass()
            except Exception:  # pragma: no cover - keep the sender alive whatever happens
                log.exception("Sheets sender pass failed")

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._thread = None

    # -- pages and CLI ----------------------------------------------------------

    def worksheet_url(self, slug: str) -> str:
        """Link to the office's worksheet (no network call)."""
        known = self._remembered.get(slug)
        sheet_id = known[0] if known else None
        if sheet_id is None:
            with self._lock:
                meta = self._meta
            info = meta.by_title(self._title(slug)) if meta else None
            sheet_id = info.sheet_id if info else None
        return cell_url(self.spreadsheet_id, sheet_id)

    def pending_count(self, offices: Iterable[str] | None = None) -> int:
        """Saves and corrections not delivered yet (pending or failed)."""
        counts = self.outbox.counts(offices)
        return counts["pending"] + counts["failed"]

    @property
    def sync_queue(self) -> "GoogleStore":
        return self

    def tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]], *,
              fresh: bool = False) -> tuple[Tally, ReadResult]:
        offices = list(offices)
        result = self.read(offices, start, end, fresh=fresh)
        return tally_rows(result.rows, start, end, offices, daily), replace(result, rows=[])

    def ops(self, statuses: Sequence[str] = OPEN) -> list[Op]:
        return self.outbox.ops(statuses=statuses)

    def op(self, op_id: int) -> Op | None:
        return self.outbox.get(op_id)

    def counts(self) -> dict[str, int]:
        return self.outbox.counts()

    def lease_holder(self) -> tuple[str, float] | None:
        return self.outbox.lease_holder()

    def retry(self, op_id: int) -> bool:
        return self.outbox.retry(op_id)

    def status(self) -> dict:
        counts = self.outbox.counts()
        holder = self.outbox.lease_holder()
        return {"spreadsheet_id": self.spreadsheet_id, "emulator": self.emulator, "counts": counts,
                "next_due": self.outbox.next_due(), "lease": holder, "worksheets": dict(self._remembered)}

    def init(self) -> list[str]:
        """Create missing worksheets and complete headers; what was done, one line each."""
        meta = self._metadata(refresh=True)
        lines, missing, existing = [], [], []
        for office in self.catalog.offices:
            info = self._resolve(office.slug, meta)
            (existing if info else missing).append((office.slug, info))
        for info in self._create([slug for slug, _ in missing]):
            lines.append(f"created worksheet '{info.title}' (sheetId {info.sheet_id}) with its header")
        if existing:
            ranges = self.client.batch_get([quote_title(i.title) + "!1:1" for _, i in existing])
            for (slug, info), vr in zip(existing, ranges):
                header = HeaderMap.from_row((vr.get("values") or [[]])[0])
                if header.missing():
                    names = [dict(zip(KEYS, HEADER))[k] for k in header.missing()]
                    self._repair_header(slug, info, header)
                    lines.append(f"worksheet '{info.title}' (sheetId {info.sheet_id}): added header columns "
                                 + ", ".join(names))
                else:
                    with self._lock:
                        self._headers[slug] = (info.sheet_id, header, self.clock())
                    lines.append(f"worksheet '{info.title}' (sheetId {info.sheet_id}) is ready")
        return lines


def _header_cells(sheet_id: int, column: int, names: Sequence[str]) -> dict:
    return {"updateCells": {
        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": column},
        "rows": [{"values": [{"userEnteredValue": {"stringValue": n},
                              "userEnteredFormat": {"textFormat": {"bold": True}}} for n in names]}],
        "fields": "userEnteredValue,userEnteredFormat.textFormat.bold"}}

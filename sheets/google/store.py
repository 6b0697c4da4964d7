"""The Google Sheets backend: one worksheet per office, a durable outbox, one sender.

``GoogleStore`` is the Store Protocol (``sheets.base``) over its parts:

* ``client.py``: the requests sent to Google (the only module that imports
  gspread), every failure a ``Failure``;
* ``directory.py``: the worksheets (metadata, each office's worksheet, headers,
  creating worksheets);
* ``reads.py``: cached reads, single flight, the budgets a page waits, stale
  reads served when Google is slow or failing;
* ``sender.py``: delivering the outbox (``outbox.py``) to the spreadsheet;
* ``layout.py`` / ``cells.py``: the worksheet layout and what people type;
* ``tuning.py``: the settings, shared by the parts; ``config.py``: building
  the store from the app's config.

Pages never wait on Google for long. Views always include the ops the sheet
has not confirmed yet, so a clerk sees their figures at once. ``save_day``
only commits an op to the outbox (``is_async``); a supervisor's correction is
delivered at once, in the background: the page waits for it at most
``SHEETS_READ_BUDGET`` seconds, then says it is kept in the outbox.
"""
from __future__ import annotations

import random
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

import requests

from domain.clock import iso_at
from domain.rows import Row, Tally, row_id_for, tally_rows, weekly_totals_of
from domain.saving import Entry, FieldChange, SaveConflict, plan_save
from domain.trail import TrailLine
from settings import default

from ..base import ReadResult, RowNotFound, StoreError
from .capacity import Capacity, capacity_path, endpoint_of
from .client import Failure, SheetsClient
from .directory import Directory
from .http import DEFAULT_TIMEOUT
from .layout import cell_url
from .outbox import OPEN, Op, Outbox
from .reads import FRESH_MIN_AGE, Reads, from_weeks, view, week_of_sheet
from .shared import SharedReads
from .sender import Sender
from .tuning import Tuned, Tuning
from .witness import Witness

__all__ = ["FRESH_MIN_AGE", "GoogleStore"]

#: a read of a longer period reads whole worksheets (one request, no „Data” column first)
LONGEST_PERIOD_DAYS = 400
LEASE_SECONDS = 300  # a sender's lease, renewed before each office it delivers to


class GoogleStore:
    """Rows in a Google Spreadsheet (see the module docstring)."""

    is_async = True

    # settings (``Tuning``): changing one here changes it for every part
    (cache_ttl, sync_interval, timeout, backoff_max, backoff_unit, max_attempts, read_budget, first_read_budget,
     lease_seconds, clock, sleep, rand) = (Tuned() for _ in range(12))
    in_flight_seconds, header_max_age = Tuned(), Tuned()  # read-only properties of Tuning

    def __init__(self, spreadsheet_id: str, session: requests.Session, catalog, outbox_path: str | Path, *,
                 cache_ttl: float = default("SHEETS_CACHE_TTL"),
                 sync_interval: float = default("SHEETS_SYNC_INTERVAL"), timeout=DEFAULT_TIMEOUT,
                 backoff_max: float = default("SHEETS_BACKOFF_MAX"), backoff_unit: float = 1.0,
                 max_attempts: int = default("SHEETS_MAX_ATTEMPTS"),
                 read_budget: float = default("SHEETS_READ_BUDGET"),
                 first_read_budget: float = default("SHEETS_FIRST_READ_BUDGET"),
                 lease_seconds: float = LEASE_SECONDS, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, rand: Callable[[], float] = random.random,
                 emulator: str | None = None, write_budget: int = 0):
        self.spreadsheet_id = spreadsheet_id
        self.catalog = catalog
        self.emulator = emulator
        self.session = session
        self.tuning = Tuning(
            cache_ttl=float(cache_ttl), sync_interval=float(sync_interval), timeout=timeout,
            backoff_max=float(backoff_max), backoff_unit=float(backoff_unit), max_attempts=int(max_attempts),
            read_budget=float(read_budget), first_read_budget=float(first_read_budget),
            lease_seconds=float(lease_seconds), clock=clock, sleep=sleep, rand=rand)
        self.client = SheetsClient(spreadsheet_id, session, timeout)
        self.http = self.client.http
        self.outbox = Outbox(outbox_path, clock)
        self.directory = Directory(self.client, catalog, self.outbox, self.tuning)
        self.witness = Witness(outbox_path, clock)
        #: every worker's last good reads and the closed weeks' rows, in the instance folder (shared.py)
        self.shared = SharedReads(Path(outbox_path).with_name("sheets-reads.sqlite3"), spreadsheet_id)
        self.reads = Reads(self.client, self.directory, self.tuning, on_read=self.witness.read, shared=self.shared)
        self.sender = Sender(self.client, self.directory, self.reads, self.outbox, catalog, self.tuning,
                             on_write=self.witness.wrote)
        # every Sheets request counted, every write within the budget shared by the workers (capacity.py)
        self.write_budget = int(write_budget)
        self.capacity = Capacity(capacity_path(outbox_path), clock)
        session.on_request = self._count_request
        self.client.write_gate = self._wait_for_budget
        self.directory.on_metadata = self._metadata_seen

    def _count_request(self, method: str, url: str, status: int) -> None:
        found = endpoint_of(method, url)
        if found is not None:
            self.capacity.record(found[0], found[1], status)

    def _wait_for_budget(self) -> None:
        """Before each write: wait while ``write_budget`` writes were sent in the last
        minute by any worker (0: no budget)."""
        while True:
            wait = self.capacity.take(self.write_budget)
            if wait <= 0:
                return
            self.sleep(wait)

    def _metadata_seen(self, meta) -> None:
        self.capacity.cells_seen(self.spreadsheet_id, sum(s.rows * s.cols for s in meta.sheets.values()))

    def capacity_status(self, refresh_after: float | None = None) -> dict:
        """The *Capacitate* page's figures; ``refresh_after``: read the metadata again
        (ONE read: the worksheets' sizes) when the cell count is older than that."""
        cap = self.capacity
        seen = cap.cells(self.spreadsheet_id)
        if refresh_after is not None and (seen is None or self.clock() - seen["at"] > refresh_after):
            try:
                self.directory.metadata(refresh=True)
            except Failure:
                pass  # the last count stays, with its time
        return {"per_minute": cap.per_minute(60), "totals": cap.totals(3600), "busiest": cap.busiest_minute(3600),
                "errors": cap.last_errors(10), "write_budget": self.write_budget, "granted": cap.granted(),
                "spreadsheets": [{"id": self.spreadsheet_id, **(cap.cells(self.spreadsheet_id) or {})}],
                "outbox": self.outbox.counts(), "oldest_pending": self.outbox.oldest_pending(),
                "errors_ops": self.outbox.ops(statuses=("failed",))[-10:]}

    @property
    def _flush_lock(self):
        """This process's flush lock (tests hold it to play a busy sender)."""
        return self.sender.flush_lock

    def _forget_metadata(self) -> None:
        self.directory.forget()

    def close(self) -> None:
        self.sender.close()

    # -- Store protocol ---------------------------------------------------------

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        self.sender.ensure_running()
        offices = list(dict.fromkeys(offices))
        kept = self.shared.closed_weeks(offices, start, end)
        if kept is not None:  # a period made only of closed weeks: no request
            return self._view(from_weeks(kept, offices, (start, end)), offices, start, end)
        # a period of more than a year (e.g. every date, for the sync page): whole worksheets are cheaper
        period = (start, end) if (end - start).days <= LONGEST_PERIOD_DAYS else None
        snap = self.reads.snapshot(offices, fresh, period=period)
        if not snap.stale:
            self._keep_closed(snap, offices, start, end)
        return self._view(snap, offices, start, end)

    def _keep_closed(self, snap, offices: Sequence[str], start: date, end: date) -> None:
        """Keep the rows of the closed weeks of ``start``..``end`` (which this read holds) whose
        saves all reached the sheet."""
        for office, monday in self.shared.to_keep(offices, (start, end)):
            sunday = monday + timedelta(days=6)
            ops = self.outbox.ops([office], delivered_since=snap.fetched_at)
            if any(op.kind != "protect" and (op.day is None or monday <= op.day <= sunday) for op in ops):
                continue
            sheet = week_of_sheet(snap.parsed.get(office), office, monday, sunday)
            self.shared.keep_week(office, monday, sheet, snap.read_at, snap.fetched_at)

    def _view(self, snap, offices: Sequence[str], start: date, end: date) -> ReadResult:
        # only the ops of the period's days (and corrections): a page costs what its period holds,
        # not what the outbox holds (1000 pending saves made each form page parse them all)
        ops = self.outbox.ops(offices, delivered_since=snap.fetched_at, days=(start, end))
        return view(snap, ops, offices, start, end)

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        self.outbox.add_day(office, day, clerk, list(rows), iso_at(self.clock()))
        self.sender.ensure_running()

    def save_entry(self, entry: Entry) -> list[FieldChange]:
        """Checked now against the freshest view of the day, and queued as an
        ``entry`` op that the sender plans again against the sheet when it
        writes (a figure typed by hand meanwhile drops it, said on
        *Sincronizare*). A re-save reads the sheet first, so a hand edit
        within the cache's lifetime still answers 409; a first save of a day
        reads nothing. During an outage with nothing read yet, the entry is
        queued unchecked: the sender's check keeps notes and marks."""
        try:
            current = self.read([entry.office], entry.day, entry.day).rows
            seen = entry.base is not None and any(v is not None for v in entry.base.values())
            if seen or any(r.clerk.lower() == entry.clerk.lower() for r in current):
                snap = self.reads.snapshot([entry.office], fresh=True, force=True, period=(entry.day, entry.day))
                current = self._view(snap, [entry.office], entry.day, entry.day).rows
        except StoreError:
            current = None
        changes: list[FieldChange] = []
        if current is not None:
            plan = plan_save(entry, current, iso_at(self.clock()))
            if plan.conflicts:
                raise SaveConflict([self.witness.conflict_by(c, row_id_for(entry.office, entry.day, c.activity, c.part,
                                                                            entry.clerk)) for c in plan.conflicts])
            if not plan.writes:
                return []
            changes = plan.changes
        self.outbox.add_entry(entry, iso_at(self.clock()))
        self.sender.ensure_running()
        return changes

    def row(self, office: str, row_id: str) -> Row:
        return self._current(office, row_id)

    def cached_row(self, office: str, row_id: str) -> Row | None:
        """The row as held by a valid read of this process (no request), or None."""
        for snap in self.reads.valid([office]):  # the page's read of its period usually holds it
            row = next((r for r in self._view(snap, [office], date.min, date.max).rows if r.row_id == row_id), None)
            if row is not None:
                return row
        return None

    def _current(self, office: str, row_id: str) -> Row:
        row = self.cached_row(office, row_id)
        if row is None:
            snap = self.reads.snapshot([office], fresh=False)
            rows = self._view(snap, [office], date.min, date.max).rows
            row = next((r for r in rows if r.row_id == row_id), None)
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

    def tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]], *,
              fresh: bool = False) -> tuple[Tally, ReadResult]:
        offices = list(offices)
        result = self.read(offices, start, end, fresh=fresh)
        return tally_rows(result.rows, start, end, offices, daily), replace(result, rows=[])

    def hand_edits(self) -> list[TrailLine]:
        """Figures people changed in the worksheets since the last call
        (sheets/google/witness.py), for the audit trail."""
        return self.witness.drain()

    def protect_week(self, office: str, start: date, end: date, closed: bool, by: str) -> None:
        """Queued, then delivered at once if Google answers (sheets/google/protect.py)."""
        self.shared.close(office, start, closed, self.clock())
        self.outbox.add_protect(office, start, end, closed, by, iso_at(self.clock()))
        self.deliver_now(office)

    def weekly_totals(self, offices: Iterable[str], start: date, end: date,
                      counted: Mapping[tuple[str, str, str], tuple[int, ...]]
                      ) -> dict[tuple[str, date], tuple[int, ...]]:
        return weekly_totals_of(self.read(list(offices), start, end).rows, start, end, counted)

    def worksheet_url(self, slug: str) -> str:
        """Link to the office's worksheet (no network call)."""
        return cell_url(self.spreadsheet_id, self.directory.sheet_id(slug))

    def pending_count(self, offices: Iterable[str] | None = None) -> int:
        """Saves and corrections not delivered yet (pending or failed)."""
        counts = self.outbox.counts(offices)
        return counts["pending"] + counts["failed"]

    # -- SyncQueue protocol -------------------------------------------------------

    @property
    def sync_queue(self) -> "GoogleStore":
        return self

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

    def deliver_now(self, office: str, wait: float | None = None) -> bool:
        """Try to deliver ``office``'s pending ops now, for a page: waits at most
        ``wait`` seconds (default ``SHEETS_READ_BUDGET``) while the delivery,
        with the plain timeouts, goes on in the background; False if they stay
        queued (Google failing or slow, backing off, or another sender busy)."""
        return self.sender.deliver_now(office, self.read_budget if wait is None else wait)

    def sync(self, max_seconds: float | None = 60.0) -> dict:
        """Deliver what is due, waiting out backoffs, for at most ``max_seconds``.
        Returns {"delivered", "pending", "failed"}."""
        return self.sender.sync(max_seconds)

    def status(self) -> dict:
        counts = self.outbox.counts()
        holder = self.outbox.lease_holder()
        return {"spreadsheet_id": self.spreadsheet_id, "emulator": self.emulator, "counts": counts,
                "next_due": self.outbox.next_due(), "lease": holder, "worksheets": self.directory.remembered()}

    def init(self) -> list[str]:
        """Create missing worksheets and complete headers; what was done, one line each."""
        return self.directory.init()

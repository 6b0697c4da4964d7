"""The Google store's sender: delivers the outbox's operations to the spreadsheet.

One sender per host (a lease in the outbox database), one flush at a time
per process (a lock). Per office and flush it sends either ONE
``values.append`` (RAW, INSERT_ROWS) when every op is a day never attempted
before, or a read of the worksheet plus ONE ``batchUpdate`` (updateCells /
deleteDimension / appendCells, literal values only) that finds rows by their
ID. Failures back off exponentially (Google's algorithm) up to
``SHEETS_MAX_ATTEMPTS``; after an ambiguous failure (timeout, dropped
connection, 5xx) the next attempt reads before writing, so a row is never
written twice.

A background thread (started lazily, never at start-up) flushes every
``SHEETS_SYNC_INTERVAL`` seconds; ``deliver_now`` delivers one office's ops
at once for a page, which waits for it at most ``SHEETS_READ_BUDGET``
seconds. The sender's requests keep the plain ``SHEETS_TIMEOUT``, whoever
waits for them.
"""
from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from domain.rows import Row
from domain.saving import plan_save

from .client import Failure, SheetsClient
from .directory import Directory, SheetInfo
from .layout import (DATA_FIELDS, HeaderMap, ParsedSheet, cell_values, column_runs, data_cell, extended_value,
                     quote_title, row_values)
from .model import Model
from .protect import protect_week
from .outbox import Op, Outbox, backoff_delay, lease_holder_id
from .reads import Reads, Snapshot
from .tuning import Tuning

log = logging.getLogger("sheets.google")


@dataclass
class _Attempt:
    """One delivery of one office's ops."""

    ops: list[Op]
    number: int  # the how-manieth attempt of the ops tried most
    marked: list  # ledger keys this attempt marked "maybe"
    stage: str = "prepare"  # "write" once the write is sent


class Sender:
    def __init__(self, client: SheetsClient, directory: Directory, reads: Reads, outbox: Outbox, catalog,
                 tuning: Tuning, on_write=None):
        self.client = client
        self.on_write = on_write  # on_write(rows written as they now stand in the sheet, [(op dropped, why)])
        self.directory = directory
        self.reads = reads
        self.outbox = outbox
        self.catalog = catalog
        self.tuning = tuning
        self.flush_lock = threading.Lock()  # one flush at a time in this process
        self._start_lock = threading.Lock()  # guards starting the thread
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._pid = os.getpid()
        self._holder = lease_holder_id()
        self._pruned_at = 0.0
        self._written: list[Row] = []  # the rows of the last write, as they now stand in the sheet

    # -- the background thread --------------------------------------------------

    def ensure_running(self) -> None:
        """Start this process's sender thread (lazily: never at start-up)."""
        if self.tuning.sync_interval <= 0:
            return
        if os.getpid() != self._pid:  # forked (e.g. gunicorn --preload)
            self._pid, self._holder, self._thread = os.getpid(), lease_holder_id(), None
            self.flush_lock = threading.Lock()
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="sheets-sender", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.tuning.sync_interval):
            try:
                self.flush_pass()
            except Exception:  # pragma: no cover - keep the sender alive whatever happens
                log.exception("Sheets sender pass failed")

    def close(self) -> None:
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
        self._thread = None

    # -- flushing -----------------------------------------------------------------

    @contextmanager
    def _turn(self, wait: float | None) -> Iterator[bool]:
        """This process's flush lock (waiting at most ``wait`` seconds; None: as
        long as it takes) and the host's sender lease, held for the block;
        yields False when either is taken."""
        if not self.flush_lock.acquire(timeout=-1 if wait is None else wait):
            yield False
            return
        try:
            if not self.outbox.acquire_lease(self._holder, self.tuning.lease_seconds):
                yield False
                return
            try:
                yield True
            finally:
                self.outbox.release_lease(self._holder)
        finally:
            self.flush_lock.release()

    def _due(self, office: str, limit: int | None = None) -> list[Op]:
        """The office's pending ops, if the oldest is due; else []."""
        ops = self.outbox.ops([office], statuses=("pending",), limit=limit)
        return ops if ops and ops[0].next_attempt <= self.tuning.clock() else []

    def deliver_now(self, office: str, wait: float) -> bool:
        """Deliver ``office``'s pending ops now, in the background; wait for it
        at most ``wait`` seconds. False if they stay queued."""
        future: Future = Future()

        def deliver():
            try:
                future.set_result(self._deliver_now(office))
            except Exception:  # pragma: no cover - the sender retries whatever happened
                log.exception("Delivery to %s failed", office)
                future.set_result(False)

        threading.Thread(target=deliver, name="sheets-deliver", daemon=True).start()
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            return False

    def _deliver_now(self, office: str) -> bool:
        with self._turn(min(5.0, self.tuning.in_flight_seconds)) as ours:
            if not ours:
                return False  # the sender thread is flushing (it will deliver them), or another host's
            ops = self._due(office)
            return bool(ops) and self._deliver(office, ops) == len(ops)

    def sync(self, max_seconds: float | None) -> dict:
        """Deliver what is due, waiting out backoffs, for at most ``max_seconds``."""
        clock = self.tuning.clock
        deadline = None if max_seconds is None else clock() + max_seconds
        delivered = 0
        while True:
            wait_lock = None if deadline is None else max(0.0, deadline - clock())
            done, busy = self.flush_pass(wait_lock)
            delivered += done
            counts = self.outbox.counts()
            if not counts["pending"]:
                break
            now = clock()
            due = self.outbox.next_due() or now
            wait = min(1.0, self.tuning.in_flight_seconds) if busy else max(due - now, 0.0)
            if deadline is not None and now + wait > deadline:
                if deadline > now:
                    self.tuning.sleep(deadline - now)
                    continue
                break
            if wait > 0:
                self.tuning.sleep(wait)
        return {"delivered": delivered, "pending": counts["pending"], "failed": counts["failed"]}

    def flush_pass(self, wait_lock: float | None = None) -> tuple[int, bool]:
        """One pass over the offices with due ops: (ops delivered, lease busy).
        ``wait_lock``: at most this long for this process's sender to end its pass."""
        with self._turn(wait_lock) as ours:
            if not ours:
                return 0, True
            delivered = 0
            for office in self.outbox.offices_pending():
                ops = self._due(office, limit=1000)
                if not ops:
                    continue
                if not self.outbox.acquire_lease(self._holder, self.tuning.lease_seconds):  # renew
                    return delivered, True  # taken over (this pass outlived the lease): stop
                delivered += self._deliver(office, ops)
            now = self.tuning.clock()
            if now - self._pruned_at > 3600:
                self._pruned_at = now
                self.outbox.prune(now - 7 * 86400)
            return delivered, False

    # -- one delivery ---------------------------------------------------------------

    def _deliver(self, office: str, ops: list[Op]) -> int:
        """The office's ops in order: runs of row ops (ONE write each), and a
        closed week's protection on its own. Stops at the first failure."""
        delivered, batch = 0, []
        for op in ops + [None]:
            if op is not None and op.kind != "protect":
                batch.append(op)
                continue
            for chunk in _chunks(batch):  # a backlog goes in several writes
                done, ok = self._deliver_rows(office, chunk)
                delivered += done
                if not ok:
                    return delivered  # the rest waits, in order
            batch = []
            if op is not None:
                if not self._deliver_protect(office, op):
                    return delivered
                delivered += 1
        return delivered

    def _deliver_protect(self, office: str, op: Op) -> bool:
        attempt = _Attempt([op], op.attempts + 1, self.outbox.begin_attempt([op], self.tuning.clock()
                                                                             + self.tuning.in_flight_seconds))
        try:
            protect_week(self, office, op, attempt)
        except Exception as exc:
            self._failed(office, attempt, exc)
            return False
        self.outbox.attempt_succeeded([op])
        return True

    def _deliver_rows(self, office: str, ops: list[Op]) -> tuple[int, bool]:
        """ONE write for ``office`` (plus the reads it needs); bookkeeping in the
        outbox. (ops delivered, whether the write went through)."""
        first = all(op.kind == "day" or (op.kind == "entry" and op.entry.base is not None and not any(
            v is not None for v in op.entry.base.values())) for op in ops) and not self.outbox.ledger(op.key for op in ops)
        marked = self.outbox.begin_attempt(ops, self.tuning.clock() + self.tuning.in_flight_seconds)
        attempt = _Attempt(ops, max(op.attempts for op in ops) + 1, marked)
        # even expired: rows typed by hand since are rare; a read of a period holding these days will do
        days = [op.day for op in ops if op.day is not None]
        seen = self.reads.cached([office], valid_only=False, period=(min(days), max(days)) if days else None)
        try:
            info, dropped = self._write(office, attempt, first, seen)
        except Exception as exc:
            self._failed(office, attempt, exc)
            return 0, False
        self.reads.invalidate(office)
        self.directory.written(info.sheet_id)
        self.outbox.attempt_succeeded(ops, dropped)
        if self.on_write is not None:
            self.on_write(self._written, [(op, dropped[op.id]) for op in ops if op.id in dropped])
        return len(ops) - len(dropped), True

    def _write(self, office: str, attempt: _Attempt, first: bool,
               seen: Snapshot | None) -> tuple[SheetInfo, dict[int, str]]:
        """The worksheet written to, and the ops dropped (corrections of rows no longer there)."""
        info = self.directory.sheet(office, create=True)
        if first and not self.directory.is_new(info.sheet_id):
            # blind append only when the last read showed none of these days' rows
            # (typed by hand, or sent from an instance folder since lost): else replace them
            first = seen is not None and not _any_row_of(office, seen.parsed.get(office), attempt.ops)
        if first:
            self._append(office, info, attempt)
            return info, {}
        return self._rewrite(office, info, attempt)

    def _append(self, office: str, info: SheetInfo, attempt: _Attempt) -> None:
        header = self.directory.header(office, info)
        rows = [r.with_changes(entered_at=r.entered_at or op.stamp, changed_by="", changed_at="")
                for op in attempt.ops for r in _new_rows(op)]
        values = [row_values(r, header, self._label(r)) for r in rows]
        self._written = rows
        if values:
            attempt.stage = "write"
            # appendCells: after the last row with data whatever A1 holds, and not bold
            # (plus one empty row below, where a person types a row by hand, as values.append leaves)
            self.client.batch_update([_append_cells(info.sheet_id, values), {"appendDimension": {
                "sheetId": info.sheet_id, "dimension": "ROWS", "length": 1}}])

    def _rewrite(self, office: str, info: SheetInfo, attempt: _Attempt) -> tuple[SheetInfo, dict[int, str]]:
        info, parsed = self._read_for_write(office, info)
        header = parsed.header if parsed.header is not None else HeaderMap({}, 0)
        if header.missing():
            # the header is repaired first, then the sheet read again with it (a cleared
            # "Data" or an empty row 1 hides every row: planning on that would duplicate them)
            header = self.directory.repair_header(office, info, header)
            info, parsed = self._read_for_write(office, info)
            header = parsed.header if parsed.header is not None else header
            if header.missing():
                raise Failure("Antetul foii (rândul 1) nu a putut fi refăcut; se reîncearcă.")
        model = Model.from_sheet(parsed)
        for op in attempt.ops:
            model.apply(op)
        requests_ = self._write_requests(info, header, model, parsed)
        if requests_:
            attempt.stage = "write"
            self.client.batch_update(requests_)
        return info, model.dropped

    def _failed(self, office: str, attempt: _Attempt, exc: Exception) -> None:
        """Back off (longer after an ambiguous write); forget the metadata when a worksheet may have changed."""
        if not isinstance(exc, Failure):  # a bug must not stop the other offices' deliveries
            log.exception("Unexpected error delivering to %s", office)
            exc = Failure("Eroare neașteptată în aplicație la trimiterea către Google"
                          f" — detaliu: {exc.__class__.__name__}: {exc}", ambiguous=True)
        t = self.tuning
        ambiguous = attempt.stage == "write" and exc.ambiguous
        delay = backoff_delay(attempt.number, t.backoff_max, t.backoff_unit, t.rand)
        if ambiguous:
            delay = max(delay, t.in_flight_seconds)
        if exc.status in (400, 404) or (attempt.stage == "prepare" and exc.ambiguous):
            self.directory.forget()  # a worksheet renamed/deleted/maybe created: look again
        # a permanent refusal (a key refused, no sharing, a request Google refuses) is not
        # retried: the op is failed at once, with Google's reason, on Sincronizare
        permanent = getattr(exc, "permanent", False) and not ambiguous
        self.outbox.attempt_failed(attempt.ops, error=exc.message, next_attempt=t.clock() + delay,
                                   max_attempts=0 if permanent else t.max_attempts,
                                   unmark=() if ambiguous else attempt.marked)
        log.warning("Delivery to %s failed (attempt %d, %s): %s", office, attempt.number,
                    "permanent" if permanent else "ambiguous" if ambiguous else "not applied", exc.message)

    def _read_for_write(self, office: str, info: SheetInfo) -> tuple[SheetInfo, ParsedSheet]:
        try:
            data = self.client.values_get(quote_title(info.title))
        except Failure as exc:
            if exc.status != 400:
                raise
            self.directory.forget()  # renamed meanwhile: find it again
            info = self.directory.sheet(office, create=True)
            data = self.client.values_get(quote_title(info.title))
        return info, self.directory.parse(office, info, data.get("values", []), self.directory.metadata())

    def _label(self, row: Row) -> str:
        office = self.catalog.office(row.office)
        act = office.activity(row.activity) if office else None
        if act is None:
            return ""
        part = next((p for p in act.parts if p.key == row.part), None)
        return f"{act.label} — {part.label}" if part else act.label

    def _write_requests(self, info: SheetInfo, header: HeaderMap, model: Model, parsed: ParsedSheet) -> list:
        updates, deletes, appends = model.plan()
        self._written = [row for _, row in updates] + list(appends)
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
            out.append(_append_cells(sid, [row_values(r, header, self._label(r)) for r in appends]))
        return out


def _append_cells(sheet_id: int, values: list[list]) -> dict:
    """appendCells: the rows after the last row with data (not at A1, which a person
    may have cleared), each cell's value literal and its text not bold."""
    return {"appendCells": {"sheetId": sheet_id, "fields": DATA_FIELDS,
                            "rows": [{"values": [data_cell(v) for v in row]} for row in values]}}


#: at most this many rows, or bytes, in one write (Google advises payloads under 2 MB)
CHUNK_ROWS = 500
CHUNK_BYTES = 1_000_000


def _op_size(op: Op) -> tuple[int, int]:
    """(rows, approximate bytes of the request) an op may write."""
    if op.kind == "entry" and op.entry is not None:
        rows = max(1, len(op.entry.values))
    else:
        rows = max(1, len(op.rows))
    text = repr(op.rows) + repr(op.changes) + (repr(op.entry.values) if op.entry is not None else "")
    return rows, 2 * len(text.encode("utf-8")) + 200 * rows  # JSON of ExtendedValues is wordier


def _chunks(ops: list[Op]) -> list[list[Op]]:
    """``ops`` in order, in runs of at most ``CHUNK_ROWS`` rows and ``CHUNK_BYTES``
    (an op bigger than that goes alone: a day is never split)."""
    out: list[list[Op]] = []
    rows = size = 0
    for op in ops:
        r, b = _op_size(op)
        if out and out[-1] and (rows + r > CHUNK_ROWS or size + b > CHUNK_BYTES):
            out.append([])
            rows = size = 0
        if not out:
            out.append([])
        out[-1].append(op)
        rows, size = rows + r, size + b
    return out


def _new_rows(op: Op) -> list[Row]:
    """The rows an op appends to a day the sheet holds none of."""
    if op.kind == "entry":
        return plan_save(op.entry, [], op.stamp).upserts
    return op.rows


def _any_row_of(office: str, parsed: ParsedSheet | None, ops: list[Op]) -> bool:
    """Whether the office's worksheet as read holds a row of one of these ops' days."""
    keys = {op.key for op in ops}
    return any(r.row is not None and (office, r.row.day.isoformat(), r.row.clerk.lower()) in keys
               for r in (parsed.rows if parsed else ()))

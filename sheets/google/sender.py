"""The Google store's sender: delivers the outbox's operations to the spreadsheet.

One sender per host (a lease in the outbox database), one flush at a time
per process (a lock), one background pass per ``SHEETS_SYNC_INTERVAL`` on
the host whichever worker's thread runs it. A pass costs ONE write whatever
the number of offices: every office's next ops go in a single
``batchUpdate`` (appendCells for days never attempted before, after one read
of every such office's row 1: the columns' positions now; else updateCells /
deleteDimension / appendCells, literal values only, planned on the worksheets
read in ONE batchGet, rows found by their ID), up to ``CHUNK_ROWS`` rows and
``CHUNK_BYTES`` of JSON. Such a write targets rows by number, so right before
it ONE small ``values:batchGet`` for all the offices checks that row 1, the
ID column down to the lowest row written and each written row without an ID
are as the plan read them (``_check``); an office where a person sorted,
inserted or deleted rows or moved or inserted columns meanwhile is planned
again from a new read (``REPLANS``), never guessed. Left: an edit within the
round trip between that check and the write. Google applies a batchUpdate
all or nothing: an office whose part it refuses is set aside (failed at once
if the refusal is permanent, else backed off) and the others sent again
without it. Missing worksheets are made together, in one write. Every write
waits for the write budget shared by the workers (``capacity.py``).
Failures back off exponentially (Google's algorithm) up to
``SHEETS_MAX_ATTEMPTS``; after an ambiguous failure (timeout, dropped
connection, 5xx) the next attempt reads before writing, so a row is never
written twice. A closed week's protection is delivered on its own.

A background thread (started lazily, never at start-up) flushes every
``SHEETS_SYNC_INTERVAL`` seconds; ``deliver_now`` delivers one office's ops
at once for a page, which waits for it at most ``SHEETS_READ_BUDGET``
seconds. The sender's requests keep the plain ``SHEETS_TIMEOUT``, whoever
waits for them.
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator

from domain.rows import Row
from domain.saving import plan_save

from .client import Failure, SheetsClient
from .directory import Directory, SheetInfo
from .cells import strip_cell
from .layout import (DATA_FIELDS, HeaderMap, ParsedSheet, cell_values, column_letters, column_runs, data_cell,
                     extended_value, quote_title, row_values)
from .model import Model
from .protect import protect_week
from .outbox import Op, Outbox, backoff_delay, lease_holder_id
from .reads import Reads
from .tuning import Tuning

log = logging.getLogger("sheets.google")


@dataclass
class _Attempt:
    """One delivery of one office's ops."""

    ops: list[Op]
    number: int  # the how-manieth attempt of the ops tried most
    marked: list  # ledger keys this attempt marked "maybe"
    stage: str = "prepare"  # "write" once the write is sent


@dataclass
class _Part:
    """One office's share of a combined write."""

    office: str
    attempt: _Attempt
    first: bool  # may be a blind append
    info: SheetInfo | None = None
    requests: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # the rows written, as they will stand in the sheet
    dropped: dict = field(default_factory=dict)  # op id -> why (corrections of rows no longer there)
    planned: bool = False
    ok: bool = False
    # a rewrite's plan, checked right before the write: the header, the values read, (updates, deletes, appends)
    header: HeaderMap | None = None
    values: list = field(default_factory=list)
    plan: tuple | None = None

    @property
    def size(self) -> tuple[int, int]:
        sizes = [_op_size(op) for op in self.attempt.ops]
        return sum(r for r, _ in sizes), sum(b for _, b in sizes)


#: rounds of combined writes in one pass at most (a backlog: 500 rows each)
MAX_ROUNDS = 20


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
                # one pass per interval on the host, whichever worker's thread runs it
                if self.outbox.claim_pass(self.tuning.sync_interval):
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
        ``wait_lock``: at most this long for this process's sender to end its pass.

        Every office's next run of row ops goes in ONE combined write (one
        ``batchUpdate`` carrying each office's requests, up to ``CHUNK_ROWS`` /
        ``CHUNK_BYTES``), so a pass costs one write whatever the number of
        offices; a backlog bigger than that takes a few rounds. Saves made
        during the pass wait for the next one. An office that failed is not
        tried again in the same pass (its backoff runs)."""
        with self._turn(wait_lock) as ours:
            if not ours:
                return 0, True
            delivered, failed = 0, set()
            last = self.outbox.last_id()  # saves made during the pass wait for the next one
            for _ in range(MAX_ROUNDS):
                runs, protects = {}, []
                rows = size = 0  # of the combined write being filled
                full = False  # a due op left for want of room: another round
                for office in self.outbox.offices_pending():
                    if office in failed:
                        continue
                    ops = [op for op in self._due(office, limit=CHUNK_ROWS) if op.id <= last]
                    if not ops:
                        continue
                    if ops[0].kind == "protect":
                        protects.append((office, ops[0]))
                        continue
                    run = []
                    for op in ops:  # as many as the write still has room for (an op too big goes alone)
                        r, b = _op_size(op)
                        if op.kind == "protect":
                            break
                        if (runs or run) and (rows + r > CHUNK_ROWS or size + b > CHUNK_BYTES):
                            full = True
                            break
                        run.append(op)
                        rows, size = rows + r, size + b
                    if run:
                        runs[office] = run
                if not runs and not protects:
                    break
                if not self.outbox.acquire_lease(self._holder, self.tuning.lease_seconds):  # renew
                    return delivered, True  # taken over (this pass outlived the lease): stop
                for office, op in protects:  # a closed week: reads, a write, a check, on its own
                    if self._deliver_protect(office, op):
                        delivered += 1
                    else:
                        failed.add(office)
                if runs:
                    for office, (done, ok) in self._deliver_offices(runs).items():
                        delivered += done
                        if not ok:
                            failed.add(office)
                if not full and not protects:
                    break  # one write this pass (a protect's office may have row ops after it: go on)
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
                done, ok = self._deliver_offices({office: chunk})[office]
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

    def _deliver_offices(self, runs: dict[str, list[Op]]) -> dict[str, tuple[int, bool]]:
        """Each office's ops (one chunk each) in as few writes as the chunk limits
        allow (ONE for a usual pass), plus the reads they need (ONE batchGet for
        the offices that must be read); bookkeeping in the outbox.
        {office: (ops delivered, whether its write went through)}."""
        parts = [self._begin(office, ops) for office, ops in runs.items()]
        result = {p.office: (0, False) for p in parts}
        try:
            infos = self.directory.sheets([p.office for p in parts])  # missing worksheets: ONE write
        except Exception as exc:
            for p in parts:
                self._failed(p.office, p.attempt, exc)
            return result
        ready = []
        for p in parts:
            p.info = infos.get(p.office)
            if p.info is None:
                self._failed(p.office, p.attempt, Failure("Foaia biroului nu a putut fi găsită sau creată; "
                                                          "se reîncearcă."))
            else:
                ready.append(p)
        self._plan(ready)
        planned = [p for p in ready if p.planned]
        for p in planned:
            if not p.requests:  # nothing to write (e.g. every correction dropped)
                self._succeeded(p)
        writing = []
        for p in self._check([p for p in planned if p.requests]):
            if p.requests:
                writing.append(p)
            else:  # planned again on a new read: nothing to write any more
                self._succeeded(p)
        for group in _groups(writing):
            self._send(group)
        for p in parts:
            if p.ok:
                result[p.office] = (len(p.attempt.ops) - len(p.dropped), True)
        return result

    def _begin(self, office: str, ops: list[Op]) -> "_Part":
        first = all(op.kind == "day" or (op.kind == "entry" and op.entry.base is not None and not any(
            v is not None for v in op.entry.base.values())) for op in ops) and not self.outbox.ledger(op.key for op in ops)
        marked = self.outbox.begin_attempt(ops, self.tuning.clock() + self.tuning.in_flight_seconds)
        return _Part(office, _Attempt(ops, max(op.attempts for op in ops) + 1, marked), first)

    def _plan(self, parts: list["_Part"]) -> None:
        """Each part's requests: a blind append (the header known, or read) or a
        rewrite planned on the worksheet as read now; the reads in ONE batchGet.
        A part that fails here is failed (backoff) and not written."""
        for p in parts:
            if p.first and not self.directory.is_new(p.info.sheet_id):
                # blind append only when the last read showed none of these days' rows
                # (typed by hand, or sent from an instance folder since lost): else replace them
                # even expired: rows typed by hand since are rare; a read of a period holding these days will do
                days = [op.day for op in p.attempt.ops if op.day is not None]
                seen = self.reads.cached([p.office], valid_only=False,
                                         period=(min(days), max(days)) if days else None)
                p.first = seen is not None and not _any_row_of(p.office, seen.parsed.get(p.office), p.attempt.ops)
        ranges, wanted = [], []
        for p in parts:
            if not p.first:
                ranges.append(quote_title(p.info.title))
                wanted.append(p)
            elif not self.directory.is_new(p.info.sheet_id):
                # the column positions of row 1 read right now, never a cached header: a person
                # may have moved or inserted a column since the last read (a worksheet this
                # process created and has not written yet holds the header it wrote)
                ranges.append(quote_title(p.info.title) + "!1:1")
                wanted.append(p)
        values: dict[str, list] = {}
        if len(ranges) > 1:
            try:
                for p, vr in zip(wanted, self.client.batch_get(ranges)):
                    values[p.office] = vr.get("values", [])
            except Failure as exc:
                if exc.status != 400:  # Google failing or refusing (429): every office backs off
                    for p in parts:
                        self._failed(p.office, p.attempt, exc)
                    return
                values = {}  # one worksheet renamed or deleted meanwhile: each read alone below
        for p in parts:
            try:
                if p.first:
                    self._plan_append(p, values.get(p.office))
                else:
                    self._plan_rewrite(p, values.get(p.office))
                p.planned = True
            except Exception as exc:
                self._failed(p.office, p.attempt, exc)

    def _plan_append(self, p: "_Part", header_row: list | None) -> None:
        new = self.directory.is_new(p.info.sheet_id)
        if header_row is not None and not new:
            header = HeaderMap.from_row((header_row or [[]])[0])
            self.directory._keep_header(p.office, p.info, header)
            if header.missing():
                header = self.directory.repair_header(p.office, p.info, header)
        else:
            header = self.directory.header(p.office, p.info, fresh=not new)
        rows = [r.with_changes(entered_at=r.entered_at or op.stamp, changed_by="", changed_at="")
                for op in p.attempt.ops for r in _new_rows(op)]
        values = [row_values(r, header, self._label(r)) for r in rows]
        p.rows = rows
        if values:
            # appendCells: after the last row with data whatever A1 holds, and not bold
            # (plus one empty row below, where a person types a row by hand, as values.append leaves)
            p.requests = [_append_cells(p.info.sheet_id, values), {"appendDimension": {
                "sheetId": p.info.sheet_id, "dimension": "ROWS", "length": 1}}]

    def _plan_rewrite(self, p: "_Part", values: list | None) -> None:
        """Plan on the worksheet as read (``values``, or read now)."""
        info, parsed, values, header = self._read_with_header(p.office, p.info, values)
        model = Model.from_sheet(parsed)
        for op in p.attempt.ops:
            model.apply(op)
        p.plan = model.plan()
        p.info, p.header, p.values = info, header, values
        p.requests, p.rows = self._write_requests(info, header, model, parsed, p.plan)
        p.dropped = model.dropped

    def _read_with_header(self, office: str, info: SheetInfo,
                          values: list | None = None) -> tuple[SheetInfo, ParsedSheet, list, HeaderMap]:
        """The worksheet read for a write (``values`` if already read), its header
        complete (repaired first if needed)."""
        if values is None:
            info, parsed, values = self._read_values(office, info)
        else:
            parsed = self.directory.parse(office, info, values, self.directory.metadata())
        header = parsed.header if parsed.header is not None else HeaderMap({}, 0)
        if header.missing():
            # the header is repaired first, then the sheet read again with it (a cleared
            # "Data" or an empty row 1 hides every row: planning on that would duplicate them)
            header = self.directory.repair_header(office, info, header)
            info, parsed, values = self._read_values(office, info)
            header = parsed.header if parsed.header is not None else header
            if header.missing():
                raise Failure("Antetul foii (rândul 1) nu a putut fi refăcut; se reîncearcă.")
        return info, parsed, values, header

    def _check(self, parts: list["_Part"]) -> list["_Part"]:
        """Right before the write: the rewrites whose rows and columns are still where
        their read saw them (ONE small batchGet for all the offices); those that moved
        are read and planned again (up to ``REPLANS`` times), then failed."""
        for round_ in range(REPLANS + 1):
            checked = [p for p in parts if p.plan is not None and p.requests]
            if not checked:
                return parts
            ranges, spans = [], []
            for p in checked:
                mine = _check_ranges(p.info, p.header, p.values, p.plan)
                spans.append((p, len(ranges), len(mine)))
                ranges += mine
            try:
                got = [vr.get("values") or [] for vr in self.client.batch_get(ranges)]
            except Exception as exc:  # one worksheet renamed or deleted meanwhile: each planned again
                if len(checked) == 1:
                    self._failed(checked[0].office, checked[0].attempt, exc)
                    return [p for p in parts if p is not checked[0]]
                got = None
            moved = [p for p, start, n in spans
                     if got is None or not _in_place(p.header, p.values, p.plan, got[start:start + n])]
            if not moved:
                return parts
            for p in moved:
                log.info("Rows or columns of %s moved between the read and the write: planning again", p.office)
                if round_ == REPLANS:
                    self._failed(p.office, p.attempt, Failure(MSG_MOVING))
                    parts = [q for q in parts if q is not p]
                    continue
                try:
                    self._plan_rewrite(p, None)
                except Exception as exc:
                    self._failed(p.office, p.attempt, exc)
                    parts = [q for q in parts if q is not p]
        return parts

    def _send(self, parts: list["_Part"]) -> None:
        """ONE batchUpdate carrying every part's requests. Google applies it all or
        nothing: when it refuses one part (a 400 naming ``requests[i]``, or a 403),
        that part is failed and the others are sent again without it (split in
        halves when the culprit is not named)."""
        requests_, owner = [], []
        for p in parts:
            requests_ += p.requests
            owner += [p] * len(p.requests)
            p.attempt.stage = "write"
        try:
            self.client.batch_update(requests_)
        except Exception as exc:
            refused = isinstance(exc, Failure) and exc.status in (400, 403) and not exc.ambiguous
            if refused and len(parts) > 1:
                for p in parts:
                    p.attempt.stage = "prepare"  # nothing was applied
                index = _request_index(exc.message)
                culprit = owner[index] if index is not None and index < len(owner) else None
                if culprit is not None:
                    culprit.attempt.stage = "write"
                    self._failed(culprit.office, culprit.attempt, exc)
                    self._send([p for p in parts if p is not culprit])
                else:
                    half = len(parts) // 2
                    self._send(parts[:half])
                    self._send(parts[half:])
                return
            for p in parts:
                self._failed(p.office, p.attempt, exc)
            return
        for p in parts:
            self._succeeded(p)

    def _succeeded(self, p: "_Part") -> None:
        self.reads.invalidate(p.office)
        self.directory.written(p.info.sheet_id)
        self.outbox.attempt_succeeded(p.attempt.ops, p.dropped)
        p.ok = True
        if self.on_write is not None:
            self.on_write(p.rows, [(op, p.dropped[op.id]) for op in p.attempt.ops if op.id in p.dropped])

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
        info, parsed, _ = self._read_values(office, info)
        return info, parsed

    def _read_values(self, office: str, info: SheetInfo) -> tuple[SheetInfo, ParsedSheet, list]:
        """The worksheet read whole (ONE values.get): parsed, and its values as read."""
        try:
            data = self.client.values_get(quote_title(info.title))
        except Failure as exc:
            if exc.status != 400:
                raise
            self.directory.forget()  # renamed meanwhile: find it again
            info = self.directory.sheet(office, create=True)
            data = self.client.values_get(quote_title(info.title))
        values = data.get("values", [])
        return info, self.directory.parse(office, info, values, self.directory.metadata()), values

    def _label(self, row: Row) -> str:
        office = self.catalog.office(row.office)
        act = office.activity(row.activity) if office else None
        if act is None:
            return ""
        part = next((p for p in act.parts if p.key == row.part), None)
        return f"{act.label} — {part.label}" if part else act.label

    def _write_requests(self, info: SheetInfo, header: HeaderMap, model: Model, parsed: ParsedSheet,
                        plan) -> tuple[list, list[Row]]:
        """The requests of a rewrite, and the rows written as they will stand in the sheet."""
        updates, deletes, appends = plan
        written = [row for _, row in updates] + list(appends)
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
        return out, written


#: how many times a write is planned again when what it targets moved meanwhile
REPLANS = 3
#: rows without an ID checked one range each up to this many (else one block of rows)
MAX_CHECK_RANGES = 20
MSG_MOVING = ("Rândurile sau coloanele foii au fost mutate de mai multe ori în timpul scrierii; "
              "nimic nu a fost scris, se reîncearcă.")


def _check_ranges(info: SheetInfo, header: HeaderMap, values: list, plan) -> list[str]:
    """What a rewrite targets, to read again right before it: row 1 (our columns'
    positions), the ID column down to the lowest row written and, in full, each
    row written that has no ID. A person sorting, inserting or deleting rows, or
    moving or inserting columns in between changes one of them."""
    updates, deletes, _ = plan
    indexes = sorted({i for i, _ in updates} | set(deletes))
    title = quote_title(info.title)
    ranges = [title + "!1:1"]
    id_col = header.positions["row_id"]
    if indexes:
        letter = column_letters(id_col)
        ranges.append(f"{title}!{letter}2:{letter}{indexes[-1] + 1}")
    unnamed = [i for i in indexes if not _cell(values, i, id_col)]
    if len(unnamed) > MAX_CHECK_RANGES:  # many rows typed by hand: one block, not a URL too long
        ranges.append(f"{title}!{unnamed[0] + 1}:{unnamed[-1] + 1}")
    else:
        ranges += [f"{title}!{i + 1}:{i + 1}" for i in unnamed]
    return ranges


def _in_place(header: HeaderMap, values: list, plan, got: list) -> bool:
    """Whether ``got`` (the ``_check_ranges`` read again) is what the plan's read saw."""
    updates, deletes, _ = plan
    indexes = sorted({i for i, _ in updates} | set(deletes))
    id_col = header.positions["row_id"]
    if HeaderMap.from_row(got[0][0] if got[0] else []).positions != header.positions:
        return False
    if indexes:
        now = [_cell(got[1], r, 0) for r in range(indexes[-1])]
        if now != [_cell(values, r, id_col) for r in range(1, indexes[-1] + 1)]:
            return False
    unnamed = [i for i in indexes if not _cell(values, i, id_col)]
    if len(unnamed) > MAX_CHECK_RANGES:
        block = got[2] if len(got) > 2 else []
        now_rows = {i: block[i - unnamed[0]] if i - unnamed[0] < len(block) else [] for i in unnamed}
    else:
        now_rows = {i: rows[0] if rows else [] for i, rows in zip(unnamed, got[2:])}
    return all(_trimmed(now_rows[i]) == _trimmed(values[i] if i < len(values) else []) for i in unnamed)


def _cell(values: list, row: int, col: int) -> str:
    """The text of a cell of ``values`` as read ("" when absent)."""
    cells = values[row] if row < len(values) else []
    return strip_cell(cells[col]) if col < len(cells) else ""


def _trimmed(cells: list) -> list[str]:
    out = [strip_cell(c) for c in cells]
    while out and not out[-1]:
        out.pop()
    return out


def _append_cells(sheet_id: int, values: list[list]) -> dict:
    """appendCells: the rows after the last row with data (not at A1, which a person
    may have cleared), each cell's value literal and its text not bold."""
    return {"appendCells": {"sheetId": sheet_id, "fields": DATA_FIELDS,
                            "rows": [{"values": [data_cell(v) for v in row]} for row in values]}}


#: at most this many rows, or bytes, in one write (Google advises payloads under 2 MB)
CHUNK_ROWS = 500
CHUNK_BYTES = 1_000_000


#: JSON bytes of one row's 12 cells around their values (ExtendedValue, format), a little more
ROW_JSON_OVERHEAD = 1200


def _op_size(op: Op) -> tuple[int, int]:
    """(rows, bytes of the request at most) an op may write: its text as JSON sends
    it (ASCII: "ș" is the 6 bytes "\\u0219"), plus each row's cell wrapping."""
    if op.kind == "entry" and op.entry is not None:
        rows = max(1, len(op.entry.values))
    else:
        rows = max(1, len(op.rows))
    text = repr(op.rows) + repr(op.changes) + (repr(op.entry.values) if op.entry is not None else "")
    return rows, len(json.dumps(text)) + ROW_JSON_OVERHEAD * rows


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


def _groups(parts: list[_Part]) -> list[list[_Part]]:
    """Offices' parts packed in order into writes of at most ``CHUNK_ROWS`` rows and
    ``CHUNK_BYTES`` (each part is at most one chunk already)."""
    out: list[list[_Part]] = []
    rows = size = 0
    for p in parts:
        r, b = p.size
        if not out or (out[-1] and (rows + r > CHUNK_ROWS or size + b > CHUNK_BYTES)):
            out.append([])
            rows = size = 0
        out[-1].append(p)
        rows, size = rows + r, size + b
    return out


_REQUEST_INDEX = re.compile(r"requests\[(\d+)\]")


def _request_index(message: str) -> int | None:
    """The index of the request Google refused in a batchUpdate ("Invalid requests[3].appendCells: …")."""
    m = _REQUEST_INDEX.search(message or "")
    return int(m.group(1)) if m else None


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

"""The Google backend under faults injected by the emulator: rate limits,
server errors, slow answers, dropped connections, a killed process. After
draining, every submitted row is in the sheet exactly once.

gspread talks HTTP to the in-process emulator; backoffs are tiny (or on an
injected clock) so the whole file runs in seconds.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from datetime import date, timedelta

import pytest

from domain.rows import Row

from sheets import StoreError
from sheets.google import FRESH_MIN_AGE
from sheets.google.outbox import Outbox, backoff_delay
from tests.conftest import ROOT
from tests.google_fixtures import clock, emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after, google_store

SS = "1GoogleFaultTests_abcdefghijklmnopqrstuvwxyz"
PRESA = "SERVICIUL PRESĂ"
CONS = "SERVICIUL CONSILIERE ȘI ÎNDRUMARE"
MONDAY = date(2026, 11, 23)
WEEK = (MONDAY, MONDAY + timedelta(days=6))


def make(server, tmp_path, **options):
    return google_store(server, tmp_path, SS, **options)


@pytest.fixture
def store(server, tmp_path, clock):
    yield from closed_after(make(server, tmp_path, clock=clock, sleep=clock.sleep, max_attempts=30, backoff_unit=0.1, backoff_max=2))


def submit(store, days=3, clerks=("ana", "ion")):
    """Several clerks' days of both offices; returns the row ids submitted."""
    ids = []
    for i in range(days):
        day = MONDAY + timedelta(days=i)
        for clerk in clerks:
            rows = [Row("presa", day, "l544-studiere", clerk, lucrari=i + 1),
                    Row("presa", day, "solicitari-presa", clerk, lucrari=2, part="telefonice")]
            store.save_day("presa", day, clerk, rows)
            ids += [r.row_id for r in rows]
            row = Row("consiliere", day, "centrala-telefonica", clerk, lucrari=10 + i)
            store.save_day("consiliere", day, clerk, [row])
            ids.append(row.row_id)
    return ids


def ids_in_sheets(emu):
    found = Counter()
    for title in (PRESA, CONS):
        if title in emu.sheet_titles():
            found.update(r[0] for r in emu.get_values(title)[1:] if r and r[0])
    return found


def warm(store, emu):
    """The offices' worksheets exist and were read (the form pages did): new days are
    appended blind, and the only batchUpdates are the appends."""
    store.init()
    store.read(["presa", "consiliere"], *WEEK)
    emu.reset_counts()


def assert_exactly_once(emu, ids):
    found = ids_in_sheets(emu)
    assert sorted(found) == sorted(ids)
    assert set(found.values()) == {1}


# -- backoff --------------------------------------------------------------------


def test_backoff_follows_googles_formula():
    assert [backoff_delay(n, 32, rand=lambda: 0.5) for n in range(1, 9)] == [
        1.5, 2.5, 4.5, 8.5, 16.5, 32, 32, 32]
    assert [backoff_delay(n, 64, rand=lambda: 0.0) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 64, 64]
    assert [backoff_delay(n, 0.05, unit=0.01, rand=lambda: 0.25) for n in range(1, 5)] == pytest.approx(
        [0.0125, 0.0225, 0.0425, 0.05])
    for n in range(1, 12):  # the random part is at most one unit
        assert 2 ** (n - 1) <= backoff_delay(n, 10**6) <= 2 ** (n - 1) + 1
    assert backoff_delay(500, 32) == 32  # no overflow


def test_store_waits_the_backoff_sequence(store, emu, clock):
    store.rand = lambda: 0.5
    warm(store, emu)
    emu.inject("429", times=4, endpoint="spreadsheets.batchUpdate")
    rows = [Row("presa", MONDAY, "adrese-email", "ana", lucrari=1)]
    store.save_day("presa", MONDAY, "ana", rows)
    ids = [rows[0].row_id]
    result = store.sync()
    assert result == {"delivered": 1, "pending": 0, "failed": 0}
    # presa's append (appendCells) fails 4 times (429: certainly not applied)
    assert clock.slept == pytest.approx([0.15, 0.25, 0.45, 0.85])
    assert_exactly_once(emu, ids)


# -- faults ---------------------------------------------------------------------


def test_429_storm(store, emu, clock):
    store.read(["presa", "consiliere"], *WEEK)
    emu.storm("429", seconds=20)
    ids = submit(store)
    assert store.sync() == {"delivered": 12, "pending": 0, "failed": 0}
    assert_exactly_once(emu, ids)
    assert clock.now - 1_800_000_000.0 >= 20
    assert emu.counts()["endpoints"]["spreadsheets.batchUpdate"] >= 2


def test_bursts_of_500s(store, emu):
    seed = submit(store, days=1)
    store.sync()
    emu.inject("500", times=3, endpoint="write")
    emu.inject("503", times=2, endpoint="read")
    ids = seed + submit(store, days=3)[6:]  # new days, and day 1 again (an edit)
    store.save_day("presa", MONDAY, "ana", [Row("presa", MONDAY, "l544-studiere", "ana", lucrari=99)])
    ids.remove(Row("presa", MONDAY, "solicitari-presa", "ana", part="telefonice").row_id)
    result = store.sync()
    assert result == {"delivered": result["delivered"], "pending": 0, "failed": 0}
    assert_exactly_once(emu, ids)
    rows = store.read(["presa"], *WEEK, fresh=True).rows
    assert [r.lucrari for r in rows if r.day == MONDAY and r.clerk == "ana"] == [99]


@pytest.mark.parametrize("fault", ["drop_after_write", "drop_before_write"])
def test_dropped_connections(store, emu, fault):
    warm(store, emu)
    emu.inject(fault, times=2, endpoint="spreadsheets.batchUpdate")  # the combined write, and its retry
    ids = submit(store)
    assert store.sync()["pending"] == 0
    assert_exactly_once(emu, ids)
    assert store.outbox.counts()["delivered"] == 12
    used = emu.counts()["endpoints"]
    # both offices go in ONE write, after ONE read of both row 1s; the retries read both
    # worksheets whole (ONE batchGet) and write only what did not land: nothing after a
    # dropped answer; else the rows, after checking both row 1s again right before
    reads = [tuple(r.endswith("!1:1") for r in e["ranges"]) for e in emu.request_log()
             if e["endpoint"] == "values.batchGet"]
    if fault == "drop_after_write":
        assert reads == [(True, True), (False, False)]
        assert used == {"values.batchGet": 2, "spreadsheets.batchUpdate": 1}
    else:
        assert reads == [(True, True)] + [(False, False), (True, True)] * 2
        assert used == {"values.batchGet": 5, "spreadsheets.batchUpdate": 3}


def test_dropped_connection_on_a_batch_update(store, emu):
    ids = submit(store, days=1)
    store.sync()
    emu.inject("drop_after_write", times=1, endpoint="spreadsheets.batchUpdate")
    store.save_day("presa", MONDAY, "ana", [Row("presa", MONDAY, "l544-studiere", "ana", lucrari=7)])
    assert store.sync()["pending"] == 0
    ids.remove(Row("presa", MONDAY, "solicitari-presa", "ana", part="telefonice").row_id)
    assert_exactly_once(emu, ids)


def test_slow_answers_past_the_read_timeout(server, emu, tmp_path):
    """Real time: the emulator applies the append 0.8 s after it arrived, the
    store gave up at 0.5 s; the retry waits until such a write has landed and
    reads before writing."""
    emu.clock = time.monotonic
    store = make(server, tmp_path, timeout=(0.5, 0.5), backoff_unit=0.01, backoff_max=0.05)
    try:
        warm(store, emu)
        emu.inject(("slow", 0.8), times=1, endpoint="spreadsheets.batchUpdate")
        ids = submit(store, days=1)
        t0 = time.monotonic()
        assert store.sync(max_seconds=10) == {"delivered": 4, "pending": 0, "failed": 0}
        assert time.monotonic() - t0 >= 1.0  # waited out the in-flight time
        assert_exactly_once(emu, ids)
        # both offices' row 1 in ONE read, ONE write for both (slow), then the retry reads both
        # worksheets and has nothing to write: in one read, or one each when their backoffs
        # end in different passes (a busy machine)
        counts = emu.counts()["endpoints"]
        assert counts in ({"spreadsheets.batchUpdate": 1, "values.batchGet": 2},
                          {"spreadsheets.batchUpdate": 1, "values.batchGet": 1, "values.get": 2}), counts
    finally:
        store.session.close()


def test_slow_read_serves_the_last_good_read(server, emu, tmp_path):
    emu.clock = time.monotonic
    shift = [0.0]
    store = make(server, tmp_path, timeout=(0.5, 0.2), clock=lambda: time.time() + shift[0])
    try:
        store.save_day("presa", MONDAY, "ana", [Row("presa", MONDAY, "adrese-email", "ana", lucrari=3)])
        store.sync()
        first = store.read(["presa"], *WEEK, fresh=True)
        shift[0] += FRESH_MIN_AGE  # "refresh" sooner is served from the cache
        emu.inject(("slow", 0.4), times=1, endpoint="values.batchGet")
        again = store.read(["presa"], *WEEK, fresh=True)
        assert (again.stale, again.read_at, [r.lucrari for r in again.rows]) == (True, first.read_at, [3])
    finally:
        store.session.close()


def test_attempts_capped_then_failed_and_retried_by_hand(server, emu, tmp_path, clock):
    store = make(server, tmp_path, clock=clock, sleep=clock.sleep, max_attempts=3, backoff_unit=0.1)
    emu.storm("503", seconds=3600)
    ids = submit(store, days=1, clerks=("ana",))
    assert store.sync() == {"delivered": 0, "pending": 0, "failed": 2}
    failed = store.ops(statuses=("failed",))
    assert [(op.office, op.attempts) for op in failed] == [("presa", 3), ("consiliere", 3)]
    assert all(op.last_error == "Google a răspuns 503 (serviciu indisponibil) — detaliu: The service is currently unavailable."
               for op in failed)
    # failed saves stay in the views (nothing is lost) and count as pending
    emu.clear_faults()
    view = store.read(["presa", "consiliere"], *WEEK)
    assert (len(view.rows), view.pending) == (3, 2)
    # a new save is not blocked by failed ones
    store.save_day("presa", MONDAY + timedelta(days=1), "ana",
                   [Row("presa", MONDAY + timedelta(days=1), "adrese-email", "ana", lucrari=1)])
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 2}
    for op in failed:
        assert store.retry(op.id)
    assert not store.retry(failed[0].id)
    assert store.sync() == {"delivered": 2, "pending": 0, "failed": 0}
    assert_exactly_once(emu, ids + [Row("presa", MONDAY + timedelta(days=1), "adrese-email", "ana").row_id])


def test_reads_during_an_outage(store, emu, clock, server, tmp_path):
    ids = submit(store, days=1)
    store.sync()
    good = store.read(["presa", "consiliere"], *WEEK)
    emu.storm("503", seconds=600)
    clock.sleep(60)  # past the TTL
    stale = store.read(["presa", "consiliere"], *WEEK)
    assert (stale.stale, stale.read_at) == (True, good.read_at)
    assert sorted(r.row_id for r in stale.rows) == sorted(ids)
    # saves during the outage are in the stale view too
    store.save_day("presa", MONDAY, "ana", [Row("presa", MONDAY, "adrese-email", "ana", lucrari=5)])
    stale = store.read(["presa", "consiliere"], *WEEK, fresh=True)
    assert stale.stale and stale.pending == 1
    assert [r.activity for r in stale.rows if r.clerk == "ana" and r.office == "presa"] == ["adrese-email"]
    # another set of offices never read: nothing to serve
    other = make(server, tmp_path / "other", clock=clock, sleep=clock.sleep)
    with pytest.raises(StoreError) as err:
        other.read(["presa"], *WEEK)
    assert "Foaia de calcul Google nu răspunde acum." in str(err.value)
    clock.sleep(600)  # the outage is over
    assert not store.read(["presa", "consiliere"], *WEEK).stale


def test_two_stores_share_one_sender(server, emu, tmp_path, clock):
    """Two processes' stores on one outbox: the lease lets one flush at a time."""
    a = make(server, tmp_path, clock=clock, sleep=clock.sleep)
    b = make(server, tmp_path, clock=clock, sleep=clock.sleep)
    ids = submit(a, days=2)
    assert a.outbox.acquire_lease("otherhost:1:x", 60)  # a live sender elsewhere
    assert b.sync(max_seconds=3) == {"delivered": 0, "pending": 8, "failed": 0}
    assert emu.counts()["write"] == 0
    clock.sleep(61)  # its lease expired
    assert b.sync(max_seconds=3)["delivered"] == 8
    assert a.sync()["delivered"] == 0
    assert_exactly_once(emu, ids)


CHILD = textwrap.dedent("""
    import sys
    from datetime import date
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from forms import load_catalog
    from domain.rows import Row
    from sheets.google import GoogleStore
    from sheets.google.http import EmulatorSession

    store = GoogleStore({ss!r}, EmulatorSession({host!r}, timeout=(0.5, 2.0)), load_catalog(Path({root!r}) / "forms"),
                        {outbox!r}, sync_interval=0, timeout=(0.5, 2.0))
    day = date(2026, 11, 23)
    store.read(["presa"], day, day)  # a warm cache (the form page read it): the new days are appended blind
    for clerk in ("ana", "ion", "maria"):
        store.save_day("presa", day, clerk, [Row("presa", day, "adrese-email", clerk, lucrari=1)])
    print("saved", flush=True)
    store.sync()
    print("synced", flush=True)
""")


def test_killed_mid_flush_loses_and_duplicates_nothing(emu, server, tmp_path):
    """A process saves and starts sending; the append is slow; the process is
    killed (SIGKILL) while waiting for the answer; the emulator applies the
    append after the process died. A new process drains the outbox."""
    emu.clock = time.monotonic
    emu.create_spreadsheet("1CrashTestSpreadsheet_abcdefghijklmnop")
    ss = "1CrashTestSpreadsheet_abcdefghijklmnop"
    outbox = str(tmp_path / "outbox.sqlite3")
    # create the worksheet first, so the child's only write is the slow append
    first = google_store(server, tmp_path, ss)
    first.init()
    emu.reset_counts()  # the wait below is for the child's batchUpdate, not init's
    emu.inject(("slow", 1.0), times=1, endpoint="spreadsheets.batchUpdate")
    code = CHILD.format(root=str(ROOT), ss=ss, host=server.host, outbox=outbox)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "saved"
        deadline = time.monotonic() + 10
        while emu.counts()["endpoints"].get("spreadsheets.batchUpdate", 0) < 1:
            assert time.monotonic() < deadline, "the child never sent its append"
            time.sleep(0.01)
        time.sleep(0.1)  # mid-request: sent, not answered, not yet applied
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    ops = Outbox(outbox).ops(statuses=("pending",))
    assert [(op.clerk, op.attempts) for op in ops] == [("ana", 1), ("ion", 1), ("maria", 1)]
    # a new process drains: it waits until the killed request may have landed, reads, writes nothing twice
    second = google_store(server, tmp_path, ss, timeout=(0.5, 2.0))
    try:
        emu.reset_counts()
        assert second.sync(max_seconds=15) == {"delivered": 3, "pending": 0, "failed": 0}
        # the killed append had landed: found by the read, nothing written again
        assert emu.counts()["endpoints"] == {"spreadsheets.get": 1, "values.get": 1}
        values = emu.get_values(PRESA, spreadsheet_id=ss)[1:]
        day = date(2026, 11, 23)
        assert sorted(r[0] for r in values) == sorted(
            Row("presa", day, "adrese-email", c).row_id for c in ("ana", "ion", "maria"))
        assert [r.clerk for r in second.read(["presa"], *WEEK, fresh=True).rows] == ["ana", "ion", "maria"]
    finally:
        second.session.close()
        first.session.close()

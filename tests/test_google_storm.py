"""A 429 storm while clerks keep saving, through a real server (gunicorn -w 3,
Google backend, Sheets emulator on 127.0.0.1).

Issue 6 asks for two minutes of 429s. That is too long for CI, so the storm
runs on the emulator's injectable clock, 8 times faster than the wall clock:
120 emulated seconds last 15 real seconds. The app's own timings are scaled
the same way (backoff cap 32 s -> 4 s, cache TTL 30 s -> 4 s), so retries and
stale reads happen as often, relative to the storm, as in production.

What must hold: every form POST during the storm is answered (302, saved
to the outbox) within 10 seconds, which is the client's timeout here, so a
request waiting longer fails the test; once the storm is over the outbox
drains and the grid holds every row exactly once. The same when the storm
began before a worker's first read (a worker just (re)started): the pages
answer 503, but a posted form is still queued, not lost. The latency
distribution itself is measured in bench/ (bench/RESULTS.md), not asserted.
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from devtools.dates import today
from forms import load_catalog
from devtools.live import ROOT, Clerk, create_users, drained_outbox, fresh_instance, gunicorn

SS = "1StormSpreadsheet_abcdefghijklmnopqrstuv"
SPEEDUP = 8
STORM = 120  # emulated seconds
CLERKS = 10
PATIENCE = 10  # seconds a clerk waits for the answer to a save
CATALOG = load_catalog(ROOT / "forms")


class FastClock:
    """The emulator's clock, SPEEDUP times faster than the wall clock."""

    def __init__(self):
        self.t0 = time.time()

    def __call__(self) -> float:
        return self.t0 + (time.time() - self.t0) * SPEEDUP


def storm_env(server_host: str) -> dict:
    return {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS, "SHEETS_EMULATOR_HOST": server_host,
            "FLASK_SHEETS_SYNC_INTERVAL": "0.5", "FLASK_SHEETS_BACKOFF_MAX": str(32 / SPEEDUP),
            "FLASK_SHEETS_CACHE_TTL": str(30 / SPEEDUP), "FLASK_SHEETS_MAX_ATTEMPTS": "50"}


def clerk_fields(k: int, i: int):
    office = CATALOG.offices[k % 2]
    act = [a for a in office.activities if a.kind == "counts"][(k + i) % 5]
    return office.slug, act, {f"{act.id}__{act.counters[0]}": str(k * 100 + i + 1)}


def run_storm(base: str, emu, *, clerks: int = CLERKS, patience: float = PATIENCE):
    """Clerks save one day before the storm, then keep saving (one new day
    after another) for the storm's duration. Returns (expected rows
    [(office, day, activity, clerk, value)], failures, latencies of the
    saves made during the storm)."""
    people = [Clerk(base, f"furtuna{k:02d}") for k in range(clerks)]
    for p in people:
        p.login()
    expected, failures, latencies = [], [], []
    lock = threading.Lock()

    def save(k, i, timed):
        office, act, fields = clerk_fields(k, i)
        day = (today() - timedelta(days=i + 1)).isoformat()
        started = time.perf_counter()
        try:
            r = people[k].submit(office, day, fields, timeout=patience)
            status = r.status_code
        except Exception as exc:  # a timeout: the clerk waited too long
            status = repr(exc)
        elapsed = time.perf_counter() - started
        with lock:
            if timed:
                latencies.append(elapsed)
            if status == 302:
                expected.append((office, day, act.id, people[k].username, int(next(iter(fields.values())))))
            else:
                failures.append((people[k].username, day, status))

    with ThreadPoolExecutor(clerks) as pool:  # before the storm: the caches are warm
        list(pool.map(lambda k: save(k, 0, False), range(clerks)))
    emu.storm("429", seconds=STORM)
    end = time.monotonic() + STORM / SPEEDUP

    def keep_saving(k):
        i = 1
        while time.monotonic() < end and i < 60:
            save(k, i, True)
            i += 1
            time.sleep(0.2)

    with ThreadPoolExecutor(clerks) as pool:
        list(pool.map(keep_saving, range(clerks)))
    for p in people:
        p.close()
    return expected, failures, latencies


def grid_rows(emu):
    from sheets.google.layout import HEADER

    col = {h: i for i, h in enumerate(HEADER)}
    out = []
    for office in CATALOG.offices:
        try:
            values = emu.get_values(office.title)
        except Exception:
            continue
        for row in values[1:]:
            if any(row):
                row = list(row) + [""] * (len(HEADER) - len(row))
                value = row[col["Nr. lucrări"]] or row[col["Nr. documente produse"]]
                out.append((office.slug, row[col["Data"]], row[col["Activitate (cod)"]], row[col["Funcționar"]],
                            int(value), row[col["ID rând"]]))
    return out


@pytest.fixture(scope="module")
def storm_users():
    folder = Path(tempfile.mkdtemp(prefix="storm-users-"))
    create_users(folder, [(f"furtuna{k:02d}", "clerk", (CATALOG.offices[k % 2].slug,)) for k in range(CLERKS)])
    return folder / "app.sqlite3"


def test_saves_during_a_429_storm_are_answered_and_delivered_once(tmp_path, storm_users):
    from sheets_emulator import EmulatorServer, SheetsEmulator

    instance = fresh_instance(tmp_path, storm_users)
    emulator = SheetsEmulator(clock=FastClock())
    emulator.create_spreadsheet(SS, title="Raportare activitate")
    with EmulatorServer(emulator) as server, gunicorn(instance, workers=3, env=storm_env(server.host)) as base:
        expected, failures, latencies = run_storm(base, emulator)
        during = emulator.counts()
        counts = drained_outbox(instance)
    assert failures == []
    assert len(latencies) >= CLERKS * 5  # the storm really was busy
    assert during["failed"] > 0  # and Google really refused requests
    assert counts["pending"] == counts["failed"] == 0, counts
    grid = grid_rows(emulator)
    ids = Counter(r[-1] for r in grid)
    assert len(ids) == len(grid), ids.most_common(3)  # no row twice
    assert sorted(r[:-1] for r in grid) == sorted(expected)


def test_a_worker_that_never_read_still_queues_saves_during_a_storm(tmp_path, storm_users):
    from sheets_emulator import EmulatorServer, SheetsEmulator

    instance = fresh_instance(tmp_path, storm_users)
    emulator = SheetsEmulator(clock=FastClock())
    emulator.create_spreadsheet(SS, title="Raportare activitate")
    expected, statuses = [], []
    with EmulatorServer(emulator) as server, gunicorn(instance, workers=3, env=storm_env(server.host)) as base:
        # The storm starts once the server answers (its start-up makes no Sheets
        # request), so a slow start cannot eat it: 80 emulated = 10 real seconds.
        emulator.storm("429", seconds=80)
        people = [Clerk(base, f"furtuna{k:02d}") for k in range(4)]
        for k, clerk in enumerate(people):
            clerk.login()
            page = clerk.http.get(f"{base}/entry/{clerk_fields(k, 0)[0]}", timeout=PATIENCE)
            statuses.append(page.status_code)
            assert "Foaia de calcul Google nu răspunde acum." in page.text
            for i in range(3):
                office, act, fields = clerk_fields(k, i)
                day = (today() - timedelta(days=i + 1)).isoformat()
                r = clerk.submit(office, day, fields, timeout=PATIENCE)
                assert r.status_code == 302, r.text[-1500:]
                expected.append((office, day, act.id, clerk.username, int(next(iter(fields.values())))))
            clerk.close()
        counts = drained_outbox(instance)
    assert statuses == [503] * 4  # a page cannot be shown without any read
    assert counts["pending"] == counts["failed"] == 0, counts
    grid = grid_rows(emulator)
    assert len({r[-1] for r in grid}) == len(grid) == 12
    assert sorted(r[:-1] for r in grid) == sorted(expected)

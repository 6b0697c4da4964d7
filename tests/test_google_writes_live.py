"""Issue 16, through a real server: at 5 pm 40 clerks of 20 offices save
their day within 30 seconds (gunicorn -w 3, Google backend, the Sheets
emulator on 127.0.0.1 with Google's quota of 60 requests a minute, reads and
writes each). Every row arrives exactly once, the whole delivery costs at
most 12 write requests (one pass per sync interval on the host, one write per
pass whatever the number of offices) and Google never answers 429.
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
from devtools.live import Clerk, create_users, drained_outbox, fresh_instance, gunicorn
from forms import load_catalog
from sheets.google.capacity import Capacity
from sheets.google.layout import HEADER
from tests.many_offices import slug, write_catalog

SS = "1FivePmSpreadsheet_abcdefghijklmnopqrstuvw"
OFFICES = 20
CLERKS = 40  # two per office
WINDOW = 30  # seconds in which every clerk saves
ACTIVITIES = ("l544-studiere", "l544-verificare")


@pytest.fixture(scope="module")
def setup():
    folder = Path(tempfile.mkdtemp(prefix="five-pm-"))
    catalog_dir = write_catalog(folder / "forms", OFFICES)
    create_users(folder / "users", [(f"clerk{k:02d}", "clerk", (slug(k // 2 + 1),)) for k in range(CLERKS)])
    return catalog_dir, folder / "users" / "app.sqlite3"


def test_forty_clerks_of_twenty_offices_at_five_pm(tmp_path, setup):
    from sheets_emulator import EmulatorServer, SheetsEmulator

    catalog_dir, users = setup
    catalog = load_catalog(catalog_dir)
    instance = fresh_instance(tmp_path, users)
    emulator = SheetsEmulator()
    emulator.create_spreadsheet(SS, title="Raportare activitate")
    emulator.set_quota(60, 60)
    day = (today() - timedelta(days=1)).isoformat()
    expected, failures, posted = [], [], []
    lock = threading.Lock()
    env = {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS, "FLASK_CATALOG_DIR": str(catalog_dir),
           "FLASK_SHEETS_SYNC_INTERVAL": "5", "FLASK_SHEETS_MAX_ATTEMPTS": "50"}
    with EmulatorServer(emulator) as server, gunicorn(instance, workers=3,
                                                      env={**env, "SHEETS_EMULATOR_HOST": server.host}) as base:
        people = [Clerk(base, f"clerk{k:02d}") for k in range(CLERKS)]
        with ThreadPoolExecutor(4) as pool:  # signed in during the day
            list(pool.map(lambda p: p.login(), people))
        start = time.monotonic()

        def clerk(k: int):
            person = people[k]
            time.sleep(max(0.0, start + k * (WINDOW - 2) / CLERKS - time.monotonic()))  # 5 pm: one after another
            try:
                office = slug(k // 2 + 1)
                activity = ACTIVITIES[k % 2]
                value = 100 + k
                sent = time.monotonic() - start
                r = person.submit(office, day, {f"{activity}__lucrari": str(value)})
                with lock:
                    posted.append(sent)
                    if r.status_code == 302:
                        expected.append((office, day, activity, person.username, value))
                    else:
                        failures.append((person.username, r.status_code, r.text[-500:]))
            finally:
                person.close()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(clerk, range(CLERKS)))
        saved_in = time.monotonic() - start
        counts = drained_outbox(instance, seconds=90)
        used = emulator.counts()
        log = emulator.request_log()
        capacity = Capacity(instance / "capacity.sqlite3").totals(10**10)  # all (the app's clock is set back)
    assert failures == []
    assert max(posted) <= WINDOW, max(posted)  # every save posted within 30 s (answered in saved_in)
    assert counts["pending"] == counts["failed"] == 0, counts
    assert counts["delivered"] == CLERKS
    # every row once, in its office's worksheet
    col = {h: i for i, h in enumerate(HEADER)}
    grid = []
    for office in catalog.offices:
        for row in emulator.get_values(office.title)[1:]:
            if any(row):
                row = list(row) + [""] * (len(HEADER) - len(row))
                grid.append((office.slug, row[col["Data"]], row[col["Activitate (cod)"]], row[col["Funcționar"]],
                             int(row[col["Nr. lucrări"]]), row[col["ID rând"]]))
    assert len({r[-1] for r in grid}) == len(grid) == CLERKS
    assert sorted(r[:-1] for r in grid) == sorted(expected)
    # the write path's cost, and Google's answers
    print(f"\n40 clerks / 20 offices: saved in {saved_in:.1f} s; Sheets requests {used}")
    assert used["write"] <= 12, used
    assert not [e for e in log if e["status"] == 429]
    assert used["failed"] == 0, Counter(e["status"] for e in log)
    # the workers' shared counters saw every request the emulator counted
    assert (capacity["read"], capacity["write"], capacity["quota"]) == (used["read"], used["write"], 0)

"""Many clerks at once on a real server: gunicorn with 3 workers on
127.0.0.1, 50 clerks (threads, one requests.Session each) submitting 10 days
each. Every submission is a distinct (clerk, office, day, activity) cell, so
the store must end with exactly 500 rows and no duplicate. On the local
store, and on the Google backend against the Sheets emulator (500 rows in
the emulator's grid once the outbox has drained).

Bounded: every HTTP request has a timeout, the server is stopped at the end
of each test, the whole file takes well under a minute.
"""
from __future__ import annotations

import multiprocessing
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest

from devtools.dates import today
from forms import load_catalog
from sheets.local import LocalStore
from devtools.live import ROOT, Clerk, create_users, drained_outbox, fresh_instance, gunicorn

CLERKS, SUBMISSIONS = 50, 10  # 50 at once is the race; bench/ measures volume
CATALOG = load_catalog(ROOT / "forms")
SS = "1ConcurrencySpreadsheet_abcdefghijklmnop"


def plan():
    """clerk -> [(office, day, activity, counter, value)], 20 distinct days each."""
    out = {}
    for k in range(CLERKS):
        office = CATALOG.offices[k % 2]
        acts = [a for a in office.activities if a.kind == "counts"]
        cells = []
        for i in range(SUBMISSIONS):
            act = acts[(k + i) % len(acts)]
            day = today() - timedelta(days=i + 1)
            cells.append((office.slug, day, act.id, act.counters[0], k * 100 + i + 1))
        out[f"functionar{k:02d}"] = cells
    return out


PLAN = plan()
EXPECTED = sorted((office, day, activity, "", clerk, value if counter == "lucrari" else None,
                   value if counter == "documente" else None)
                  for clerk, cells in PLAN.items() for office, day, activity, counter, value in cells)


@pytest.fixture(scope="module")
def users_db():
    """The 50 clerks' state database, created once (hashing 50 passwords)."""
    folder = Path(tempfile.mkdtemp(prefix="clerks-"))
    create_users(folder, [(name, "clerk", (cells[0][0],)) for name, cells in PLAN.items()])
    return folder / "app.sqlite3"


def run_clerks(base: str) -> list[str]:
    """Every clerk signs in and submits their 10 days; returns the failures."""

    def one(name):
        clerk = Clerk(base, name)
        failures = []
        try:
            clerk.login()
            for office, day, activity, counter, value in PLAN[name]:
                r = clerk.submit(office, day.isoformat(), {f"{activity}__{counter}": str(value)})
                if r.status_code != 302:
                    failures.append(f"{name} {day} {activity}: {r.status_code}")
        except Exception as exc:  # a timeout or a refused connection is a failure, not a crash
            failures.append(f"{name}: {exc!r}")
        finally:
            clerk.close()
        return failures

    with ThreadPoolExecutor(CLERKS) as pool:
        return [f for result in pool.map(one, PLAN) for f in result]


def as_table(rows):
    return sorted((r.office, r.day, r.activity, r.part, r.clerk, r.lucrari, r.documente) for r in rows)


def test_50_clerks_times_10_submissions_local_store(tmp_path, users_db):
    instance = fresh_instance(tmp_path, users_db)
    with gunicorn(instance, workers=3) as base:
        failures = run_clerks(base)
    assert failures == []
    store = LocalStore(instance / "entries.sqlite3")
    rows = store.read(CATALOG.slugs, date(2000, 1, 1), today()).rows
    assert store.count() == len(rows) == CLERKS * SUBMISSIONS == 500
    assert len({r.row_id for r in rows}) == 500
    assert as_table(rows) == EXPECTED


def test_50_clerks_times_10_submissions_google_backend(tmp_path, users_db):
    from sheets_emulator import EmulatorServer
    from sheets.google.layout import HEADER
    instance = fresh_instance(tmp_path, users_db)
    with EmulatorServer() as server:
        emu = server.emulator
        emu.create_spreadsheet(SS, title="Raportare activitate")
        env = {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS,
               "SHEETS_EMULATOR_HOST": server.host, "FLASK_SHEETS_SYNC_INTERVAL": "0.5",
               # the race, not the quota: a pass every 0.5 s would wait on the 40-a-minute write
               # budget for most of the test (tests/test_google_writes_live.py keeps the budget)
               "FLASK_SHEETS_WRITE_BUDGET": "0"}
        with gunicorn(instance, workers=3, env=env) as base:
            failures = run_clerks(base)
            counts = drained_outbox(instance)
        assert failures == []
        assert counts["pending"] == counts["failed"] == 0, counts
        assert counts["delivered"] + counts["superseded"] == 500, counts
        grid = []
        for office in CATALOG.offices:
            values = emu.get_values(office.title)
            assert tuple(values[0][:len(HEADER)]) == HEADER
            grid += [(office.slug, row) for row in values[1:] if any(row)]
        ids = Counter(row[0] for _, row in grid)
        assert len(grid) == 500 and len(ids) == 500, ids.most_common(3)
        col = {h: i for i, h in enumerate(HEADER)}

        def number(row, name):
            text = row[col[name]] if col[name] < len(row) else ""
            return int(text) if text != "" else None

        got = sorted((slug, date.fromisoformat(row[col["Data"]]), row[col["Activitate (cod)"]],
                      row[col["Detaliu"]], row[col["Funcționar"]], number(row, "Nr. lucrări"),
                      number(row, "Nr. documente produse")) for slug, row in grid)
        assert got == EXPECTED


# -- the secret key of a fresh instance folder ----------------------------------------


def _key_worker(folder, barrier, queue):
    from app import _secret_key

    barrier.wait(timeout=30)
    try:
        queue.put(_secret_key(Path(folder)))
    except Exception as exc:
        queue.put(repr(exc))


def test_workers_starting_together_agree_on_one_secret_key(tmp_path):
    """Six processes create the key of a fresh instance folder at the same
    moment (before the fix: FileExistsError, or an empty key, in about one
    trial out of three): every one gets the same complete key."""
    ctx = multiprocessing.get_context("fork")  # the children only call _secret_key (os, secrets)
    for trial in range(10):
        folder = tmp_path / f"i{trial}"
        folder.mkdir()
        barrier, queue = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_key_worker, args=(str(folder), barrier, queue)) for _ in range(6)]
        for p in procs:
            p.start()
        keys = [queue.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(timeout=10)
        assert len(set(keys)) == 1 and len(keys[0]) == 64, keys
        assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no temporary file left

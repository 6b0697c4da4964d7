"""Form POST latency through a real server: gunicorn -w 3 on 127.0.0.1 and
20 concurrent clerks (threads, one requests.Session each, CSRF tokens as a
browser has them). Each POST is timed alone; its redirect (the form page
again, as a browser loads it) is followed untimed.

Scenarios: local store; Google backend (emulator); Google during a 429
storm (2 emulated minutes on a clock 8x faster: 15 s); Google whose reads
hang past the read timeout (SHEETS_TIMEOUT's 20 s) for 25 s, for the form's
POST and for the weekly report page (GET /report, timed alone).

The load generator runs on the same 2 cores as the server: latencies
include that contention.
"""
from __future__ import annotations

import sqlite3
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from devtools.dates import today
from forms import load_catalog
from devtools.live import ROOT, Clerk, create_users, gunicorn

CLIENTS = 20
POSTS = 25
SS = "1BenchLatencySpreadsheet_abcdefghijklmn"
CATALOG = load_catalog(ROOT / "forms")


class FastClock:
    def __init__(self, speedup: float):
        self.t0, self.speedup = time.time(), speedup

    def __call__(self) -> float:
        return self.t0 + (time.time() - self.t0) * self.speedup


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(latencies, seconds, errors) -> dict:
    ms = [x * 1000 for x in latencies]
    return {"posts": len(ms), "errors": errors, "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95),
            "p99_ms": percentile(ms, 99), "max_ms": max(ms) if ms else float("nan"),
            "mean_ms": statistics.mean(ms) if ms else float("nan"), "throughput_per_s": len(ms) / seconds}


def clerks_db(folder: Path, n: int) -> Path:
    create_users(folder, [(f"banc{k:02d}", "clerk", (CATALOG.offices[k % 2].slug,)) for k in range(n)])
    return folder / "app.sqlite3"


def new_instance(tmp: Path, users_db: Path, name: str) -> Path:
    instance = tmp / name
    instance.mkdir()
    with sqlite3.connect(users_db) as src, sqlite3.connect(instance / "app.sqlite3") as dst:
        src.backup(dst)
    return instance


def drive(base: str, clients: int, posts: int | None, duration: float | None, pause: float = 0.0,
          before=None, report: bool = False) -> dict:
    """``clients`` clerks sign in and open their form; then each POSTs one
    new day after another: ``posts`` times, or until ``duration`` seconds
    have passed. ``before()`` runs after sign-in, before the timed phase.
    ``report``: open the weekly report instead of posting."""
    people = [Clerk(base, f"banc{k:02d}") for k in range(clients)]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda c: c.login(), people))
    if before is not None:
        before()
    latencies, errors, lock = [], [], threading.Lock()
    end = time.monotonic() + duration if duration else None

    def one(k):
        clerk = people[k]
        office = CATALOG.offices[k % 2]
        acts = [a for a in office.activities if a.kind == "counts"]
        i = 0
        while (posts is None or i < posts) and (end is None or time.monotonic() < end) and i < 300:
            act = acts[(k + i) % len(acts)]
            day = (today() - timedelta(days=i + 1)).isoformat()
            started = time.perf_counter()
            try:
                if report:
                    r = clerk.http.get(clerk.base + "/report", timeout=60)
                    elapsed, ok = time.perf_counter() - started, r.status_code == 200
                else:
                    r = clerk.submit(office.slug, day, {f"{act.id}__{act.counters[0]}": str(i + 1)}, timeout=60)
                    elapsed = time.perf_counter() - started
                    ok = r.status_code == 302
                    if ok:
                        clerk.http.get(clerk.base + r.headers["Location"], timeout=60)
            except Exception as exc:  # noqa: BLE001 - counted, reported
                elapsed, ok = time.perf_counter() - started, False
                r = exc
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors.append(getattr(r, "status_code", repr(r)))
            i += 1
            if pause:
                time.sleep(pause)

    started = time.monotonic()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))
    seconds = time.monotonic() - started
    for p in people:
        p.close()
    return summary(latencies, seconds, len(errors))


def google_env(host: str, **extra) -> dict:
    env = {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS, "SHEETS_EMULATOR_HOST": host,
           "FLASK_SHEETS_SYNC_INTERVAL": "1"}
    env.update({f"FLASK_{k}": str(v) for k, v in extra.items()})
    return env


def run() -> tuple[str, dict]:
    from sheets_emulator import EmulatorServer, SheetsEmulator

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        users = clerks_db(tmp / "users", CLIENTS)

        with gunicorn(new_instance(tmp, users, "local")) as base:
            results["local store"] = drive(base, CLIENTS, POSTS, None)

        emu = SheetsEmulator()
        emu.create_spreadsheet(SS, title="Raportare activitate")
        with EmulatorServer(emu) as server, gunicorn(new_instance(tmp, users, "google"),
                                                     env=google_env(server.host)) as base:
            results["Google backend (emulator)"] = drive(base, CLIENTS, POSTS, None)

        speedup = 8
        emu = SheetsEmulator(clock=FastClock(speedup))
        emu.create_spreadsheet(SS, title="Raportare activitate")
        with EmulatorServer(emu) as server, gunicorn(
                new_instance(tmp, users, "storm"),
                env=google_env(server.host, SHEETS_BACKOFF_MAX=32 / speedup, SHEETS_CACHE_TTL=30 / speedup,
                               SHEETS_MAX_ATTEMPTS=50)) as base:
            results["Google, 429 storm (120 s at 8x = 15 s)"] = drive(
                base, CLIENTS, None, 120 / speedup, pause=0.2, before=lambda: emu.storm("429", seconds=120))

        emu = SheetsEmulator()
        emu.create_spreadsheet(SS, title="Raportare activitate")
        with EmulatorServer(emu) as server, gunicorn(
                new_instance(tmp, users, "slow"), env=google_env(server.host, SHEETS_CACHE_TTL=4)) as base:
            results["Google, reads hang 25 s (past the 20 s read timeout), 30 s"] = drive(
                base, 5, None, 30, pause=1.0, before=lambda: emu.storm(("slow", 25), seconds=30, endpoint="read"))

        emu = SheetsEmulator()
        emu.create_spreadsheet(SS, title="Raportare activitate")
        with EmulatorServer(emu) as server, gunicorn(
                new_instance(tmp, users, "slow-report"), env=google_env(server.host, SHEETS_CACHE_TTL=4)) as base:
            results["Google, reads hang 25 s, 30 s: weekly report (GET /report)"] = drive(
                base, 5, None, 30, pause=1.0, before=lambda: emu.storm(("slow", 25), seconds=30, endpoint="read"),
                report=True)

    lines = ["| scenario | requests | errors | p50 | p95 | p99 | max | requests/s |",
             "|---|---|---|---|---|---|---|---|"]
    for name, s in results.items():
        lines.append(f"| {name} | {s['posts']} | {s['errors']} | {s['p50_ms']:.0f} ms | {s['p95_ms']:.0f} ms | "
                     f"{s['p99_ms']:.0f} ms | {s['max_ms']:.0f} ms | {s['throughput_per_s']:.0f} |")
    return "\n".join(lines), results


if __name__ == "__main__":
    print(run()[0])

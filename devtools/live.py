"""A real gunicorn server of the app on 127.0.0.1, and clerks driving it
over HTTP with requests; used by tests/test_concurrency.py and bench/.

Everything is bounded: the server is started on a free local port, every
HTTP request has a timeout, and the server is stopped (SIGTERM, then
SIGKILL) when the ``with`` block ends.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests

from devtools.dates import START

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "parola-de-test-1"
TIMEOUT = 30  # seconds, any single HTTP request in these tests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _add_users(args) -> int:
    instance, accounts = args
    sys.path.insert(0, str(ROOT))
    from state.db import StateDB
    from state.users import UserStore

    from domain.clock import Clock

    # accounts that existed before every period the tests and benches use
    users = UserStore(StateDB(Path(instance) / "app.sqlite3", Clock("2000-01-03")))
    for name, role, offices in accounts:
        users.add(name, PASSWORD, role, offices)
    return len(accounts)


def create_users(instance: Path, accounts: list[tuple[str, str, tuple[str, ...]]], processes: int = 2) -> None:
    """Add ``accounts`` (name, role, offices) with UserStore, hashing the
    passwords (scrypt, ~0.1 s each) in ``processes`` processes."""
    instance.mkdir(parents=True, exist_ok=True)
    _add_users((str(instance), []))  # the schema, once
    chunks = [(str(instance), accounts[i::processes]) for i in range(processes)]
    with ProcessPoolExecutor(processes) as pool:
        assert sum(pool.map(_add_users, chunks)) == len(accounts)


def _optional_flags() -> list[str]:
    """Recent gunicorn versions open a control socket at one fixed path
    (~/.gunicorn/gunicorn.ctl): servers started side by side (tests, bench)
    would fight over it."""
    from gunicorn import config

    known = {flag for setting in config.KNOWN_SETTINGS for flag in (setting.cli or [])}
    return ["--no-control-socket"] if "--no-control-socket" in known else []


@contextmanager
def gunicorn(instance: Path, *, workers: int = 3, env: dict | None = None, log: Path | None = None,
             ready_timeout: float = 30):
    """``gunicorn -w N -b 127.0.0.1:PORT 'app:create_app()'`` with
    FLASK_INSTANCE_PATH=instance; yields the base URL."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    environment.update({"FLASK_INSTANCE_PATH": str(instance), "PYTHONUNBUFFERED": "1", "FLASK_CLOCK_START": START})
    environment.update(env or {})
    log = log or instance / "gunicorn.log"
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
             "--graceful-timeout", "5", "--timeout", "60", *_optional_flags(), "app:create_app()"],
            cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if requests.get(base + "/login", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or busy starting
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready after {ready_timeout} s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM to the server (gunicorn stops its workers), SIGKILL to the
    process group if it is still there after ``timeout`` seconds."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def token_of(html: str) -> str:
    m = _TOKEN.search(html)
    assert m, "no CSRF token in the page"
    return m.group(1)


class Clerk:
    """One person in a browser: a requests.Session, CSRF tokens, no redirects followed."""

    def __init__(self, base: str, username: str, password: str = PASSWORD):
        self.base, self.username, self.password = base, username, password
        self.http = requests.Session()
        self.token = ""

    def login(self) -> None:
        page = self.http.get(self.base + "/login", timeout=TIMEOUT)
        r = self.http.post(self.base + "/login", timeout=TIMEOUT, allow_redirects=False,
                           data={"username": self.username, "password": self.password,
                                 "csrf_token": token_of(page.text)})
        assert r.status_code == 302, (self.username, r.status_code, r.text[:500])
        self.token = token_of(self.http.get(self.base + "/", timeout=TIMEOUT).text)

    def submit(self, office: str, day: str, fields: dict, timeout: float = TIMEOUT) -> requests.Response:
        return self.http.post(f"{self.base}/entry/{office}?date={day}", data=dict(fields, csrf_token=self.token),
                              timeout=timeout, allow_redirects=False)

    def close(self) -> None:
        self.http.close()


def fresh_instance(tmp_path: Path, users_db: Path) -> Path:
    """An instance folder with the users and nothing else (no secret key
    yet: the workers create it at their first start, concurrently)."""
    import sqlite3

    instance = tmp_path / "instance"
    instance.mkdir()
    with sqlite3.connect(users_db) as src, sqlite3.connect(instance / "app.sqlite3") as dst:
        src.backup(dst)
    return instance


def drained_outbox(instance: Path, seconds: float = 60) -> dict:
    """The outbox's counts once nothing is pending (or ``seconds`` passed)."""
    from sheets.google.outbox import Outbox

    outbox = Outbox(instance / "outbox.sqlite3")
    deadline = time.monotonic() + seconds
    while outbox.counts()["pending"] and time.monotonic() < deadline:
        time.sleep(0.5)
    return outbox.counts()


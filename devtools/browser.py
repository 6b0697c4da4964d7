"""Helpers of the browser tests and of scripts/screenshots.py: a real app
server process (per store backend), Debian's Chromium, keyboard navigation,
reading the report table, screenshots.

Plain module (no pytest import), so that the screenshot script can use it.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from devtools.dates import START, today  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "parola-browser-1"
SPREADSHEET_ID = "browser-tests-sheet"

#: username -> (role, offices): created through the CLI before the server starts.
ACCOUNTS = {
    "presa1": ("clerk", ("presa",)),
    "presa2": ("clerk", ("presa",)),
    "consiliere1": ("clerk", ("consiliere",)),
    "sef": ("supervisor", ()),
    "admin": ("admin", ()),
}

MISSING_CHROMIUM = (f"Chromium is missing at {CHROMIUM}: the browser tests need Debian's chromium. "
                    "Run `bash scripts/test.sh` (it installs it with apt-get) or `apt-get install chromium`. "
                    "Never `playwright install`.")


# -- processes ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def clean_env(**extra: str) -> dict:
    """The environment of a child process: no FLASK_* or emulator setting
    leaks in from the developer's shell; unbuffered output (it is parsed)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FLASK_") and k not in ("SHEETS_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS")}
    env.update(PYTHONUNBUFFERED="1", PYTHONDONTWRITEBYTECODE="1", FLASK_CLOCK_START=START)
    env.update(extra)
    return env


class Process:
    """A child process in its own process group, output to a log file."""

    def __init__(self, name: str, args: list[str], env: dict, logdir: Path):
        self.name = name
        self.log = logdir / f"{name}.log"
        self._fh = open(self.log, "w", encoding="utf-8")
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self._fh, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)

    def output(self) -> str:
        if not self._fh.closed:
            self._fh.flush()
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, url: str, timeout: float = 30) -> None:
        """Until ``url`` answers any HTTP status (the process is serving)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.output()[-4000:]}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not answer {url} within {timeout}s:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # its own group: start_new_session
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._fh.close()


@dataclass
class Server:
    backend: str
    url: str
    instance: Path
    env: dict
    passwords: dict[str, str] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    states: dict[str, dict] = field(default_factory=dict)  # username -> Playwright storage state
    emulator_url: str = ""  # the Sheets emulator of the "google" backend

    def stored_rows(self, office_slug: str, office_title: str) -> list[dict]:
        """The office's rows as the store holds them, read behind the app's
        back: the local SQLite file, or the emulated spreadsheet's worksheet
        (what a person sees in Google Sheets). Each row: day (ISO), activity,
        part, clerk, lucrari, documente (int or None)."""
        if self.backend == "local":
            with sqlite3.connect(f"file:{self.instance / 'entries.sqlite3'}?mode=ro", uri=True) as con:
                cur = con.execute("SELECT day, activity, part, clerk, lucrari, documente FROM rows WHERE office=?",
                                  (office_slug,))
                return [dict(zip(("day", "activity", "part", "clerk", "lucrari", "documente"), r)) for r in cur]
        query = urllib.parse.urlencode({"title": office_title, "spreadsheet_id": SPREADSHEET_ID})
        with urllib.request.urlopen(f"{self.emulator_url}/__emulator/values?{query}", timeout=10) as response:
            values = json.load(response)["values"]
        if not values:
            return []
        header, out = values[0], []
        col = {name: header.index(name) for name in header}
        pick = lambda row, name: row[col[name]] if col[name] < len(row) else ""  # noqa: E731
        for row in values[1:]:
            if not any(row):
                continue
            day = pick(row, "Data")
            if re.fullmatch(r"\d\d\.\d\d\.\d{4}", day):
                day = f"{day[6:]}-{day[3:5]}-{day[:2]}"
            out.append({"day": day, "activity": pick(row, "Activitate (cod)"), "part": pick(row, "Detaliu"),
                        "clerk": pick(row, "Funcționar"),
                        **{k: int(v) if str(v).strip() else None
                           for k, v in (("lucrari", pick(row, "Nr. lucrări")),
                                        ("documente", pick(row, "Nr. documente produse")))}})
        return out

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.output()[-3000:]}" for p in self.processes)

    def stop(self) -> None:
        for p in reversed(self.processes):
            p.stop()


def add_users(env: dict, accounts: dict = ACCOUNTS, password: str = PASSWORD) -> None:
    """``flask --app app users add`` for every account, the password typed
    twice on stdin (the CLI's prompts), all at once."""
    procs = []
    for username, (role, offices) in accounts.items():
        args = [sys.executable, "-m", "flask", "--app", "app", "users", "add", username, "--role", role,
                "--no-change-required"]
        for office in offices:
            args += ["--service", office]
        procs.append((username, subprocess.Popen(args, cwd=ROOT, env=env, stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)))
    for username, proc in procs:
        out, _ = proc.communicate(f"{password}\n{password}\n", timeout=120)
        if proc.returncode != 0 or f"Added {username}" not in out:
            raise RuntimeError(f"users add {username} failed ({proc.returncode}):\n{out}")


def start_server(backend: str, tmp: Path, *, demo: bool = False, clock: str = START) -> Server:
    """``python app.py`` on a free port of 127.0.0.1 with the store
    ``backend`` ("local", or "google" against ``python -m sheets_emulator``).
    With ``demo`` the app loads the seed week and the passwords it prints
    are kept; otherwise ACCOUNTS are created through the CLI first. The
    server's clock starts at ``clock`` (devtools/dates.py), never the real date."""
    instance = tmp / "instance"
    instance.mkdir(parents=True)
    env = clean_env(FLASK_INSTANCE_PATH=str(instance), FLASK_SHEETS_BACKEND=backend, FLASK_CLOCK_START=clock)
    processes: list[Process] = []
    emulator_url = ""
    try:
        if backend == "google":
            port = free_port()
            emulator = Process("emulator", [sys.executable, "-m", "sheets_emulator", "--port", str(port),
                                            "--spreadsheet", SPREADSHEET_ID], clean_env(), tmp)
            processes.append(emulator)
            emulator.wait_for(f"http://127.0.0.1:{port}/__emulator/counts")
            env.update(FLASK_GOOGLE_SPREADSHEET_ID=SPREADSHEET_ID, SHEETS_EMULATOR_HOST=f"127.0.0.1:{port}",
                       FLASK_SHEETS_SYNC_INTERVAL="1")
            emulator_url = f"http://127.0.0.1:{port}"
        if not demo:
            add_users(env)
        port = free_port()
        args = [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port)] + (["--demo"] if demo else [])
        app = Process(f"app-{backend}{'-demo' if demo else ''}", args, env, tmp)
        processes.append(app)
        url = f"http://127.0.0.1:{port}"
        app.wait_for(url + "/login", timeout=60)
    except BaseException:
        for p in reversed(processes):
            p.stop()
        raise
    server = Server(backend, url, instance, env, processes=processes, emulator_url=emulator_url)
    if demo:
        out = app.output()
        server.passwords = dict(re.findall(r"^  (\w+): (\S+)$", out, re.M))
        admin = re.search(r"created user 'admin' with password: (\S+)", out)
        if admin:
            server.passwords["admin"] = admin.group(1)
    else:
        server.passwords = {name: PASSWORD for name in ACCOUNTS}
    return server


# -- the browser -------------------------------------------------------------------


def launch(playwright):
    """Debian's Chromium, headless; never a downloaded browser."""
    if not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(MISSING_CHROMIUM)
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def new_context(browser, server: Server, **kwargs):
    options = {"base_url": server.url, "locale": "ro-RO", "timezone_id": "Europe/Bucharest",
               "accept_downloads": True, "viewport": {"width": 1280, "height": 800}}
    options.update(kwargs)
    ctx = browser.new_context(**options)
    ctx.set_default_timeout(15_000)
    return ctx


def sign_in(page, username: str, password: str) -> None:
    """Through the sign-in form, as a person would (labels, button)."""
    page.goto("/login")
    page.get_by_label("Utilizator").fill(username)
    page.get_by_label("Parolă").fill(password)
    page.get_by_role("button", name="Intră").click()
    page.wait_for_url(lambda url: "/login" not in url)


def choose_password(page, current: str, new: str) -> None:
    """On *Parola mea* (where a password someone else chose leads): a new one."""
    page.get_by_label("Parola actuală").fill(current)
    page.get_by_label("Parola nouă", exact=True).fill(new)
    page.get_by_label("Confirmați parola nouă").fill(new)
    page.get_by_role("button", name="Schimbă parola").click()
    page.wait_for_url(lambda url: "/password" not in url)


def is_focused(locator) -> bool:
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, max_presses: int = 120) -> None:
    """Press Tab until ``locator`` has the focus (keyboard only; fails if
    it is never reached, i.e. not in the tab order)."""
    for _ in range(max_presses):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    raise AssertionError(f"{locator} not reached with {max_presses} presses of Tab")


def focused_description(page) -> str:
    return page.evaluate("() => { const e = document.activeElement;"
                         " return e ? `${e.tagName} ${e.id} ${(e.textContent || '').trim().slice(0, 40)}` : ''; }")


def report_rows(page, slug: str) -> dict[str, list[str]]:
    """The report table of office ``slug``: {activity text: [count cell texts]}
    (line breaks inside a cell as \\n)."""
    return page.evaluate(
        """slug => {
            const out = {};
            const section = document.querySelector(`section[aria-labelledby="report-office-${slug}"]`);
            if (!section) return null;
            for (const tr of section.querySelectorAll('tbody tr')) {
                const act = tr.querySelector('td.report-activity');
                const cells = [...tr.querySelectorAll('td.report-count')].map(td => td.innerText.trim());
                out[act.innerText.trim()] = cells;
            }
            return out;
        }""",
        slug,
    )


def screenshot(page, name: str, *, full_page: bool = True, max_height: int = 3000,
               folder: Path = SCREENSHOTS) -> Path:
    """A PNG of the page (by default in the git-ignored test-artifacts/):
    the whole page down to ``max_height`` pixels, or the viewport."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    if full_page:
        width, height = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.scrollHeight]")
        page.screenshot(path=str(path), full_page=True,
                        clip={"x": 0, "y": 0, "width": width, "height": min(height, max_height)})
    else:
        page.screenshot(path=str(path))
    return path


# -- dates -------------------------------------------------------------------------


def bucharest_today() -> date:
    """The date the servers of the tests run at (devtools/dates.py)."""
    return today()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_ago(n: int, weekday: int = 0) -> date:
    """A day of the week ``n`` weeks before the current one (0 = Monday).
    Each test writes in a week of its own, so the totals it reads are its own."""
    return monday_of(bucharest_today()) - timedelta(weeks=n) + timedelta(days=weekday)


def week_slug(day: date) -> str:
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"

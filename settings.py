"""Every setting of the app, declared once: name, default, meaning.

Read from ``FLASK_<NAME>`` environment variables (a ``.env`` file in the
project folder is honoured) and from ``instance/config.py``. The README's
settings table is this list (``python settings.py`` prints it; a test
compares them). Imports nothing of the app.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    meaning: str
    shown_default: str = ""  # how the README shows the default, when not the value itself
    documented: bool = True  # False: Flask's own fixed choices, not meant to be changed


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", None, "signs sessions and CSRF tokens", "random, kept in `instance/secret_key`"),
    Setting("CLOCK_START", "", "an instant (`2026-12-01` or `2026-12-01T10:00`, Bucharest time) the app's one "
            "clock starts at and runs on from: \"today\" of every page, the demo and the report, and the time "
            "stamps written (tests, demos, screenshots)", "empty (the real time)"),
    Setting("CATALOG_DIR", str(HERE / "forms"), "folder of the office catalog files that seed an empty instance (then: `catalog import`)", "`forms/`"),
    Setting("SHEETS_BACKEND", "local", "`local` (SQLite in the instance folder) or `google`"),
    Setting("GOOGLE_SPREADSHEET_ID", "", "the spreadsheet holding the rows (google backend)", "—"),
    Setting("GOOGLE_CREDENTIALS_FILE", "", "service-account JSON key file (google backend)", "—"),
    Setting("SHEETS_CACHE_TTL", 30, "seconds a Google read is reused; supervisors' edits show within it"),
    Setting("SHEETS_SYNC_INTERVAL", 5, "seconds between outbox deliveries (0: no background sender)"),
    Setting("SHEETS_TIMEOUT", [5, 20], "connect and read timeout (s) of every Google request (`\"5,20\"` or one "
            "number also accepted)"),
    Setting("SHEETS_READ_BUDGET", 4, "seconds a page waits for Google when it has something else to show: an "
            "earlier read (shown with a \"date din …\" banner while the read goes on in the background) or a "
            "correction kept in the outbox"),
    Setting("SHEETS_FIRST_READ_BUDGET", 8, "seconds a page waits for Google when nothing has been read yet; then "
            "it answers 503 (\"Foaia de calcul Google nu răspunde acum\")"),
    Setting("SHEETS_REFRESH_PER_MINUTE", 30, "fresh Google reads asked with „Reîncarcă” (`?refresh=1`) in any "
            "60 seconds, all users and workers together; past it pages show the last read, with its time"),
    Setting("SHEETS_WRITE_BUDGET", 40, "Google writes the outbox's sender sends in any 60 seconds, all workers "
            "together (Google allows 60; the rest is left for corrections); 0: no limit"),
    Setting("SHEETS_BACKOFF_MAX", 32, "longest wait (s) between retries of an undelivered submission"),
    Setting("SHEETS_MAX_ATTEMPTS", 10, "tries before a submission is marked failed (listed on *Sincronizare*, "
            "retried by hand)"),
    Setting("MAX_CONTENT_LENGTH", 256 * 1024, "largest request body, bytes"),
    Setting("SESSION_COOKIE_SECURE", None, "session cookie only over HTTPS; by default on when "
            "`PREFERRED_URL_SCHEME` is `https`", "automatic"),
    Setting("REMEMBER_COOKIE_SECURE", None, "\"Ține-mă minte\" cookie only over HTTPS; automatic like the "
            "session cookie", "automatic"),
    Setting("PREFERRED_URL_SCHEME", "http", "set `https` when the app is served over HTTPS"),
    Setting("TRUSTED_PROXIES", 0, "reverse proxies in front of the app whose `X-Forwarded-*` headers are trusted"),
    Setting("REMEMBER_COOKIE_DURATION", 5 * 24 * 3600, "seconds \"Ține-mă minte\" lasts (5 days: a working week)"),
    Setting("WTF_CSRF_TIME_LIMIT", 8 * 3600, "seconds a form stays valid (an expired entry form keeps its values)"),
    Setting("SESSION_MAX_AGE", 12 * 3600, "seconds a sign-in without \"Ține-mă minte\" lasts on the server "
            "(sign-out ends it at once)"),
    Setting("LOGIN_MAX_ATTEMPTS", 5, "failed sign-ins in a row for one account before each further try waits "
            "(15 s, then doubling; an admin can unlock it on *Utilizatori*)"),
    Setting("LOGIN_WINDOW_SECONDS", 900, "the longest of those waits; also the window of `LOGIN_ADDRESS_LIMIT`"),
    Setting("LOGIN_ADDRESS_LIMIT", 100, "failed sign-ins from one address within the window after which each "
            "try from it is slowed (never refused: a whole office may share the address)"),
    Setting("LOGIN_ADDRESS_DELAY", 1, "seconds each try from an address over its limit waits"),
    Setting("SESSION_COOKIE_HTTPONLY", True, "", documented=False),
    Setting("SESSION_COOKIE_SAMESITE", "Lax", "", documented=False),
    Setting("REMEMBER_COOKIE_HTTPONLY", True, "", documented=False),
    Setting("REMEMBER_COOKIE_SAMESITE", "Lax", "", documented=False),
)

#: name -> default, for ``app.config.from_mapping``.
DEFAULTS: dict[str, object] = {s.name: s.default for s in SETTINGS if s.name != "SECRET_KEY"}


def default(name: str):
    return next(s.default for s in SETTINGS if s.name == name)


def markdown_table() -> str:
    """The README's settings table."""
    lines = ["| key (`FLASK_` + …) | default | meaning |", "|---|---|---|"]
    for s in SETTINGS:
        if not s.documented:
            continue
        shown = s.shown_default or f"`{s.default}`"
        lines.append(f"| `{s.name}` | {shown} | {s.meaning} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())

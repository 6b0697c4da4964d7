"""Settings of the Google backend, checked at start-up without any network
call: ``open_google_store`` builds the store from the app's config."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import requests

from settings import default

from .http import SHEETS_API_ORIGIN, DefaultTimeoutMixin, EmulatorSession
from .store import GoogleStore

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
EMULATOR_ENV = "SHEETS_EMULATOR_HOST"


def _config_error(message: str):
    from .. import ConfigError

    return ConfigError(message)


def parse_spreadsheet_id(value) -> str:
    """GOOGLE_SPREADSHEET_ID: the id, or the spreadsheet's URL (the id is taken from it)."""
    text = str(value or "").strip()
    if not text:
        raise _config_error("GOOGLE_SPREADSHEET_ID is not set (env FLASK_GOOGLE_SPREADSHEET_ID): "
                            "the id in the spreadsheet's URL, docs.google.com/spreadsheets/d/<id>/edit.")
    m = re.search(r"/spreadsheets/d/([A-Za-z0-9_-]+)", text)
    if m:
        text = m.group(1)
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,200}", text):
        raise _config_error(f"GOOGLE_SPREADSHEET_ID={text!r} is not a spreadsheet id "
                            "(letters, digits, '-' and '_', as in docs.google.com/spreadsheets/d/<id>/edit).")
    return text


def parse_timeout(value) -> tuple[float, float]:
    """SHEETS_TIMEOUT: "5,20", [5, 20] or one number for both (seconds)."""
    try:
        if isinstance(value, str):
            parts = [float(p) for p in value.replace(";", ",").split(",") if p.strip()]
        elif isinstance(value, (int, float)):
            parts = [float(value)]
        else:
            parts = [float(p) for p in value]
        if len(parts) == 1:
            parts *= 2
        connect, read = parts
        if connect <= 0 or read <= 0:
            raise ValueError
    except (TypeError, ValueError):
        raise _config_error(f"SHEETS_TIMEOUT={value!r}: expected two positive numbers of seconds, "
                            "connect and read, e.g. [5, 20].") from None
    return connect, read


def _number(config, key: str, minimum: float = 0) -> float:
    try:
        value = float(config.get(key, default(key)))
    except (TypeError, ValueError):
        raise _config_error(f"{key}={config.get(key)!r}: expected a number.") from None
    if value < minimum:
        raise _config_error(f"{key}={value:g}: must be at least {minimum:g}.")
    return value


def load_credentials(value, instance_path: Path | None = None):
    """GOOGLE_CREDENTIALS_FILE -> service-account credentials (no network call)."""
    from google.oauth2 import service_account

    key = "GOOGLE_CREDENTIALS_FILE"
    text = str(value or "").strip()
    if not text:
        raise _config_error(f"{key} is not set (env FLASK_{key}): the path of the service account's JSON key "
                            "(or set SHEETS_EMULATOR_HOST to use the emulator).")
    path = Path(text).expanduser()
    if not path.is_absolute() and not path.exists() and instance_path is not None:
        path = instance_path / path
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _config_error(f"{key}={text!r}: file not found.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _config_error(f"{key}={text!r}: cannot be read ({exc.__class__.__name__}: {exc}).") from None
    try:
        info = json.loads(raw)
    except ValueError as exc:
        raise _config_error(f"{key}={text!r}: not valid JSON ({exc}).") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        kind = info.get("type") if isinstance(info, dict) else type(info).__name__
        raise _config_error(f"{key}={text!r}: not a service-account key (type={kind!r}); create a key for a "
                            "service account in Google Cloud (IAM > Service accounts > Keys > JSON).")
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, KeyError, TypeError) as exc:
        raise _config_error(f"{key}={text!r}: invalid service-account key ({exc}).") from None


def authorized_session(credentials, timeout, emulator: str | None = None) -> requests.Session:
    """google-auth's ``AuthorizedSession`` with explicit timeouts (also on the
    token request); ``emulator`` ("HOST:PORT"): the Sheets API is sent there."""
    from google.auth.transport.requests import AuthorizedSession

    class TimeoutAuthorizedSession(DefaultTimeoutMixin, AuthorizedSession):
        def request(self, method, url, *args, **kwargs):
            if emulator and url.startswith(SHEETS_API_ORIGIN):
                url = "http://" + emulator.split("://", 1)[-1].rstrip("/") + url[len(SHEETS_API_ORIGIN):]
            return super().request(method, url, *args, **kwargs)

    return TimeoutAuthorizedSession(credentials, timeout=timeout, refresh_timeout=sum(timeout))


def open_google_store(config, instance_path: Path, catalog, clock=None):
    """The store for ``SHEETS_BACKEND=google``; every setting is checked here,
    at start-up, without any network call. One GoogleStore per year's
    spreadsheet (years.py), ``GOOGLE_SPREADSHEET_ID`` for the years without one."""
    from domain.clock import Clock

    from .years import YearlyStore, YearMap

    spreadsheet_id = parse_spreadsheet_id(config.get("GOOGLE_SPREADSHEET_ID"))
    timeout = parse_timeout(config.get("SHEETS_TIMEOUT", default("SHEETS_TIMEOUT")))
    emulator = os.environ.get(EMULATOR_ENV, "").strip()
    key_file = str(config.get("GOOGLE_CREDENTIALS_FILE") or "").strip()
    if emulator and not key_file:
        session: requests.Session = EmulatorSession(emulator, timeout=timeout)
    else:
        # With a key file, sign in exactly as with Google (the JWT grant to the
        # key's token_uri, a Bearer token on every request); with the emulator,
        # only the Sheets API's address is replaced.
        credentials = load_credentials(key_file, Path(instance_path))
        session = authorized_session(credentials, timeout, emulator or None)
    options = dict(
        cache_ttl=_number(config, "SHEETS_CACHE_TTL"), sync_interval=_number(config, "SHEETS_SYNC_INTERVAL"),
        timeout=timeout, backoff_max=_number(config, "SHEETS_BACKOFF_MAX", 1),
        max_attempts=int(_number(config, "SHEETS_MAX_ATTEMPTS", 1)),
        read_budget=_number(config, "SHEETS_READ_BUDGET"),
        first_read_budget=_number(config, "SHEETS_FIRST_READ_BUDGET"), emulator=emulator or None,
        write_budget=int(_number(config, "SHEETS_WRITE_BUDGET")),
        **({"clock": clock} if clock is not None else {}),
    )

    def make_store(sid: str, is_default: bool) -> GoogleStore:
        # each spreadsheet its own outbox: an operation goes where it was routed, once
        outbox = "outbox.sqlite3" if is_default else f"outbox-{sid}.sqlite3"
        return GoogleStore(sid, session, catalog, Path(instance_path) / outbox, **options)

    clock = clock if clock is not None else Clock()
    years = YearMap(Path(instance_path) / "spreadsheets.sqlite3", spreadsheet_id)
    return YearlyStore(years, make_store, clock.today)

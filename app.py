"""Weekly activity reporting for city-hall offices: the application factory.

Data flows one way: catalog (forms/) -> WTForms form (forms/entry.py) ->
entry rows (domain/) -> store (sheets/: local | google) -> report model
(reports/model.py) -> renderers (templates/, reports/xlsx.py). Settings are
declared in settings.py; views in views/, commands in commands/. This module
only wires them.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

import commands
import views
from domain.clock import Clock
from settings import DEFAULTS
from sheets import open_store
from state.catalogs import CatalogVersions
from state.db import StateDB
from state.users import UserStore

HERE = Path(__file__).resolve().parent


def _secret_key(instance: Path) -> str:
    """A random key kept in the instance folder, created on first start.

    Several gunicorn workers may start at once on a fresh instance folder:
    the key is written to a private temporary file and then hard-linked into
    place, so the file is never seen empty and every worker ends up with the
    one key that won."""
    path = instance / "secret_key"
    if not path.exists():
        tmp = instance / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won: use its key
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text().strip()


def _private_instance(instance: Path) -> None:
    """The instance folder is the app's alone (0700), and so is every file in
    it (0600): databases with their WAL/SHM, the outbox, the secret key.
    Files created later are private too (sheets/sqlite.py, _secret_key)."""
    instance.chmod(0o700)
    for path in instance.iterdir():
        if path.is_file() and not path.is_symlink():
            try:
                path.chmod(0o600)
            except PermissionError:  # another user's file: not ours to change
                pass
            except FileNotFoundError:  # a -wal/-shm another worker's SQLite removed meanwhile
                pass


def _https_settings(app: Flask) -> None:
    """Cookies are Secure when the site is served over HTTPS; behind a reverse
    proxy, ProxyFix makes the client's address (login throttle) and scheme
    visible to the app."""
    cfg = app.config
    if cfg["SESSION_COOKIE_SECURE"] is None:
        cfg["SESSION_COOKIE_SECURE"] = str(cfg.get("PREFERRED_URL_SCHEME", "")).lower() == "https"
    if cfg["REMEMBER_COOKIE_SECURE"] is None:
        cfg["REMEMBER_COOKIE_SECURE"] = bool(cfg["SESSION_COOKIE_SECURE"])
    proxies = int(cfg.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def store_activity_ids(store, slug: str) -> set[str]:
    """Ids of the activities of office ``slug`` that have rows in the store."""
    from datetime import date

    from domain.periods import MAX_YEAR, MIN_YEAR

    result = store.read([slug], date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31))
    return {r.activity for r in result.rows if r.office == slug}


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_path=instance_path or os.environ.get("FLASK_INSTANCE_PATH") or None,
                instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    if test_config is None:
        try:
            from dotenv import load_dotenv

            load_dotenv(HERE / ".env")
        except ImportError:  # pragma: no cover - python-dotenv is in requirements.txt
            pass
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env()
    else:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    _private_instance(instance)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    _https_settings(app)

    # Start-up fails here, with a message naming file and field, on a broken
    # catalog or a missing Google setting: never at the first request.
    clock = Clock(app.config["CLOCK_START"])
    app.extensions["clock"] = clock
    state = StateDB(instance / "app.sqlite3", clock)
    # The catalog's published versions (state/catalogs.py); an empty instance
    # is seeded from CATALOG_DIR. "catalog" is every office's latest version,
    # read afresh: pages of a period ask catalogs.catalog_for(start, end).
    catalogs = CatalogVersions(state, clock)
    catalogs.seed(app.config["CATALOG_DIR"])
    app.extensions["catalogs"] = catalogs
    app.extensions["catalog"] = catalog = catalogs.live
    app.extensions["state"] = state
    app.extensions["users"] = UserStore(state)
    app.extensions["store"] = store = open_store(app.config, instance, catalog, clock)
    catalogs.rows_of = lambda slug: store_activity_ids(store, slug)

    csrf = CSRFProtect(app)
    # The entry form checks its own CSRF token (FlaskForm), so that an expired
    # token re-renders the clerk's typed values instead of a bare 400.
    csrf.exempt("views.entry.entry_form")
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = "Autentificați-vă pentru a continua."
    login.session_protection = "basic"
    login.user_loader(app.extensions["users"].load)

    views.init_app(app)
    commands.init_app(app)
    from domain.romanian import count_phrase
    app.jinja_env.globals["count_phrase"] = count_phrase  # "1 rând", "3 rânduri", "20 de rânduri"
    return app


if __name__ == "__main__":
    commands.main()

"""Weekly activity reporting for city-hall offices: the application factory.

Data flows one way: catalog (forms/) -> WTForms form (forms/entry.py) ->
entry rows -> store (sheets/: local | google) -> report model (reports/) ->
renderers (templates/, reports/xlsx.py). This module only wires them.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from db import StateDB
from domain.clock import Clock
from forms import load_catalog
from sheets import open_store
from users import UserStore

HERE = Path(__file__).resolve().parent

#: Every setting, with its default. Each is documented once, in README.md.
DEFAULTS = {
    "CATALOG_DIR": str(HERE / "forms"),
    "CLOCK_START": "",
    "SHEETS_BACKEND": "local",
    "GOOGLE_SPREADSHEET_ID": "",
    "GOOGLE_CREDENTIALS_FILE": "",
    "SHEETS_CACHE_TTL": 30,
    "SHEETS_SYNC_INTERVAL": 5,
    "SHEETS_TIMEOUT": [5, 20],
    "SHEETS_READ_BUDGET": 4,
    "SHEETS_FIRST_READ_BUDGET": 8,
    "SHEETS_BACKOFF_MAX": 32,
    "SHEETS_MAX_ATTEMPTS": 10,
    "MAX_CONTENT_LENGTH": 256 * 1024,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # None = automatic: Secure when PREFERRED_URL_SCHEME is "https" (set it,
    # with TRUSTED_PROXIES, when the app is served over HTTPS by a proxy).
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    "PREFERRED_URL_SCHEME": "http",
    "TRUSTED_PROXIES": 0,  # reverse proxies in front of the app (X-Forwarded-For/-Proto/-Host)
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 5 * 24 * 3600,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    "LOGIN_MAX_ATTEMPTS": 5,
    "LOGIN_WINDOW_SECONDS": 900,
}


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
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    _https_settings(app)

    # Start-up fails here, with a message naming file and field, on a broken
    # catalog or a missing Google setting: never at the first request.
    catalog = load_catalog(app.config["CATALOG_DIR"])
    clock = Clock(app.config["CLOCK_START"])
    app.extensions["clock"] = clock
    state = StateDB(instance / "app.sqlite3", clock)
    app.extensions["catalog"] = catalog
    app.extensions["state"] = state
    app.extensions["users"] = UserStore(state)
    app.extensions["store"] = open_store(app.config, instance, catalog, clock)

    csrf = CSRFProtect(app)
    # The entry form checks its own CSRF token (FlaskForm), so that an expired
    # token re-renders the clerk's typed values instead of a bare 400.
    csrf.exempt("entry.entry_form")
    login = LoginManager(app)
    login.login_view = "auth.login"
    login.login_message = "Autentificați-vă pentru a continua."
    login.session_protection = "basic"
    login.user_loader(app.extensions["users"].load)

    import auth
    import data
    import entry
    import errors
    import report_views
    import sheets_views

    for module in (auth, entry, data, report_views, sheets_views):
        app.register_blueprint(module.bp)
    errors.init_app(app)

    import cli

    cli.init_app(app)
    return app


if __name__ == "__main__":
    import cli

    cli.main()

"""Shared fixtures: an app on a temporary instance folder, users of every role,
and a signed-in client per role."""
from __future__ import annotations

import re
import sqlite3
import tempfile
import traceback
from pathlib import Path

import pytest

from app import create_app
from devtools.dates import START

ROOT = Path(__file__).resolve().parents[1]

# CPython 3.11 keeps the AST converter's recursion depth in interpreter-wide
# state (gh-106905): two threads turning source into AST objects at once can
# raise "SystemError: AST constructor recursion depth mismatch". Python 3.11's
# traceback printer parses each source line for its ^^^ markers, so a thread
# printing a traceback while the main thread builds an app (werkzeug compiles
# every URL rule with ast.parse) failed a CI run. Tests do without the markers.
if hasattr(traceback, "_extract_caret_anchors_from_line_segment"):
    traceback._extract_caret_anchors_from_line_segment = lambda segment: None
PASSWORD = "parola-de-test-1"

#: name -> (role, offices). "clerk" is a clerk of Presă, "other" of Consiliere,
#: "scoped" a supervisor of Consiliere only (every other supervisor: every office).
ACCOUNTS = {
    "clerk": ("clerk", ("presa",)),
    "clerk2": ("clerk", ("presa",)),
    "other": ("clerk", ("consiliere",)),
    "supervisor": ("supervisor", ()),
    "admin": ("admin", ()),
    "disabled": ("clerk", ("presa",)),
    "scoped": ("supervisor", ("consiliere",)),
}


_TEMPLATE: dict[str, Path] = {}


#: When the test accounts were added (a clerk's days before it are not missing).
ACCOUNTS_SINCE = "2000-01-03"


def _users_template() -> Path:
    """A state database with ACCOUNTS, built once per run (password hashing
    is slow on purpose) and copied into every test's instance folder."""
    if "db" not in _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="users-template-"))
        # the accounts exist before every period the tests report on
        app = create_app({"TESTING": True, "SECRET_KEY": "x", "CLOCK_START": ACCOUNTS_SINCE}, instance_path=str(folder))
        users = app.extensions["users"]
        for name, (role, offices) in ACCOUNTS.items():
            users.add(name, PASSWORD, role, offices)
        users.set_disabled("disabled")
        with sqlite3.connect(folder / "app.sqlite3") as con:  # each test's instance seeds its own catalog
            con.execute("DELETE FROM catalog_versions")
        _TEMPLATE["db"] = folder / "app.sqlite3"
    return _TEMPLATE["db"]


def make_app(tmp_path, **config):
    settings = {"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "CLOCK_START": START}
    settings.update(config)
    instance = tmp_path / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    template = _users_template()
    with sqlite3.connect(template) as src, sqlite3.connect(instance / "app.sqlite3") as dst:
        src.backup(dst)
    return create_app(settings, instance_path=str(instance))


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


@pytest.fixture
def as_user(app):
    """as_user("clerk") -> a test client signed in as that account."""

    def make(username):
        c = app.test_client()
        if username is not None:
            response = login(c, username)
            assert response.status_code == 302, response.get_data(as_text=True)
        return c

    return make


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)

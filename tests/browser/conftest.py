"""Browser tests: a real server process, a real Chromium, per store backend.

Session-scoped: one server per backend ("local", "google"), one Chromium,
and one signed-in browser state per account and server (signing in hashes
a password, slowly on purpose, so each account signs in once). Tests open
their own contexts and pages and write in weeks of their own, so they do
not depend on each other's rows.

Never a downloaded browser: Debian's /usr/bin/chromium only (scripts/test.sh
installs it); when it is missing the tests fail, saying so.
"""
from __future__ import annotations

import os

import pytest

from devtools.browser import (CHROMIUM, MISSING_CHROMIUM, launch, new_context, sign_in,
                             start_server)

#: Store backends every server-using test runs on.
BACKENDS = ["local", "google"]


@pytest.fixture(scope="session", params=BACKENDS)
def server(request, tmp_path_factory):
    """A real app server (``python app.py``) on the backend named by the param."""
    backend = request.param
    srv = start_server(backend, tmp_path_factory.mktemp(f"server-{backend}"))
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def demo_server(tmp_path_factory):
    """``python app.py --demo`` on the local store: the seed week, with the
    passwords the app printed."""
    srv = start_server("local", tmp_path_factory.mktemp("server-demo"), demo=True)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture
def open_page(browser):
    """open_page(server, user=None, **context options) -> a page in a new
    context, signed in as ``user`` (that account's cookies, signed in once
    per server through the form)."""
    contexts = []

    def make(server, user: str | None = None, **kwargs):
        if user is not None and user not in server.states:
            ctx = new_context(browser, server)
            page = ctx.new_page()
            sign_in(page, user, server.passwords[user])
            server.states[user] = ctx.storage_state()
            ctx.close()
        ctx = new_context(browser, server, storage_state=server.states.get(user), **kwargs)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()

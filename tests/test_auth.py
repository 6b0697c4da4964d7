"""Sign-in, sessions and the authorization matrix: every route and method for
every kind of visitor, checked on the server."""
from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import PASSWORD, csrf_token, login, make_app

ROLES = ("anonymous", "clerk", "other", "supervisor", "admin", "disabled", "scoped")
ANON = 302  # redirected to the sign-in page

# (method, url) -> expected status per role, in ROLES order.
# "clerk" is a clerk of Presă, "other" a clerk of Consiliere, "disabled" a
# clerk of Presă disabled after signing in (so their session must be dead),
# "scoped" a supervisor of Consiliere only.
MATRIX = {
    ("GET", "/login"): (200, 302, 302, 302, 302, 200, 302),
    ("POST", "/login"): (200, 302, 302, 302, 302, 200, 302),
    ("POST", "/logout"): (302, 302, 302, 302, 302, 302, 302),
    ("GET", "/"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/entry/presa"): (ANON, 200, 403, 200, 200, ANON, 403),
    ("POST", "/entry/presa"): (ANON, 400, 403, 400, 400, ANON, 403),
    ("GET", "/entry/nuexista"): (ANON, 404, 404, 404, 404, ANON, 404),
    ("GET", "/data/"): (ANON, 403, 403, 200, 200, ANON, 200),
    ("GET", "/data/presa"): (ANON, 403, 403, 200, 200, ANON, 403),
    ("POST", "/data/presa/norow"): (ANON, 403, 403, 302, 302, ANON, 403),
    ("POST", "/data/presa/week?week=2026-W48"): (ANON, 403, 403, 400, 400, ANON, 403),  # no action: 400
    ("POST", "/data/presa/absence"): (ANON, 403, 403, 400, 400, ANON, 403),  # no action: 400
    ("POST", "/data/presa/grid"): (ANON, 403, 403, 302, 302, ANON, 403),  # nothing changed: back to the grid
    ("GET", "/data/presa/delete"): (ANON, 403, 403, 400, 400, ANON, 403),  # no day: 400
    ("POST", "/data/presa/delete"): (ANON, 403, 403, 400, 400, ANON, 403),
    ("GET", "/audit?service=presa&week=2026-W48"): (ANON, 403, 403, 200, 200, ANON, 403),
    ("GET", "/audit?service=nuexista&week=2026-W48"): (ANON, 403, 403, 404, 404, ANON, 404),
    ("GET", "/report"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/report?service=consiliere"): (ANON, 403, 200, 200, 200, ANON, 200),
    ("GET", "/report.xlsx"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/report.xlsx?service=consiliere"): (ANON, 403, 200, 200, 200, ANON, 200),
    ("GET", "/report?compare=1&service=presa"): (ANON, 200, 403, 200, 200, ANON, 403),
    ("GET", "/report-rows.csv"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/report-rows.csv?service=consiliere"): (ANON, 403, 200, 200, 200, ANON, 200),
    ("GET", "/trends"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/trends?service=consiliere"): (ANON, 403, 200, 200, 200, ANON, 200),
    ("GET", "/trends?service=presa&weeks=105"): (ANON, 400, 403, 400, 400, ANON, 403),
    ("GET", "/trends.css"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("GET", "/users"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("POST", "/users"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("POST", "/users/clerk2/password"): (ANON, 403, 403, 403, 302, ANON, 403),
    ("POST", "/users/clerk2/disable"): (ANON, 403, 403, 403, 200, ANON, 403),  # admin: "are you sure?" page
    ("GET", "/users/clerk2"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("POST", "/users/clerk2"): (ANON, 403, 403, 403, 302, ANON, 403),  # no field sent: nothing changes
    ("POST", "/users/clerk2/sessions"): (ANON, 403, 403, 403, 302, ANON, 403),
    ("POST", "/users/clerk2/unlock"): (ANON, 403, 403, 403, 302, ANON, 403),
    ("GET", "/admin/years"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("POST", "/admin/years"): (ANON, 403, 403, 403, 400, ANON, 403),  # the local store: no spreadsheet to set
    ("GET", "/capacity"): (ANON, 403, 403, 403, 200, ANON, 403),  # the local store: the page says there is no quota
    ("GET", "/password"): (ANON, 200, 200, 200, 200, ANON, 200),
    ("POST", "/password"): (ANON, 400, 400, 400, 400, ANON, 400),
    ("POST", "/data/presa/row"): (ANON, 403, 403, 400, 400, ANON, 403),  # no ?id=: 400
    ("POST", "/data/consiliere/norow"): (ANON, 403, 403, 302, 302, ANON, 302),
    ("GET", "/static/app.css"): (200, 200, 200, 200, 200, 200, 200),
}
#: Extra routes added by optional parts (e.g. the Google backend's pages) are
#: declared in tests/routes_extra.py so this file stays the one matrix.
try:
    from tests.routes_extra import MATRIX as _EXTRA

    MATRIX.update(_EXTRA)
except ImportError:
    pass


def client_for(app, role):
    c = app.test_client()
    if role == "anonymous":
        return c
    name = "clerk2" if role == "disabled" else role
    assert login(c, name).status_code == 302
    if role == "disabled":
        app.extensions["users"].set_disabled("clerk2")
    return c


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory):
    return make_app(tmp_path_factory.mktemp("matrix"))


@pytest.mark.parametrize("role_index, role", list(enumerate(ROLES)))
def test_authorization_matrix(matrix_app, role_index, role):
    got = {}
    for (method, url), expected in MATRIX.items():
        if role == "disabled":
            matrix_app.extensions["users"].set_disabled("clerk2", False)
        c = client_for(matrix_app, role)
        response = c.open(url, method=method, data={} if method == "POST" else None)
        got[(method, url)] = response.status_code
        response.close()  # a streamed download (report-rows.csv) ends its request context here
        if role == "anonymous" and response.status_code == ANON and url != "/logout":
            assert "/login?next=" in response.headers["Location"]
    assert got == {k: v[role_index] for k, v in MATRIX.items()}
    matrix_app.extensions["users"].set_disabled("clerk2", False)


def test_every_route_is_in_the_matrix(matrix_app):
    covered = {(m, url.split("?")[0]) for m, url in MATRIX}
    for rule in matrix_app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            sample = rule.rule.replace("<slug>", "presa").replace("<path:row_id>", "norow").replace("<row_id>", "norow").replace(
                "<username>", "clerk2").replace("<path:filename>", "app.css")
            sample = sample.replace("/data/<slug>", "/data/presa")
            assert any(m == method and (u == sample or _same_shape(u, rule.rule)) for m, u in covered), (
                f"route {method} {rule.rule} has no entry in the authorization matrix")


def _same_shape(url: str, rule: str) -> bool:
    a, b = url.strip("/").split("/"), rule.strip("/").split("/")
    return len(a) == len(b) and all(y.startswith("<") or x == y for x, y in zip(a, b))


def test_login_wrong_password_generic_message(client):
    for name in ("clerk", "nobody"):
        r = login(client, name, "wrong-password-123")
        assert r.status_code == 401
        assert "Utilizator sau parolă greșită." in r.get_data(as_text=True)


def test_disabled_user_cannot_sign_in(client):
    r = login(client, "disabled")
    assert r.status_code == 401


@pytest.mark.parametrize("target, expected", [
    ("/report?week=2026-W48", "/report?week=2026-W48"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirect_is_safe(client, target, expected):
    r = client.post("/login?next=" + target.replace("&", "%26"), data={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == expected


def test_session_cookie_flags(client):
    r = login(client, "clerk")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_password_change_ends_other_sessions(app, as_user):
    c = as_user("clerk")
    assert c.get("/").status_code == 200
    app.extensions["users"].set_password("clerk", "o-parola-noua-lunga")
    assert c.get("/").status_code == 302


def test_login_rate_limited(client):
    for _ in range(5):
        assert login(client, "clerk", "wrong-password-123").status_code == 401
    r = login(client, "clerk")  # even the right password waits a little
    assert r.status_code == 429 and r.headers["Retry-After"] in ("14", "15")
    assert ("Prea multe încercări eșuate. Contul este blocat temporar: reîncercați peste 15 secunde sau cereți "
            "unui administrator să îl deblocheze.") in r.get_data(as_text=True)
    assert login(client, "clerk2").status_code == 302  # another account, same address: at once


def test_waits_grow_up_to_the_window(app, monkeypatch):
    """15 s after the 5th failure in a row, then 30 s, 1 min, ... never more than LOGIN_WINDOW_SECONDS."""
    from state import throttle as t

    now = [1_000_000.0]
    monkeypatch.setattr(t.time, "time", lambda: now[0])
    c = app.test_client()
    waits = []
    for _ in range(12):
        r = login(c, "clerk", "wrong-password-123")
        if r.status_code == 429:
            waits.append(int(r.headers["Retry-After"]))
            now[0] += waits[-1]
            r = login(c, "clerk", "wrong-password-123")
        assert r.status_code == 401
    assert waits == [15, 30, 60, 120, 240, 480, 900]
    now[0] += 900
    assert login(c, "clerk").status_code == 302  # the right password after the wait: the count starts again
    assert login(app.test_client(), "clerk", "wrong-password-123").status_code == 401


def test_login_messages_follow_the_settings(tmp_path):
    """The wait and the "remember me" length are the settings', in Romanian."""
    from datetime import timedelta

    c = make_app(tmp_path, LOGIN_MAX_ATTEMPTS=1, LOGIN_WINDOW_SECONDS=10,
                 REMEMBER_COOKIE_DURATION=timedelta(days=20)).test_client()
    assert "Ține-mă minte pe acest calculator (20 de zile)" in c.get("/login").get_data(as_text=True)
    assert login(c, "clerk", "wrong-password-123").status_code == 401
    r = login(c, "clerk")
    assert r.status_code == 429
    assert "reîncercați peste 10 secunde" in r.get_data(as_text=True)  # 15 s, capped by the window


def test_an_address_over_its_limit_is_slowed_never_refused(tmp_path, monkeypatch):
    """A whole office behind one NAT shares an address: past
    LOGIN_ADDRESS_LIMIT failures each try waits, but a right password of an
    account that is not itself blocked still signs in."""
    from state import throttle

    pauses = []
    monkeypatch.setattr(throttle, "_sleep", pauses.append)
    app = make_app(tmp_path, LOGIN_ADDRESS_LIMIT=3, LOGIN_ADDRESS_DELAY=0.4)
    office = {"REMOTE_ADDR": "10.1.1.1"}
    for i in range(6):
        r = app.test_client().post("/login", data={"username": f"nimeni{i}", "password": "wrong-password-123"},
                                   environ_base=office)
        assert r.status_code == 401
    assert pauses == [0.4] * 3  # the 4th, 5th and 6th failures waited
    r = app.test_client().post("/login", data={"username": "clerk", "password": PASSWORD}, environ_base=office)
    assert r.status_code == 302 and pauses == [0.4] * 4
    r = app.test_client().post("/login", data={"username": "clerk2", "password": PASSWORD},
                               environ_base={"REMOTE_ADDR": "10.1.1.2"})
    assert r.status_code == 302 and pauses == [0.4] * 4


def test_first_start_password_must_be_replaced(tmp_path):
    from commands import ensure_admin

    app = create_app({"TESTING": True, "SECRET_KEY": "x", "WTF_CSRF_ENABLED": False},
                     instance_path=str(tmp_path / "fresh"))
    password = ensure_admin(app)
    c = app.test_client()
    r = c.post("/login", data={"username": "admin", "password": password})
    assert r.status_code == 302 and r.headers["Location"].startswith("/password")
    assert c.get("/users").headers["Location"].startswith("/password")
    r = c.post("/password", data={"current": password, "password": "noua-parola-admin", "confirm": "noua-parola-admin"})
    assert r.status_code == 302
    assert c.get("/users").status_code == 200
    assert not app.extensions["users"].get("admin").must_change


def test_default_remember_label(client):
    assert "Ține-mă minte pe acest calculator (5 zile)" in client.get("/login").get_data(as_text=True)


def test_csrf_enforced_on_posts(tmp_path):
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True)
    c = app.test_client()
    r = c.post("/login", data={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 400  # no token: not signed in
    assert "/login" in c.get("/").headers["Location"]
    token = csrf_token(c.get("/login").get_data(as_text=True))
    assert c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf_token": token}).status_code == 302
    for url in ("/logout", "/users", "/users/clerk2/disable", "/data/presa/norow", "/data/presa/absence",
                "/data/presa/grid?week=2026-W48"):
        r = c.post(url, data={})
        assert r.status_code == 400, url
        assert "Formularul a expirat sau nu este valid." in r.get_data(as_text=True)


def test_security_headers(client):
    r = client.get("/login")
    assert r.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_secret_key_generated_and_kept(tmp_path):
    from app import create_app

    a = create_app({"TESTING": True}, instance_path=str(tmp_path / "i"))
    b = create_app({"TESTING": True}, instance_path=str(tmp_path / "i"))
    assert len(a.config["SECRET_KEY"]) == 64 and a.config["SECRET_KEY"] == b.config["SECRET_KEY"]
    assert (tmp_path / "i" / "secret_key").stat().st_mode & 0o077 == 0


def test_admin_creates_user_through_the_page(app, as_user):
    c = as_user("admin")
    r = c.post("/users", data={"username": "nou", "role": "clerk", "offices": ["consiliere"],
                               "password": "parola-lunga-1", "confirm": "parola-lunga-1"})
    assert r.status_code == 302
    user = app.extensions["users"].get("nou")
    assert (user.role, user.offices, user.must_change) == ("clerk", ("consiliere",), True)
    short = c.post("/users", data={"username": "x", "role": "clerk", "offices": ["presa"],
                                   "password": "scurta", "confirm": "scurta"})
    assert "Parola trebuie să aibă cel puțin 10 caractere." in short.get_data(as_text=True)
    assert app.extensions["users"].get("x") is None

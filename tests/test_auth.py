"""Sign-in, sessions and the authorization matrix: every route and method for
every kind of visitor, checked on the server."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token, login, make_app

ROLES = ("anonymous", "clerk", "other", "supervisor", "admin", "disabled")
ANON = 302  # redirected to the sign-in page

# (method, url) -> expected status per role, in ROLES order.
# "clerk" is a clerk of Presă, "other" a clerk of Consiliere, "disabled" a
# clerk of Presă disabled after signing in (so their session must be dead).
MATRIX = {
    ("GET", "/login"): (200, 302, 302, 302, 302, 200),
    ("POST", "/login"): (200, 302, 302, 302, 302, 200),
    ("POST", "/logout"): (302, 302, 302, 302, 302, 302),
    ("GET", "/"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/entry/presa"): (ANON, 200, 403, 200, 200, ANON),
    ("POST", "/entry/presa"): (ANON, 400, 403, 400, 400, ANON),
    ("GET", "/entry/nuexista"): (ANON, 404, 404, 404, 404, ANON),
    ("GET", "/data/"): (ANON, 403, 403, 200, 200, ANON),
    ("GET", "/data/presa"): (ANON, 403, 403, 200, 200, ANON),
    ("POST", "/data/presa/norow"): (ANON, 403, 403, 302, 302, ANON),
    ("POST", "/data/presa/week?week=2026-W48"): (ANON, 403, 403, 400, 400, ANON),  # no action: 400
    ("POST", "/data/presa/absence"): (ANON, 403, 403, 400, 400, ANON),  # no action: 400
    ("POST", "/data/presa/grid"): (ANON, 403, 403, 302, 302, ANON),  # nothing changed: back to the grid
    ("GET", "/data/presa/delete"): (ANON, 403, 403, 400, 400, ANON),  # no day: 400
    ("POST", "/data/presa/delete"): (ANON, 403, 403, 400, 400, ANON),
    ("GET", "/audit?service=presa&week=2026-W48"): (ANON, 403, 403, 200, 200, ANON),
    ("GET", "/audit?service=nuexista&week=2026-W48"): (ANON, 403, 403, 404, 404, ANON),
    ("GET", "/report"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/report?service=consiliere"): (ANON, 403, 200, 200, 200, ANON),
    ("GET", "/report.xlsx"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/report.xlsx?service=consiliere"): (ANON, 403, 200, 200, 200, ANON),
    ("GET", "/report?compare=1&service=presa"): (ANON, 200, 403, 200, 200, ANON),
    ("GET", "/report-rows.csv"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/report-rows.csv?service=consiliere"): (ANON, 403, 200, 200, 200, ANON),
    ("GET", "/trends"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/trends?service=consiliere"): (ANON, 403, 200, 200, 200, ANON),
    ("GET", "/trends?service=presa&weeks=105"): (ANON, 400, 403, 400, 400, ANON),
    ("GET", "/trends.css"): (ANON, 200, 200, 200, 200, ANON),
    ("GET", "/users"): (ANON, 403, 403, 403, 200, ANON),
    ("POST", "/users"): (ANON, 403, 403, 403, 200, ANON),
    ("POST", "/users/clerk2/password"): (ANON, 403, 403, 403, 302, ANON),
    ("POST", "/users/clerk2/disable"): (ANON, 403, 403, 403, 302, ANON),
    ("GET", "/static/app.css"): (200, 200, 200, 200, 200, 200),
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
            sample = rule.rule.replace("<slug>", "presa").replace("<row_id>", "norow").replace(
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
    r = login(client, "clerk")  # even the right password is refused for a while
    assert r.status_code == 429
    assert "Prea multe încercări eșuate. Reîncercați peste 15 minute." in r.get_data(as_text=True)


def test_login_messages_follow_the_settings(tmp_path):
    """The wait and the "remember me" length are the settings', in Romanian."""
    from datetime import timedelta

    c = make_app(tmp_path, LOGIN_MAX_ATTEMPTS=1, LOGIN_WINDOW_SECONDS=3600,
                 REMEMBER_COOKIE_DURATION=timedelta(days=20)).test_client()
    assert "Ține-mă minte pe acest calculator (20 de zile)" in c.get("/login").get_data(as_text=True)
    assert login(c, "clerk", "wrong-password-123").status_code == 401
    r = login(c, "clerk")
    assert r.status_code == 429
    assert "Reîncercați peste 1 oră." in r.get_data(as_text=True)


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
    assert (user.role, user.offices) == ("clerk", ("consiliere",))
    short = c.post("/users", data={"username": "x", "role": "clerk", "offices": ["presa"],
                                   "password": "scurta", "confirm": "scurta"})
    assert "Parola trebuie să aibă cel puțin 10 caractere." in short.get_data(as_text=True)
    assert app.extensions["users"].get("x") is None

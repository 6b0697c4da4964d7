"""Security in the default configuration (CSRF on): CSRF on every POST,
expired forms, the login throttle across processes, sessions and cookies,
security headers, body size, XSS and spreadsheet formula injection.

tests/test_auth.py holds the authorization matrix and the basic sign-in
checks; this file adds what an attacker would try next."""
from __future__ import annotations

import csv
import io
import multiprocessing
import re
import shutil
import sqlite3
import time
from urllib.parse import quote
from datetime import date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import openpyxl
import pytest
import yaml
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app import create_app
from domain.rows import Row
from tests.conftest import PASSWORD, ROOT, csrf_token, make_app
from devtools.dates import START
from devtools.dates import today as bucharest_today
from tests.test_entry import field_value

DAY = date(2026, 11, 24)  # a Tuesday of ISO week 2026-W48
WEEK = "2026-W48"
ENTRY = f"/entry/presa?date={DAY.isoformat()}"
CSRF_MESSAGE = "Formularul a expirat sau nu este valid."


def secure_app(tmp_path, **config):
    """The app as deployed: CSRF enabled."""
    return make_app(tmp_path, WTF_CSRF_ENABLED=True, **config)


def sign_in(app, username, password=PASSWORD, remember=False, **headers):
    c = app.test_client()
    token = csrf_token(c.get("/login").get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    r = c.post("/login", data=data, headers=headers)
    assert r.status_code == 302, r.get_data(as_text=True)
    return c


def page_token(c, url="/") -> str:
    return csrf_token(c.get(url).get_data(as_text=True))


def all_rows(app):
    store = app.extensions["store"]
    rows = store.read(app.extensions["catalog"].slugs, date(2000, 1, 1), date(2100, 12, 31), fresh=True).rows
    return sorted((r.office, r.day.isoformat(), r.activity, r.part, r.clerk, r.lucrari, r.documente, r.note)
                  for r in rows)


def snapshot(app):
    """Everything a POST could change: users, audit log, stored rows."""
    with sqlite3.connect(Path(app.instance_path) / "app.sqlite3") as con:
        users = con.execute(
            "SELECT username, password_hash, role, offices, disabled, session_version FROM users ORDER BY 1"
        ).fetchall()
        audit = con.execute("SELECT by, office, row_id, action, before, after FROM audit ORDER BY id").fetchall()
    return users, audit, all_rows(app)


# -- CSRF ----------------------------------------------------------------------------


def _sample_url(rule: str, row_id: str) -> str:
    url = (rule.replace("<slug>", "presa").replace("<path:row_id>", row_id).replace("<row_id>", row_id)
           .replace("<username>", "clerk2")
           .replace("<path:filename>", "app.css"))
    return re.sub(r"<int:[^>]+>", "1", re.sub(r"<(?!int:)[^>]+>", "x", url))  # routes added later


#: A request each POST route would accept with a valid token, so that a
#: refusal can only be the CSRF check. Routes not listed get an empty body.
PAYLOADS = {
    "/login": {"username": "clerk", "password": PASSWORD},
    "/entry/<slug>": {"l544-studiere__lucrari": "3"},
    "/data/<slug>/<path:row_id>": {"lucrari": "99", "documente": "", "note": "corectat", "action": "save"},
    "/users": {"username": "intrus", "role": "admin", "password": "parola-lunga-1", "confirm": "parola-lunga-1"},
    "/users/<username>/password": {"password": "o-parola-noua-lunga"},
    "/users/<username>/disable": {"enable": "0", "confirm": "da"},
    "/users/<username>": {"role": "admin", "full_name": "Intrus"},
    "/password": {"current": PASSWORD, "password": "o-parola-noua-lunga", "confirm": "o-parola-noua-lunga"},
}


def test_every_post_route_refuses_a_missing_or_foreign_csrf_token(tmp_path):
    app = secure_app(tmp_path)
    admin = sign_in(app, "admin")
    other = sign_in(app, "supervisor")
    foreign = page_token(other)  # valid, but for another session
    app.extensions["store"].save_day("presa", DAY, "clerk", [Row("presa", DAY, "adrese-email", "clerk", lucrari=2)])
    row_id = Row("presa", DAY, "adrese-email", "clerk").row_id
    post_rules = sorted({r.rule for r in app.url_map.iter_rules() if "POST" in r.methods})
    assert {"/login", "/logout", "/entry/<slug>", "/data/<slug>/<path:row_id>", "/users"} <= set(post_rules)
    before = snapshot(app)
    for rule in post_rules:
        url = _sample_url(rule, row_id)
        if rule == "/entry/<slug>":
            url += f"?date={DAY.isoformat()}"
        for token in (None, foreign, "garbage"):
            data = dict(PAYLOADS.get(rule, {}))
            if token is not None:
                data["csrf_token"] = token
            r = admin.post(url, data=data)
            html = r.get_data(as_text=True)
            assert r.status_code == 400, (rule, token, r.status_code)
            if rule == "/entry/<slug>":  # the entry form re-renders with the values kept
                assert "Formularul a expirat. Valorile introduse sunt păstrate" in html
            else:
                assert CSRF_MESSAGE in html, rule
            assert snapshot(app) == before, (rule, token)
    assert admin.get("/").status_code == 200  # the token-less /logout did not sign out
    # With the right token the same requests do work (so the refusals above were CSRF).
    r = admin.post(f"/data/presa/{row_id}?week={WEEK}",
                   data=dict(PAYLOADS["/data/<slug>/<path:row_id>"], csrf_token=page_token(admin)))
    assert r.status_code == 302
    assert all_rows(app) == [("presa", DAY.isoformat(), "adrese-email", "", "clerk", 99, None, "corectat")]


def _expired_token(client, app, age_seconds: int) -> str:
    """A CSRF token of this very session, signed ``age_seconds`` ago with the
    app's key: what a browser holds after a form stayed open that long."""
    with client.session_transaction() as sess:
        raw = sess["csrf_token"]

    class PastSigner(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age_seconds

    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token", signer=PastSigner).dumps(raw)


def test_really_expired_token_on_the_entry_form_keeps_typed_values(tmp_path):
    app = secure_app(tmp_path)
    c = sign_in(app, "clerk")
    c.get(ENTRY)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    typed = {"l544-studiere__lucrari": "12", "solicitari-presa__telefonice": "73", "monitorizare-presa__done": "y",
             "adrese-email__lucrari": "x"}  # a bad value too: both messages show
    still_valid = _expired_token(c, app, limit - 60)
    expired = _expired_token(c, app, limit + 60)
    r = c.post(ENTRY, data=dict(typed, csrf_token=expired))
    html = r.get_data(as_text=True)
    assert r.status_code == 400
    assert "Formularul a expirat. Valorile introduse sunt păstrate: apăsați din nou „Salvează”." in html
    assert field_value(html, "l544-studiere__lucrari") == "12"
    assert field_value(html, "solicitari-presa__telefonice") == "73"
    assert field_value(html, "monitorizare-presa__done") == "checked"
    assert all_rows(app) == []
    # The re-rendered page carries a fresh token: "Salvează" again works.
    fixed = dict(typed, **{"adrese-email__lucrari": "1"})
    assert c.post(ENTRY, data=dict(fixed, csrf_token=csrf_token(html))).status_code == 302
    assert [r[2:6] for r in all_rows(app)] == [
        ("adrese-email", "", "clerk", 1), ("l544-studiere", "", "clerk", 12),
        ("monitorizare-presa", "", "clerk", 1), ("solicitari-presa", "telefonice", "clerk", 73)]
    # A token just inside the time limit is still accepted.
    assert c.post(ENTRY, data=dict(fixed, csrf_token=still_valid)).status_code == 302


# -- login throttle ------------------------------------------------------------------


def _wrong_logins(instance: str, barrier, attempts: int, queue) -> None:
    """One process: its own app instance on the shared instance folder."""
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "CLOCK_START": START},
                     instance_path=instance)
    c = app.test_client()
    barrier.wait(timeout=30)
    codes = [c.post("/login", data={"username": "clerk", "password": "wrong-password-123"}).status_code
             for _ in range(attempts)]
    queue.put(codes)


def test_login_throttle_holds_across_processes(tmp_path):
    """4 processes (app instances sharing one instance folder, as gunicorn
    workers do) guess a password at the same moment: only
    LOGIN_MAX_ATTEMPTS guesses are checked, every other one is refused."""
    app = make_app(tmp_path)
    limit = app.config["LOGIN_MAX_ATTEMPTS"]
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters: no lock inherited from a thread
    procs_n, attempts = 4, 3
    barrier, queue = ctx.Barrier(procs_n), ctx.Queue()
    procs = [ctx.Process(target=_wrong_logins, args=(app.instance_path, barrier, attempts, queue))
             for _ in range(procs_n)]
    for p in procs:
        p.start()
    try:
        codes = [code for _ in procs for code in queue.get(timeout=60)]
    finally:
        for p in procs:
            p.join(timeout=30)
    assert sorted(codes) == [401] * limit + [429] * (procs_n * attempts - limit)
    # A third instance, and the right password, are refused too.
    other = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False, "CLOCK_START": START},
                       instance_path=app.instance_path)
    r = other.test_client().post("/login", data={"username": "clerk", "password": PASSWORD})
    assert r.status_code == 429 and "Prea multe încercări eșuate." in r.get_data(as_text=True)


def test_successful_login_does_not_use_up_attempts(tmp_path):
    app = make_app(tmp_path)
    for _ in range(app.config["LOGIN_MAX_ATTEMPTS"] + 2):
        c = app.test_client()
        assert c.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("proxies", [0, 1])
def test_throttle_address_comes_from_a_trusted_proxy_only(tmp_path, proxies, monkeypatch):
    """Behind a reverse proxy (TRUSTED_PROXIES=1) every client has the proxy's
    address: X-Forwarded-For tells them apart. Without it the header is not
    trusted, so a client cannot dodge the slowing of its address by inventing
    addresses. An address over its limit is slowed, never refused."""
    from state import throttle

    pauses = []
    monkeypatch.setattr(throttle, "_sleep", pauses.append)
    app = make_app(tmp_path, TRUSTED_PROXIES=proxies, LOGIN_ADDRESS_LIMIT=3, LOGIN_ADDRESS_DELAY=0.5)
    for i in range(3):
        r = app.test_client().post("/login", data={"username": f"nimeni{i}", "password": "wrong-password-123"},
                                   headers={"X-Forwarded-For": "10.0.0.1"})
        assert r.status_code == 401

    def slowed(address):
        before = len(pauses)
        r = app.test_client().post("/login", data={"username": "clerk", "password": PASSWORD},
                                   headers={"X-Forwarded-For": address})
        assert r.status_code == 302
        return len(pauses) > before

    assert slowed("10.0.0.1")
    assert slowed("10.0.0.2") == (not proxies)


# -- sessions and cookies ------------------------------------------------------------


def _cookies(response) -> dict[str, str]:
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        out[header.split("=", 1)[0]] = header
    return out


def _only_remember_cookie(c):
    """The browser was closed: the session cookie is gone, "remember me" stays."""
    c.delete_cookie("session", domain="localhost")
    assert c.get_cookie("remember_token") is not None


@pytest.mark.parametrize("change", ["password", "disable"])
def test_password_change_or_disable_ends_sessions_and_remember_me(tmp_path, change):
    app = secure_app(tmp_path)
    active = sign_in(app, "clerk", remember=True)
    remembered = sign_in(app, "clerk", remember=True)
    _only_remember_cookie(remembered)
    assert remembered.get("/").status_code == 200  # remember-me works...
    _only_remember_cookie(remembered)
    admin = sign_in(app, "admin")
    token = page_token(admin, "/users")
    if change == "password":
        r = admin.post("/users/clerk/password", data={"password": "o-parola-noua-lunga", "csrf_token": token})
    else:
        r = admin.post("/users/clerk/disable", data={"enable": "0", "confirm": "da", "csrf_token": token})
    assert r.status_code == 302
    for c in (active, remembered):  # ...until the change: both are signed out
        r = c.get("/")
        assert r.status_code == 302 and r.headers["Location"].startswith("/login")
        assert c.post(ENTRY, data={"l544-studiere__lucrari": "1"}).status_code == 302  # to /login
    assert all_rows(app) == []
    if change == "disable":  # re-enabling does not bring old sessions back
        admin.post("/users/clerk/disable", data={"enable": "1", "csrf_token": token})
        _only_remember_cookie(remembered)
        assert remembered.get("/").status_code == 302
        assert sign_in(app, "clerk").get("/").status_code == 200
    else:  # a password the admin chose: replaced before anything else
        assert sign_in(app, "clerk", "o-parola-noua-lunga").get("/").headers["Location"].startswith("/password")


@pytest.mark.parametrize("config, secure", [
    ({}, False),
    ({"PREFERRED_URL_SCHEME": "https"}, True),  # served over HTTPS: Secure by default
    ({"PREFERRED_URL_SCHEME": "https", "TRUSTED_PROXIES": 1}, True),
    ({"SESSION_COOKIE_SECURE": True}, True),
    ({"PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": False}, False),  # explicit wins
])
def test_cookie_flags_and_remember_me_duration(tmp_path, config, secure):
    app = make_app(tmp_path, **config)
    c = app.test_client()
    start = datetime.now(timezone.utc)
    r = c.post("/login", data={"username": "clerk", "password": PASSWORD, "remember": "y"},
               headers={"X-Forwarded-Proto": "https"})
    assert r.status_code == 302
    cookies = _cookies(r)
    assert set(cookies) == {"session", "remember_token"}
    for name, header in cookies.items():
        attrs = [a.strip().lower() for a in header.split(";")[1:]]
        assert "httponly" in attrs and "samesite=lax" in attrs, header
        assert ("secure" in attrs) is secure, header
    assert "expires" not in cookies["session"].lower()  # a browser-session cookie
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookies["remember_token"]).group(1))
    assert timedelta(days=4, hours=23) < expires - start <= timedelta(days=5, seconds=5)


# -- headers and sizes ---------------------------------------------------------------


def _assert_security_headers(r, what):
    h = r.headers
    csp = h.get("Content-Security-Policy", "")
    assert csp.startswith("default-src 'self'"), what
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp, what
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, what
    assert h.get("X-Content-Type-Options") == "nosniff", what
    assert h.get("X-Frame-Options") == "DENY", what


def test_security_headers_on_every_kind_of_response(tmp_path):
    app = secure_app(tmp_path, LOGIN_MAX_ATTEMPTS=1)

    @app.route("/__boom")
    def boom():
        raise RuntimeError("secret detail")

    anon = app.test_client()
    clerk = sign_in(app, "clerk")
    supervisor = sign_in(app, "supervisor")
    admin = sign_in(app, "admin")
    responses = {
        "login page": (anon.get("/login"), 200),
        "redirect to login": (anon.get("/"), 302),
        "home": (clerk.get("/"), 200),
        "entry form": (clerk.get(ENTRY), 200),
        "entry refused": (clerk.post(ENTRY, data={"csrf_token": page_token(clerk)}), 400),
        "bad date": (clerk.get("/entry/presa?date=ieri"), 400),
        "other office": (clerk.get("/entry/consiliere"), 403),
        "unknown office": (clerk.get("/entry/nuexista"), 404),
        "wrong method": (clerk.get("/logout"), 405),
        "csrf error": (clerk.post("/logout"), 400),
        "too large": (clerk.post(ENTRY, data={"x": "1" * 300_000}), 413),
        "report": (clerk.get(f"/report?week={WEEK}"), 200),
        "xlsx": (clerk.get(f"/report.xlsx?week={WEEK}"), 200),
        "data table": (supervisor.get(f"/data/presa?week={WEEK}"), 200),
        "users": (admin.get("/users"), 200),
        "static": (anon.get("/static/app.css"), 200),
        "throttled": (None, 429),
        "crash": (admin.get("/__boom"), 500),
    }
    anon.post("/login", data={"username": "x", "password": "y", "csrf_token": page_token(anon, "/login")})
    responses["throttled"] = (anon.post("/login", data={"username": "x", "password": "y",
                                                        "csrf_token": page_token(anon, "/login")}), 429)
    for what, (r, status) in responses.items():
        assert r.status_code == status, what
        _assert_security_headers(r, what)
    crash = responses["crash"][0].get_data(as_text=True)
    assert "A apărut o eroare neașteptată." in crash
    assert "secret detail" not in crash and "Traceback" not in crash


@pytest.mark.parametrize("url, user, fields", [
    ("/login", None, {"username": "clerk", "password": PASSWORD}),
    (ENTRY, "clerk", {"l544-studiere__lucrari": "5"}),
    ("/users", "admin", {"username": "nou", "role": "admin", "password": "parola-lunga-1",
                         "confirm": "parola-lunga-1"}),
])
def test_oversized_body_gets_the_romanian_413_page(tmp_path, url, user, fields):
    app = secure_app(tmp_path)
    c = sign_in(app, user) if user else app.test_client()
    token = page_token(c, "/login" if user is None else "/")
    before = snapshot(app)
    limit = app.config["MAX_CONTENT_LENGTH"]
    r = c.post(url, data=dict(fields, csrf_token=token, pad="x" * limit))
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "Cerere prea mare" in html and "Datele trimise depășesc dimensiunea permisă." in html
    assert snapshot(app) == before
    # Just under the limit is an ordinary request (the extra field is ignored).
    assert c.post(url, data=dict(fields, csrf_token=token, pad="x" * (limit - 2000))).status_code == 302
    assert snapshot(app) != before or url == "/login"


# -- XSS -----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(2)>'
#: Usernames cannot hold spaces or "/", so these payloads do without them.
USER_SCRIPT = "<script>alert(3)<!--"
USER_ATTR = "'\"onmouseover=alert(4)"


def _esc(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


def hostile_catalog(tmp_path, label_for) -> Path:
    """A copy of the catalog with presa's texts replaced by ``label_for(kind)``."""
    folder = tmp_path / "catalog"
    folder.mkdir()
    for path in (ROOT / "forms").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    doc = yaml.safe_load((folder / "presa.yaml").read_text(encoding="utf-8"))
    doc["title"] = label_for("office")
    wt = doc["work_types"][0]
    wt["title"] = label_for("worktype")
    act = wt["activities"][0]  # l544-studiere
    act["label"], act["text"] = label_for("label"), label_for("text")
    for wt in doc["work_types"]:
        for act in wt["activities"]:
            if act.get("kind") == "breakdown":  # solicitari-presa
                act["parts"][0].update(label=label_for("part"), singular=label_for("singular"),
                                       plural=label_for("plural"))
    (folder / "presa.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def test_hostile_texts_render_inert_on_every_page(tmp_path):
    payloads = {"office": f"Serviciul {SCRIPT}", "worktype": f"Lucrări {IMG}", "label": f"Studiere {SCRIPT}",
                "text": f"Text lung {IMG} & co", "part": f"Telefon {SCRIPT}", "singular": f"apel {IMG}",
                "plural": f"apeluri {SCRIPT}"}
    app = secure_app(tmp_path, CATALOG_DIR=str(hostile_catalog(tmp_path, payloads.get)))
    users = app.extensions["users"]
    users.add(USER_SCRIPT, PASSWORD, "clerk", ("presa",))
    users.add(USER_ATTR, PASSWORD, "supervisor")
    clerk = sign_in(app, USER_SCRIPT)
    r = clerk.post(ENTRY, data={"l544-studiere__lucrari": "4", "solicitari-presa__telefonice": "7",
                                "csrf_token": page_token(clerk)})
    assert r.status_code == 302
    supervisor = sign_in(app, USER_ATTR)
    row_id = Row("presa", DAY, "l544-studiere", USER_SCRIPT).row_id
    note = f"Notă {SCRIPT} {IMG}"
    r = supervisor.post(f"/data/presa/{row_id}?week={WEEK}",
                        data={"lucrari": "5", "documente": "", "note": note, "action": "save",
                              "csrf_token": page_token(supervisor)})
    assert r.status_code == 302
    admin = sign_in(app, "admin")
    flash_name = "<b>nou<!--"
    created = admin.post("/users", data={"username": flash_name, "role": "clerk", "offices": ["presa"],
                                         "password": "parola-lunga-1", "confirm": "parola-lunga-1",
                                         "csrf_token": page_token(admin, "/users")}, follow_redirects=True)
    pages = {
        "home (clerk)": (clerk.get("/"), [payloads["office"], USER_SCRIPT]),
        "entry form": (clerk.get(ENTRY), [payloads["office"], payloads["worktype"], payloads["label"],
                                          payloads["text"], payloads["part"], USER_SCRIPT]),
        "report (clerk)": (clerk.get(f"/report?week={WEEK}"), [payloads["office"], payloads["worktype"],
                                                               payloads["text"], "- 7 " + payloads["plural"],
                                                               USER_SCRIPT]),
        "report (supervisor)": (supervisor.get(f"/report?week={WEEK}&service=presa"), [payloads["office"]]),
        "home (supervisor)": (supervisor.get("/"), [payloads["office"], USER_ATTR]),
        "data index": (supervisor.get("/data/"), [payloads["office"]]),
        "data table": (supervisor.get(f"/data/presa?week={WEEK}"),
                       [payloads["office"], payloads["label"], payloads["part"], USER_SCRIPT, USER_ATTR, note]),
        "users": (admin.get("/users"), [USER_SCRIPT, USER_ATTR, flash_name, payloads["office"]]),
        "user created (flash)": (created, [flash_name]),
        "reflected office slug": (clerk.get("/entry/" + "%3Cscript%3E"), ["<script>"]),
        "reflected date": (clerk.get("/entry/presa?date=" + quote(SCRIPT)), [SCRIPT]),
        "reflected week": (clerk.get("/report?week=" + quote(IMG)), [IMG]),
    }
    raw_markers = ["<script>alert", "<img src=x", "<b>nou", "'\"onmouseover"]
    for what, (r, shown) in pages.items():
        html = r.get_data(as_text=True)
        assert r.status_code in (200, 400, 404), what
        for marker in raw_markers:
            # the only raw "<script" allowed would be ours: there is none (CSP script-src 'self')
            for m in re.finditer(re.escape(marker), html):
                raise AssertionError(f"{what}: raw {marker!r} at {html[max(0, m.start() - 80):m.end() + 40]!r}")
        for text in shown:
            assert _esc(text) in html, (what, text)


# -- formula injection ---------------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://rau.example\",\"clic\")", "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1+1", "\r=1+1", "\n=1+1", "=cmd|' /C calc'!A0"]


def _formula_label(kind):
    return {"office": "=1+1", "worktype": "+SUM(1)", "label": "-1+2", "text": "@SUM(A1)", "part": "=2*3",
            "singular": "+apel", "plural": "=A1"}[kind]


def _ooxml_unescape(text: str) -> str:
    """Control characters are stored as ``_x000D_`` in the file; Excel
    decodes them, openpyxl does not."""
    return re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), text)


def test_formula_like_texts_stay_text_in_the_xlsx(tmp_path):
    app = secure_app(tmp_path, CATALOG_DIR=str(hostile_catalog(tmp_path, _formula_label)))
    store, users = app.extensions["store"], app.extensions["users"]
    names = ["=1+2", "+40721000000", "-3", "@x"]  # usernames cannot start with whitespace
    for name in names:
        users.add(name, PASSWORD, "clerk", ("presa",))
    # Every formula-like note, on rows of those clerks and of "clerk".
    clerks = [*names, "clerk"]
    for i, note in enumerate(FORMULAS):
        clerk = clerks[i % len(clerks)]
        day = DAY - timedelta(days=i // len(clerks))
        rows = [Row("presa", day, "l544-studiere", clerk, lucrari=i + 1),
                Row("presa", day, "solicitari-presa", clerk, lucrari=2, part="telefonice")]
        store.save_day("presa", day, clerk, rows)
        store.update_row("presa", rows[0].row_id, {"note": note}, "supervisor")
    # One note typed on the supervisors' page too (the page strips outer whitespace).
    page_row = Row("presa", DAY, "adrese-email", "clerk2", lucrari=1)
    store.save_day("presa", DAY, "clerk2", [page_row])
    supervisor = sign_in(app, "supervisor")
    r = supervisor.post(f"/data/presa/{page_row.row_id}?week={WEEK}",
                        data={"lucrari": "1", "documente": "", "note": "=IMPORTXML(\"http://x\",\"//a\")",
                              "action": "save", "csrf_token": page_token(supervisor)})
    assert r.status_code == 302
    r = supervisor.get(f"/report.xlsx?from={(DAY - timedelta(days=6)).isoformat()}&to={DAY.isoformat()}")
    assert r.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(r.data))
    texts = {}
    for ws in wb.worksheets:
        assert not ws._hyperlinks, ws.title
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    texts.setdefault(_ooxml_unescape(cell.value), cell.coordinate)
    labels = ["=1+1", "+SUM(1)", "@SUM(A1)"]  # office, work type, text (the report shows no short labels)
    assert [t for t in labels if t not in texts] == []
    assert any(v.startswith("- 16 =A1") for v in texts)  # the breakdown cell with the hostile plural
    # The notes and names are in the raw rows' CSV, each formula-like text
    # prefixed with ' so a spreadsheet opening it shows the text.
    r = supervisor.get(f"/report-rows.csv?from={(DAY - timedelta(days=6)).isoformat()}&to={DAY.isoformat()}")
    cells = {c for row in csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
             for c in row}
    hostile = [*FORMULAS, "=IMPORTXML(\"http://x\",\"//a\")", *names, "-1+2", "=2*3"]  # + label, part label
    assert [t for t in hostile if t.strip() and t.strip()[0] in "=+-@" and "'" + t not in cells] == []
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]


# -- the Google backend: cells typed by hand, text written by the app ---------------

SS = "1SecurityTestsSpreadsheet_abcdefghijklmn"


@pytest.fixture
def emulator():
    from sheets_emulator import EmulatorServer

    with EmulatorServer() as server:
        server.emulator.create_spreadsheet(SS, title="Raportare activitate")
        yield server


def google_secure_app(tmp_path, server, monkeypatch, **config):
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    return secure_app(tmp_path, SHEETS_BACKEND="google", GOOGLE_SPREADSHEET_ID=SS, SHEETS_SYNC_INTERVAL=0,
                      SHEETS_TIMEOUT=[2, 5], **config)


def test_cells_typed_into_the_sheet_render_inert(tmp_path, emulator, monkeypatch):
    """A supervisor types hostile text straight into the worksheet: as a
    clerk's name, a note, a count and a date. Every page showing them
    escapes them."""
    from domain.periods import is_working_day

    emu = emulator.emulator
    app = google_secure_app(tmp_path, emulator, monkeypatch)
    store = app.extensions["store"]
    now = bucharest_today()
    day = now - timedelta(days=now.weekday())  # Monday of this week: on the home page too
    week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
    store.save_day("presa", day, "clerk", [Row("presa", day, "l544-studiere", "clerk", lucrari=2),
                                          Row("presa", day, "adrese-email", "clerk", lucrari=1)])
    assert store.sync()["delivered"] == 1
    title = app.extensions["catalog"].office("presa").title
    header = emu.get_values(title)[0]
    col = {h: "ABCDEFGHIJKL"[i] for i, h in enumerate(header)}
    emu.set_cell(title, f"{col['Funcționar']}2", SCRIPT)
    emu.set_cell(title, f"{col['Observații']}2", IMG)
    emu.set_cell(title, f"{col['Nr. lucrări']}3", "<b>5</b>")  # unreadable count: a problem
    emu.set_cell(title, "A4", "x")
    emu.set_cell(title, f"{col['Data']}4", "<img src=x onerror=alert(5)>")  # unreadable date: a problem
    emu.set_cell(title, f"{col['Activitate (cod)']}4", "l544-studiere")
    supervisor = sign_in(app, "supervisor")
    pages = {
        "data table": (supervisor.get(f"/data/presa?week={week}&refresh=1"), [SCRIPT, IMG]),
        "report": (supervisor.get(f"/report?week={week}&refresh=1"), [SCRIPT]),
        "problems": (supervisor.get("/data/problems?refresh=1"), ["<b>5</b>", "<img src=x onerror=alert(5)>"]),
    }
    if is_working_day(day):
        pages["home"] = (supervisor.get("/"), [SCRIPT])
    for what, (r, shown) in pages.items():
        html = r.get_data(as_text=True)
        assert r.status_code == 200, what
        for marker in ("<script>alert", "<img src=x", "<b>5"):
            assert marker not in html, (what, marker)
        for text in shown:
            assert _esc(text) in html, (what, text)


def test_formula_like_texts_stay_text_in_the_google_sheet(tmp_path, emulator, monkeypatch):
    """Catalog labels, user names and notes that look like formulas, written
    by the app (first as an append, then as a rewrite after a correction):
    every cell holds a string whose FORMULA rendering is the text itself."""
    emu = emulator.emulator
    app = google_secure_app(tmp_path, emulator, monkeypatch,
                            CATALOG_DIR=str(hostile_catalog(tmp_path, _formula_label)))
    store, users = app.extensions["store"], app.extensions["users"]
    names = ["=1+2", "+40721000000", "-3", "@x"]
    for name in names:
        users.add(name, PASSWORD, "clerk", ("presa",))
    for i, name in enumerate(names):
        c = sign_in(app, name)
        r = c.post(ENTRY, data={"l544-studiere__lucrari": str(i + 1), "solicitari-presa__telefonice": "2",
                                "adrese-email__lucrari": "1", "csrf_token": page_token(c)})
        assert r.status_code == 302
    assert store.sync()["delivered"] == len(names)
    rows = sorted(store.read(["presa"], DAY, DAY, fresh=True).rows, key=lambda r: (r.clerk, r.activity))
    supervisor = sign_in(app, "supervisor")
    notes = [*FORMULAS, "=IMPORTXML(\"http://x\",\"//a\")"]
    for i, note in enumerate(notes[:4]):  # through the page (outer whitespace is stripped there)
        r = supervisor.post(f"/data/presa/{rows[i].row_id}?week={WEEK}",
                            data={"lucrari": "1", "documente": "", "note": note, "action": "save",
                                  "csrf_token": page_token(supervisor)})
        assert r.status_code == 302
    for i, note in enumerate(notes[4:], start=4):  # and straight through the store
        store.update_row("presa", rows[i].row_id, {"note": note}, "supervisor")
    assert store.sync()["pending"] == 0
    title = "=1+1"  # the office's worksheet is named after its (hostile) title
    formatted = emu.get_values(title)
    formulas = emu.get_values(title, render="FORMULA")
    assert [[str(v) for v in row] for row in formulas] == formatted  # numbers come back as numbers
    sheet = emu.spreadsheets[SS].find_title(title)
    for r in range(len(formatted)):
        for c in range(len(formatted[r])):
            cell = sheet.get(r, c) or {}
            assert "formulaValue" not in (cell.get("userEnteredValue") or {}), (r, c, cell)
    cells = {v for row in formatted for v in row}
    # activity label, part label, clerk names, notes: each the whole text of a cell
    expected = {"-1+2", "Solicitări de presă — =2*3", *names, *notes}
    assert expected - cells == set()


def test_making_the_instance_private_survives_a_file_another_worker_removed(tmp_path, monkeypatch):
    """Workers start together: a -wal file listed by one may be gone (its
    SQLite closed the last connection) by the time it is chmod-ed."""
    from pathlib import Path

    from app import _private_instance

    kept = tmp_path / "app.sqlite3"
    kept.write_text("")
    kept.chmod(0o644)
    listed = [tmp_path / "app.sqlite3-wal", kept]  # the -wal was there when the folder was read
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(listed))
    monkeypatch.setattr(Path, "is_file", lambda self: True)
    _private_instance(tmp_path)
    assert (tmp_path.stat().st_mode & 0o777, kept.stat().st_mode & 0o777) == (0o700, 0o600)

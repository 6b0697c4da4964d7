"""Hostile and malformed input through the real app (Flask test client):
every case gets a Romanian message and a 4xx status, never a 500, and the
store, the users and the audit log are exactly as before.

Decisions:
* a field name the form does not have (an activity removed from the catalog
  while a clerk had the form open, another office's field, a made-up name)
  is ignored: the known fields of the day are saved, nothing else;
* a field sent twice with different values is refused (a browser never does
  it; silently keeping one of them would store a number nobody chose);
  twice the same value is accepted;
* whitespace around a number is accepted (" 7 ", a trailing newline from a
  paste); anything else that is not ASCII digits is refused, including
  other scripts' digits, full-width digits, signs, separators and exponents;
* a request carrying files or a JSON body is refused as a whole (400): no
  page of the app sends them (forms.base.TextForm).
"""
from __future__ import annotations

import io
import sqlite3
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from werkzeug.datastructures import MultiDict

from devtools.dates import today
from forms.base import NOT_A_FORM
from domain.rows import Row
from tests.conftest import PASSWORD, csrf_token, make_app

DAY = date(2026, 11, 24)
ENTRY = f"/entry/presa?date={DAY.isoformat()}"
#: A day with nothing saved: an empty form there is refused. (On a filled day an
#: empty form is the clerk withdrawing the day: it saves zero rows.)
BLANK_DAY = "/entry/presa?date=2026-11-23"
GOOD = {"l544-studiere__lucrari": "12", "adrese-email__lucrari": "3"}
FIELD = "comunicate-site__documente"
NOT_A_NUMBER = "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."
TOO_BIG = "Valoarea este prea mare: cel mult 100 000."
NEGATIVE = "Numărul nu poate fi negativ."
NOTHING = "Nu s-a salvat nimic: corectați valorile marcate mai jos."
EMPTY = "Nu ați completat nicio valoare; nu s-a salvat nimic."
REPEATED = "Câmpul a fost trimis de mai multe ori; trimiteți formularul din nou."
BAD_METHOD = "Această adresă nu acceptă metoda folosită."
TOO_LARGE = "Datele trimise depășesc dimensiunea permisă."


@dataclass
class Case:
    user: str | None
    method: str
    url: str
    status: int
    messages: tuple[str, ...]
    data: object = None  # dict, list of pairs, or raw bytes
    content_type: str | None = None
    follow: bool = False
    changes: list = field(default_factory=list)  # rows expected to be added (only for "ignored" cases)


def entry(value, message=NOT_A_NUMBER, **extra):
    """The good fields plus one hostile value: a 400 next to the field."""
    return Case("clerk", "POST", ENTRY, 400, (message, NOTHING), data=dict(GOOD, **{FIELD: value}, **extra))


SAVED_GOOD = [("presa", "l544-studiere", "", "clerk", 12, None), ("presa", "adrese-email", "", "clerk", 3, None)]

CASES = {
    # -- numbers in the entry form
    "negative": entry("-5", NEGATIVE),
    "negative with a space": entry("- 5", NEGATIVE),
    "just over the maximum": entry("100001", TOO_BIG),
    "30 digits": entry("9" * 30, TOO_BIG),
    "5000 digits (past Python's int() limit)": entry("9" * 5000, TOO_BIG),
    "letters": entry("doisprezece"),
    "decimal comma": entry("2,5"),
    "decimal point": entry("2.0"),
    "exponent": entry("1e3"),
    "hexadecimal": entry("0x10"),
    "underscore separator (int() would take it)": entry("1_000"),
    "thousands space": entry("1 000"),
    "Arabic-Indic digits": entry("١٢"),
    "Devanagari digits": entry("१२"),
    "full-width digits": entry("１２"),
    "superscript two": entry("²"),
    "zero-width space": entry("\u200b7"),
    "leading plus": entry("+5"),
    "formula": entry("=1+1"),
    "formula with function": entry("=SUM(A1:A9)"),
    "HTML": entry("<b>5</b>"),
    "script": entry("<script>alert(1)</script>"),
    "NUL byte": entry("5\x00"),
    "control character": entry("\x1b[31m5"),
    "very long text": entry("x" * 100_000),
    "invalid UTF-8": Case("clerk", "POST", ENTRY, 400, (NOT_A_NUMBER, NOTHING),
                          data=b"l544-studiere__lucrari=12&comunicate-site__documente=%FF%FE",
                          content_type="application/x-www-form-urlencoded"),
    "same field twice, different values": Case("clerk", "POST", ENTRY, 400, (REPEATED, NOTHING),
                                               data=MultiDict([("l544-studiere__lucrari", "12"),
                                                               ("l544-studiere__lucrari", "13")])),
    # -- fields the form does not have: ignored
    "unknown field only": Case("clerk", "POST", BLANK_DAY, 400, (EMPTY,), data={"nu-exista__lucrari": "5"}),
    "another office's field only": Case("clerk", "POST", BLANK_DAY, 400, (EMPTY,),
                                        data={"centrala-telefonica__lucrari": "5"}),
    "counter that does not apply only": Case("clerk", "POST", BLANK_DAY, 400, (EMPTY,),
                                             data={"l544-studiere__documente": "5"}),
    "unknown field beside good ones": Case("clerk", "POST", ENTRY, 302, (), changes=SAVED_GOOD,
                                           data=dict(GOOD, **{"nu-exista__lucrari": "5", "office": "consiliere",
                                                              "clerk": "admin", "date": "2026-11-20"})),
    "same field twice, same value": Case("clerk", "POST", ENTRY, 400, (REPEATED, NOTHING),
                                         data=MultiDict([("l544-studiere__lucrari", "12"),
                                                         ("l544-studiere__lucrari", "12")])),
    "JSON body with a number": Case("clerk", "POST", ENTRY, 400, (NOT_A_FORM,),
                                    data=b'{"csrf_token": "{token}", "l544-studiere__lucrari": 12}',
                                    content_type="application/json"),
    "JSON body with a list": Case("clerk", "POST", ENTRY, 400, (NOT_A_FORM,),
                                  data=b'{"csrf_token": "{token}", "l544-studiere__lucrari": [1, 2]}',
                                  content_type="application/json"),
    "multipart with a file": Case("clerk", "POST", ENTRY, 400, (NOT_A_FORM,),
                                  data={"l544-studiere__lucrari": (io.BytesIO(b"12"), "a.txt")},
                                  content_type="multipart/form-data"),
    # -- sizes
    "body over MAX_CONTENT_LENGTH": Case("clerk", "POST", ENTRY, 413, (TOO_LARGE,),
                                         data=dict(GOOD, pad="x" * 300_000)),
    "2000 multipart fields": Case("clerk", "POST", ENTRY, 413, (TOO_LARGE,),
                                  data=dict(GOOD, **{f"f{i}": "1" for i in range(2000)}),
                                  content_type="multipart/form-data"),
    # -- dates of the entry form
    "impossible date": Case("clerk", "POST", "/entry/presa?date=2026-02-30", 400,
                            ("Data „2026-02-30” nu este validă. Folosiți forma ZZ.LL.AAAA",), data=GOOD),
    "ancient date": Case("clerk", "POST", "/entry/presa?date=0001-01-01", 400, ("Data este prea veche.",),
                         data=GOOD),
    "far future date": Case("clerk", "POST", "/entry/presa?date=9999-12-31", 400,
                            ("Nu puteți completa o zi din viitor",), data=GOOD),
    "tomorrow": Case("clerk", "POST", f"/entry/presa?date={(today() + timedelta(days=1)).isoformat()}", 400,
                     ("Nu puteți completa o zi din viitor",), data=GOOD),
    "date with NUL": Case("clerk", "POST", "/entry/presa?date=2026-11-24%00", 400, ("nu este validă",),
                          data=GOOD),
    "date as a word": Case("clerk", "POST", "/entry/presa?date=azi", 400, ("Data „azi” nu este validă.",),
                           data=GOOD),
    "very long date": Case("clerk", "GET", "/entry/presa?date=" + "1" * 5000, 400, ("nu este validă",)),
    # -- offices, rows, weeks
    "unknown office": Case("clerk", "POST", "/entry/nuexista", 404, ("Serviciul „nuexista” nu există.",),
                           data=GOOD),
    "other clerk's office": Case("clerk", "POST", "/entry/consiliere", 403, ("Nu aveți acces la acest serviciu.",),
                                 data={"centrala-telefonica__lucrari": "5"}),
    "office slug with HTML": Case("clerk", "GET", "/entry/" + quote("<b>x", safe=""), 404,
                                  ("Serviciul „&lt;b&gt;x” nu există.",)),
    "report of an unknown office": Case("supervisor", "GET", "/report?service=nuexista", 404,
                                        ("Serviciul „nuexista” nu există.",)),
    "data table of an unknown office": Case("supervisor", "GET", "/data/nuexista", 404,
                                            ("Serviciul „nuexista” nu există.",)),
    "data table, week 54": Case("supervisor", "GET", "/data/presa?week=2026-W54", 400, ("nu există",)),
    "data table, week 0": Case("supervisor", "GET", "/data/presa?week=2026-W00", 400, ("nu există",)),
    "report, year 1999": Case("supervisor", "GET", "/report?from=1999-12-01&to=1999-12-31", 400,
                              ("anul trebuie să fie între 2000 și 2100",)),
    "report, week with NUL": Case("supervisor", "GET", "/report?week=2026-W4%008", 400,
                                  ("nu este scrisă corect",)),
    "xlsx, reversed range": Case("supervisor", "GET", "/report.xlsx?from=2026-11-30&to=2026-11-01", 400,
                                 ("este după data de sfârșit",)),
    # -- the supervisors' table (a redirect with a message)
    "edit: negative count": Case("supervisor", "POST", "/data/presa/{row}?week=2026-W48", 200,
                                 ("Nu s-a salvat nimic. Nr. lucrări: " + NEGATIVE,),
                                 data={"lucrari": "-1", "documente": "", "note": ""}, follow=True),
    "edit: 5000 digits": Case("supervisor", "POST", "/data/presa/{row}?week=2026-W48", 200,
                              ("Nu s-a salvat nimic. Nr. lucrări: " + TOO_BIG,),
                              data={"lucrari": "9" * 5000, "documente": "", "note": ""}, follow=True),
    "edit: note over 500 characters": Case("supervisor", "POST", "/data/presa/{row}?week=2026-W48", 200,
                                           ("Observații: Cel mult 500 de caractere.",),
                                           data={"lucrari": "1", "documente": "", "note": "n" * 501}, follow=True),
    "edit: a file as the count": Case("supervisor", "POST", "/data/presa/{row}?week=2026-W48", 400, (NOT_A_FORM,),
                                      data={"lucrari": (io.BytesIO(b"7"), "7.txt"), "documente": "", "note": ""},
                                      content_type="multipart/form-data"),
    "edit: a file as the note": Case("supervisor", "POST", "/data/presa/{row}?week=2026-W48", 400, (NOT_A_FORM,),
                                     data={"lucrari": "1", "documente": "", "note": (io.BytesIO(b"n"), "n.txt")},
                                     content_type="multipart/form-data"),
    "login: a file as the user name": Case(None, "POST", "/login", 400, (NOT_A_FORM,),
                                           data={"username": (io.BytesIO(b"clerk"), "u.txt"), "password": PASSWORD},
                                           content_type="multipart/form-data"),
    "edit: row that does not exist": Case("supervisor", "POST", "/data/presa/nuexista?week=2026-W48", 200,
                                          ("Rândul nu mai există",), data={"lucrari": "1"}, follow=True),
    "edit: row of another office": Case("supervisor", "POST", "/data/consiliere/{row}?week=2026-W48", 200,
                                        ("Rândul nu mai există",), data={"lucrari": "1"}, follow=True),
    "delete: row of another office": Case("supervisor", "POST", "/data/consiliere/{row}", 200,
                                          ("Rândul nu mai există",), data={"action": "delete"}, follow=True),
    # -- sign-in and users
    "login: NUL in the user name": Case(None, "POST", "/login", 401, ("Utilizator sau parolă greșită.",),
                                        data={"username": "clerk\x00", "password": PASSWORD}),
    "login: 100 000-character password": Case(None, "POST", "/login", 401, ("Utilizator sau parolă greșită.",),
                                              data={"username": "clerk", "password": "p" * 100_000}),
    "login: empty fields": Case(None, "POST", "/login", 200,
                                ("Introduceți numele de utilizator.", "Introduceți parola.")),
    "new user: NUL in the name": Case("admin", "POST", "/users", 200, ("caractere de control",),
                                      data={"username": "ion\x00", "role": "clerk", "offices": ["presa"],
                                            "password": "parola-lunga-1", "confirm": "parola-lunga-1"}),
    "new user: slash in the name": Case("admin", "POST", "/users", 200, ("„/”",),
                                        data={"username": "ion/pop", "role": "clerk", "offices": ["presa"],
                                              "password": "parola-lunga-1", "confirm": "parola-lunga-1"}),
    "new user: 65 characters": Case("admin", "POST", "/users", 200, ("Cel mult 64 de caractere.",),
                                    data={"username": "a" * 65, "role": "clerk", "offices": ["presa"],
                                          "password": "parola-lunga-1", "confirm": "parola-lunga-1"}),
    "new user: unknown office": Case("admin", "POST", "/users", 200, ("Serviciu necunoscut: nuexista.",),
                                     data={"username": "ion", "role": "clerk", "offices": ["nuexista"],
                                           "password": "parola-lunga-1", "confirm": "parola-lunga-1"}),
    "new user: unknown role": Case("admin", "POST", "/users", 200, ("Rol necunoscut",),
                                   data={"username": "ion", "role": "root", "password": "parola-lunga-1",
                                         "confirm": "parola-lunga-1"}),
    "new password too short": Case("admin", "POST", "/users/clerk2/password", 200,
                                   ("Parola trebuie să aibă cel puțin 10 caractere.",),
                                   data={"password": "scurta"}, follow=True),
    "password of a user that does not exist": Case("admin", "POST", "/users/nimeni/password", 200,
                                                   ("Utilizatorul „nimeni” nu există.",),
                                                   data={"password": "parola-lunga-1"}, follow=True),
    # -- methods
    "PUT on the entry form": Case("clerk", "PUT", ENTRY, 405, (BAD_METHOD,), data=GOOD),
    "DELETE on a row": Case("supervisor", "DELETE", "/data/presa/{row}", 405, (BAD_METHOD,)),
    "PATCH on users": Case("admin", "PATCH", "/users", 405, (BAD_METHOD,)),
    "GET on logout": Case("clerk", "GET", "/logout", 405, (BAD_METHOD,)),
    "POST on the report": Case("clerk", "POST", "/report", 405, (BAD_METHOD,)),
}


def snapshot(app):
    rows = app.extensions["store"].read(app.extensions["catalog"].slugs, date(2000, 1, 1), date(2100, 12, 31),
                                        fresh=True).rows
    with sqlite3.connect(Path(app.instance_path) / "app.sqlite3") as con:
        users = con.execute("SELECT * FROM users ORDER BY username").fetchall()
        audit = con.execute("SELECT * FROM audit").fetchall()
    return sorted((r.office, r.day, r.activity, r.part, r.clerk, r.lucrari, r.documente, r.note) for r in rows), \
        users, audit


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """The app as deployed (CSRF on); every case's request carries a valid
    token, so what is tested is the input, not the CSRF check."""
    app = make_app(tmp_path_factory.mktemp("hostile"), WTF_CSRF_ENABLED=True)
    clients = {None: (app.test_client(), None)}
    clients[None] = (clients[None][0], csrf_token(clients[None][0].get("/login").get_data(as_text=True)))
    for name in ("clerk", "supervisor", "admin"):
        c = app.test_client()
        token = csrf_token(c.get("/login").get_data(as_text=True))
        assert c.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token}).status_code == 302
        clients[name] = (c, csrf_token(c.get("/").get_data(as_text=True)))
    return app, clients


#: What the day's form shows of the day saved before each case (test_hostile_input).
SHOWN = '{"l544-studiere__lucrari":1,"comunicate-site__lucrari":5,"comunicate-site__documente":5}'


def with_shown(data, url):
    """An entry form posted as a browser would: with what the form showed."""
    if not url.startswith("/entry/"):
        return data
    if isinstance(data, MultiDict) and "shown" not in data:
        data = data.copy()
        data.add("shown", SHOWN)
    elif isinstance(data, dict) and "shown" not in data:
        data = dict(data, shown=SHOWN)
    return data


def with_token(data, token):
    if token is None:
        return data
    if data is None:
        return {"csrf_token": token}
    if isinstance(data, MultiDict):
        data = data.copy()
        data.add("csrf_token", token)
        return data
    if isinstance(data, dict):
        return dict(data, csrf_token=token)
    if b"{token}" in data:
        return data.replace(b"{token}", token.encode())
    return data + b"&csrf_token=" + token.encode()


def test_there_are_enough_cases():
    assert len(CASES) >= 30


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_input(hostile_app, name):
    case = CASES[name]
    app, clients = hostile_app
    store = app.extensions["store"]
    # A day already saved by the clerk: nothing may be half-replaced.
    store.save_day("presa", DAY, "clerk", [Row("presa", DAY, "comunicate-site", "clerk", lucrari=5, documente=5),
                                          Row("presa", DAY, "l544-studiere", "clerk", lucrari=1)])
    row_id = Row("presa", DAY, "comunicate-site", "clerk").row_id
    before = snapshot(app)
    kwargs = {"method": case.method, "follow_redirects": case.follow}
    if case.data is not None:
        kwargs["data"] = case.data
    if case.content_type:
        kwargs["content_type"] = case.content_type
    client, token = clients[case.user]
    if case.method == "POST":
        kwargs["data"] = with_token(with_shown(case.data, case.url), token)
    r = client.open(case.url.replace("{row}", row_id), **kwargs)
    html = r.get_data(as_text=True)
    assert r.status_code == case.status, html[:2000]
    for message in case.messages:
        assert message in html, (message, html[:3000])
    assert "Traceback" not in html
    rows, users, audit = snapshot(app)
    if case.changes:
        kept = [r for r in before[0] if not (r[1] == DAY and r[4] == "clerk" and r[0] == "presa")]
        assert rows == sorted(kept + [(o, DAY, a, p, c, l, d, "") for o, a, p, c, l, d in case.changes])
    else:
        assert (rows, users, audit) == before

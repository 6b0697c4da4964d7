"""Issue 13, tried as an attacker and as an administrator would, through a
real server (gunicorn -w 2 on 127.0.0.1, local backend; the quota test runs
gunicorn -w 3 on the Google backend against the Sheets emulator).

Sessions that end, a sign-in throttle that cannot lock out the city hall,
the one-time password, users managed on the web (scoped supervisors),
request bodies, private files, odd names and ids, the ?refresh=1 quota.
"""
from __future__ import annotations

import sqlite3
import stat
import subprocess
import sys
import time
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from devtools.dates import today
from devtools.live import PASSWORD, ROOT, TIMEOUT, create_users, gunicorn, token_of

REMEMBER = 3  # seconds "Ține-mă minte" lasts on this server (the cookie says so too, but copies ignore that)
ACCOUNTS = [("admin", "admin", ()), ("admin2", "admin", ()), ("sef", "supervisor", ()),
            ("clerk", "clerk", ("presa",)), ("clerk2", "clerk", ("presa",)), ("victima", "clerk", ("presa",)),
            ("ana", "clerk", ("consiliere",)), ("ion", "clerk", ("consiliere",)), ("maria", "clerk", ("presa",))]
DAY = today().isoformat()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """(base URL, instance folder) of one server for the module."""
    tmp = tmp_path_factory.mktemp("access-live")
    instance = tmp / "instance"
    create_users(instance, ACCOUNTS)
    env = {"FLASK_REMEMBER_COOKIE_DURATION": str(REMEMBER)}
    with gunicorn(instance, workers=2, env=env, log=tmp / "gunicorn.log") as base:
        yield base, instance


class Person:
    """A browser: a requests.Session that follows no redirect."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kw) -> requests.Response:
        return self.http.get(self.base + path, timeout=TIMEOUT, allow_redirects=False, **kw)

    def post(self, path: str, data=None, token_from: str = "/", **kw) -> requests.Response:
        if isinstance(data, list):
            data = data + [("csrf_token", self.token(token_from))]
        else:
            data = dict(data or {}, csrf_token=self.token(token_from))
        return self.http.post(self.base + path, data=data, timeout=TIMEOUT, allow_redirects=False, **kw)

    def token(self, path: str = "/") -> str:
        return token_of(self.http.get(self.base + path, timeout=TIMEOUT).text)

    def login(self, name: str, password: str = PASSWORD, remember: bool = False) -> requests.Response:
        data = {"username": name, "password": password}
        if remember:
            data["remember"] = "y"
        return self.post("/login", data, token_from="/login")


def signed_in(base: str, name: str, password: str = PASSWORD, remember: bool = False) -> Person:
    p = Person(base)
    r = p.login(name, password, remember)
    assert r.status_code == 302, (name, r.status_code, r.text[:300])
    return p


def with_cookies(base: str, cookies: dict) -> Person:
    p = Person(base)
    for name, value in cookies.items():
        p.http.cookies.set(name, value)
    return p


def is_signed_in(p: Person) -> bool:
    r = p.get("/")
    return r.status_code == 200


# -- 1. sessions that end ----------------------------------------------------------


def test_sign_out_ends_the_session_and_the_remember_cookie(live):
    base, _ = live
    p = signed_in(base, "maria", remember=True)
    cookies = p.http.cookies.get_dict()
    assert {"session", "remember_token"} <= set(cookies)
    assert is_signed_in(with_cookies(base, {"session": cookies["session"]}))
    assert is_signed_in(with_cookies(base, {"remember_token": cookies["remember_token"]}))
    assert p.post("/logout").status_code == 302
    # Copies taken before sign-out: each alone, and both together, are refused.
    for copy in ({"session": cookies["session"]}, {"remember_token": cookies["remember_token"]}, cookies):
        r = with_cookies(base, copy).get("/")
        assert r.status_code == 302 and "/login" in r.headers["Location"], copy.keys()


def test_remember_me_expires_on_the_server(live):
    base, _ = live
    p = signed_in(base, "clerk2", remember=True)
    remember = p.http.cookies.get("remember_token")
    assert is_signed_in(with_cookies(base, {"remember_token": remember}))
    time.sleep(REMEMBER + 0.5)
    # The copy still "says" it is valid (a client keeps a cookie as long as it likes): the server refuses it.
    assert not is_signed_in(with_cookies(base, {"remember_token": remember}))
    assert not is_signed_in(p)


def test_admin_ends_a_users_sessions(live):
    base, _ = live
    user = signed_in(base, "ion")
    admin = signed_in(base, "admin")
    assert "Sesiuni" in admin.get("/users").text
    r = admin.post("/users/ion/sessions", token_from="/users")
    assert r.status_code == 302
    assert "au fost închise (1)" in admin.get("/users").text
    assert not is_signed_in(user)
    assert is_signed_in(admin)


# -- 2. a throttle that slows guessing without locking out the city hall ---------------


def test_thirty_wrong_passwords_lock_only_that_account(live):
    base, _ = live
    attacker = Person(base)
    codes = [attacker.login("victima", f"parola-gresita-{i:02d}").status_code for i in range(30)]
    assert codes[:5] == [401] * 5 and set(codes[5:]) == {429}
    # Everyone else, from the same address, signs in at once with the right password.
    started = time.perf_counter()
    for name in ("clerk", "ana", "sef", "admin"):
        assert signed_in(base, name)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, elapsed
    print(f"\n4 other accounts signed in {elapsed:.2f} s after 30 wrong passwords for one account")
    # The account itself waits, even with the right password; its message says how long and who can help.
    r = Person(base).login("victima")
    assert r.status_code == 429 and r.headers["Retry-After"]
    assert "Contul este blocat temporar: reîncercați peste" in r.text and "administrator" in r.text
    # The admin sees the lock and lifts it; then the right password works.
    admin = signed_in(base, "admin")
    page = admin.get("/users").text
    assert "blocat încă" in page and "Deblochează victima" in page
    assert admin.post("/users/victima/unlock", token_from="/users").status_code == 302
    assert "Deblochează victima" not in admin.get("/users").text
    assert signed_in(base, "victima")


# -- 3. the one-time password is one-time ------------------------------------------------


def test_a_password_set_by_an_admin_must_be_replaced(live):
    base, _ = live
    admin = signed_in(base, "admin")
    r = admin.post("/users", {"username": "nou", "role": "clerk", "offices": "presa",
                              "password": "aleasa-de-admin", "confirm": "aleasa-de-admin"}, token_from="/users")
    assert r.status_code == 302
    newcomer = Person(base)
    r = newcomer.login("nou", "aleasa-de-admin")
    assert r.status_code == 302 and r.headers["Location"].startswith("/password")
    for path in ("/", "/entry/presa", "/report"):
        r = newcomer.get(path)
        assert r.status_code == 302 and r.headers["Location"].startswith("/password"), path
    assert newcomer.post("/entry/presa", {"l544-studiere__lucrari": "3"},
                         token_from="/password").headers["Location"].startswith("/password")
    page = newcomer.get("/password").text
    assert "Parola cu care v-ați autentificat a fost aleasă de altcineva" in page
    same = newcomer.post("/password", {"current": "aleasa-de-admin", "password": "aleasa-de-admin",
                                       "confirm": "aleasa-de-admin"}, token_from="/password")
    assert same.status_code == 400 and "Parola nouă trebuie să fie diferită de cea actuală." in same.text
    r = newcomer.post("/password", {"current": "aleasa-de-admin", "password": "doar-eu-o-stiu",
                                    "confirm": "doar-eu-o-stiu"}, token_from="/password")
    assert r.status_code == 302
    assert is_signed_in(newcomer)
    # Resetting someone's password on /users: the same again.
    admin.post("/users/nou/password", {"password": "resetata-de-admin"}, token_from="/users")
    assert not is_signed_in(newcomer)
    assert Person(base).login("nou", "resetata-de-admin").headers["Location"].startswith("/password")


# -- 4. users on the web -----------------------------------------------------------------


def test_users_edited_on_the_web_and_scoped_supervisors(live):
    base, _ = live
    admin = signed_in(base, "admin")
    r = admin.post("/users", [("username", "sefpresa"), ("role", "supervisor"), ("offices", "presa"),
                              ("full_name", "Ioana Popescu"), ("password", "parola-sef-presa"),
                              ("confirm", "parola-sef-presa")], token_from="/users")
    assert r.status_code == 302
    row = admin.get("/users").text.split("<th scope=\"row\">sefpresa</th>")[1].split("</tr>")[0]
    assert "Ioana Popescu" in row and "SERVICIUL PRESĂ" in row and "toate" not in row
    boss = Person(base)
    boss.login("sefpresa", "parola-sef-presa")
    boss.post("/password", {"current": "parola-sef-presa", "password": "parola-sef-presa-2",
                            "confirm": "parola-sef-presa-2"}, token_from="/password")
    assert "/data/presa" in boss.get("/data/").text and "/data/consiliere" not in boss.get("/data/").text
    assert boss.get("/data/presa").status_code == 200
    for path in ("/data/consiliere", "/report?service=consiliere", "/report.xlsx?service=consiliere",
                 "/audit?service=consiliere&week=2026-W48"):
        assert boss.get(path).status_code == 403, path
    assert "CONSILIERE" not in boss.get("/report").text
    # Edit: role, offices, full name.
    r = admin.post("/users/sefpresa", [("role", "supervisor"), ("offices", "consiliere"),
                                       ("full_name", "Ioana Popescu-Ionescu")], token_from="/users/sefpresa")
    assert r.status_code == 302
    assert boss.get("/data/presa").status_code == 403 and boss.get("/data/consiliere").status_code == 200
    r = admin.post("/users/sefpresa", [("role", "supervisor"), ("full_name", "")], token_from="/users/sefpresa")
    row = admin.get("/users").text.split("<th scope=\"row\">sefpresa</th>")[1].split("</tr>")[0]
    assert "toate serviciile" in row and boss.get("/data/presa").status_code == 200


def test_disable_asks_first_and_admins_keep_their_rights(live):
    base, _ = live
    admin = signed_in(base, "admin")
    victim = signed_in(base, "clerk2")
    r = admin.post("/users/clerk2/disable", {"enable": "0"}, token_from="/users")
    assert r.status_code == 200 and "Dezactivați contul „clerk2”?" in r.text
    assert is_signed_in(victim)  # nothing happened yet
    assert admin.post("/users/clerk2/disable", {"enable": "0", "confirm": "da"}, token_from="/users").status_code == 302
    assert not is_signed_in(victim)
    admin.post("/users/clerk2/disable", {"enable": "1"}, token_from="/users")
    # A hand-made POST: an admin neither disables nor demotes themself.
    admin.post("/users/admin/disable", {"enable": "0", "confirm": "da"}, token_from="/users")
    assert "Nu vă puteți dezactiva propriul cont" in admin.get("/users").text
    r = admin.post("/users/admin", {"role": "clerk", "offices": "presa"}, token_from="/users/admin")
    assert r.status_code == 400 and "Nu vă puteți retrage singur rolul de administrator" in r.text
    assert is_signed_in(admin)
    # The last admin stays: admin2 disables admin, then nobody can disable or demote admin2.
    admin2 = signed_in(base, "admin2")
    admin2.post("/users/admin/disable", {"enable": "0", "confirm": "da"}, token_from="/users")
    try:
        assert not is_signed_in(admin)
        sef = signed_in(base, "sef")
        assert sef.get("/users").status_code == 403
        r = admin2.post("/users/admin2", {"role": "supervisor"}, token_from="/users/admin2")
        assert r.status_code == 400
    finally:
        admin2.post("/users/admin/disable", {"enable": "1"}, token_from="/users")


def test_look_alike_names_are_refused(live):
    base, _ = live
    admin = signed_in(base, "admin")

    def add(name):
        return admin.post("/users", {"username": name, "role": "clerk", "offices": "presa",
                                     "password": "parola-lunga-1", "confirm": "parola-lunga-1"}, token_from="/users")

    assert add("Ștefan").status_code == 302
    nfd = unicodedata.normalize("NFD", "Ștefan")
    assert nfd != "Ștefan"
    assert "există deja" in add(nfd).text
    assert "se confundă ușor cu utilizatorul existent „Ștefan”" in add("Ştefan").text  # s with cedilla
    assert "amestecă alfabete" in add("\u0430dmin").text  # Cyrillic а + Latin dmin
    assert add("\u0441\u043e\u0440").status_code == 302  # "сор", all Cyrillic: one script, like no one
    assert "se confundă ușor cu utilizatorul existent „\u0441\u043e\u0440”" in add("cop").text  # its Latin twin
    assert "se confundă ușor cu utilizatorul existent „clerk”" in add("c1erk").text
    names = admin.get("/users").text
    assert names.count('<th scope="row">Ștefan</th>') == 1 and "\u0430dmin" not in names


# -- 5. request bodies ------------------------------------------------------------------------


def saved_rows(instance: Path, clerk: str = "clerk") -> list[tuple]:
    with sqlite3.connect(instance / "entries.sqlite3") as con:
        return con.execute("SELECT activity, part, lucrari, documente, note FROM rows WHERE clerk=? AND day=? "
                           "ORDER BY activity, part", (clerk, DAY)).fetchall()


def test_a_chunked_body_over_the_limit_is_413_and_saves_nothing(live):
    base, instance = live
    clerk = signed_in(base, "clerk")
    url = f"/entry/presa?date={DAY}"
    assert clerk.post(url, {"l544-studiere__lucrari": "12"}, token_from=url).status_code == 302
    before = saved_rows(instance)
    assert before
    token = clerk.token(url)

    def chunks():
        yield f"csrf_token={token}&l544-studiere__lucrari=".encode()
        for _ in range(40):
            yield b"9" * 8192  # 320 KiB in all: over MAX_CONTENT_LENGTH (256 KiB)

    r = clerk.http.post(base + url, data=chunks(), timeout=TIMEOUT, allow_redirects=False,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and "Datele trimise depășesc dimensiunea permisă. Nu s-a salvat nimic." in r.text
    assert saved_rows(instance) == before


def test_malformed_forms_change_nothing(live):
    base, instance = live
    clerk = signed_in(base, "clerk")
    url = f"/entry/presa?date={DAY}"
    clerk.post(url, {"l544-studiere__lucrari": "12", "comunicate-site__documente": "4"}, token_from=url)
    before = saved_rows(instance)
    # The daily checkbox takes only its own value.
    for value in ("0", "no", "off"):
        r = clerk.post(url, {"l544-studiere__lucrari": "12", "monitorizare-presa__done": value}, token_from=url)
        assert r.status_code == 400 and "Bifa a primit o valoare" in r.text, value
    r = clerk.post(url, [("l544-studiere__lucrari", "12"), ("l544-studiere__lucrari", "12")], token_from=url)
    assert r.status_code == 400 and "trimis de mai multe ori" in r.text
    assert saved_rows(instance) == before
    # Corrections by a supervisor.
    sef = signed_in(base, "sef")
    with sqlite3.connect(instance / "entries.sqlite3") as con:
        row_id = con.execute("SELECT row_id FROM rows WHERE clerk='clerk' AND day=? AND activity='comunicate-site'",
                             (DAY,)).fetchone()[0]
    table = f"/data/presa?week={today().isocalendar()[0]}-W{today().isocalendar()[1]:02d}"
    edit = f"/data/presa/row?id={row_id}"
    cases = {
        "missing counter": ({"action": "save", "lucrari": "", "note": "x"},
                            "Corectarea nu conține „Nr. documente produse”"),
        "repeated field": ([("action", "save"), ("lucrari", ""), ("documente", "5"), ("documente", "6"),
                            ("note", "")], "a fost trimis de mai multe ori"),
        "unknown action": ({"action": "arhivează", "lucrari": "", "documente": "5", "note": ""},
                           "Acțiune necunoscută"),
    }
    for what, (data, message) in cases.items():
        r = sef.post(edit, data, token_from=table)
        assert r.status_code == 400 and message in r.text, what
    for note in ("a\x00b", "a\x1bb", "\u202eevil", "a\u2066b"):
        r = sef.post(edit, {"action": "save", "lucrari": "", "documente": "5", "note": note}, token_from=table)
        assert r.status_code == 302
        assert "Textul conține un caracter nepermis" in sef.get(table).text
    assert saved_rows(instance) == before
    r = sef.post(edit, {"action": "save", "lucrari": "", "documente": "5", "note": "rândul 1\n\tverificat"},
                 token_from=table)
    assert r.status_code == 302
    assert ("comunicate-site", "", None, 5, "rândul 1\n\tverificat") in saved_rows(instance)


# -- 6. private files --------------------------------------------------------------------------


def test_instance_folder_and_files_are_private(live):
    base, instance = live
    clerk = signed_in(base, "clerk")
    # A reader holding the databases open keeps their WAL/SHM files in place while the server writes.
    readers = [sqlite3.connect(instance / name) for name in ("app.sqlite3", "entries.sqlite3")]
    try:
        for con in readers:
            con.execute("SELECT 1 FROM sqlite_master").fetchall()
        clerk.post(f"/entry/presa?date={DAY}", {"adrese-email__lucrari": "2"}, token_from=f"/entry/presa?date={DAY}")
        assert stat.S_IMODE(instance.stat().st_mode) == 0o700
        files = sorted(p.name for p in instance.iterdir())
        assert {"app.sqlite3", "app.sqlite3-wal", "app.sqlite3-shm", "entries.sqlite3", "entries.sqlite3-wal",
                "secret_key"} <= set(files), files
        loose = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in instance.iterdir()
                 if p.is_file() and stat.S_IMODE(p.stat().st_mode) != 0o600}
        assert loose == {}
    finally:
        for con in readers:
            con.close()


# -- 7. odd names ---------------------------------------------------------------------------------


def test_any_hand_typed_row_id_can_be_corrected_and_deleted(live):
    """Ids a person typed in the spreadsheet (here put straight into the
    store, as the Google backend reads them): "/", "..", "week", "row", spaces."""
    base, instance = live
    ids = ["a/b", "../x", "week", "row", "rând 7 / verificat", "?x=1&y#z"]
    with sqlite3.connect(instance / "entries.sqlite3") as con:
        for i, rid in enumerate(ids):
            con.execute("INSERT INTO rows (row_id, office, day, activity, part, clerk, lucrari, entered_at) "
                        "VALUES (?, 'presa', ?, 'l544-studiere', '', ?, 1, '2026-11-27T10:00:00')",
                        (rid, DAY, f"mana{i}"))
    sef = signed_in(base, "sef")
    week = f"{today().isocalendar()[0]}-W{today().isocalendar()[1]:02d}"
    page = sef.get(f"/data/presa?week={week}").text
    for i, rid in enumerate(ids):
        action = f"/data/presa/row?id={requests.utils.quote(rid, safe='')}&week={week}"
        r = sef.http.post(base + action, data={"action": "save", "lucrari": str(10 + i), "note": "",
                                               "csrf_token": token_of(page)},
                          timeout=TIMEOUT, allow_redirects=False)
        assert r.status_code == 302, rid
    with sqlite3.connect(instance / "entries.sqlite3") as con:
        got = dict(con.execute(f"SELECT row_id, lucrari FROM rows WHERE row_id IN ({','.join('?' * len(ids))})", ids))
    assert got == {rid: 10 + i for i, rid in enumerate(ids)}
    for rid in ids:
        r = sef.post(f"/data/presa/row?id={requests.utils.quote(rid, safe='')}&week={week}", {"action": "delete"},
                     token_from=f"/data/presa?week={week}")
        assert r.status_code == 302
    with sqlite3.connect(instance / "entries.sqlite3") as con:
        assert con.execute(f"SELECT COUNT(*) FROM rows WHERE row_id IN ({','.join('?' * len(ids))})",
                           ids).fetchone()[0] == 0


@pytest.mark.parametrize("slug", ["outbox", "problems"])
def test_slugs_that_clash_with_pages_are_refused(tmp_path, slug):
    folder = tmp_path / "forms"
    folder.mkdir()
    text = (ROOT / "forms" / "presa.yaml").read_text(encoding="utf-8").replace("slug: presa", f"slug: {slug}")
    (folder / "x.yaml").write_text(text, encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "catalog", "check", "--dir", str(folder)],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.stderr == (f"Catalog invalid: x.yaml: slug: Identificatorul „{slug}” este adresa unei pagini a aplicației "
                        f"(/data/{slug}); nu se pot folosi: outbox, problems.\n"), r.stderr
    assert r.returncode == 1
    # and a server does not start on it
    instance = tmp_path / "instance"
    instance.mkdir()
    with pytest.raises(RuntimeError, match="x.yaml: slug: Identificatorul"):
        with gunicorn(instance, workers=1, env={"FLASK_CATALOG_DIR": str(folder)}, ready_timeout=20,
                      log=tmp_path / "g.log"):
            pass


# -- 8. ?refresh=1 within the spreadsheet's quota ----------------------------------------------------

SS = "1RefreshQuotaSpreadsheet_abcdefghijklmn"
REFRESH_LIMIT = 6  # fresh reads a minute in this test (30 by default): small, so a short test shows the bound


def test_refresh_is_bounded_for_all_users_and_workers(tmp_path):
    """Three supervisors hold reload with ?refresh=1 for 15 s against three
    workers: the spreadsheet sees at most REFRESH_LIMIT reads (one worker
    alone, without the shared bound, reads afresh every 5 s)."""
    from sheets_emulator import EmulatorServer, SheetsEmulator

    instance = tmp_path / "instance"
    create_users(instance, [(f"sef{k}", "supervisor", ()) for k in range(3)])
    emulator = SheetsEmulator()
    emulator.create_spreadsheet(SS, title="Raportare activitate")
    with EmulatorServer(emulator) as server:
        env = {"FLASK_SHEETS_BACKEND": "google", "FLASK_GOOGLE_SPREADSHEET_ID": SS,
               "SHEETS_EMULATOR_HOST": server.host, "FLASK_SHEETS_SYNC_INTERVAL": "0",
               "FLASK_SHEETS_CACHE_TTL": "600", "FLASK_SHEETS_REFRESH_PER_MINUTE": str(REFRESH_LIMIT)}
        subprocess.run([sys.executable, "-m", "flask", "--app", "app", "sheets", "init"], cwd=ROOT, check=True,
                       env={**__import__("os").environ, **env, "FLASK_INSTANCE_PATH": str(instance)},
                       capture_output=True, timeout=60)
        with gunicorn(instance, workers=3, env=env, log=tmp_path / "gunicorn.log") as base:
            people = [signed_in(base, f"sef{k}") for k in range(3)]
            for _ in range(4):  # every worker has read once (and its metadata)
                for p in people:
                    assert p.get("/data/presa").status_code == 200
            time.sleep(5.5)  # past the per-worker debounce of fresh reads
            emulator.reset_counts()
            pages, refused = [], 0

            def hold_reload(p):
                nonlocal refused
                end = time.monotonic() + 15
                while time.monotonic() < end:
                    r = p.get("/data/presa?refresh=1")
                    pages.append(r.status_code)
                    refused += "reîncărcate de prea multe ori" in r.text
                    time.sleep(0.1)

            with ThreadPoolExecutor(3) as pool:
                list(pool.map(hold_reload, people))
            reads = emulator.counts()["read"]
    print(f"\n{len(pages)} reloads with ?refresh=1 in 15 s by 3 users: {reads} Sheets reads, {refused} served from the last read")
    assert set(pages) == {200}
    assert refused > 0
    assert reads <= REFRESH_LIMIT, emulator.counts()

"""The command line: users, demo and the first start."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from datetime import date, timedelta

from commands import demo_week
from tests.conftest import ROOT
from state.users import UserError


def test_users_commands(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "add", "maria", "--role", "clerk", "--service", "presa", "--service", "consiliere"],
                      input="parola-maria-1\nparola-maria-1\n")
    assert r.exit_code == 0, r.output
    assert r.output.endswith("Added maria (clerk: presa, consiliere).\n")
    r = runner.invoke(args=["users", "add", "maria2", "--role", "clerk", "--service", "nuexista"],
                      input="parola-maria-1\nparola-maria-1\n")
    assert r.exit_code == 1 and "Serviciu necunoscut: nuexista." in r.output
    r = runner.invoke(args=["users", "add", "scurt", "--role", "admin"], input="scurta\nscurta\n")
    assert r.exit_code == 1 and "Parola trebuie să aibă cel puțin 10 caractere." in r.output
    r = runner.invoke(args=["users", "add", "nepereche", "--role", "admin"], input="parola-lunga-1\nalta-parola-2\n"
                      "parola-lunga-1\nparola-lunga-1\n")
    assert r.exit_code == 0 and "Added nepereche (admin: all offices)." in r.output
    r = runner.invoke(args=["users", "set-password", "maria"], input="parola-noua-22\nparola-noua-22\n")
    assert r.exit_code == 0
    assert app.extensions["users"].authenticate("maria", "parola-noua-22") is not None
    assert runner.invoke(args=["users", "disable", "maria"]).exit_code == 0
    r = runner.invoke(args=["users", "list"])
    lines = r.output.splitlines()
    assert "maria\tclerk\tpresa,consiliere\tdisabled" in lines
    assert "nepereche\tadmin\tall\tactive" in lines
    assert runner.invoke(args=["users", "disable", "nimeni"]).exit_code == 1


def test_demo_is_idempotent_and_reproduces_the_week(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert [line.split(":")[0].strip() for line in first.output.splitlines()[:5]] == [
        "presa1", "presa2", "consiliere1", "consiliere2", "sef"]
    store = app.extensions["store"]
    week = demo_week(app)
    assert (week.start, week.end) == (date(2026, 11, 16), date(2026, 11, 22))  # the suite runs on 27 Nov 2026
    assert f"/report?week={week.slug}" in first.output
    monday = week.start
    rows = store.read(["presa", "consiliere"], monday, monday + timedelta(days=6), fresh=True).rows
    second = runner.invoke(args=["demo"])
    assert "presa1: (exists, password unchanged)" in second.output
    again = store.read(["presa", "consiliere"], monday, monday + timedelta(days=6), fresh=True).rows
    assert sorted(r.row_id for r in again) == sorted(r.row_id for r in rows)
    totals = {}
    for r in again:
        key = (r.office, r.activity, r.part)
        totals[key] = tuple(a + (b or 0) for a, b in zip(totals.get(key, (0, 0)), (r.lucrari, r.documente)))
    assert totals[("presa", "solicitari-presa", "telefonice")] == (73, 0)
    assert totals[("consiliere", "brp-petenti", "")] == (3030, 1510)
    assert {r.clerk for r in again if r.office == "presa"} <= {"presa1", "presa2"}


def test_first_start_prints_an_admin_password(tmp_path):
    env = dict(os.environ, FLASK_INSTANCE_PATH=str(tmp_path / "instance"))
    proc = subprocess.Popen([sys.executable, "app.py", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if line.startswith("Open http"):
                break
        text = "".join(lines)
        assert "First start: created user 'admin' with password: " in text
        password = text.split("with password: ")[1].split()[0]
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    from app import create_app

    app = create_app({"TESTING": True}, instance_path=str(tmp_path / "instance"))
    assert app.extensions["users"].authenticate("admin", password).role == "admin"


def test_user_names_that_would_collide_or_break_addresses_are_refused(app):
    users = app.extensions["users"]
    users.add("Ștefan", "parola-lunga-1", "clerk", ["presa"])
    for name, message in (("ștefan", "Utilizatorul „ștefan” există deja."),
                          ("..", "și nu doar puncte"), ("a/b", "„/”")):
        with pytest.raises(UserError, match=message):
            users.add(name, "parola-lunga-1", "clerk", ["presa"])


def test_look_alike_and_mixed_script_names_are_refused(app):
    import unicodedata

    users = app.extensions["users"]
    users.add("Ștefan", "parola-lunga-1", "clerk", ["presa"])
    for name, message in ((unicodedata.normalize("NFD", "Ștefan"), "există deja"),
                          ("Ştefan", "se confundă ușor cu utilizatorul existent „Ștefan”"),
                          ("\u0430dmin", "amestecă alfabete"),
                          ("\u0441\u0443\u0440\u0435r", "amestecă alfabete"),
                          ("\u0441lerk2", "amestecă alfabete"),
                          ("c1erk", "se confundă ușor cu utilizatorul existent „clerk”"),
                          ("ＣＬＥＲＫ", "se confundă ușor cu utilizatorul existent „clerk”"),  # full-width letters
                          ("\u0441\u043e\u0440", None)):  # all Cyrillic, looks like no one: accepted
        if message is None:
            users.add(name, "parola-lunga-1", "clerk", ["presa"])
            continue
        with pytest.raises(UserError, match=message):
            users.add(name, "parola-lunga-1", "clerk", ["presa"])
    with pytest.raises(UserError, match="se confundă ușor"):
        users.add("cop", "parola-lunga-1", "clerk", ["presa"])  # the Latin twin of the Cyrillic "сор"
    assert users.get(unicodedata.normalize("NFD", "ȘTEFAN")).username == "Ștefan"


def test_supervisors_scoped_from_the_command_line_unlock_and_end_sessions(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "add", "sefpresa", "--role", "supervisor", "--service", "presa",
                            "--full-name", "Ioana Popescu"], input="parola-lunga-1\nparola-lunga-1\n")
    assert r.exit_code == 0 and "Added sefpresa (supervisor: presa)." in r.output
    r = runner.invoke(args=["users", "add", "seftot", "--role", "supervisor"], input="parola-lunga-1\nparola-lunga-1\n")
    assert "Added seftot (supervisor: all offices)." in r.output
    users = app.extensions["users"]
    assert users.get("sefpresa").offices == ("presa",) and not users.get("sefpresa").can_access("consiliere")
    assert users.get("sefpresa").must_change and users.get("seftot").can_access("consiliere")
    c = app.test_client()
    for _ in range(6):
        c.post("/login", data={"username": "clerk", "password": "gresita-gresita"})
    lines = runner.invoke(args=["users", "list"]).output.splitlines()
    assert "sefpresa\tsupervisor\tpresa\tactive\tIoana Popescu" in lines
    assert "seftot\tsupervisor\tall\tactive" in lines
    assert "clerk\tclerk\tpresa\tactive\tlocked: 5" in lines
    r = runner.invoke(args=["users", "unlock", "clerk"])
    assert r.exit_code == 0 and "clerk unlocked (5 failed sign-ins forgotten)." in r.output
    assert c.post("/login", data={"username": "clerk", "password": "parola-de-test-1"}).status_code == 302
    assert c.get("/").status_code == 200
    r = runner.invoke(args=["users", "end-sessions", "clerk"])
    assert "1 session(s) of clerk ended." in r.output
    assert c.get("/").status_code == 302
    assert runner.invoke(args=["users", "unlock", "nimeni"]).exit_code == 1


def test_start_stops_with_a_clear_message_on_bad_settings(tmp_path):
    env = dict(os.environ, FLASK_INSTANCE_PATH=str(tmp_path / "instance"), FLASK_SHEETS_BACKEND="google")
    env.pop("SHEETS_EMULATOR_HOST", None)
    env.pop("FLASK_GOOGLE_SPREADSHEET_ID", None)
    out = subprocess.run([sys.executable, "app.py", "--port", "0"], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1
    assert out.stderr.startswith("Settings invalid: ") and "GOOGLE_SPREADSHEET_ID" in out.stderr
    assert "Traceback" not in out.stderr

"""The app signs in to the (emulated) Sheets API exactly as to Google.

With both ``SHEETS_EMULATOR_HOST`` and ``GOOGLE_CREDENTIALS_FILE`` set,
``open_google_store`` uses google-auth's service-account credentials (a JWT
grant to the key's ``token_uri``, here the emulator's ``/token``) and an
``AuthorizedSession`` (a Bearer token on every request); only the Sheets
API's address is the emulator's. The emulator checks the assertion's
signature against the public key registered for the account, so the key is
generated here. Nothing of gspread or google-auth is patched.
"""
from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sheets_emulator import EmulatorServer, SheetsEmulator
from tests.clock import FakeClock
from tests.conftest import login, make_app

SS = "1GoogleSignInTests_abcdefghijklmnopqrstuvw"
EMAIL = "raportare@primaria-test.iam.gserviceaccount.com"
PRESA = "SERVICIUL PRESĂ"
URL = "/entry/presa?date=2026-11-24"
FORM = {"l544-studiere__lucrari": "12", "comunicate-site__lucrari": "5", "comunicate-site__documente": "5"}


@pytest.fixture(scope="module")
def keys():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


@pytest.fixture
def clock():
    return FakeClock(1_800_000_000.0)


@pytest.fixture
def emu(clock, keys):
    emu = SheetsEmulator(clock=clock)
    emu.enable_auth()
    emu.register_service_account(EMAIL, keys[1], key_id="k1")
    return emu


@pytest.fixture
def server(emu):
    with EmulatorServer(emu) as srv:
        yield srv


def key_file(tmp_path, server, private_pem):
    path = tmp_path / "cheie.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": "primaria-test", "private_key_id": "k1",
        "private_key": private_pem, "client_email": EMAIL, "client_id": "1",
        "token_uri": server.url + "/token"}))
    return path


def app_for(tmp_path, server, keys, monkeypatch, **config):
    monkeypatch.setenv("SHEETS_EMULATOR_HOST", server.host)
    settings = {"SHEETS_BACKEND": "google", "GOOGLE_SPREADSHEET_ID": SS, "SHEETS_SYNC_INTERVAL": 0,
                "SHEETS_TIMEOUT": [1, 1], "SHEETS_MAX_ATTEMPTS": 10,
                "GOOGLE_CREDENTIALS_FILE": str(key_file(tmp_path, server, keys[0]))}
    settings.update(config)
    app = make_app(tmp_path, **settings)
    store = app.extensions["store"]
    store.backoff_unit, store.backoff_max = 0.001, 0.01
    return app, store


def clerk(app):
    c = app.test_client()
    assert login(c, "clerk").status_code == 302
    return c


def ids(emu):
    return Counter(r[0] for r in emu.get_values(PRESA, spreadsheet_id=SS)[1:] if r and r[0])


def test_bearer_tokens_on_every_request(tmp_path, server, emu, keys, monkeypatch):
    emu.create_spreadsheet(SS, title="Raportare", shared_with=[EMAIL])
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    assert store.session.credentials.service_account_email == EMAIL
    assert store.client.account == EMAIL
    c = clerk(app)
    assert c.post(URL, data=FORM).status_code == 302
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    assert sorted(ids(emu).values()) == [1, 1]
    page = c.get("/report?week=2026-W48&refresh=1")
    assert page.status_code == 200 and ">12<" in page.get_data(as_text=True)
    state = emu.auth_state()
    assert (state["token_requests"], state["tokens_issued"]) == (1, 1)  # one token serves every request
    assert emu.counts()["failed"] == 0  # no 401 at all: the token went with every request


@pytest.mark.parametrize("fault", ["invalid_grant", "500", "503", "slow", "refused"])
def test_token_endpoint_failing_keeps_the_save_queued(tmp_path, server, emu, keys, monkeypatch, fault):
    """The token endpoint refuses, fails or is too slow: the clerk's POST is
    answered (< 400), the save stays queued, and once the endpoint recovers
    the rows arrive exactly once."""
    emu.create_spreadsheet(SS, title="Raportare", shared_with=[EMAIL])
    app, store = app_for(tmp_path, server, keys, monkeypatch, SHEETS_READ_BUDGET=0.5,
                         SHEETS_FIRST_READ_BUDGET=1)
    if fault == "refused":
        # the key's token_uri points at a closed port (DNS/firewall trouble): a TransportError
        info = json.loads((tmp_path / "cheie.json").read_text())
        store.session.credentials._token_uri = "http://127.0.0.1:9/token"
        assert info["token_uri"].endswith("/token")
    elif fault == "slow":
        emu.inject_token_fault(("slow", 2.5), times=20)  # past the 2 s token timeout
    else:
        emu.inject_token_fault(fault, times=20)  # google-auth retries some answers itself
    c = clerk(app)
    r = c.post(URL, data=FORM)
    assert r.status_code < 400, r.status_code
    page = c.get(URL)
    assert page.status_code < 400 or page.status_code == 503
    assert store.sender.flush_pass() == (0, False)  # one attempt of the sender
    [op] = store.ops()
    assert op.status == "pending" and "Eroare neașteptată" not in op.last_error
    assert "autentificare" in op.last_error.lower() or "token" in op.last_error.lower()
    # the endpoint recovers
    if fault == "refused":
        store.session.credentials._token_uri = info["token_uri"]
    emu.clear_token_faults()
    deadline = time.monotonic() + 20
    while store.pending_count() and time.monotonic() < deadline:
        store.sync(max_seconds=2)
    assert store.sync() == {"delivered": 0, "pending": 0, "failed": 0}
    assert sorted(ids(emu).values()) == [1, 1]


def test_expired_token_is_refreshed_once_invisibly(tmp_path, server, emu, keys, monkeypatch, clock):
    emu.create_spreadsheet(SS, title="Raportare", shared_with=[EMAIL])
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    c = clerk(app)
    c.post(URL, data=FORM)
    assert store.sync()["delivered"] == 1
    clock.advance(3700)  # the emulator says the token has expired (google-auth still trusts it)
    shown = '{"l544-studiere__lucrari":12,"comunicate-site__lucrari":5,"comunicate-site__documente":5}'
    assert c.post(URL, data={**FORM, "l544-studiere__lucrari": "13", "shown": shown}).status_code == 302
    assert store.sync() == {"delivered": 1, "pending": 0, "failed": 0}
    state = emu.auth_state()
    assert state["tokens_issued"] == 2  # one refresh after the 401
    assert [op.last_error for op in store.ops(("delivered",))] == ["", ""]
    assert sorted(ids(emu).values()) == [1, 1]
    assert "13" in [r[6] for r in emu.get_values(PRESA, spreadsheet_id=SS)[1:]]


def test_not_shared_fails_at_once_with_a_romanian_explanation(tmp_path, server, emu, keys, monkeypatch):
    emu.create_spreadsheet(SS, title="Raportare")  # not shared with the service account
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    c = clerk(app)
    assert c.post(URL, data=FORM).status_code == 302
    emu.reset_counts()
    assert store.sync() == {"delivered": 0, "pending": 0, "failed": 1}
    assert emu.counts()["read"] + emu.counts()["write"] == 1  # no ten attempts
    [op] = store.ops()
    assert op.status == "failed" and op.attempts == 1
    assert f"Foaia de calcul nu este partajată cu contul de serviciu {EMAIL}" in op.last_error
    assert f"adăugați {EMAIL} ca Editor" in op.last_error
    assert "Google a răspuns 403" in op.last_error
    sup = app.test_client()
    login(sup, "supervisor")
    page = sup.get("/data/outbox").get_data(as_text=True)
    assert "Foaia de calcul nu este partajată cu contul de serviciu" in page
    # shared, then "Reîncearcă": delivered
    emu.share_spreadsheet(EMAIL, "writer", spreadsheet_id=SS)
    assert sup.post(f"/data/outbox/{op.id}/retry").status_code == 302
    store.sync()
    assert sorted(ids(emu).values()) == [1, 1]


def test_read_only_sharing_fails_at_once(tmp_path, server, emu, keys, monkeypatch):
    emu.create_spreadsheet(SS, title="Raportare")
    emu.share_spreadsheet(EMAIL, "reader", spreadsheet_id=SS)
    emu.add_sheet(PRESA, spreadsheet_id=SS)
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    c = clerk(app)
    c.post(URL, data=FORM)
    assert store.sync()["failed"] == 1
    [op] = store.ops()
    assert op.attempts == 1 and "sau doar pentru citire" in op.last_error


def test_pages_without_a_token_show_the_503_page(tmp_path, server, emu, keys, monkeypatch):
    emu.create_spreadsheet(SS, title="Raportare", shared_with=[EMAIL])
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    emu.inject_token_fault("invalid_grant", times=50)
    c = clerk(app)
    r = c.get("/report")
    assert r.status_code == 503
    assert "Foaia de calcul Google nu răspunde acum" in r.get_data(as_text=True)

"""The emulator's opt-in OAuth2 service-account auth, driven by real google-auth + gspread.

A key pair is generated in the test; google-auth's service_account.Credentials
signs its JWT assertion with it and posts it to the emulator's /token (the
credentials' token_uri); an AuthorizedSession then carries the bearer token to
the emulated Sheets API.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
import time
from urllib.parse import urlencode

import gspread
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import crypt, jwt
from google.auth.exceptions import RefreshError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from gspread.exceptions import APIError

from sheets.google.http import EmulatorSession
from sheets_emulator import EmulatorServer, SheetsEmulator
from tests.clock import FakeClock

SSID = "1AuthSpreadsheetId_abcdefghijklmnopqrstuvwxyz"
EMAIL = "rapoarte@primaria-test.iam.gserviceaccount.com"
OTHER = "altul@primaria-test.iam.gserviceaccount.com"
SHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
API = "https://sheets.googleapis.com/v4/spreadsheets/"
GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private_pem, public_pem


@pytest.fixture(scope="module")
def keys():
    return _keypair()


@pytest.fixture(scope="module")
def other_keys():
    return _keypair()


@pytest.fixture
def clock():
    return FakeClock(5000.0)


@pytest.fixture
def emu(clock, keys):
    emu = SheetsEmulator(clock=clock)
    emu.enable_auth()
    emu.register_service_account(EMAIL, keys[1], key_id="key-1")
    emu.create_spreadsheet(SSID, title="Registru", sheets=("Sheet1",), shared_with=[EMAIL])
    return emu


@pytest.fixture
def server(emu):
    with EmulatorServer(emu) as srv:
        yield srv


def key_info(server, private_pem, email=EMAIL, key_id="key-1"):
    """A service-account JSON key as Google issues it, but with token_uri on the emulator."""
    return {
        "type": "service_account",
        "project_id": "primaria-test",
        "private_key_id": key_id,
        "private_key": private_pem,
        "client_email": email,
        "client_id": "123456789",
        "token_uri": server.url + "/token",
    }


def credentials(server, private_pem, scopes=(SHEETS_SCOPE,), **kw):
    return service_account.Credentials.from_service_account_info(
        key_info(server, private_pem, **kw), scopes=list(scopes))


class EmulatorAuthorizedSession(AuthorizedSession):
    """google-auth's AuthorizedSession whose Sheets API calls go to the emulator."""

    def __init__(self, creds, host):
        super().__init__(creds)
        self.base_url = "http://%s" % host

    def request(self, method, url, *args, **kwargs):
        if url.startswith("https://sheets.googleapis.com"):
            url = self.base_url + url[len("https://sheets.googleapis.com"):]
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, **kwargs)


def client(server, creds):
    return gspread.Client(auth=creds, session=EmulatorAuthorizedSession(creds, server.host))


def token_post(server, **form):
    return requests.post(server.url + "/token", data=urlencode(form),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)


def assertion(private_pem, key_id="key-1", **claims):
    now = int(time.time())
    payload = {"iss": EMAIL, "scope": SHEETS_SCOPE, "aud": "https://oauth2.googleapis.com/token",
               "iat": now, "exp": now + 3600}
    payload.update(claims)
    signer = crypt.RSASigner.from_string(private_pem, key_id)
    return jwt.encode(signer, payload).decode()


# ---------------------------------------------------------------------------
# the happy path
# ---------------------------------------------------------------------------


def test_service_account_reads_and_writes_through_gspread(emu, server, keys):
    creds = credentials(server, keys[0])
    gc = client(server, creds)
    ws = gc.open_by_key(SSID).sheet1
    ws.update([["Nume", "Nr"], ["Ana", 3]], "A1")
    ws.append_rows([["Ion", 4]], value_input_option="RAW", insert_data_option="INSERT_ROWS")
    assert ws.get_all_values() == [["Nume", "Nr"], ["Ana", "3"], ["Ion", "4"]]
    state = emu.auth_state()
    assert (state["token_requests"], state["tokens_issued"], state["live_tokens"]) == (1, 1, 1)
    assert creds.token.startswith("ya29.")
    # the token lives token_lifetime seconds (google-auth computed expiry from expires_in)
    left = (creds.expiry - datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)).total_seconds()
    assert 3500 < left <= 3600
    assert emu.counts()["failed"] == 0


def test_token_endpoint_answer_is_googles_shape(server, keys):
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0]))
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert (body["expires_in"], body["token_type"]) == (3600, "Bearer")
    # the aud may also be the emulator's own token URL
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0], aud=server.url + "/token"))
    assert res.status_code == 200


def test_configurable_token_lifetime(emu, server, keys):
    emu.enable_auth(token_lifetime=120)
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0]))
    assert res.json()["expires_in"] == 120


def test_gspread_authorize_with_session(server, keys):
    creds = credentials(server, keys[0])
    gc = gspread.authorize(creds, session=EmulatorAuthorizedSession(creds, server.host))
    assert gc.open_by_key(SSID).title == "Registru"


# ---------------------------------------------------------------------------
# 401: missing / unknown / expired / revoked tokens
# ---------------------------------------------------------------------------


def test_missing_token_is_401_unauthenticated(emu, server):
    res = requests.get(server.url + "/v4/spreadsheets/" + SSID, timeout=10)
    assert res.status_code == 401
    assert res.headers["WWW-Authenticate"] == 'Bearer realm="https://accounts.google.com/"'
    err = res.json()["error"]
    assert (err["code"], err["status"]) == (401, "UNAUTHENTICATED")
    assert err["message"].startswith("Request is missing required authentication credential.")
    assert err["details"][0]["reason"] == "CREDENTIALS_MISSING"
    assert err["details"][0]["metadata"] == {
        "method": "google.apps.sheets.v4.SpreadsheetsService.GetSpreadsheet", "service": "sheets.googleapis.com"}
    # the app's unauthenticated EmulatorSession now fails the same way through gspread
    gc = gspread.Client(auth=None, session=EmulatorSession(server.host))
    with pytest.raises(APIError) as info:
        gc.open_by_key(SSID)
    assert info.value.code == 401
    assert emu.counts()["failed"] == 2


def test_unknown_token_is_401(server):
    res = requests.get(server.url + "/v4/spreadsheets/%s/values/A1" % SSID,
                       headers={"Authorization": "Bearer ya29.made-up"}, timeout=10)
    assert res.status_code == 401
    assert 'error="invalid_token"' in res.headers["WWW-Authenticate"]
    err = res.json()["error"]
    assert err["message"].startswith("Request had invalid authentication credentials.")
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_TYPE_UNSUPPORTED"


def test_expired_token_is_401_and_google_auth_refreshes(emu, server, clock, keys):
    creds = credentials(server, keys[0])
    gc = client(server, creds)
    sh = gc.open_by_key(SSID)
    first = creds.token
    clock.advance(3600)  # the emulator's clock decides expiry
    res = requests.get(server.url + "/v4/spreadsheets/" + SSID,
                       headers={"Authorization": "Bearer " + first}, timeout=10)
    assert res.status_code == 401
    assert res.json()["error"]["details"][0]["reason"] == "ACCESS_TOKEN_EXPIRED"
    # AuthorizedSession gets the 401, fetches a new token and retries: the app sees no error
    assert sh.fetch_sheet_metadata()["properties"]["title"] == "Registru"
    assert creds.token != first
    assert emu.auth_state()["tokens_issued"] == 2


def test_revoked_tokens(emu, server, keys):
    creds = credentials(server, keys[0])
    gc = client(server, creds)
    sh = gc.open_by_key(SSID)
    assert emu.revoke_tokens() == 1
    sh.sheet1.update([["x"]], "A1")  # refreshed transparently
    assert emu.auth_state()["tokens_issued"] == 2
    assert emu.revoke_tokens(OTHER) == 0


def test_in_process_tokens(emu):
    token = emu.issue_token(EMAIL)
    path = "/v4/spreadsheets/%s/values/A1" % SSID
    assert emu.handle("PUT", path, {"valueInputOption": ["RAW"]}, {"values": [["x"]]}, token=token)[0] == 200
    assert emu.handle("GET", path, {}, None)[0] == 401
    assert emu.handle("GET", path, {}, None, token=token)[1]["values"] == [["x"]]
    emu.enable_auth(False)
    assert emu.handle("GET", path, {}, None)[0] == 200


# ---------------------------------------------------------------------------
# 403: sharing and scopes
# ---------------------------------------------------------------------------


def test_spreadsheet_not_shared_is_403(emu, server, keys, other_keys):
    emu.register_service_account(OTHER, other_keys[1])
    gc = client(server, credentials(server, other_keys[0], email=OTHER, key_id="k9"))
    with pytest.raises(PermissionError) as info:  # gspread's open_by_key turns a 403 into this
        gc.open_by_key(SSID)
    assert info.value.__cause__.response.status_code == 403
    assert info.value.__cause__.response.json() == {"error": {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}
    # a reader may read but not write; unsharing takes access away again
    emu.share_spreadsheet(OTHER, "reader", spreadsheet_id=SSID)
    ws = gc.open_by_key(SSID).sheet1
    assert ws.get_all_values() == [[]]
    with pytest.raises(APIError) as info:
        ws.update([["x"]], "A1")
    assert info.value.code == 403
    emu.share_spreadsheet(OTHER, "writer", spreadsheet_id=SSID)
    ws.update([["x"]], "A1")
    assert emu.spreadsheet_permissions(spreadsheet_id=SSID) == {EMAIL: "writer", OTHER: "writer"}
    emu.unshare_spreadsheet(OTHER, spreadsheet_id=SSID)
    with pytest.raises(APIError) as info:
        ws.get_all_values()
    assert info.value.code == 403


def test_unknown_spreadsheet_is_still_404(server, keys):
    gc = client(server, credentials(server, keys[0]))
    with pytest.raises(gspread.SpreadsheetNotFound):
        gc.open_by_key("no-such-spreadsheet")


def test_insufficient_scopes(server, keys):
    readonly = credentials(server, keys[0], scopes=["https://www.googleapis.com/auth/spreadsheets.readonly"])
    ws = client(server, readonly).open_by_key(SSID).sheet1
    assert ws.get_all_values() == [[]]
    with pytest.raises(APIError) as info:
        ws.update([["x"]], "A1")
    err = info.value.response.json()["error"]
    assert (err["code"], err["status"], err["message"]) == (
        403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
    assert err["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    other = credentials(server, keys[0], scopes=["https://www.googleapis.com/auth/calendar"])
    with pytest.raises(PermissionError) as info:
        client(server, other).open_by_key(SSID)
    assert info.value.__cause__.code == 403


# ---------------------------------------------------------------------------
# the token endpoint refuses bad assertions like Google's OAuth server
# ---------------------------------------------------------------------------


def test_wrong_key_is_invalid_grant(emu, server, other_keys):
    creds = credentials(server, other_keys[0])  # signed with a key the emulator does not know
    with pytest.raises(RefreshError) as info:
        client(server, creds).open_by_key(SSID)
    assert "invalid_grant" in str(info.value)
    res = token_post(server, grant_type=GRANT, assertion=assertion(other_keys[0]))
    assert res.status_code == 400
    assert res.json() == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
    assert emu.auth_state()["token_refused"] >= 2


def test_key_rotation_and_kid(emu, server, other_keys):
    emu.register_service_account(EMAIL, other_keys[1], key_id="key-2")
    assert token_post(server, grant_type=GRANT, assertion=assertion(other_keys[0], key_id="key-2")).status_code == 200
    # the kid names the key: a known key under the wrong kid is refused
    res = token_post(server, grant_type=GRANT, assertion=assertion(other_keys[0], key_id="key-1"))
    assert res.json()["error_description"] == "Invalid JWT Signature."


@pytest.mark.parametrize("claims, error, description", [
    ({"iss": "nobody@x.iam.gserviceaccount.com"}, "invalid_grant", "Invalid grant: account not found"),
    ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "invalid_grant", "Invalid JWT: Token must"),
    ({"exp": int(time.time()) + 7200}, "invalid_grant", "Invalid JWT: Token must"),
    ({"iat": int(time.time()) + 3600, "exp": int(time.time()) + 4000}, "invalid_grant", "Invalid JWT: Token must"),
    ({"aud": "https://example.com/token"}, "invalid_grant", "Invalid JWT: Failed audience check"),
    ({"scope": ""}, "invalid_scope", "Invalid OAuth scope"),
])
def test_bad_assertions(server, keys, claims, error, description):
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0], **claims))
    assert res.status_code == 400
    assert res.json()["error"] == error
    assert res.json()["error_description"].startswith(description)


def test_malformed_requests(server, keys):
    res = token_post(server, grant_type="client_credentials", assertion=assertion(keys[0]))
    assert (res.status_code, res.json()["error"]) == (400, "unsupported_grant_type")
    res = token_post(server, grant_type=GRANT, assertion="not.a-jwt")
    assert (res.status_code, res.json()["error"]) == (400, "invalid_grant")
    res = token_post(server, grant_type=GRANT)
    assert (res.status_code, res.json()["error"]) == (400, "invalid_request")
    header, payload, _sig = assertion(keys[0]).split(".")
    res = token_post(server, grant_type=GRANT, assertion=header + "." + payload + ".AAAA")
    assert res.json()["error_description"] == "Invalid JWT Signature."


def test_assertion_clock_is_injectable(emu, server, keys):
    creds = credentials(server, keys[0])
    emu.enable_auth(assertion_clock=lambda: time.time() + 2 * 3600)  # the emulator's wall clock is ahead
    with pytest.raises(RefreshError):
        creds.refresh(google_request())


def google_request():
    from google.auth.transport.requests import Request

    return Request()


# ---------------------------------------------------------------------------
# token endpoint faults
# ---------------------------------------------------------------------------


def test_token_fault_invalid_grant(emu, server, keys):
    emu.inject_token_fault("invalid_grant", times=2)
    creds = credentials(server, keys[0])
    for _ in range(2):
        with pytest.raises(RefreshError):
            creds.refresh(google_request())
    creds.refresh(google_request())
    assert creds.valid
    assert emu.auth_state()["token_refused"] == 2


@pytest.mark.parametrize("fault, status, error", [
    ("500", 500, "internal_failure"),
    (503, 503, "temporarily_unavailable"),
])
def test_token_fault_5xx(emu, server, keys, fault, status, error):
    emu.inject_token_fault(fault)
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0]))
    assert (res.status_code, res.json()["error"]) == (status, error)
    assert token_post(server, grant_type=GRANT, assertion=assertion(keys[0])).status_code == 200
    assert emu.auth_state()["token_failed"] == 1


def test_google_auth_retries_a_503_token_answer(emu, server, keys):
    emu.inject_token_fault("503")
    creds = credentials(server, keys[0])
    creds.refresh(google_request())  # google-auth retries retryable token errors itself
    assert creds.valid
    assert emu.auth_state()["token_requests"] == 2


def test_token_fault_slow(emu, server, keys):
    emu.inject_token_fault(("slow", 0.4))
    started = time.monotonic()
    res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0]))
    assert res.status_code == 200
    assert time.monotonic() - started >= 0.4
    with pytest.raises(ValueError):
        emu.inject_token_fault("418")


# ---------------------------------------------------------------------------
# control endpoints and the CLI
# ---------------------------------------------------------------------------


def test_control_endpoints(clock, keys):
    emu = SheetsEmulator(clock=clock)
    with EmulatorServer(emu) as server:
        ctl = server.url + "/__emulator/"
        post = lambda name, **kw: requests.post(ctl + name, json=kw, timeout=10)  # noqa: E731
        assert post("spreadsheets", spreadsheet_id=SSID).status_code == 200
        assert post("auth", enabled=True, token_lifetime=600).json()["enabled"] is True
        assert post("service_accounts", email=EMAIL, public_key_pem=keys[1], key_id="key-1").json() == {"ok": True}
        assert post("share", email=EMAIL, role="writer", spreadsheet_id=SSID).status_code == 200
        assert requests.get(ctl + "permissions", params={"spreadsheet_id": SSID}, timeout=10).json() == {
            "permissions": {EMAIL: "writer"}}
        assert post("token_faults", fault="invalid_grant").status_code == 200
        assert token_post(server, grant_type=GRANT, assertion=assertion(keys[0])).status_code == 400
        res = token_post(server, grant_type=GRANT, assertion=assertion(keys[0]))
        assert res.json()["expires_in"] == 600
        ws = client(server, credentials(server, keys[0])).open_by_key(SSID).sheet1
        ws.update([["ok"]], "A1")
        token = post("issue_token", email=EMAIL).json()["access_token"]
        assert requests.get(server.url + "/v4/spreadsheets/%s/values/A1" % SSID,
                            headers={"Authorization": "Bearer " + token}, timeout=10).json()["values"] == [["ok"]]
        assert post("revoke_tokens").json()["revoked"] == 3
        state = requests.get(ctl + "auth", timeout=10).json()
        assert (state["service_accounts"], state["live_tokens"]) == ([EMAIL], 0)
        assert post("auth", enabled=False).json()["enabled"] is False
        assert requests.get(server.url + "/v4/spreadsheets/" + SSID, timeout=10).status_code == 200


def test_reset_turns_auth_off(emu):
    emu.reset()
    assert emu.auth_state()["enabled"] is False
    assert emu.auth_state()["service_accounts"] == []


def test_cli_with_auth(tmp_path, keys):
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps({"client_email": EMAIL, "private_key": keys[0], "private_key_id": "key-1"}))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "sheets_emulator", "--port", "0", "--spreadsheet", SSID, "--auth",
         "--service-account", str(key_file), "--share", EMAIL, "--token-lifetime", "900", "--locale", "ro_RO"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        host = proc.stdout.readline().strip().split("=", 1)[1]

        class Srv:
            url = "http://" + host

        Srv.host = host
        assert requests.get(Srv.url + "/v4/spreadsheets/" + SSID, timeout=10).status_code == 401
        creds = credentials(Srv, keys[0])
        sh = client(Srv, creds).open_by_key(SSID)
        assert sh.locale == "ro_RO"
        sh.sheet1.update([["1,5"]], "A1", raw=False)
        assert sh.sheet1.get("A1", value_render_option="UNFORMATTED_VALUE") == [[1.5]]
        assert requests.get(Srv.url + "/__emulator/auth", timeout=10).json()["token_lifetime"] == 900
    finally:
        proc.terminate()
        proc.wait(timeout=5)

"""A 401 that a token refresh does not cure (issue 12): the submission fails at
once, without a long retry loop, and *Sincronizare* says in Romanian what to
check (the key, and the sharing with the service account's e-mail).

The emulator keeps refusing the account's tokens, fresh ones too
(``emu.refuse_account``); signing in is real (google-auth, a JWT grant to the
emulator's /token), as in tests/test_google_signin.py, whose fixtures these are.
"""
from __future__ import annotations

from tests.conftest import login
from tests.test_google_signin import EMAIL, FORM, SS, URL, app_for, clerk, ids  # noqa: F401
from tests.test_google_signin import clock, emu, keys, server  # noqa: F401 - fixtures


def test_a_401_a_refresh_does_not_cure_fails_at_once_and_says_what_to_check(tmp_path, server, emu, keys,
                                                                              monkeypatch):
    emu.create_spreadsheet(SS, title="Raportare", shared_with=[EMAIL])
    app, store = app_for(tmp_path, server, keys, monkeypatch)
    c = clerk(app)
    assert c.post(URL, data=FORM).status_code == 302
    emu.refuse_account(EMAIL)  # e.g. the key was disabled in Google Cloud meanwhile
    emu.reset_counts()
    tokens_before = emu.auth_state()["token_requests"]
    assert store.sync() == {"delivered": 0, "pending": 0, "failed": 1}
    # google-auth refreshes the token and repeats the request (twice at most), then gives up;
    # the sender does not retry: 3 requests, 2 token requests, not ten attempts
    counts = emu.counts()
    assert counts["read"] + counts["write"] == 3 and counts["failed"] == 3
    assert emu.auth_state()["token_requests"] - tokens_before == 2
    [op] = store.ops()
    assert op.status == "failed" and op.attempts == 1
    assert "Google a răspuns 401" in op.last_error
    assert f"Google refuză autentificarea cu contul de serviciu {EMAIL}" in op.last_error
    assert "GOOGLE_CREDENTIALS_FILE" in op.last_error
    # Sincronizare shows it, with what to check
    sup = app.test_client()
    login(sup, "supervisor")
    page = sup.get("/data/outbox").get_data(as_text=True)
    assert f"Google refuză autentificarea cu contul de serviciu {EMAIL}" in page
    assert "Verificați în Google Cloud" in page
    # the key accepted again, then "Reîncearcă": delivered once
    emu.refuse_account(EMAIL, refused=False)
    assert sup.post(f"/data/outbox/{op.id}/retry").status_code == 302
    result = store.sync()  # (the retry page may have delivered it already)
    assert (result["pending"], result["failed"], store.counts()["delivered"]) == (0, 0, 1)
    assert sorted(ids(emu).values()) == [1, 1]

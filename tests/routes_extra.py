"""Routes of the Google backend's pages, for the authorization matrix of
tests/test_auth.py (statuses per role: anonymous, clerk, other, supervisor,
admin, disabled, scoped: a supervisor of Consiliere only). The matrix app uses the local backend: the pages say there
is no spreadsheet/outbox, a sync redirects back, a retry finds nothing."""

ANON = 302

MATRIX = {
    ("GET", "/data/problems"): (ANON, 403, 403, 200, 200, ANON, 200),
    ("GET", "/data/outbox"): (ANON, 403, 403, 200, 200, ANON, 200),
    ("POST", "/data/outbox/sync"): (ANON, 403, 403, 302, 302, ANON, 302),
    ("POST", "/data/outbox/1/retry"): (ANON, 403, 403, 404, 404, ANON, 404),
}

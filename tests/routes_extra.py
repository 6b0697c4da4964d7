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

#: The catalog editor (views/catalog.py): admins only. Draft 999 does not
#: exist (and another admin's draft is not found either): 404.
MATRIX.update({
    ("GET", "/catalog"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("POST", "/catalog/new"): (ANON, 403, 403, 403, 302, ANON, 403),
    ("GET", "/catalog/presa/edit"): (ANON, 403, 403, 403, 302, ANON, 403),
    ("GET", "/catalog/nuexista/edit"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("GET", "/catalog/presa/history"): (ANON, 403, 403, 403, 200, ANON, 403),
    ("GET", "/catalog/draft/999"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("POST", "/catalog/draft/999"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("GET", "/catalog/draft/999/preview"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("GET", "/catalog/draft/999/publish"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("POST", "/catalog/draft/999/publish"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("POST", "/catalog/draft/999/rebase"): (ANON, 403, 403, 403, 404, ANON, 403),
    ("POST", "/catalog/draft/999/discard"): (ANON, 403, 403, 403, 404, ANON, 403),
})

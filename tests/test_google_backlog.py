"""A backlog goes out in chunks: at most 500 rows and 1 MB per request.

Measured on the wire: the emulator logs each request's body size
(``request_log()[i]["bytes"]``) and a hook after each write counts the rows
it added. Notes full of Romanian diacritics weigh most: JSON sends "ș" as
"\\u0219" (6 bytes).
"""
from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from devtools.dates import START
from domain.clock import parse_instant
from domain.rows import Row
from tests.clock import FakeClock
from tests.google_fixtures import emu, server  # noqa: F401 (fixtures)
from tests.stores import closed_after, google_store

SS = "1GoogleBacklogTests_abcdefghijklmnopqrstuv"
PRESA = "SERVICIUL PRESĂ"
D1, D2 = date(2026, 11, 23), date(2026, 11, 24)
WEEK = (date(2026, 11, 23), date(2026, 11, 29))
NOTES = {  # ~4,000 characters each
    "sentence": "Ședință cu șefii de birou, țintă: răspunsuri în termen; întâlniri și ședințe. " * 50,
    "diacritics": "șțăîâȘȚĂÎÂ" * 400,
}


@pytest.fixture
def clock():
    return FakeClock(parse_instant(START).timestamp())


@pytest.fixture
def store(server, tmp_path, clock):
    yield from closed_after(google_store(server, tmp_path, SS, clock=clock, sleep=clock.advance, max_attempts=10))


def data_rows(emu):
    return [r for r in emu.get_values(PRESA, spreadsheet_id=SS)[1:] if r and r[0]]


@pytest.mark.parametrize("note", NOTES)
def test_a_backlog_over_1_mb_goes_in_requests_of_at_most_1_mb_and_500_rows(store, emu, note):
    first = Row("presa", D1, "l544-studiere", "ana", lucrari=1)
    store.save_day("presa", D1, "ana", [first])
    store.sync()
    store.read(["presa"], *WEEK)
    sent = {}
    for i in range(300):  # 300 clerks' days with long notes, queued during an outage
        clerk = f"funcționar{i:03d}"
        row = Row("presa", D2, "l544-studiere", clerk, lucrari=i % 9, note=f"{i}: {NOTES[note]}")
        store.save_day("presa", D2, clerk, [row])
        sent[row.row_id] = row
    added = []  # the rows each write added, counted right after it
    for n in range(1, 40):
        emu.after_request(lambda: added.append(len(data_rows(emu))), endpoint="spreadsheets.batchUpdate", nth=n)
    emu.reset_counts()
    assert store.sync() == {"delivered": 300, "pending": 0, "failed": 0}
    writes = [e for e in emu.request_log() if e["endpoint"] == "spreadsheets.batchUpdate"]
    total = sum(e["bytes"] for e in writes)
    assert total > 2_000_000  # the backlog weighs more than 2 MB of JSON
    assert all(e["status"] == 200 and e["bytes"] <= 1_000_000 for e in writes), [e["bytes"] for e in writes]
    assert len(writes) == len(added) and len(writes) <= total // 500_000 + 1  # chunks not needlessly small
    per_write = [b - a for a, b in zip([1] + added, added)]
    assert sum(per_write) == 300 and max(per_write) <= 500
    # every row arrived exactly once, its note whole, in its column
    rows = data_rows(emu)
    assert Counter(r[0] for r in rows) == Counter([first.row_id, *sent])
    header = emu.get_values(PRESA, spreadsheet_id=SS)[0]
    note, clerk = header.index("Observații"), header.index("Funcționar")
    assert {r[0]: (r[clerk], r[note]) for r in rows if r[0] in sent} == {
        i: (row.clerk, row.note) for i, row in sent.items()}
    assert sorted(r.row_id for r in store.read(["presa"], *WEEK, fresh=True).rows) == sorted([first.row_id, *sent])

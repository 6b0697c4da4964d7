"""The store contract: every backend behind sheets.Store behaves the same.

Each test runs once per backend (``store`` is parametrized; see
tests/stores.py for how each backend is built).
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.rows import Row, row_id_for

from sheets import ReadResult, RowNotFound, Store
from tests.stores import BACKENDS, make_store

D1, D2, D3 = date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    with make_store(request.param, tmp_path) as s:
        yield s


def table(result: ReadResult):
    return sorted(
        (r.office, r.day.isoformat(), r.activity, r.part, r.clerk, r.lucrari, r.documente, r.note)
        for r in result.rows
    )


def read_all(store, start=D1, end=D3):
    return store.read(["presa", "consiliere"], start, end, fresh=True)


def test_is_a_store(store):
    assert isinstance(store, Store)


def test_empty_read(store):
    result = read_all(store)
    assert (result.rows, result.problems, result.stale) == ([], [], False)
    assert result.read_at is not None


def test_save_and_read_back(store):
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3),
        Row("presa", D1, "comunicate-site", "ana", lucrari=2, documente=2),
        Row("presa", D1, "solicitari-presa", "ana", lucrari=10, part="telefonice"),
        Row("presa", D1, "monitorizare-presa", "ana", lucrari=1),
    ])
    store.save_day("consiliere", D2, "dan", [Row("consiliere", D2, "centrala-telefonica", "dan", lucrari=540)])
    assert table(read_all(store)) == [
        ("consiliere", "2026-11-24", "centrala-telefonica", "", "dan", 540, None, ""),
        ("presa", "2026-11-23", "comunicate-site", "", "ana", 2, 2, ""),
        ("presa", "2026-11-23", "l544-studiere", "", "ana", 3, None, ""),
        ("presa", "2026-11-23", "monitorizare-presa", "", "ana", 1, None, ""),
        ("presa", "2026-11-23", "solicitari-presa", "telefonice", "ana", 10, None, ""),
    ]
    rows = read_all(store).rows
    assert all(r.entered_at for r in rows)
    assert len({r.row_id for r in rows}) == 5


def test_read_filters_offices_and_dates(store):
    for day in (D1, D2, D3):
        store.save_day("presa", day, "ana", [Row("presa", day, "adrese-email", "ana", lucrari=day.day)])
    store.save_day("consiliere", D2, "dan", [Row("consiliere", D2, "posta-faxuri", "dan", lucrari=1, documente=1)])
    result = store.read(["presa"], D2, D3, fresh=True)
    assert table(result) == [
        ("presa", "2026-11-24", "adrese-email", "", "ana", 24, None, ""),
        ("presa", "2026-11-25", "adrese-email", "", "ana", 25, None, ""),
    ]


def test_saving_a_day_again_replaces_it(store):
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3),
        Row("presa", D1, "adrese-email", "ana", lucrari=7),
    ])
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=5),
        Row("presa", D1, "fise-post", "ana", documente=2),
    ])
    assert table(read_all(store)) == [
        ("presa", "2026-11-23", "fise-post", "", "ana", None, 2, ""),
        ("presa", "2026-11-23", "l544-studiere", "", "ana", 5, None, ""),
    ]


def test_clerks_keep_their_own_rows(store):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=3)])
    store.save_day("presa", D1, "ion", [Row("presa", D1, "l544-studiere", "ion", lucrari=4)])
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=6)])
    assert table(read_all(store)) == [
        ("presa", "2026-11-23", "l544-studiere", "", "ana", 6, None, ""),
        ("presa", "2026-11-23", "l544-studiere", "", "ion", 4, None, ""),
    ]


def test_saving_nothing_clears_the_day(store):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=3)])
    store.save_day("presa", D2, "ana", [Row("presa", D2, "l544-studiere", "ana", lucrari=1)])
    store.save_day("presa", D1, "ana", [])
    assert table(read_all(store)) == [("presa", "2026-11-24", "l544-studiere", "", "ana", 1, None, "")]


def test_update_row(store):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "comunicate-site", "ana", lucrari=2, documente=2)])
    row = read_all(store).rows[0]
    before, after = store.update_row("presa", row.row_id, {"lucrari": 4, "documente": None, "note": "=1+1"}, "sef")
    assert (before.lucrari, before.documente, before.note) == (2, 2, "")
    assert (after.lucrari, after.documente, after.note, after.changed_by) == (4, None, "=1+1", "sef")
    assert table(read_all(store)) == [("presa", "2026-11-23", "comunicate-site", "", "ana", 4, None, "=1+1")]
    [stored] = read_all(store).rows
    assert (stored.row_id, stored.changed_by) == (row.row_id, "sef") and stored.changed_at


def test_delete_row(store):
    store.save_day("presa", D1, "ana", [
        Row("presa", D1, "l544-studiere", "ana", lucrari=3),
        Row("presa", D1, "adrese-email", "ana", lucrari=7),
    ])
    target = next(r for r in read_all(store).rows if r.activity == "adrese-email")
    deleted = store.delete_row("presa", target.row_id, "sef")
    assert (deleted.activity, deleted.lucrari) == ("adrese-email", 7)
    assert table(read_all(store)) == [("presa", "2026-11-23", "l544-studiere", "", "ana", 3, None, "")]


def test_unknown_row(store):
    with pytest.raises(RowNotFound):
        store.update_row("presa", "nosuchrow", {"lucrari": 1}, "sef")
    with pytest.raises(RowNotFound):
        store.delete_row("presa", "nosuchrow", "sef")


def test_row_of_another_office_is_not_found(store):
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=3)])
    row = read_all(store).rows[0]
    with pytest.raises(RowNotFound):
        store.update_row("consiliere", row.row_id, {"lucrari": 1}, "sef")


def test_text_is_stored_as_text(store):
    hostile = ["=IMPORTXML(\"http://x\";\"//a\")", "+1", "-1", "@x", "\tTab", "<script>alert(1)</script>"]
    store.save_day("presa", D1, "ana", [Row("presa", D1, "l544-studiere", "ana", lucrari=1)])
    row = read_all(store).rows[0]
    for text in hostile:
        store.update_row("presa", row.row_id, {"note": text}, "sef")
        assert read_all(store).rows[0].note == text


def test_saving_unchanged_rows_keeps_their_time_stamp(store):
    rows = [Row("presa", D1, "l544-studiere", "ana", lucrari=3)]
    store.save_day("presa", D1, "ana", rows)
    first = read_all(store).rows[0].entered_at
    store.save_day("presa", D1, "ana", rows)
    assert read_all(store).rows[0].entered_at == first


def test_tally_equals_the_tally_of_its_rows(store):
    """Store.tally (summed in SQL by the local store) is what tally_rows
    computes from read(), on both backends."""
    import random

    from domain.rows import tally_rows
    from forms import load_catalog
    from reports.model import daily_keys
    from tests.conftest import ROOT

    catalog = load_catalog(ROOT / "forms")
    rng = random.Random(7)
    for n in range(40):
        office = rng.choice(catalog.offices)
        day = date(2026, 11, rng.randint(1, 30))
        clerk = rng.choice(["ana", "ion", "Ștefan"])
        rows = []
        for act in rng.sample(office.activities, 4):
            if act.kind == "breakdown":
                rows += [Row(office.slug, day, act.id, clerk, lucrari=rng.randint(0, 9), part=p.key) for p in act.parts]
            elif act.kind == "daily":
                rows.append(Row(office.slug, day, act.id, clerk, lucrari=rng.choice([0, 1])))
            else:
                values = {c: rng.choice([None, 0, rng.randint(1, 500)]) for c in act.counters}
                rows.append(Row(office.slug, day, act.id, clerk, **values))
        rows.append(Row(office.slug, day, "scos-din-catalog", clerk, lucrari=3))  # an orphan
        store.save_day(office.slug, day, clerk, rows)
    start, end, offices = date(2026, 11, 3), date(2026, 11, 26), ["presa", "consiliere"]
    daily = daily_keys(catalog)
    expected = tally_rows(store.read(offices, start, end, fresh=True).rows, start, end, offices, daily)
    got, result = store.tally(offices, start, end, daily, fresh=True)
    assert got == expected
    assert len(got.sums) > 20 and got.done_days and got.clerks
    assert result.rows == [] and result.read_at is not None and not result.stale


def test_declared_capabilities(store):
    """What a backend lacks is declared, so pages never probe it."""
    if store.is_async:
        queue = store.sync_queue
        assert queue is not None and queue.counts()["pending"] == 0 and queue.ops() == []
        assert store.worksheet_url("presa").startswith("https://docs.google.com/spreadsheets/d/")
    else:
        assert store.sync_queue is None and store.worksheet_url("presa") is None
    assert store.pending_count(["presa"]) == 0


# -- a clerk's save (save_entry): never over what its author did not see ------

def entry(values, base=None, clerk="ana", day=D1):
    from domain.saving import Entry

    return Entry("presa", day, clerk, values, base)


STUDIERE = ("l544-studiere", "", "lucrari")
EMAIL = ("adrese-email", "", "lucrari")


def mine(store, day=D1):
    return sorted((r.activity, r.row_id != row_id_for("presa", day, r.activity, r.part, r.clerk), r.lucrari,
                   r.documente, r.note, r.changed_by) for r in read_all(store).rows)


def test_save_entry_changes_only_what_was_typed_and_seen(store):
    changes = store.save_entry(entry({STUDIERE: 3, EMAIL: None}, {STUDIERE: None, EMAIL: None}))
    assert [(c.activity, c.old, c.new) for c in changes] == [("l544-studiere", None, 3)]
    # a note, a correction mark, a hand-added row (another id), a counter not on the form
    rid = row_id_for("presa", D1, "l544-studiere", "", "ana")
    store.update_row("presa", rid, {"note": "verificat", "documente": 4}, "sef")
    store.save_day("presa", D1, "ana", read_all(store).rows + [
        Row("presa", D1, "l544-studiere", "ana", lucrari=5, row_id="adaugat-de-mana")])
    assert store.save_entry(entry({STUDIERE: 3, EMAIL: 1}, {STUDIERE: 3, EMAIL: None}))[0].activity == "adrese-email"
    assert mine(store) == [("adrese-email", False, 1, None, "", ""),
                           ("l544-studiere", False, 3, 4, "verificat", "sef"),
                           ("l544-studiere", True, 5, None, "", "")]


def test_save_entry_refuses_a_figure_changed_since_the_form_was_shown(store):
    from domain.saving import SaveConflict

    store.save_entry(entry({STUDIERE: 5, EMAIL: 2}, {}))
    rid = row_id_for("presa", D1, "l544-studiere", "", "ana")
    store.update_row("presa", rid, {"lucrari": 9}, "sef")
    with pytest.raises(SaveConflict) as caught:
        store.save_entry(entry({STUDIERE: 5, EMAIL: 3}, {STUDIERE: 5, EMAIL: 2}))
    (c,) = caught.value.conflicts
    assert (c.activity, c.counter, c.typed, c.shown, c.current, c.by) == ("l544-studiere", "lucrari", 5, 5, 9, "sef")
    assert mine(store) == [("adrese-email", False, 2, None, "", ""), ("l544-studiere", False, 9, None, "", "sef")]
    # typed as it is now: no conflict; seen and changed: saved, the mark goes
    store.save_entry(entry({STUDIERE: 9, EMAIL: 3}, {STUDIERE: 5, EMAIL: 2}))
    store.save_entry(entry({STUDIERE: 4, EMAIL: 3}, {STUDIERE: 9, EMAIL: 3}))
    assert mine(store) == [("adrese-email", False, 3, None, "", ""), ("l544-studiere", False, 4, None, "", "")]


def test_save_entry_blanked_figures_delete_rows_but_not_notes(store):
    store.save_entry(entry({STUDIERE: 5, EMAIL: 2}, {}))
    store.update_row("presa", row_id_for("presa", D1, "adrese-email", "", "ana"), {"note": "de văzut"}, "sef")
    store.save_entry(entry({STUDIERE: None, EMAIL: None}, {STUDIERE: 5, EMAIL: 2}))
    assert mine(store) == [("adrese-email", False, None, None, "de văzut", "")]


def test_weekly_totals_equal_the_weeks_office_totals(store):
    """Store.weekly_totals (summed by SQLite on the local store) is, week by
    week and office by office, what office_totals makes of tally_rows of
    read() — the XLSX „Tendințe” sheet's figures: plain counts and breakdown
    parts of the catalog, each counter only where its activity has it; daily
    activities, activities and parts not in the catalog left out."""
    from domain.rows import tally_rows, weekly_totals_of
    from forms import load_catalog
    from reports.trends import counted_keys, office_totals

    from tests.conftest import ROOT

    catalog = load_catalog(ROOT / "forms")
    days = [date(2026, 11, 2), date(2026, 11, 8), date(2026, 11, 9), date(2026, 11, 25), date(2026, 12, 1)]
    for i, day in enumerate(days):
        store.save_day("presa", day, "ana", [
            Row("presa", day, "l544-studiere", "ana", lucrari=i + 1, documente=100),  # documente: not its counter
            Row("presa", day, "solicitari-presa", "ana", lucrari=2, part="scrise"),
            Row("presa", day, "solicitari-presa", "ana", lucrari=1000, part="fax"),  # a part not in the catalog
            Row("presa", day, "monitorizare-presa", "ana", lucrari=1),  # daily: not a quantity
            Row("presa", day, "scoasa-din-catalog", "ana", lucrari=1000, documente=1000)])
        store.save_day("consiliere", day, "ion", [Row("consiliere", day, "brp-petenti", "ion", lucrari=10 * i,
                                                      documente=i)])
    start, end = date(2026, 11, 4), date(2026, 11, 30)  # clipped first week; 1 Dec left out
    offices = ["presa", "consiliere"]
    counted = counted_keys(catalog.office(o) for o in offices)
    got = store.weekly_totals(offices, start, end, counted)
    rows = store.read(offices, start, end, fresh=True).rows
    expected = {}
    for monday in (date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)):
        tally = tally_rows(rows, max(monday, start), monday + timedelta(days=6), offices, set())
        for o in offices:
            if any(k[0] == o for k in tally.sums):
                expected[(o, monday)] = office_totals(catalog.office(o), tally)
    assert got == expected == weekly_totals_of(rows, start, end, counted)
    assert got == {  # 2 Nov is before the start; 1 Dec after the end
        ("presa", date(2026, 11, 2)): (2 + 2, 0), ("consiliere", date(2026, 11, 2)): (10, 1),
        ("presa", date(2026, 11, 9)): (3 + 2, 0), ("consiliere", date(2026, 11, 9)): (20, 2),
        ("presa", date(2026, 11, 23)): (4 + 2, 0), ("consiliere", date(2026, 11, 23)): (30, 3),
    }

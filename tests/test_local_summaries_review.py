"""Review of the local store's summaries (sheets/local.py, commits aedf228
and 12b0b68): ways the report's figures could come apart from the rows."""
from __future__ import annotations

import sqlite3
from datetime import date

from domain.rows import Row, tally_rows
from sheets.local import LocalStore

DAY = date(2026, 3, 2)  # a Monday
WEEK = (DAY, date(2026, 3, 8))


def _replace_as_the_release_before(path, lucrari: int) -> None:
    """What the release before aedf228 did on every changed row: INSERT OR
    REPLACE on a connection without ``recursive_triggers`` (so the triggers
    this file now has count the replaced row and never take it out)."""
    with sqlite3.connect(path) as con:
        con.execute("INSERT OR REPLACE INTO rows (row_id, office, day, activity, part, clerk, lucrari, documente, "
                    "note, entered_at, changed_by, changed_at) SELECT row_id, office, day, activity, part, clerk, ?, "
                    "documente, note, entered_at, changed_by, changed_at FROM rows", (lucrari,))


def _agrees(store: LocalStore) -> bool:
    tally = store.tally(["presa"], *WEEK, set())[0]
    return tally.sums == tally_rows(store.read(["presa"], *WEEK).rows, *WEEK, ["presa"], set()).sums


def test_a_file_the_release_before_wrote_to_is_recounted_when_opened(tmp_path):
    """A rollback to the release before (or one of its gunicorn workers still
    finishing a request during a reload) writes to a file that has the
    triggers: each re-save counts the row twice in ``week_sums``. The file's
    user_version is already 2, so opening it again did not rebuild, and the
    report kept the doubled figures for good."""
    path = tmp_path / "entries.sqlite3"
    store = LocalStore(path)
    store.save_day("presa", DAY, "ana", [Row("presa", DAY, "a", "ana", lucrari=2)])
    _replace_as_the_release_before(path, 5)
    assert not _agrees(store)  # the skew itself (what the running process sees)
    assert _agrees(LocalStore(path))  # deployed again: the counts disagree, so it rebuilds
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT lucrari, n FROM week_sums").fetchall() == [(5, 1)]


def test_an_operator_recounts_after_a_hand_edit(tmp_path):
    """``flask --app app store recount``: a hand INSERT OR REPLACE (the
    sqlite3 shell has recursive triggers off) leaves the running app's
    figures doubled until then; there was no command for it."""
    from tests.conftest import make_app

    app = make_app(tmp_path)
    store = app.extensions["store"]
    store.save_day("presa", DAY, "ana", [Row("presa", DAY, "a", "ana", lucrari=2)])
    _replace_as_the_release_before(store.db.path, 5)
    assert not _agrees(store)
    result = app.test_cli_runner().invoke(args=["store", "recount"])
    assert result.exit_code == 0, result.output
    assert "recalculate" in result.output
    assert _agrees(store)


def test_a_file_of_version_1_or_with_a_summary_dropped_is_rebuilt(tmp_path):
    path = tmp_path / "entries.sqlite3"
    store = LocalStore(path)
    store.save_day("presa", DAY, "ana", [Row("presa", DAY, "a", "ana", lucrari=2)])
    with sqlite3.connect(path) as con:  # what aedf228 left: no week_sums_activity, user_version 1
        con.execute("DROP INDEX week_sums_activity")
        con.execute("PRAGMA user_version = 1")
    assert _agrees(LocalStore(path))
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (2,)
        con.execute("DROP TABLE day_clerks")  # user_version still 2
    store = LocalStore(path)
    assert _agrees(store) and store.tally(["presa"], *WEEK, set())[0].clerks == {("presa", DAY): {"ana"}}

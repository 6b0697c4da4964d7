"""How the contract suite builds each backend.

``google``: the real gspread client talking HTTP to an in-process Sheets
emulator (``sheets_emulator.EmulatorServer``); no background sender
(``sync_interval=0``). The contract is about what a store keeps, so the
store handed to the contract tests drains its outbox after each save
(``SyncingStore``); reading pending saves before delivery is tested on its
own in tests/test_google_backend.py.
"""
from __future__ import annotations

from contextlib import contextmanager

from sheets.local import LocalStore

BACKENDS = ["local", "google"]
SPREADSHEET_ID = "1ContractSuiteSpreadsheet_abcdefghijklmnop"


class SyncingStore:
    """A GoogleStore whose saves are delivered before save_day returns."""

    def __init__(self, inner):
        self.inner = inner

    def save_day(self, office, day, clerk, rows):
        self.inner.save_day(office, day, clerk, rows)
        result = self.inner.sync(max_seconds=5)
        assert result["pending"] == result["failed"] == 0, result

    def save_entry(self, entry):
        changes = self.inner.save_entry(entry)
        result = self.inner.sync(max_seconds=5)
        assert result["pending"] == result["failed"] == 0, result
        return changes

    def read(self, offices, start, end, *, fresh=False):
        return self.inner.read(offices, start, end, fresh=fresh)

    def update_row(self, office, row_id, changes, by):
        return self.inner.update_row(office, row_id, changes, by)

    def delete_row(self, office, row_id, by):
        return self.inner.delete_row(office, row_id, by)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def google_store(server, tmp_path, spreadsheet_id=SPREADSHEET_ID, **options):
    """A GoogleStore on ``server`` (an EmulatorServer) with test settings."""
    from forms import load_catalog
    from sheets.google import GoogleStore
    from sheets.google.http import EmulatorSession

    from tests.conftest import ROOT

    settings = {"sync_interval": 0, "timeout": (2, 5), "backoff_unit": 0.001, "backoff_max": 0.01}
    settings.update(options)
    session = EmulatorSession(server.host, timeout=settings["timeout"])
    return GoogleStore(spreadsheet_id, session, load_catalog(ROOT / "forms"), tmp_path / "outbox.sqlite3",
                       emulator=server.host, **settings)


@contextmanager
def serving(emu, spreadsheet_id: str, title: str = "Raportare activitate"):
    """``emu`` holding one spreadsheet, served over HTTP for the block."""
    from sheets_emulator import EmulatorServer

    emu.create_spreadsheet(spreadsheet_id, title=title)
    with EmulatorServer(emu) as srv:
        yield srv


def closed_after(store):
    """A fixture's body for a GoogleStore: yield it, then stop its sender and session."""
    try:
        yield store
    finally:
        store.close()
        store.session.close()


@contextmanager
def make_store(backend: str, tmp_path):
    if backend == "local":
        yield LocalStore(tmp_path / "entries.sqlite3")
        return
    if backend == "google":
        from sheets_emulator import EmulatorServer

        with EmulatorServer() as server:
            server.emulator.create_spreadsheet(SPREADSHEET_ID, title="Raportare")
            store = google_store(server, tmp_path)
            try:
                yield SyncingStore(store)
            finally:
                store.close()
                store.session.close()
        return
    raise ValueError(backend)

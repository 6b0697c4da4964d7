"""Fixtures shared by the Google test files: an emulator on a fake clock,
serving the test module's spreadsheet ``SS`` over HTTP. Import them
(``from tests.google_fixtures import clock, emu, server``); a module that
needs another clock defines its own ``clock`` after the import."""
from __future__ import annotations

import pytest

from sheets_emulator import SheetsEmulator
from tests.clock import FakeClock
from tests.stores import serving


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def emu(clock):
    return SheetsEmulator(clock=clock)


@pytest.fixture
def server(emu, request):
    with serving(emu, request.module.SS) as srv:
        yield srv

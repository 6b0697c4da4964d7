"""One clock: no application module reads the real date on its own, the
clock's chosen start is honoured, and the date-sensitive tests pass
whatever the machine's date is (run under faketime on two public holidays)."""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from datetime import date, datetime, timezone

import pytest

from domain.clock import Clock, parse_instant
from tests.conftest import ROOT

#: Calls that read the real time. Only domain/clock.py may make them.
REAL_TIME = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}
NOT_APP = {"tests", "bench", "scripts", "sheets_emulator", ".venv", "venv", "instance", "test-artifacts", "docs"}


def app_modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in NOT_APP or rel.parts[0].startswith(".") or rel.parts[:2] == ("sheets", "emulator"):
            continue
        yield rel, path


def test_no_application_module_reads_the_real_date():
    offenders = []
    for rel, path in app_modules():
        if rel.as_posix() == "domain/clock.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
                if (name, node.func.attr) in REAL_TIME:
                    offenders.append(f"{rel}:{node.lineno}: {name}.{node.func.attr}()")
    assert offenders == []
    assert sum(1 for _ in app_modules()) > 20  # the scan saw the app


def test_clock_starts_at_the_chosen_instant_and_runs():
    wall = [1_000.0]
    clock = Clock("2026-12-01", wall=lambda: wall[0])
    assert clock.now() == datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)  # 10:00 in Bucharest
    assert clock.today() == date(2026, 12, 1) and clock.chosen
    wall[0] += 14 * 3600  # 24:00 in Bucharest
    assert clock.today() == date(2026, 12, 2) and clock.iso() == "2026-12-01T22:00:00+00:00"
    frozen = Clock("2026-10-25T03:30", frozen=True)  # the hour that happens twice (DST ends)
    assert frozen.now() == frozen.now() and frozen.today() == date(2026, 10, 25)
    frozen.advance(86_400)
    assert frozen.today() == date(2026, 10, 26)
    assert not Clock().chosen and not Clock("").chosen


def test_the_app_uses_the_setting(app):
    assert app.extensions["clock"].today() == date(2026, 11, 27)
    assert parse_instant("2027-01-04T08:00").date() == date(2027, 1, 4)


@pytest.mark.parametrize("system_date", ["2026-12-01 10:00:00", "2027-01-01 00:30:00"])
def test_date_sensitive_tests_pass_whatever_the_system_date(system_date, tmp_path):
    """The golden week and the demo, run with the machine's clock moved to a
    public holiday by faketime: they choose their dates, so they pass."""
    faketime = shutil.which("faketime")
    assert faketime, "faketime is missing: scripts/test.sh installs it (apt-get install faketime)"
    env = {k: v for k, v in os.environ.items() if k != "TEST_CLOCK_START"}
    out = subprocess.run(
        [faketime, "-f", f"@{system_date}", sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/test_golden.py::test_html_report_is_the_document[monday]",
         "tests/test_cli.py::test_demo_is_idempotent_and_reproduces_the_week",
         "tests/test_entry.py::test_week_strip_marks_filled_days", "tests/test_entry.py::test_future_date_refused_on_get_and_post", "tests/test_entry.py::test_default_date_is_today",
         "--basetemp", str(tmp_path / "t")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and " failed" not in out.stdout

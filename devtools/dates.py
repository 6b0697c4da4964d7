"""The dates the tests run at: never the real one.

The whole suite runs "on" ``START`` (Friday 27 November 2026, 16:00 in
Bucharest) unless ``TEST_CLOCK_START`` chooses another instant; tests of
date-sensitive flows (golden week, demo, browser) also run at each of
``DATES``: a Monday, a Sunday, the public holidays of 30 November and
1 December 2026, the New Year week and both DST weekends.
"""
from __future__ import annotations

import os
from datetime import date

from domain.clock import parse_instant

START = os.environ.get("TEST_CLOCK_START") or "2026-11-27T16:00"

DATES = {
    "monday": "2026-11-23T09:00",
    "sunday": "2026-11-29T18:00",
    "holiday-30-nov": "2026-11-30T10:00",
    "holiday-1-dec": "2026-12-01T10:00",
    "new-year-week": "2026-12-29T10:00",
    "new-year-day": "2027-01-01T12:00",
    "after-new-year": "2027-01-04T08:00",
    "dst-ends": "2026-10-25T03:30",
    "dst-starts": "2027-03-28T03:30",
}


def today() -> date:
    """The date the suite runs at (Bucharest)."""
    return parse_instant(START).date()

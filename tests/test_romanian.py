"""domain.romanian: Romanian dates and counted nouns from Babel's CLDR data."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.romanian import count_phrase, duration_phrase, format_datetime, format_day_short, month_name


def test_month_abbreviations_are_cldr():
    # CLDR abbreviates September "sept." (not "sep."); May is not abbreviated.
    assert [format_day_short(date(2026, m, 1)).split(" ")[-1] for m in range(1, 13)] == [
        "ian.", "feb.", "mar.", "apr.", "mai", "iun.", "iul.", "aug.", "sept.", "oct.", "nov.", "dec.",
    ]
    assert month_name(9) == "septembrie"


def test_format_datetime_shows_the_wall_clock_time_given():
    assert format_datetime(datetime(2026, 3, 5, 7, 3)) == "5 martie 2026, 07:03"


def test_plural_categories():
    # one: 1; few: 0 and last two digits 1..19; other: the rest, with "de".
    assert count_phrase(1, "rând", "rânduri") == "1 rând"
    assert count_phrase(0, "rând", "rânduri") == "0 rânduri"
    assert count_phrase(1019, "rând", "rânduri") == "1019 rânduri"
    assert count_phrase(1000, "rând", "rânduri") == "1000 de rânduri"
    assert count_phrase(1020, "rând", "rânduri") == "1020 de rânduri"


def test_duration_phrase_uses_the_largest_exact_unit():
    assert duration_phrase(900) == "15 minute"
    assert duration_phrase(5 * 24 * 3600) == "5 zile"
    assert duration_phrase(timedelta(days=1)) == "1 zi"
    assert duration_phrase(3600) == "1 oră"
    assert duration_phrase(7200) == "2 ore"
    assert duration_phrase(20 * 60) == "20 de minute"
    assert duration_phrase(90) == "90 de secunde"
    assert duration_phrase(60) == "1 minut"
    assert duration_phrase(0) == "0 secunde"

"""Romanian wording: dates and counted nouns, from Babel's CLDR data.

Pure: imports nothing of the app, only the standard library and Babel.
Dates are formatted with explicit CLDR patterns (``d MMMM y``, ``EEE d MMM``
...), so the output does not change with Babel's default formats; plurals
follow CLDR's Romanian rules ("1 zi", "3 zile", "20 de zile", "101 zile").
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime

LOCALE = Locale.parse("ro")


@lru_cache(maxsize=4096)
def _date(d: date, pattern: str) -> str:
    return _babel_date(d, pattern, locale=LOCALE)


# -- dates ------------------------------------------------------------------------


def format_date(d: date) -> str:
    """"27 noiembrie 2026"."""
    return _date(d, "d MMMM y")


def format_day_month(d: date) -> str:
    """"27 noiembrie"."""
    return _date(d, "d MMMM")


def format_weekday_date(d: date, *, year: bool = False) -> str:
    """"vineri, 27 noiembrie" (or "vineri, 27 noiembrie 2026" with year)."""
    return _date(d, "EEEE, d MMMM y" if year else "EEEE, d MMMM")


def format_day_short(d: date) -> str:
    """Short label for a week strip: "lun. 23 nov.", "joi 26 nov."."""
    return _date(d, "EEE d MMM")


def weekday_name(d: date) -> str:
    """"luni" … "duminică"."""
    return _date(d, "EEEE")


def month_name(month: int) -> str:
    """"ianuarie" … "decembrie" (the form used after a day: "27 noiembrie")."""
    return LOCALE.months["format"]["wide"][month]


def format_datetime(dt: datetime) -> str:
    """"27 noiembrie 2026, 16:42": the wall-clock time of ``dt`` as given
    (convert it to local time first)."""
    return _babel_datetime(dt.replace(tzinfo=None), "d MMMM y, HH:mm", locale=LOCALE)


def format_span(start: date, end: date) -> str:
    """"23–27 noiembrie 2026", "29 septembrie – 3 octombrie 2025",
    "29 decembrie 2025 – 2 ianuarie 2026", "5 noiembrie 2026"."""
    if start == end:
        return format_date(start)
    if start.year != end.year:
        return f"{format_date(start)} – {format_date(end)}"
    if start.month != end.month:
        return f"{format_day_month(start)} – {format_date(end)}"
    return f"{start.day}–{format_date(end)}"


# -- counted nouns ----------------------------------------------------------------


def count_phrase(n: int, singular: str, plural: str) -> str:
    """"1 zi", "0 zile", "3 zile", "20 de zile", "101 zile", "120 de zile".

    CLDR's Romanian plural categories: *one* (1) takes the singular, *few*
    (0, and numbers whose last two digits are 1..19) the plural, *other*
    (the rest: 20, 100, 120 …) "de" and the plural."""
    form = LOCALE.plural_form(n)
    if form == "one":
        return f"{n} {singular}"
    if form == "other":
        return f"{n} de {plural}"
    return f"{n} {plural}"


def days_phrase(n: int) -> str:
    return count_phrase(n, "zi", "zile")


_UNITS = (  # seconds, singular, plural; largest first
    (86400, "zi", "zile"),
    (3600, "oră", "ore"),
    (60, "minut", "minute"),
    (1, "secundă", "secunde"),
)


def duration_phrase(length: float | timedelta) -> str:
    """A length of time in seconds (or a timedelta) in the largest unit that
    measures it exactly: "15 minute", "5 zile", "1 oră", "90 de secunde"."""
    seconds = int(length.total_seconds() if isinstance(length, timedelta) else float(length))
    for size, singular, plural in _UNITS:
        if seconds and seconds % size == 0:
            return count_phrase(seconds // size, singular, plural)
    return count_phrase(seconds, "secundă", "secunde")

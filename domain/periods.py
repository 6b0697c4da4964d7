"""Report periods (an ISO week or a date range) and working days; the
Romanian wording of dates comes from ``domain.romanian`` and is re-exported
here for the pages and reports that use it. Pure: no I/O, no clock (``today`` is always a parameter).

A *week* period covers the whole ISO week, Monday to Sunday, so that figures
entered on a Saturday are still counted; its title shows Monday–Friday, as
the office's document does. A *range* period covers exactly the dates asked.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Mapping
from zoneinfo import ZoneInfo

import holidays

from domain import romanian
from domain.romanian import (  # noqa: F401  (re-exported: the app's date wording)
    count_phrase,
    days_phrase,
    format_date,
    format_day_month,
    format_day_short,
    format_span,
    format_weekday_date,
    month_name,
    weekday_name,
)

TIMEZONE = ZoneInfo("Europe/Bucharest")
MAX_RANGE_DAYS = 366
MIN_YEAR, MAX_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period asked for in the URL cannot be used; the message is Romanian
    and meant for the user."""


def to_local(dt: datetime) -> datetime:
    """An aware datetime converted to Bucharest time; a naive one is taken to
    be Bucharest time already and returned unchanged."""
    return dt.astimezone(TIMEZONE) if dt.tzinfo is not None else dt


def format_datetime(dt: datetime) -> str:
    """"27 noiembrie 2026, 16:42" in Bucharest time (see ``to_local``)."""
    return romanian.format_datetime(to_local(dt))


# -- working days ---------------------------------------------------------------


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("RO", years=year).keys())


@lru_cache(maxsize=64)
def _holiday_names(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("RO", years=year, language="ro"))


def holiday_name(d: date) -> str:
    """The Romanian name of the public holiday on ``d`` ("Ziua Națională a
    României"), or "" on other days."""
    return _holiday_names(d.year).get(d, "")


def latest_working_day(today: date) -> date:
    """``today`` when it is a working day, else the working day before it."""
    d = today
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def is_holiday(d: date) -> bool:
    return d in _holidays(d.year)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and not is_holiday(d)


def working_days(start: date, end: date) -> list[date]:
    """Monday–Friday dates of ``start``..``end`` (inclusive) that are not
    Romanian public holidays (including Orthodox Good Friday, Easter Monday,
    Pentecost Monday, 1 June, 15 August, 30 November, 1 December, ...)."""
    days = []
    d = start
    while d <= end:
        if is_working_day(d):
            days.append(d)
        d += timedelta(days=1)
    return days


# -- periods --------------------------------------------------------------------


def iso_weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always falls in the year's last ISO week."""
    return date(year, 12, 28).isocalendar().week


def _last_day_of_month(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def _add_months(first: date, months: int) -> date:
    """The 1st of the month ``months`` after (or before) ``first``'s month."""
    n = first.year * 12 + first.month - 1 + months
    return date(n // 12, n % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str = "range"  # "week" or "range"

    # constructors

    @classmethod
    def iso_week(cls, year: int, week: int) -> "Period":
        monday = date.fromisocalendar(year, week, 1)
        return cls(monday, monday + timedelta(days=6), "week")

    @classmethod
    def week_of(cls, day: date) -> "Period":
        iso = day.isocalendar()
        return cls.iso_week(iso.year, iso.week)

    @classmethod
    def between(cls, start: date, end: date) -> "Period":
        return cls(start, end, "range")

    # derived values

    @property
    def days(self) -> int:
        """Number of calendar days covered."""
        return (self.end - self.start).days + 1

    @property
    def slug(self) -> str:
        """"2026-W48" or "2026-11-01-2026-11-30" (for file names)."""
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return f"{self.start.isoformat()}-{self.end.isoformat()}"

    @property
    def shown_start(self) -> date:
        return self.start

    @property
    def shown_end(self) -> date:
        """The last date shown in the title: the Friday for a week."""
        return self.start + timedelta(days=4) if self.kind == "week" else self.end

    @property
    def title(self) -> str:
        """"Săptămâna 23–27 noiembrie 2026" / "Perioada 1–30 noiembrie 2026"."""
        word = "Săptămâna" if self.kind == "week" else "Perioada"
        return f"{word} {format_span(self.shown_start, self.shown_end)}"

    @property
    def working_days(self) -> list[date]:
        return working_days(self.start, self.end)

    @property
    def iso_weeks(self) -> list[str]:
        """The ISO weeks ("2026-W48") the period touches, in order."""
        weeks, d = [], self.start - timedelta(days=self.start.weekday())
        while d <= self.end:
            iso = d.isocalendar()
            weeks.append(f"{iso.year}-W{iso.week:02d}")
            d += timedelta(days=7)
        return weeks

    # navigation

    @property
    def calendar_months(self) -> int:
        """How many whole calendar months the range is (a month 1, a quarter
        3, a year 12); 0 when it does not start on a 1st and end on a last day."""
        if self.kind == "week" or self.start.day != 1 or self.end != _last_day_of_month(self.end):
            return 0
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def prev(self) -> "Period":
        """The previous ISO week for a week. For a range of whole calendar
        months (a month, a quarter, a year): as many months before it (Q2 ->
        Q1, 2026 -> 2025); otherwise the range of the same length that ends
        the day before ``start``."""
        if self.kind == "week":
            return Period.week_of(self.start - timedelta(days=7))
        if months := self.calendar_months:
            return Period.between(_add_months(self.start, -months), self.start - timedelta(days=1))
        return Period.between(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def next(self) -> "Period":
        """The next ISO week for a week. For a range of whole calendar months:
        as many months after it; otherwise the range of the same length that
        starts the day after ``end``."""
        if self.kind == "week":
            return Period.week_of(self.start + timedelta(days=7))
        if months := self.calendar_months:
            start = self.end + timedelta(days=1)
            return Period.between(start, _last_day_of_month(_add_months(start, months - 1)))
        return Period.between(self.end + timedelta(days=1), self.end + timedelta(days=self.days))

    def query(self) -> dict[str, str]:
        """URL parameters that ``parse_period`` turns back into this period."""
        if self.kind == "week":
            return {"week": self.slug}
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


# -- parsing ----------------------------------------------------------------------

_WEEK_RE = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_RO_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
DATE_EXAMPLE = "Folosiți forma ZZ.LL.AAAA, de ex. 23.11.2026."


def format_numeric(d: date) -> str:
    """"23.11.2026": how date fields show a date (and accept it)."""
    return d.strftime("%d.%m.%Y")


def _arg(args: Mapping[str, str], key: str) -> str:
    value = args.get(key)
    return (value or "").strip()


def _parse_week(raw: str) -> Period:
    m = _WEEK_RE.match(raw)
    if not m:
        raise PeriodError(
            f"Săptămâna „{raw}” nu este scrisă corect. Folosiți forma AAAA-Wss "
            f"(anul, litera W și numărul săptămânii), de ex. 2026-W48."
        )
    year, week = int(m.group(1)), int(m.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            f"Săptămâna „{raw}” nu poate fi afișată: anul trebuie să fie între {MIN_YEAR} și {MAX_YEAR}."
        )
    weeks = iso_weeks_in_year(year)
    if not 1 <= week <= weeks:
        raise PeriodError(
            f"Săptămâna „{raw}” nu există: anul {year} are {weeks} de săptămâni "
            f"({year}-W01 … {year}-W{weeks})."
        )
    return Period.iso_week(year, week)


def parse_date(raw: str, which: str, *, check_years: bool = True) -> date:
    """A date typed as ``23.11.2026`` (as the fields show it) or ``2026-11-23``
    (ISO, as links carry it); ``which``: "început", "sfârșit"… for the
    Romanian message of a ``PeriodError``."""
    raw = raw.strip()
    example = DATE_EXAMPLE
    if m := _DATE_RE.match(raw):
        y, mo, d_ = m.groups()
    elif m := _RO_DATE_RE.match(raw):
        d_, mo, y = m.groups()
    else:
        raise PeriodError(f"Data de {which} „{raw}” nu este scrisă corect. {example}")
    try:
        d = date(int(y), int(mo), int(d_))
    except ValueError:
        raise PeriodError(f"Data de {which} „{raw}” nu există în calendar. {example}") from None
    if check_years and not MIN_YEAR <= d.year <= MAX_YEAR:
        raise PeriodError(
            f"Data de {which} „{raw}” nu poate fi folosită: anul trebuie să fie între {MIN_YEAR} și {MAX_YEAR}."
        )
    return d


def default_week(today: date) -> "Period":
    """The week a report opens on: the ISO week of ``today`` when one of its
    working days has begun, otherwise the latest earlier week that has one
    (on a holiday Monday, or the Tuesday of 30 Nov – 1 Dec, last week)."""
    week = Period.week_of(today)
    while not any(d <= today for d in working_days(week.start, week.end)):
        week = week.prev()
    return week


def last_complete_week(today: date) -> "Period":
    """The latest ISO week that ended before ``today`` and has a working day:
    where the demo puts the seed week, so its report is whole on any date."""
    week = Period.week_of(today).prev()
    while not working_days(week.start, week.end):
        week = week.prev()
    return week


def presets(today: date) -> list[tuple[str, "Period"]]:
    """The periods a manager asks for most, relative to ``today``."""
    week = Period.week_of(today)
    month = Period.between(today.replace(day=1), _last_day_of_month(today))
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    quarter_end = _last_day_of_month(quarter_start.replace(month=quarter_start.month + 2))
    return [
        ("Săptămâna curentă", week),
        ("Săptămâna trecută", week.prev()),
        ("Luna aceasta", month),
        ("Luna trecută", month.prev()),
        ("Trimestrul acesta", Period.between(quarter_start, quarter_end)),
        ("Anul acesta", Period.between(date(today.year, 1, 1), date(today.year, 12, 31))),
    ]


def parse_period(args: Mapping[str, str], today: date) -> Period:
    """The period asked for by URL parameters: ``week=2026-W48`` (an ISO
    week), or ``from=2026-11-01&to=2026-11-30`` (inclusive dates, also
    written ``01.11.2026`` as the date fields show them), by default
    the latest week with a working day up to ``today`` (``default_week``). Empty parameters count as absent. Raises
    ``PeriodError`` with a Romanian message for the user."""
    week, start, end = _arg(args, "week"), _arg(args, "from"), _arg(args, "to")
    if week and (start or end):
        raise PeriodError(
            "Alegeți fie o săptămână, fie o perioadă (de la o dată până la alta), nu amândouă."
        )
    if week:
        return _parse_week(week)
    if not start and not end:
        return default_week(today)
    if not start:
        raise PeriodError("Lipsește data de început a perioadei: completați ambele date, „de la” și „până la”.")
    if not end:
        raise PeriodError("Lipsește data de sfârșit a perioadei: completați ambele date, „de la” și „până la”.")
    first, last = parse_date(start, "început"), parse_date(end, "sfârșit")
    if first > last:
        raise PeriodError(
            f"Data de început ({format_date(first)}) este după data de sfârșit ({format_date(last)})."
        )
    days = (last - first).days + 1
    if days > MAX_RANGE_DAYS:
        raise PeriodError(
            f"Perioada aleasă are {days_phrase(days)}; un raport poate cuprinde cel mult "
            f"{days_phrase(MAX_RANGE_DAYS)}. Alegeți o perioadă mai scurtă."
        )
    return Period.between(first, last)

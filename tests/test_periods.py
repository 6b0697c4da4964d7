from datetime import date, datetime, timedelta, timezone

import pytest

from domain.periods import (
    Period,
    PeriodError,
    count_phrase,
    days_phrase,
    format_date,
    format_datetime,
    format_day_short,
    format_weekday_date,
    iso_weeks_in_year,
    month_name,
    parse_period,
    weekday_name,
    working_days,
)

TODAY = date(2026, 11, 25)  # a Wednesday of 2026-W48


# -- ISO weeks -------------------------------------------------------------------


def test_default_is_the_iso_week_of_today():
    p = parse_period({}, TODAY)
    assert p == Period(date(2026, 11, 23), date(2026, 11, 29), "week")
    assert p.slug == "2026-W48"
    assert p.title == "Săptămâna 23–27 noiembrie 2026"
    assert p.query() == {"week": "2026-W48"}


def test_empty_parameters_count_as_absent():
    assert parse_period({"week": "", "from": " ", "to": ""}, TODAY) == Period.week_of(TODAY)


def test_week_across_a_year_boundary():
    p = parse_period({"week": "2026-W01"}, TODAY)
    assert (p.start, p.end, p.kind) == (date(2025, 12, 29), date(2026, 1, 4), "week")
    assert p.title == "Săptămâna 29 decembrie 2025 – 2 ianuarie 2026"
    assert p.slug == "2026-W01"
    assert p.prev().slug == "2025-W52"
    assert p.prev().title == "Săptămâna 22–26 decembrie 2025"
    assert p.next().slug == "2026-W02"


def test_week_across_months():
    p = parse_period({"week": "2025-W40"}, TODAY)
    assert p.title == "Săptămâna 29 septembrie – 3 octombrie 2025"


def test_week_53():
    assert iso_weeks_in_year(2020) == 53
    assert iso_weeks_in_year(2021) == 52
    assert iso_weeks_in_year(2026) == 53
    p = parse_period({"week": "2020-W53"}, TODAY)
    assert (p.start, p.end) == (date(2020, 12, 28), date(2021, 1, 3))
    assert p.title == "Săptămâna 28 decembrie 2020 – 1 ianuarie 2021"
    assert p.next().slug == "2021-W01"
    assert parse_period({"week": "2021-W01"}, TODAY).prev() == p
    with pytest.raises(PeriodError) as e:
        parse_period({"week": "2021-W53"}, TODAY)
    assert str(e.value) == (
        "Săptămâna „2021-W53” nu există: anul 2021 are 52 de săptămâni (2021-W01 … 2021-W52)."
    )


def test_week_accepts_lowercase_w_and_single_digit():
    assert parse_period({"week": "2026-w5"}, TODAY).slug == "2026-W05"


def test_week_prev_next_round_trip():
    p = Period.iso_week(2026, 48)
    assert p.prev().next() == p
    assert p.next().query() == {"week": "2026-W49"}
    assert parse_period(p.next().query(), TODAY) == p.next()


# -- working days ------------------------------------------------------------------


def test_week_with_holidays_has_three_working_days():
    p = parse_period({"week": "2026-W49"}, TODAY)
    assert p.title == "Săptămâna 30 noiembrie – 4 decembrie 2026"
    assert p.working_days == [date(2026, 12, 2), date(2026, 12, 3), date(2026, 12, 4)]


def test_working_days_leave_out_orthodox_easter_and_pentecost():
    # Orthodox Easter 2026 is 12 April: Good Friday 10 April, Easter Monday 13 April.
    assert working_days(date(2026, 4, 6), date(2026, 4, 17)) == [
        date(2026, 4, 6), date(2026, 4, 7), date(2026, 4, 8), date(2026, 4, 9),
        date(2026, 4, 14), date(2026, 4, 15), date(2026, 4, 16), date(2026, 4, 17),
    ]
    # Pentecost 2025: Sunday 8 June, Monday 9 June is a holiday.
    assert date(2025, 6, 9) not in working_days(date(2025, 6, 9), date(2025, 6, 13))
    # New Year 2026: 1-2 January, then Epiphany and St John on 6-7 January.
    assert working_days(date(2025, 12, 29), date(2026, 1, 9)) == [
        date(2025, 12, 29), date(2025, 12, 30), date(2025, 12, 31),
        date(2026, 1, 5), date(2026, 1, 8), date(2026, 1, 9),
    ]


def test_working_days_of_a_month():
    days = working_days(date(2026, 11, 1), date(2026, 11, 30))
    assert len(days) == 20  # 21 weekdays less 30 November
    assert all(d.weekday() < 5 for d in days)


# -- ranges ------------------------------------------------------------------------


def test_range_of_a_calendar_month():
    p = parse_period({"from": "2026-11-01", "to": "2026-11-30"}, TODAY)
    assert (p.start, p.end, p.kind) == (date(2026, 11, 1), date(2026, 11, 30), "range")
    assert p.slug == "2026-11-01-2026-11-30"
    assert p.title == "Perioada 1–30 noiembrie 2026"
    assert p.query() == {"from": "2026-11-01", "to": "2026-11-30"}
    # A calendar month steps by calendar months.
    assert p.prev() == Period.between(date(2026, 10, 1), date(2026, 10, 31))
    assert p.next() == Period.between(date(2026, 12, 1), date(2026, 12, 31))
    assert Period.between(date(2026, 3, 1), date(2026, 3, 31)).prev() == Period.between(
        date(2026, 2, 1), date(2026, 2, 28)
    )
    assert p.next().next().title == "Perioada 1–31 ianuarie 2027"


@pytest.mark.parametrize("start, end, before, after", [
    # a quarter, a year (leap and not), two months across New Year: as many calendar months
    ((2025, 4, 1), (2025, 6, 30), ((2025, 1, 1), (2025, 3, 31)), ((2025, 7, 1), (2025, 9, 30))),
    ((2025, 1, 1), (2025, 12, 31), ((2024, 1, 1), (2024, 12, 31)), ((2026, 1, 1), (2026, 12, 31))),
    ((2024, 1, 1), (2024, 12, 31), ((2023, 1, 1), (2023, 12, 31)), ((2025, 1, 1), (2025, 12, 31))),
    ((2025, 12, 1), (2026, 1, 31), ((2025, 10, 1), (2025, 11, 30)), ((2026, 2, 1), (2026, 3, 31))),
    # not whole months: the same number of days
    ((2025, 3, 1), (2025, 3, 30), ((2025, 1, 30), (2025, 2, 28)), ((2025, 3, 31), (2025, 4, 29))),
])
def test_whole_calendar_months_step_by_months(start, end, before, after):
    p = Period.between(date(*start), date(*end))
    assert (p.prev(), p.next()) == (Period.between(date(*before[0]), date(*before[1])),
                                     Period.between(date(*after[0]), date(*after[1])))
    assert p.prev().next() == p == p.next().prev()


def test_range_titles():
    assert Period.between(date(2025, 9, 29), date(2025, 10, 3)).title == "Perioada 29 septembrie – 3 octombrie 2025"
    assert Period.between(date(2025, 12, 29), date(2026, 1, 2)).title == "Perioada 29 decembrie 2025 – 2 ianuarie 2026"
    assert Period.between(date(2026, 11, 5), date(2026, 11, 5)).title == "Perioada 5 noiembrie 2026"


def test_range_prev_next_keep_the_length():
    p = Period.between(date(2026, 11, 10), date(2026, 11, 19))  # 10 days
    assert p.prev() == Period.between(date(2026, 10, 31), date(2026, 11, 9))
    assert p.next() == Period.between(date(2026, 11, 20), date(2026, 11, 29))
    assert p.prev().next() == p


def test_range_limit_is_366_days():
    p = parse_period({"from": "2024-01-01", "to": "2024-12-31"}, TODAY)  # leap year: 366 days
    assert p.days == 366


# -- bad parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        (
            {"week": "2026-W99"},
            "Săptămâna „2026-W99” nu există: anul 2026 are 53 de săptămâni (2026-W01 … 2026-W53).",
        ),
        (
            {"week": "2026-W00"},
            "Săptămâna „2026-W00” nu există: anul 2026 are 53 de săptămâni (2026-W01 … 2026-W53).",
        ),
        (
            {"week": "2026-48"},
            "Săptămâna „2026-48” nu este scrisă corect. Folosiți forma AAAA-Wss "
            "(anul, litera W și numărul săptămânii), de ex. 2026-W48.",
        ),
        (
            {"week": "<script>"},
            "Săptămâna „<script>” nu este scrisă corect. Folosiți forma AAAA-Wss "
            "(anul, litera W și numărul săptămânii), de ex. 2026-W48.",
        ),
        (
            {"week": "1999-W10"},
            "Săptămâna „1999-W10” nu poate fi afișată: anul trebuie să fie între 2000 și 2100.",
        ),
        (
            {"from": "2026-11-1", "to": "2026-11-30"},
            "Data de început „2026-11-1” nu este scrisă corect. Folosiți forma ZZ.LL.AAAA, de ex. 23.11.2026.",
        ),
        (
            {"from": "2026-11-01", "to": "30/11/2026"},
            "Data de sfârșit „30/11/2026” nu este scrisă corect. Folosiți forma ZZ.LL.AAAA, de ex. 23.11.2026.",
        ),
        (
            {"from": "2026-02-30", "to": "2026-03-10"},
            "Data de început „2026-02-30” nu există în calendar. Folosiți forma ZZ.LL.AAAA, de ex. 23.11.2026.",
        ),
        (
            {"from": "0999-01-01", "to": "2026-03-10"},
            "Data de început „0999-01-01” nu poate fi folosită: anul trebuie să fie între 2000 și 2100.",
        ),
        (
            {"from": "2026-11-01"},
            "Lipsește data de sfârșit a perioadei: completați ambele date, „de la” și „până la”.",
        ),
        (
            {"to": "2026-11-30"},
            "Lipsește data de început a perioadei: completați ambele date, „de la” și „până la”.",
        ),
        (
            {"from": "2026-11-30", "to": "2026-11-01"},
            "Data de început (30 noiembrie 2026) este după data de sfârșit (1 noiembrie 2026).",
        ),
        (
            {"from": "2025-01-01", "to": "2026-01-05"},
            "Perioada aleasă are 370 de zile; un raport poate cuprinde cel mult 366 de zile. "
            "Alegeți o perioadă mai scurtă.",
        ),
        (
            {"week": "2026-W48", "from": "2026-11-01", "to": "2026-11-30"},
            "Alegeți fie o săptămână, fie o perioadă (de la o dată până la alta), nu amândouă.",
        ),
        (
            {"week": "2026-W48", "to": "2026-11-30"},
            "Alegeți fie o săptămână, fie o perioadă (de la o dată până la alta), nu amândouă.",
        ),
    ],
)
def test_bad_parameters(args, message):
    with pytest.raises(PeriodError) as e:
        parse_period(args, TODAY)
    assert str(e.value) == message


# -- Romanian formatting -------------------------------------------------------------


def test_format_date_and_datetime():
    assert format_date(date(2026, 11, 27)) == "27 noiembrie 2026"
    # 14:42 UTC is 16:42 in Bucharest in winter (EET) ...
    assert format_datetime(datetime(2026, 11, 27, 14, 42, tzinfo=timezone.utc)) == "27 noiembrie 2026, 16:42"
    # ... and 17:42 in summer (EEST).
    assert format_datetime(datetime(2026, 7, 1, 14, 42, tzinfo=timezone.utc)) == "1 iulie 2026, 17:42"
    # Near midnight the Bucharest date differs from the UTC date.
    assert format_datetime(datetime(2026, 12, 31, 22, 30, tzinfo=timezone.utc)) == "1 ianuarie 2027, 00:30"
    # A naive datetime is taken as Bucharest time.
    assert format_datetime(datetime(2026, 11, 27, 9, 5)) == "27 noiembrie 2026, 09:05"


def test_weekdays_months_and_short_labels():
    monday = date(2026, 11, 23)
    assert [weekday_name(monday + timedelta(days=i)) for i in range(7)] == [
        "luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică",
    ]
    assert [month_name(m) for m in range(1, 13)] == [
        "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie",
        "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie",
    ]
    assert [format_day_short(monday + timedelta(days=i)) for i in range(7)] == [
        "lun. 23 nov.", "mar. 24 nov.", "mie. 25 nov.", "joi 26 nov.", "vin. 27 nov.",
        "sâm. 28 nov.", "dum. 29 nov.",
    ]
    assert format_weekday_date(monday) == "luni, 23 noiembrie"
    assert format_weekday_date(monday, year=True) == "luni, 23 noiembrie 2026"


def test_romanian_plurals():
    assert [days_phrase(n) for n in (0, 1, 2, 19, 20, 21, 99, 100, 101, 119, 120, 200, 366)] == [
        "0 zile", "1 zi", "2 zile", "19 zile", "20 de zile", "21 de zile", "99 de zile",
        "100 de zile", "101 zile", "119 zile", "120 de zile", "200 de zile", "366 de zile",
    ]
    assert count_phrase(1, "celulă", "celule") == "1 celulă"
    assert count_phrase(3, "celulă", "celule") == "3 celule"


@pytest.mark.parametrize("today, opened, demo", [
    (date(2026, 11, 23), "2026-W48", "2026-W47"),  # an ordinary Monday: this week
    (date(2026, 11, 29), "2026-W48", "2026-W47"),  # Sunday
    (date(2026, 11, 30), "2026-W48", "2026-W48"),  # holiday Monday: last week
    (date(2026, 12, 1), "2026-W48", "2026-W48"),   # holiday Tuesday too
    (date(2026, 12, 2), "2026-W49", "2026-W48"),   # the first working day of the week
    (date(2027, 1, 1), "2026-W53", "2026-W52"),    # New Year's Day, in ISO week 53
    (date(2027, 1, 4), "2027-W01", "2026-W53"),
])
def test_default_and_demo_weeks(today, opened, demo):
    from domain.periods import default_week, last_complete_week

    assert default_week(today).slug == opened
    assert last_complete_week(today).slug == demo
    assert parse_period({}, today).slug == opened


def test_presets_and_holiday_names():
    from domain.periods import holiday_name, latest_working_day, presets

    got = {label: (p.start.isoformat(), p.end.isoformat()) for label, p in presets(date(2026, 12, 1))}
    assert got == {
        "Săptămâna curentă": ("2026-11-30", "2026-12-06"),
        "Săptămâna trecută": ("2026-11-23", "2026-11-29"),
        "Luna aceasta": ("2026-12-01", "2026-12-31"),
        "Luna trecută": ("2026-11-01", "2026-11-30"),
        "Trimestrul acesta": ("2026-10-01", "2026-12-31"),
        "Anul acesta": ("2026-01-01", "2026-12-31"),
    }
    assert holiday_name(date(2026, 12, 1)) == "Ziua Națională a României"
    assert holiday_name(date(2026, 12, 2)) == ""
    assert latest_working_day(date(2026, 12, 1)) == date(2026, 11, 27)
    assert latest_working_day(date(2026, 12, 2)) == date(2026, 12, 2)


def test_dates_typed_as_the_fields_show_them():
    """Date fields show 23.11.2026; links carry ISO dates: both are read."""
    from domain.periods import format_numeric

    assert parse_period({"from": "01.11.2026", "to": "30.11.2026"}, date(2026, 11, 27)) == \
        Period.between(date(2026, 11, 1), date(2026, 11, 30))
    assert parse_period({"from": "1.2.2026", "to": "2026-02-28"}, date(2026, 11, 27)) == \
        Period.between(date(2026, 2, 1), date(2026, 2, 28))
    with pytest.raises(PeriodError, match="„31.02.2026” nu există în calendar"):
        parse_period({"from": "31.02.2026", "to": "01.03.2026"}, date(2026, 11, 27))
    assert format_numeric(date(2026, 3, 5)) == "05.03.2026"

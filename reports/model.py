"""The weekly report as plain data: what the document's tables show for a
period, computed from entry rows. Pure: no I/O, no Flask, no clock.

Shape (rendered the same way by ``templates/report_table.html`` and
``reports/xlsx.py``)::

    Report
      .period, .title, .headers, .offices, .read_at, .as_of_text, notices...
      OfficeReport (one per office, catalog order)
        .slug, .title, .groups, .completeness, .orphans
        Group (one per work type; .span = its number of lines)
          .title, .lines
          Line (one per activity; one table row)
            .activity_id, .text, .kind, .cells
            Cell (one per counter column, in COUNTERS order)
              .text ("12", "", "Zilnic", "3 zile", "- 73 discuții telefonice\\n- 1 scrisă")
              .value (the int for plain counts, else None)
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, datetime
from typing import Iterable, Mapping, Sequence

from forms.catalog import COUNTERS, Activity, Catalog, Office
from domain.rows import Row, Tally, tally_rows
from domain.trail import Closure

from domain.periods import Period, format_datetime, is_working_day, working_days
from domain.romanian import count_phrase, days_phrase, format_day_short, format_weekday_date

INSTITUTION = "Primăria Sectorului 3"
WORK_TYPE_HEADER = "Lucrări specifice"
ACTIVITY_HEADER = "Activități"
HEADERS: tuple[str, ...] = (WORK_TYPE_HEADER, ACTIVITY_HEADER, *COUNTERS.values())
DAILY_ALL = "Zilnic"


@dataclass(frozen=True)
class Cell:
    """One count cell. ``text`` is what the document shows; ``value`` is the
    number for plain counts (XLSX numeric cell), None for words, breakdowns
    and blanks."""

    text: str = ""
    value: int | None = None
    applies: bool = False

    @property
    def is_number(self) -> bool:
        return self.value is not None

    @property
    def lines(self) -> list[str]:
        """The text split at line breaks (breakdown cells have several)."""
        return self.text.split("\n") if self.text else []


BLANK = Cell()


@dataclass(frozen=True)
class Line:
    """One table row: an activity and its count cells."""

    activity_id: str
    text: str  # full activity text, as the document prints it
    label: str  # short label (forms)
    kind: str
    cells: tuple[Cell, ...]  # in COUNTERS order
    previous: tuple[Cell, ...] = ()  # the previous period's cells, when compared

    @property
    def cell_by_counter(self) -> dict[str, Cell]:
        return dict(zip(COUNTERS, self.cells))

    @property
    def columns(self) -> tuple[Cell, ...]:
        """The count cells as the table shows them: per counter, the figure,
        then (when compared) the previous period's and the change."""
        if not self.previous:
            return self.cells
        return tuple(c for trio in zip(self.cells, self.previous, self.changes) for c in trio)

    @property
    def changes(self) -> tuple[Cell, ...]:
        """Per counter, this period's figure minus the previous one ("+3",
        "−2", "0"), for plain counts; blank for words and breakdowns."""
        out = []
        for now, before in zip(self.cells, self.previous):
            if now.is_number and before.is_number:
                diff = now.value - before.value
                out.append(Cell(f"+{diff}" if diff > 0 else f"−{-diff}" if diff < 0 else "0", diff, True))
            else:
                out.append(BLANK)
        return tuple(out)


@dataclass(frozen=True)
class Group:
    """A work type ("Lucrări specifice") and its activities' lines."""

    title: str
    lines: tuple[Line, ...]

    @property
    def span(self) -> int:
        """Rows the work-type cell spans (rowspan / vertical merge)."""
        return len(self.lines)


@dataclass(frozen=True)
class DayStatus:
    """Who entered rows on one day of the period."""

    day: date
    clerks: tuple[str, ...]  # sorted, case-insensitively
    working: bool = True  # False for a weekend day or holiday (shown only with entries)

    @property
    def has_entries(self) -> bool:
        return bool(self.clerks)

    @property
    def label(self) -> str:
        """"luni, 23 noiembrie" """
        return format_weekday_date(self.day)

    @property
    def short_label(self) -> str:
        """"lun. 23 nov." """
        return format_day_short(self.day)


#: A person's missing days are listed one by one up to this many; more are
#: said as a count between the first and the last.
MAX_LISTED_DAYS = 6


def _days_list(days: Sequence[date]) -> str:
    """"2 zile (lun. 23 nov., mar. 24 nov.)" or, for many days,
    "40 de zile, între lun. 5 ian. și vin. 27 nov."."""
    if len(days) <= MAX_LISTED_DAYS:
        return f"{days_phrase(len(days))} ({', '.join(format_day_short(d) for d in days)})"
    return f"{days_phrase(len(days))}, între {format_day_short(days[0])} și {format_day_short(days[-1])}"


def _sentence(text: str) -> str:
    """``text`` with its full stop, once („… și mie. 31 dec.”, not „dec..”)."""
    return text if text.endswith(".") else text + "."


@dataclass(frozen=True)
class PersonStatus:
    """One member clerk of an office: the working days of the period up to
    today with no row of theirs (``missing``), and the days a supervisor
    marked them absent (not counted missing)."""

    clerk: str
    missing: tuple[date, ...] = ()
    absent: tuple[date, ...] = ()

    @property
    def missing_days(self) -> str:
        """"2 zile (lun. 23 nov., mar. 24 nov.)" """
        return _days_list(self.missing)

    @property
    def absent_days(self) -> str:
        return _days_list(self.absent)

    @property
    def missing_text(self) -> str:
        """"clerk2 — 2 zile (lun. 23 nov., mar. 24 nov.)" """
        return f"{self.clerk} — {self.missing_days}"

    @property
    def absent_text(self) -> str:
        return f"{self.clerk} — {self.absent_days}"


@dataclass(frozen=True)
class Completeness:
    """Entry coverage of one office: every working day of the period up to
    ``today``, plus any other day of the period that has entries (weekend,
    holiday, a day entered in advance), in date order. Only working days up
    to today can be missing: a day is missing when nobody entered a row,
    unless every member clerk was marked absent. ``people``: each member
    clerk of the office (accounts of the office), whose own missing days
    make the office incomplete too."""

    days: tuple[DayStatus, ...]
    elapsed: int = 0  # working days of the period up to today
    upcoming: int = 0  # working days of the period after today
    people: tuple[PersonStatus, ...] = ()
    closed_days: frozenset[date] = frozenset()  # working days every member was absent

    @property
    def missing(self) -> tuple[DayStatus, ...]:
        return tuple(d for d in self.days if not d.has_entries and d.day not in self.closed_days)

    @property
    def missing_people(self) -> tuple[PersonStatus, ...]:
        return tuple(p for p in self.people if p.missing)

    @property
    def absent_people(self) -> tuple[PersonStatus, ...]:
        return tuple(p for p in self.people if p.absent)

    @property
    def entered(self) -> tuple[DayStatus, ...]:
        return tuple(d for d in self.days if d.has_entries)

    @property
    def is_complete(self) -> bool:
        return not self.missing and not self.missing_people

    @property
    def days_summary(self) -> str:
        """One Romanian sentence about the office's days without entries."""
        if self.elapsed == 0:
            if self.upcoming:
                return "Perioada nu a început încă."
            return "Perioada nu are zile lucrătoare."
        if not self.missing:
            if self.missing_people:
                return "Toate zilele lucrătoare de până azi au înregistrări, dar nu de la toți funcționarii."
            return "Toate zilele lucrătoare de până azi au înregistrări."
        days = ", ".join(d.short_label for d in self.missing)
        return _sentence(f"Zile lucrătoare fără înregistrări ({len(self.missing)} din {self.elapsed}): {days}")

    @property
    def people_summary(self) -> str:
        """Who has working days without a row of theirs, and who was absent."""
        out = []
        if self.missing_people:
            out.append(_sentence("Funcționari cu zile necompletate: "
                                 + "; ".join(p.missing_text for p in self.missing_people)))
        if self.absent_people:
            out.append(_sentence("Absențe: " + "; ".join(p.absent_text for p in self.absent_people)))
        return " ".join(out)

    @property
    def summary(self) -> str:
        """The days' sentence, then the people's."""
        return " ".join(x for x in (self.days_summary, self.people_summary) if x)


@dataclass(frozen=True)
class OfficeReport:
    slug: str
    title: str
    groups: tuple[Group, ...]
    completeness: Completeness
    orphans: int = 0  # rows of this office left out: activity/part not in the catalog
    status: str = ""  # "Închisă de sef la …" / "Deschisă" / "Săptămâni închise: 2 din 5"

    @property
    def lines(self) -> tuple[Line, ...]:
        return tuple(line for g in self.groups for line in g.lines)


@dataclass(frozen=True)
class Report:
    period: Period
    today: date
    offices: tuple[OfficeReport, ...]
    working_days: tuple[date, ...]  # all working days of the period
    read_at: datetime | None = None
    stale: bool = False
    pending: int = 0
    problems: int = 0
    orphans: int = 0  # rows left out of the tables (activity/part not in the catalog)
    orphan_keys: tuple[str, ...] = ()  # "office/activity" or "office/activity/part", sorted
    headers: tuple[str, ...] = HEADERS
    institution: str = INSTITUTION
    previous: Period | None = None  # the period compared with (``with_previous``)

    @property
    def title(self) -> str:
        return self.period.title

    @property
    def heading(self) -> str:
        """The page's and the XLSX's title: "Raport de activitate — Săptămâna …"."""
        return f"Raport de activitate — {self.period.title}"

    @property
    def situation_text(self) -> str:
        """"Situația la 27 noiembrie 2026, 16:42" (when the figures were read)."""
        return f"Situația la {format_datetime(self.read_at)}" if self.read_at else ""

    @property
    def column_titles(self) -> tuple[str, ...]:
        """The table's header: with a comparison, per counter its figure, the
        previous period's and the change."""
        if self.previous is None:
            return self.headers
        counters = tuple(t for c in COUNTERS.values() for t in (c, f"{c}, perioada anterioară", "Diferența"))
        return (*self.headers[:2], *counters)

    @property
    def previous_title(self) -> str:
        """"Săptămâna 16–20 noiembrie 2026" of the compared period, or ""."""
        return self.previous.title if self.previous else ""

    @property
    def counter_titles(self) -> tuple[str, ...]:
        return tuple(COUNTERS.values())

    @property
    def as_of_text(self) -> str:
        """"Date la zi: 27 noiembrie 2026, 16:42" (empty without read_at)."""
        return f"Date la zi: {format_datetime(self.read_at)}" if self.read_at else ""

    @property
    def is_over(self) -> bool:
        return self.today > self.period.end

    @property
    def notices(self) -> tuple[str, ...]:
        """Romanian sentences for a banner above the tables (no links)."""
        out = []
        if self.stale:
            when = f" (date din {format_datetime(self.read_at)})" if self.read_at else ""
            out.append(
                "Foaia de calcul nu a răspuns la timp; "
                f"se afișează ultima citire reușită{when}."
            )
        if self.pending == 1:
            out.append(
                "O înregistrare salvată local nu a ajuns încă în foaia de calcul "
                "și poate lipsi din raport."
            )
        elif self.pending:
            out.append(
                f"{count_phrase(self.pending, '', 'înregistrări')} salvate local nu au ajuns "
                "încă în foaia de calcul și pot lipsi din raport."
            )
        if self.problems == 1:
            out.append("O celulă din foile de calcul nu a putut fi citită și nu este inclusă în raport.")
        elif self.problems:
            out.append(
                f"{count_phrase(self.problems, '', 'celule')} din foile de calcul nu au putut "
                "fi citite și nu sunt incluse în raport."
            )
        if self.orphans == 1:
            out.append(
                "O înregistrare se referă la o activitate care nu mai este în catalog "
                "și nu apare în tabel."
            )
        elif self.orphans:
            out.append(
                f"{count_phrase(self.orphans, '', 'înregistrări')} se referă la activități care "
                "nu mai sunt în catalog și nu apar în tabel."
            )
        return tuple(out)


# -- building -----------------------------------------------------------------------


def _count_cell(total: int) -> Cell:
    return Cell(str(total), total, True)


def _daily_text(done_days: set[date], elapsed: Sequence[date]) -> str:
    if elapsed and all(d in done_days for d in elapsed):
        return DAILY_ALL
    return days_phrase(len(done_days))


def daily_keys(catalog: Catalog) -> set[tuple[str, str]]:
    """(office, activity) of every daily activity of the catalog."""
    return {(o.slug, a.id) for o in catalog.offices for a in o.activities if a.kind == "daily"}


_COLUMN = {c: i for i, c in enumerate(COUNTERS)}  # counter -> index in a sums tuple


def _line(sums: dict, done_days: set[date], activity: Activity, elapsed: Sequence[date]) -> Line:
    """One activity's cells; ``sums``: (activity, part) -> totals of its office."""
    def total(counter: str, part: str = "") -> int:
        return sums.get((activity.id, part), (0, 0, 0))[_COLUMN[counter]]

    if activity.kind == "daily":
        word = _daily_text(done_days, elapsed)
        cells = tuple(Cell(word, None, True) if c in activity.counters else BLANK for c in COUNTERS)
    elif activity.kind == "breakdown":
        (counter,) = activity.counters
        text = "\n".join(p.phrase(total(counter, p.key)) for p in activity.parts)
        cells = tuple(Cell(text, None, True) if c == counter else BLANK for c in COUNTERS)
    else:
        cells = tuple(_count_cell(total(c)) if c in activity.counters else BLANK for c in COUNTERS)
    return Line(activity.id, activity.text, activity.label, activity.kind, cells)


def _belongs(activity: Activity | None, part: str) -> bool:
    if activity is None:
        return False
    if activity.kind == "breakdown":
        return any(p.key == part for p in activity.parts)
    return part == ""


def _clerk_key(name: str) -> tuple[str, str]:
    return (name.casefold(), name)


def _names(names) -> tuple[str, ...]:
    """A day's clerks in order (one or none need no sorting: a year of a
    hundred offices has 25,000 such days; the local store gives the same
    clerks of many days as one frozenset, sorted once)."""
    if len(names) < 2:
        return tuple(names)
    if isinstance(names, frozenset):
        return _sorted_names(names)
    return tuple(sorted(names, key=_clerk_key))


@lru_cache(maxsize=4096)
def _sorted_names(names: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=_clerk_key))


def _people(members: Sequence[str], absences: Mapping[str, Iterable[date]], clerks_by_day: dict,
            elapsed: Sequence[date], since: Mapping[str, date] | None = None,
            ) -> tuple[tuple[PersonStatus, ...], frozenset[date]]:
    """Each member's missing and absent working days (names compared without
    regard to case), and the days every member was absent. ``since``:
    clerk -> the day their account was added; days before it are not theirs
    to fill."""
    entered: dict[str, set[date]] = defaultdict(set)
    for day, names in clerks_by_day.items():
        for name in names:
            entered[name.casefold()].add(day)
    away = {name.casefold(): set(days) for name, days in absences.items()}
    people = []
    for name in sorted(members, key=_clerk_key):
        key = name.casefold()
        off = away.get(key, set())
        first = (since or {}).get(name)
        people.append(PersonStatus(
            name,
            tuple(d for d in elapsed if d not in entered[key] and d not in off and (first is None or d >= first)),
            tuple(d for d in elapsed if d in off),
        ))
    everyone_away = frozenset(d for d in elapsed if people and all(d in p.absent for p in people))
    return tuple(people), everyone_away


def _office_report(
    office: Office, sums: dict, done_days: dict, clerks_by_day: dict, elapsed: Sequence[date], upcoming: int,
    members: Sequence[str] = (), absences: Mapping[str, Iterable[date]] | None = None,
    since: Mapping[str, date] | None = None,
) -> tuple[OfficeReport, list[str], int]:
    """``sums``: (activity, part) -> totals, ``clerks_by_day``: day -> clerks,
    both of this office; ``done_days``: the whole tally's; ``members``: the
    office's clerks, ``absences``: clerk -> days marked absent."""
    orphan_keys: list[str] = []
    orphan_rows = 0
    for (activity, part), (_, _, n) in sums.items():
        if not _belongs(office.activity(activity), part):
            orphan_keys.append("/".join(x for x in (office.slug, activity, part) if x))
            orphan_rows += n
    groups = tuple(
        Group(wt.title, tuple(_line(sums, done_days.get((office.slug, a.id), set()), a, elapsed)
                              for a in wt.activities))
        for wt in office.work_types
    )
    # Every working day up to today, plus any other day that has entries
    # (a Saturday, a holiday, a day entered in advance).
    working = set(elapsed)
    shown = sorted(working | set(clerks_by_day))
    days = tuple(
        DayStatus(d, _names(clerks_by_day.get(d, ())), d in working or is_working_day(d))
        for d in shown
    )
    people, closed_days = _people(members, absences or {}, clerks_by_day, elapsed, since)
    report = OfficeReport(
        office.slug, office.title, groups, Completeness(days, len(elapsed), upcoming, people, closed_days),
        orphans=orphan_rows,
    )
    return report, orphan_keys, orphan_rows


def week_status(slug: str, period: Period, closures: Mapping[tuple[str, str], Closure]) -> str:
    """An office's week: „Închisă de sef la 27 noiembrie 2026, 16:42” or
    „Deschisă”; for a longer period, how many of its weeks are closed."""
    weeks = period.iso_weeks
    if len(weeks) == 1:
        closure = closures.get((slug, weeks[0]))
        if closure is None:
            return "Deschisă"
        return f"Închisă de {closure.by} la {format_datetime(datetime.fromisoformat(closure.at))}"
    closed = sum(1 for w in weeks if (slug, w) in closures)
    return f"Săptămâni închise: {closed} din {len(weeks)}"


def build_report(
    catalog: Catalog,
    rows: Iterable[Row] | Tally,
    period: Period,
    *,
    offices: Iterable[str] | None = None,
    today: date,
    read_at: datetime | None = None,
    stale: bool = False,
    pending: int = 0,
    problems: int = 0,
    closures: Mapping[tuple[str, str], Closure] | None = None,
    members: Mapping[str, Sequence[str]] | None = None,
    absences: Mapping[tuple[str, str], Iterable[date]] | None = None,
    since: Mapping[tuple[str, str], date] | None = None,
) -> Report:
    """The report of ``period`` from ``rows`` (or their ``Tally``).

    ``offices``: slugs to include (shown in catalog order; unknown slugs are
    ignored); None means every office of the catalog. Rows dated outside the
    period or of other offices are ignored. Rows whose activity (or part) is
    not in the catalog are left out of the tables and counted in
    ``Report.orphans``. ``closures``: (office, ISO week) -> who closed it,
    for each office's status line. ``members``: office -> its clerks' names,
    whose own missing days the completeness lists; ``absences``: (office,
    clerk) -> days a supervisor marked the clerk absent; ``since``: (office,
    clerk) -> the day the clerk's account was added (earlier days are not
    counted missing for them). Values typed in a
    counter column that does not apply to the activity are ignored (the
    forms do not offer them).
    """
    wanted = set(catalog.slugs if offices is None else offices)
    chosen = [o for o in catalog.offices if o.slug in wanted]
    slugs = {o.slug for o in chosen}
    tally = rows if isinstance(rows, Tally) else tally_rows(rows, period.start, period.end, slugs, daily_keys(catalog))

    all_working = working_days(period.start, period.end)
    elapsed = [d for d in all_working if d <= today]
    upcoming = len(all_working) - len(elapsed)

    sums: dict[str, dict] = defaultdict(dict)
    for (slug, activity, part), totals in tally.sums.items():
        sums[slug][(activity, part)] = totals
    clerks: dict[str, dict] = defaultdict(dict)
    for (slug, day), names in tally.clerks.items():
        clerks[slug][day] = names
    office_reports = []
    orphan_keys: list[str] = []
    orphans = 0
    for office in chosen:
        away = {clerk: days for (slug, clerk), days in (absences or {}).items() if slug == office.slug}
        joined = {clerk: day for (slug, clerk), day in (since or {}).items() if slug == office.slug}
        rep, keys, n = _office_report(office, sums[office.slug], tally.done_days, clerks[office.slug], elapsed,
                                      upcoming, (members or {}).get(office.slug, ()), away, joined)
        office_reports.append(replace(rep, status=week_status(office.slug, period, closures or {})))
        orphan_keys.extend(keys)
        orphans += n
    return Report(
        period=period,
        today=today,
        offices=tuple(office_reports),
        working_days=tuple(all_working),
        read_at=read_at,
        stale=stale,
        pending=pending,
        problems=problems,
        orphans=orphans,
        orphan_keys=tuple(sorted(set(orphan_keys))),
    )


def with_previous(report: Report, previous: Report) -> Report:
    """``report`` with each line carrying the previous period's cells (the
    same catalog lines, built by ``build_report`` for ``Period.prev()``)."""
    before = {(o.slug, line.activity_id): line.cells for o in previous.offices for line in o.lines}
    offices = tuple(
        replace(o, groups=tuple(
            replace(g, lines=tuple(replace(line, previous=before.get((o.slug, line.activity_id), ()))
                                   for line in g.lines))
            for g in o.groups))
        for o in report.offices)
    return replace(report, offices=offices, previous=previous.period)

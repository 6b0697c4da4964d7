"""The period's raw entry rows as CSV, written as they are read: the
separate download beside the report (``/report-rows.csv``), so the report's
XLSX stays small and fast whatever the period.

Excel in a Romanian locale opens it directly: UTF-8 with a byte-order mark,
``;`` between fields, dates as dd.mm.yyyy. Text a person typed that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) gets
a leading apostrophe, so opening the file never runs anything.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Iterable, Iterator

from domain.periods import to_local
from domain.rows import Row
from forms.catalog import COUNTERS, Catalog

HEADERS = (
    "Data", "Serviciu", "Lucrări specifice", "Activitate", "Detaliu", "Funcționar", *COUNTERS.values(),
    "Observații", "Introdus la", "Modificat de", "Modificat la",
)
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")  # OWASP CSV injection: also tab, CR (and LF)


def safe_text(value: str) -> str:
    """User text that never starts a formula in a spreadsheet program."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _stamp(value: str) -> str:
    if not value:
        return ""
    try:
        local = to_local(datetime.fromisoformat(value))
    except (ValueError, OverflowError):
        return safe_text(value)
    return f"{local.day:02d}.{local.month:02d}.{local.year:04d} {local.hour:02d}:{local.minute:02d}"


def _day(d: date) -> str:
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


class _Memo(dict):
    """``fn`` of each value, computed once: a day's date, a save's time stamp
    (a save stamps all its rows alike). Emptied past ``limit`` entries."""

    def __init__(self, fn, limit: int = 100_000):
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, key):
        if len(self) >= self.limit:
            self.clear()
        value = self[key] = self.fn(key)
        return value


class RowWriter:
    """Lines of CSV for rows of ``offices`` (slugs), in the XLSX's old order:
    by day, office (catalog order), activity (catalog order), part, clerk."""

    def __init__(self, catalog: Catalog, offices: Iterable[str]):
        shown = set(offices)
        self.offices = {o.slug: (i, o) for i, o in enumerate(catalog.offices) if o.slug in shown}
        self.acts: dict[tuple[str, str], tuple[int, str, str, dict[str, tuple[int, str]]]] = {}
        for slug, (_, office) in self.offices.items():
            pos = 0
            for wt in office.work_types:
                for a in wt.activities:
                    self.acts[(slug, a.id)] = (pos, wt.title, a.label,
                                               {p.key: (k, p.label) for k, p in enumerate(a.parts)})
                    pos += 1
        self._buf = io.StringIO()
        self._csv = csv.writer(self._buf, delimiter=";", lineterminator="\r\n")
        self._days, self._stamps, self._texts = _Memo(_day), _Memo(_stamp), _Memo(self._text_of)

    _UNKNOWN = (10**9, "", "", {})

    def _key(self, row: Row):
        pos, _, _, parts = self.acts.get((row.office, row.activity), self._UNKNOWN)
        return (row.day, self.offices[row.office][0], pos, row.activity, parts.get(row.part, (10**9,))[0],
                row.part, row.clerk.casefold(), row.clerk)

    def _take(self) -> str:
        text = self._buf.getvalue()
        self._buf.seek(0)
        self._buf.truncate()
        return text

    def header(self) -> str:
        self._csv.writerow(HEADERS)
        return BOM + self._take()

    def lines(self, rows: Iterable[Row], start: date, end: date) -> str:
        """CSV lines of ``rows`` dated ``start``..``end`` of the offices, sorted."""
        chosen = sorted((r for r in rows if r.office in self.offices and start <= r.day <= end), key=self._key)
        days, stamps, texts = self._days, self._stamps, self._texts
        write = self._csv.writerow
        for row in chosen:
            office, wt_title, label, parts = texts[(row.office, row.activity)]
            write((
                days[row.day], office, wt_title, label or safe_text(row.activity),
                parts[row.part] if row.part in parts else safe_text(row.part),
                safe_text(row.clerk), *("" if getattr(row, c) is None else getattr(row, c) for c in COUNTERS),
                safe_text(row.note), stamps[row.entered_at], safe_text(row.changed_by), stamps[row.changed_at],
            ))
        return self._take()

    def _text_of(self, key: tuple[str, str]) -> tuple[str, str, str, dict[str, str]]:
        """The texts an (office, activity) shows, made formula-safe once."""
        _, wt_title, label, parts = self.acts.get(key, self._UNKNOWN)
        return (safe_text(self.offices[key[0]][1].title), safe_text(wt_title), safe_text(label),
                {k: safe_text(text) for k, (_, text) in parts.items()})


def stream_csv(catalog: Catalog, offices: Iterable[str], chunks: Iterable[tuple[date, date, Iterable[Row]]]
               ) -> Iterator[bytes]:
    """The whole file, a chunk (e.g. a month of rows, read just before) at a time."""
    writer = RowWriter(catalog, offices)
    yield writer.header().encode("utf-8")
    for start, end, rows in chunks:
        text = writer.lines(rows, start, end)
        if text:
            yield text.encode("utf-8")

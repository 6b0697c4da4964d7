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
        return to_local(datetime.fromisoformat(value)).strftime("%d.%m.%Y %H:%M")
    except (ValueError, OverflowError):
        return safe_text(value)


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
        for row in chosen:
            _, wt_title, label, parts = self.acts.get((row.office, row.activity), self._UNKNOWN)
            self._csv.writerow((
                row.day.strftime("%d.%m.%Y"), safe_text(self.offices[row.office][1].title), safe_text(wt_title),
                safe_text(label or row.activity), safe_text(parts[row.part][1] if row.part in parts else row.part),
                safe_text(row.clerk), *("" if getattr(row, c) is None else getattr(row, c) for c in COUNTERS),
                safe_text(row.note), _stamp(row.entered_at), safe_text(row.changed_by), _stamp(row.changed_at),
            ))
        return self._take()


def stream_csv(catalog: Catalog, offices: Iterable[str], chunks: Iterable[tuple[date, date, Iterable[Row]]]
               ) -> Iterator[bytes]:
    """The whole file, a chunk (e.g. a month of rows, read just before) at a time."""
    writer = RowWriter(catalog, offices)
    yield writer.header().encode("utf-8")
    for start, end, rows in chunks:
        text = writer.lines(rows, start, end)
        if text:
            yield text.encode("utf-8")

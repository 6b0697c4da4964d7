"""The storage interface: the Store Protocol that says everything the pages
use, and what a read returns.

Both backends (``local``: SQLite in the instance folder, ``google``: one
worksheet per office in a Google Spreadsheet) store the same rows
(domain/rows.py) and pass the same contract tests
(tests/test_store_contract.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Iterable, Protocol, Sequence, runtime_checkable

from domain.rows import Problem, Row, Tally

@dataclass
class ReadResult:
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    read_at: datetime | None = None  # when the figures were read from the store
    stale: bool = False  # True when the store was unreachable and a cached read is served
    pending: int = 0  # submissions saved locally, not yet delivered to the store


class StoreError(Exception):
    """The store could not do what was asked (e.g. Google unreachable for an edit)."""


class RowNotFound(StoreError):
    pass


@runtime_checkable
class Store(Protocol):
    """What the app needs from a place that keeps rows."""

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        """Replace ``clerk``'s rows of ``office`` on ``day`` with ``rows``."""

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        """Rows of ``offices`` dated ``start``..``end`` inclusive; ``fresh``
        bypasses any cache."""

    def update_row(self, office: str, row_id: str, changes: dict, by: str) -> tuple[Row, Row]:
        """Correct ``lucrari``/``documente``/``note`` of one row (supervisors);
        returns the row (before, after)."""

    def delete_row(self, office: str, row_id: str, by: str) -> Row:
        """Delete one row (supervisors); returns what was deleted."""

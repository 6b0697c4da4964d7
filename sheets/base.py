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
from typing import Iterable, Mapping, Protocol, Sequence, runtime_checkable

from domain.rows import Problem, Row, Tally
from domain.saving import Entry, FieldChange
from domain.trail import TrailLine

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
class SyncQueue(Protocol):
    """The outbox of a backend that delivers saves later (Google): what the
    *Sincronizare* page and ``flask --app app sheets`` use. A backend
    without one says so with ``Store.sync_queue = None``."""

    spreadsheet_id: str
    max_attempts: int

    def ops(self, statuses: Sequence[str] = ...) -> list:
        """Operations not delivered yet (``pending``, ``failed``), oldest first."""

    def op(self, op_id: int):
        """One operation, or None."""

    def counts(self) -> dict[str, int]:
        """Operations per status."""

    def retry(self, op_id: int) -> bool:
        """Put a failed operation back in the queue; False when it was not failed."""

    def deliver_now(self, office: str, wait: float | None = None) -> bool:
        """Try to deliver ``office``'s operations now; True when none is left."""

    def sync(self, max_seconds: float | None = 60.0) -> dict:
        """Deliver everything due, waiting for backoffs up to ``max_seconds``:
        {"delivered", "pending", "failed"}."""

    def lease_holder(self) -> tuple[str, float] | None:
        """Which process holds the sender's lease, until when (epoch)."""

    def status(self) -> dict:
        """Counts, lease, next attempt and known worksheets (no network call)."""

    def init(self) -> list[str]:
        """Create missing worksheets and complete headers; one line per worksheet."""


@runtime_checkable
class Store(Protocol):
    """Everything the pages and commands need from a place that keeps rows.

    Capabilities a backend may lack are declared, never probed: ``is_async``
    (saves reach the store later), ``sync_queue`` (None without an outbox),
    ``worksheet_url`` (None without a spreadsheet)."""

    #: True when a save is kept in an outbox and delivered later (Google).
    is_async: bool
    #: The outbox pages' and commands' view of the backend, or None.
    sync_queue: SyncQueue | None

    def save_day(self, office: str, day: date, clerk: str, rows: Sequence[Row]) -> None:
        """Replace ``clerk``'s rows of ``office`` on ``day`` with ``rows``, as
        they are (imports, the demo): no check of what anyone saw."""

    def save_entry(self, entry: Entry) -> list[FieldChange]:
        """A clerk's day as the form submitted it (domain/saving.py): the
        figures typed, checked against what the form showed. Raises
        ``SaveConflict`` (nothing saved) when someone else changed one of
        them since; returns the figures changed (for the audit trail)."""

    def read(self, offices: Iterable[str], start: date, end: date, *, fresh: bool = False) -> ReadResult:
        """Rows of ``offices`` dated ``start``..``end`` inclusive; ``fresh``
        bypasses any cache."""

    def tally(self, offices: Iterable[str], start: date, end: date, daily: set[tuple[str, str]], *,
              fresh: bool = False) -> tuple[Tally, ReadResult]:
        """What the report needs of those rows (``domain.rows.tally_rows``),
        and the read's time, staleness, pending and problems (its ``rows``
        left empty). ``daily``: the (office, activity) pairs of daily
        activities."""

    def row(self, office: str, row_id: str) -> Row:
        """One row of ``office`` as the pages show it; RowNotFound if none."""

    def weekly_totals(self, offices: Iterable[str], start: date, end: date,
                      counted: Mapping[tuple[str, str, str], tuple[int, ...]]
                      ) -> dict[tuple[str, date], tuple[int, ...]]:
        """``domain.rows.weekly_totals_of`` of the rows: per office and ISO
        week (its Monday) the totals of the ``counted`` activities, in one
        pass (the XLSX's „Tendințe” sheet)."""

    def update_row(self, office: str, row_id: str, changes: dict, by: str) -> tuple[Row, Row]:
        """Correct ``lucrari``/``documente``/``note`` of one row (supervisors);
        returns the row (before, after)."""

    def delete_row(self, office: str, row_id: str, by: str) -> Row:
        """Delete one row (supervisors); returns what was deleted."""

    def hand_edits(self) -> list[TrailLine]:
        """Figures people changed by hand in the store since the last call
        (Google: noticed on reads), as audit trail lines; [] for the local store."""

    def protect_week(self, office: str, start: date, end: date, closed: bool, by: str) -> None:
        """Make the rows of ``start``..``end`` read-only for people in the store
        itself (``closed``), or editable again. The local store has no other
        editors: nothing to do there."""

    def worksheet_url(self, slug: str) -> str | None:
        """A link to the office's worksheet, or None (no spreadsheet)."""

    def pending_count(self, offices: Iterable[str] | None = None) -> int:
        """Saves and corrections not delivered to the store yet."""

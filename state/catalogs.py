"""The catalog's published versions, in the instance folder's state database.

Each publish of an office stores its whole document (forms/catalog.py) as a
new version with an effective ISO week. The layout of a week is, per office,
the highest version whose effective week is not after it: earlier weeks keep
their layout. Every worker reads the table afresh within a second of a
publish (a cheap ``SELECT max(id)`` at most once a second), so a published
version is in use everywhere without a restart.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Collection, Iterable

from domain.periods import MIN_YEAR, Period, format_datetime
from domain.trail import week_of
from forms.catalog import (Catalog, CatalogInvalid, Office, Problem, carry_removed, check_document,
                           diff_documents, load_documents, normalize_document, office_from_document)

__all__ = ["CatalogConflict", "CatalogInvalid", "CatalogVersions", "VersionInfo", "FIRST_WEEK", "parse_week"]

#: the effective week of the versions seeded from forms/*.yaml: before any report
FIRST_WEEK = f"{MIN_YEAR}-W01"


@dataclass(frozen=True)
class VersionInfo:
    """One published version of an office: ``version`` counts 1, 2, … per
    office; ``effective`` the first ISO week it applies to ("2026-W49");
    ``published_at`` ISO UTC text from the app clock; ``id`` the row's id,
    increasing across offices."""

    slug: str
    title: str
    version: int
    effective: str
    published_by: str
    published_at: str
    id: int

    @property
    def published_when(self) -> str:
        """``published_at`` as people read it: „27 noiembrie 2026, 16:00” (Bucharest)."""
        return format_datetime(datetime.fromisoformat(self.published_at))


class CatalogConflict(Exception):
    """A publish based on a version that is no longer the latest (or a new
    office whose slug exists): ``current`` is the latest version, ``changes``
    what it changed since the base (diff_documents lines, Romanian)."""

    def __init__(self, current: VersionInfo, changes: list[str]):
        super().__init__(f"{current.slug}: versiunea {current.version} a fost publicată între timp de "
                         f"{current.published_by} ({current.published_when})")
        self.current = current
        self.changes = list(changes)


def parse_week(text: str) -> str:
    """"2026-W49" (also "2026-w49", "2026-W9") as the canonical ISO week; ValueError in Romanian."""
    from domain.periods import PeriodError, _parse_week

    try:
        return _parse_week(text.strip()).slug
    except PeriodError as exc:
        raise ValueError(str(exc)) from None


def _all_ids(doc: dict) -> set[str]:
    return {a["id"] for wt in doc["work_types"] for a in wt["activities"]}


class CatalogVersions:
    """The versioned catalog (``app.extensions["catalogs"]``).

    ``rows_of(slug)``, when given, returns the ids of the office's activities
    that have rows (the store's); publish uses it for the id rules."""

    def __init__(self, state, clock, rows_of: Callable[[str], set[str]] | None = None,
                 recheck_seconds: float = 1.0):
        self.state = state
        self.clock = clock
        self.rows_of = rows_of
        self.recheck_seconds = recheck_seconds
        self._lock = threading.Lock()
        self._seen_id: int | None = None
        self._checked = float("-inf")
        self._rows: list[dict] = []  # every version, by id
        self._offices: dict[int, Office] = {}
        self._memo: dict = {}

    # -- reading ----------------------------------------------------------

    def _fresh(self) -> list[dict]:
        """Every version row, read again when another process published."""
        now = time.monotonic()  # a length of time, not a date
        with self._lock:
            if now - self._checked < self.recheck_seconds:
                return self._rows
            self._checked = now
        with self.state.connect() as con:
            top = con.execute("SELECT max(id) FROM catalog_versions").fetchone()[0]
            if top == self._seen_id:
                return self._rows
            rows = [dict(r) for r in con.execute("SELECT * FROM catalog_versions ORDER BY id")]
        for r in rows:
            r["doc"] = json.loads(r["document"])
        with self._lock:
            self._rows, self._seen_id, self._memo = rows, top, {}
        return rows

    def _invalidate(self) -> None:
        with self._lock:
            self._checked = float("-inf")

    @staticmethod
    def _info(r: dict) -> VersionInfo:
        return VersionInfo(r["slug"], r["title"], r["version"], r["effective"], r["published_by"],
                           r["published_at"], r["id"])

    def _latest(self, rows) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for r in rows:
            if r["slug"] not in out or r["version"] > out[r["slug"]]["version"]:
                out[r["slug"]] = r
        return out

    def offices(self) -> list[VersionInfo]:
        """The latest version of every office, in report order (order, then slug)."""
        latest = self._latest(self._fresh())
        return [self._info(r) for r in sorted(latest.values(), key=lambda r: (r["doc"].get("order", 100), r["slug"]))]

    def history(self, slug: str) -> list[VersionInfo]:
        """Every version of ``slug``, newest first ([] for an unknown office)."""
        return [self._info(r) for r in sorted((r for r in self._fresh() if r["slug"] == slug),
                                              key=lambda r: -r["version"])]

    def former_titles(self, slug: str) -> list[str]:
        """Titles ``slug`` had before its latest version's, newest first, once each."""
        history = self.history(slug)
        out: list[str] = []
        for v in history[1:]:
            if v.title != history[0].title and v.title not in out:
                out.append(v.title)
        return out

    def document(self, slug: str, version: int | None = None) -> dict:
        """The document of ``slug`` (the latest version by default), with
        retired activities; KeyError for an unknown office or version."""
        for r in sorted(self._fresh(), key=lambda r: -r["version"]):
            if r["slug"] == slug and (version is None or r["version"] == version):
                return json.loads(r["document"])
        raise KeyError(f"{slug} v{version}" if version else slug)

    def documents(self) -> list[dict]:
        """The latest document of every office (with retired activities)."""
        return [self.document(v.slug) for v in self.offices()]

    def in_force(self, slug: str, week: str) -> VersionInfo | None:
        """The version of ``slug`` that applies to ``week``; None before the office existed."""
        r = self._in_force(self._fresh(), slug, week)
        return self._info(r) if r else None

    @staticmethod
    def _in_force(rows, slug: str, week: str) -> dict | None:
        best = None
        for r in rows:
            if r["slug"] == slug and r["effective"] <= week and (best is None or r["version"] > best["version"]):
                best = r
        return best

    def catalog_for(self, start: date, end: date, *, keep: Collection[tuple[str, str]] = (),
                    retired: bool = False) -> Catalog:
        """The layout of the period ``start``..``end``: per office, the union
        of the versions in force in its weeks, in the newest one's order
        (an activity retired within the period shows, at its place). Offices
        that did not exist yet are left out. ``keep``: (office, activity)
        pairs that have rows in the period: a retired activity among them
        shows too; ``retired``: show every retired activity of those versions
        (to know every daily activity before reading rows)."""
        rows = self._fresh()
        weeks = tuple(Period.between(start, end).iso_weeks)
        key = (weeks, frozenset(keep), retired)
        memo = self._memo
        if key in memo:
            return memo[key]
        latest = self._latest(rows)
        by_slug: dict[str, list[dict]] = {}
        for r in rows:
            by_slug.setdefault(r["slug"], []).append(r)
        offices = []
        for slug in latest:
            versions = []
            for w in weeks:
                r = self._in_force(by_slug[slug], slug, w)
                if r is not None and r not in versions:
                    versions.append(r)
            if not versions:
                continue
            newest = versions[-1]
            shown = set()
            for r in versions:
                for wt in r["doc"]["work_types"]:
                    for a in wt["activities"]:
                        if not a.get("retired") or retired:
                            shown.add(a["id"])
            shown |= {a for s, a in keep if s == slug}
            doc = newest["doc"]
            for r in versions[:-1]:  # activities an older version had and the newest lost: kept retired
                doc = carry_removed(r["doc"], doc)
            offices.append(office_from_document(doc, source=f"v{newest['version']}", keep=shown))
        catalog = Catalog(tuple(sorted(offices, key=lambda o: (o.order, o.slug))))
        if len(memo) < 256:
            memo[key] = catalog
        return catalog

    def current(self) -> Catalog:
        """The layout of the current ISO week (per the app clock): the forms' catalog today."""
        week = Period.week_of(self.clock.today())
        return self.catalog_for(week.start, week.end)

    def week_catalog(self, day: date) -> Catalog:
        """The layout of ``day``'s ISO week (a day's form)."""
        week = Period.week_of(day)
        return self.catalog_for(week.start, week.end)

    def known(self) -> Catalog:
        """Every office's latest version, retired activities included, and
        offices effective later too: for accounts, labels of any row and the
        store's worksheets; never for a form (see week_catalog)."""
        rows = self._fresh()
        memo = self._memo
        if "known" not in memo:
            memo["known"] = Catalog(tuple(sorted((office_from_document(r["doc"], source=f"v{r['version']}",
                                                                       keep=_all_ids(r["doc"]))
                                                  for r in self._latest(rows).values()),
                                                 key=lambda o: (o.order, o.slug))))
        return memo["known"]

    @property
    def live(self) -> "LiveCatalog":
        """known(), read afresh at each use: what the store is given."""
        return LiveCatalog(self)

    # -- publishing --------------------------------------------------------------

    def check(self, doc, *, base: int | None = None, ids_with_rows: Iterable[str] | None = None,
              office: str | None = None) -> list[Problem]:
        """What publish would refuse, without publishing: check_document
        against the other offices' latest documents and, when ``base`` is
        given, the edited office's latest version. ``office``: the slug of
        the office being edited (default: the document's own)."""
        slug = doc.get("slug") if isinstance(doc, dict) else None
        key = office or slug
        latest = self._latest(self._fresh())
        previous = latest[key]["doc"] if isinstance(key, str) and key in latest and base is not None else None
        others = [r["doc"] for s, r in latest.items() if s != key]
        if ids_with_rows is None:
            ids_with_rows = self.rows_of(key) if (self.rows_of and previous is not None) else set()
        return check_document(doc, others=others, ids_with_rows=set(ids_with_rows), previous=previous)

    def publish(self, doc: dict, *, effective: str | None = None, by: str, base: int | None,
                ids_with_rows: Iterable[str] | None = None, office: str | None = None) -> VersionInfo:
        """Publish ``doc`` as the office's next version, applying from the ISO
        week ``effective`` (default: the current week). ``base``: the version
        the author edited (None: a new office). Raises CatalogInvalid (the
        problems, from check_document) or CatalogConflict when ``base`` is not
        the latest version (or a new office's slug exists); a malformed
        ``effective`` is a CatalogInvalid with the path "effective".
        Activities of the previous version missing from ``doc`` are kept as
        retired. ``office``: the slug of the office edited (default: the
        document's own; a published office's slug never changes)."""
        try:
            effective = parse_week(effective) if effective else week_of(self.clock.today())
        except ValueError as exc:
            raise CatalogInvalid([Problem("effective", str(exc))]) from None
        slug = office or (doc.get("slug") if isinstance(doc, dict) else None)
        rows_ids = None
        if ids_with_rows is not None:
            rows_ids = set(ids_with_rows)
        elif self.rows_of and isinstance(slug, str) and base is not None:
            rows_ids = set(self.rows_of(slug))  # read before the transaction: the store may be slow
        self._invalidate()
        with self.state.transaction() as con:
            rows = [dict(r) for r in con.execute("SELECT * FROM catalog_versions WHERE slug=? ORDER BY version",
                                                 (slug if isinstance(slug, str) else "",))]
            current = rows[-1] if rows else None
            if current is not None and (base is None or base != current["version"]):
                old = json.loads(next((r["document"] for r in rows if r["version"] == base), "null")) if base else None
                changes = diff_documents(normalize_document(old) if old else None, json.loads(current["document"]))
                raise CatalogConflict(self._info(current), changes)
            if current is None and base is not None:
                raise CatalogInvalid([Problem("slug", f"Biroul „{slug}” nu există; un birou nou se publică fără versiune de bază.")])
            others = [json.loads(r["document"]) for r in con.execute(
                "SELECT c.document FROM catalog_versions c JOIN (SELECT slug, max(version) v FROM catalog_versions "
                "GROUP BY slug) m ON c.slug=m.slug AND c.version=m.v WHERE c.slug<>?", (slug or "",))]
            previous = json.loads(current["document"]) if current else None
            problems = check_document(doc, others=others, ids_with_rows=rows_ids or set(), previous=previous)
            if problems:
                raise CatalogInvalid(problems)
            stored = carry_removed(previous, normalize_document(doc))
            version = current["version"] + 1 if current else 1
            at = self.clock.iso()
            cur = con.execute(
                "INSERT INTO catalog_versions (slug, version, title, effective, document, published_by, published_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (stored["slug"], version, stored["title"], effective, json.dumps(stored, ensure_ascii=False),
                 by, at))
            new_id = cur.lastrowid
        self._invalidate()
        return VersionInfo(stored["slug"], stored["title"], version, effective, by, at, new_id)

    def seed(self, folder: str | Path) -> bool:
        """An empty instance gets every office of ``folder`` (forms/*.yaml) as
        version 1, effective from FIRST_WEEK, published by "seed"; False (and
        nothing read) when versions exist. Safe when several workers start at once."""
        with self.state.connect() as con:
            if con.execute("SELECT 1 FROM catalog_versions LIMIT 1").fetchone():
                return False
        docs = load_documents(folder)  # a broken file stops start-up here, naming file and field
        at = self.clock.iso()
        with self.state.transaction() as con:
            if con.execute("SELECT 1 FROM catalog_versions LIMIT 1").fetchone():
                return False
            for _, doc in docs:
                con.execute(
                    "INSERT INTO catalog_versions (slug, version, title, effective, document, published_by, "
                    "published_at) VALUES (?, 1, ?, ?, ?, 'seed', ?)",
                    (doc["slug"], doc["title"], FIRST_WEEK, json.dumps(doc, ensure_ascii=False), at))
        self._invalidate()
        return True


class LiveCatalog:
    """A Catalog-like view of every office's latest version, read afresh at
    each use: for what is not about one period (user accounts, the store's
    worksheets). Pages of a period ask ``catalog_for`` instead."""

    def __init__(self, versions: CatalogVersions):
        self._versions = versions

    @property
    def offices(self):
        return self._versions.known().offices

    @property
    def slugs(self):
        return self._versions.known().slugs

    def office(self, slug: str):
        return self._versions.known().office(slug)

    def former_titles(self, slug: str) -> list[str]:
        """The office's earlier titles, newest first (its worksheet may still have one)."""
        return self._versions.former_titles(slug)

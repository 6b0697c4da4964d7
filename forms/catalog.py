"""The catalog: offices, their work types and activities, loaded from YAML.

The catalog is data. One ``*.yaml`` file per office lives in a catalog folder
(``forms/`` by default); adding an activity or an office is editing or adding
a file. Everything downstream (entry forms, stored rows, reports) is driven
by the objects built here, which are immutable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

#: Counter keys, in report column order, and their Romanian column titles.
COUNTERS: dict[str, str] = {
    "lucrari": "Nr. lucrări",
    "documente": "Nr. documente produse",
}
KINDS = ("counts", "daily", "breakdown")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

#: Words the app's own pages use where an office slug goes (/data/<slug>,
#: /entry/<slug>): an office named so would have an unreachable table.
#: tests/test_catalog.py checks this list against the app's routes.
RESERVED_SLUGS = frozenset({"problems", "outbox"})


class CatalogError(Exception):
    """A catalog file is broken; the message names the file and the field."""


@dataclass(frozen=True)
class Part:
    """One channel of a breakdown activity, e.g. phone calls."""

    key: str
    label: str  # form label
    singular: str  # "discuție telefonică"
    plural: str  # "discuții telefonice"

    def phrase(self, n: int) -> str:
        """"- 73 discuții telefonice" / "- 1 scrisă" as the document prints it."""
        return f"- {n} {self.singular if n == 1 else self.plural}"


@dataclass(frozen=True)
class Activity:
    id: str
    label: str
    text: str
    counters: tuple[str, ...]
    kind: str = "counts"
    parts: tuple[Part, ...] = ()

    @property
    def help(self) -> str:
        """The long text, shown as help when it says more than the label."""
        return self.text if self.text.strip() != self.label.strip() else ""


@dataclass(frozen=True)
class WorkType:
    title: str
    activities: tuple[Activity, ...]


@dataclass(frozen=True)
class Office:
    slug: str
    title: str
    work_types: tuple[WorkType, ...]
    source: str = ""
    order: int = 100  # offices are listed by (order, file name)

    @property
    def activities(self) -> tuple[Activity, ...]:
        return tuple(a for wt in self.work_types for a in wt.activities)

    def activity(self, activity_id: str) -> Activity | None:
        return self._by_id.get(activity_id)

    @cached_property
    def _by_id(self) -> dict[str, Activity]:
        return {a.id: a for a in self.activities}


@dataclass(frozen=True)
class Catalog:
    offices: tuple[Office, ...] = field(default_factory=tuple)

    def office(self, slug: str) -> Office | None:
        return next((o for o in self.offices if o.slug == slug), None)

    @property
    def slugs(self) -> tuple[str, ...]:
        return tuple(o.slug for o in self.offices)


# -- loading and validation -------------------------------------------------

#: an office's title names its worksheet: Google allows at most 100 characters
MAX_TITLE_CHARS = 100


class _Reader:
    """Reads one parsed YAML document, naming file and field in every error."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, message: str) -> CatalogError:
        return CatalogError(f"{self.source}: {where}: {message}")

    def text(self, node: dict, key: str, where: str, default: str | None = None) -> str:
        value = node.get(key, default)
        if value is None:
            raise self.fail(f"{where}.{key}", "missing field")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise self.fail(f"{where}.{key}", "must be text")
        value = " ".join(str(value).split())
        if not value:
            raise self.fail(f"{where}.{key}", "must not be empty")
        return value

    def items(self, node: dict, key: str, where: str) -> list:
        value = node.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail(f"{where}.{key}", "missing field or not a non-empty list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.fail(f"{where}.{key}[{i}]", "must be a mapping")
        return value

    def office(self, doc) -> Office:
        if not isinstance(doc, dict):
            raise self.fail("document", "must be a mapping with slug, title, work_types")
        slug = self.text(doc, "slug", "office")
        if not _ID_RE.match(slug):
            raise self.fail("office.slug", f"{slug!r} must be lowercase letters, digits, '-'")
        if slug in RESERVED_SLUGS:
            raise self.fail("office.slug", f"{slug!r} is the address of one of the app's pages "
                                           f"(/data/{slug}); reserved: {', '.join(sorted(RESERVED_SLUGS))}")
        title = self.text(doc, "title", "office")
        if len(title) > MAX_TITLE_CHARS:
            # the office's worksheet has this title; Google refuses longer ones (400)
            raise self.fail("office.title", f"titlul are {len(title)} de caractere; Google Sheets acceptă "
                                            f"pentru numele unei foi cel mult {MAX_TITLE_CHARS}")
        seen: set[str] = set()
        work_types = []
        for i, wt in enumerate(self.items(doc, "work_types", "office")):
            where = f"work_types[{i}]"
            acts = tuple(
                self.activity(a, f"{where}.activities[{j}]", seen)
                for j, a in enumerate(self.items(wt, "activities", where))
            )
            work_types.append(WorkType(self.text(wt, "title", where), acts))
        order = doc.get("order", 100)
        if not isinstance(order, int) or isinstance(order, bool):
            raise self.fail("office.order", "must be a whole number")
        return Office(slug, title, tuple(work_types), self.source, order)

    def activity(self, node: dict, where: str, seen: set[str]) -> Activity:
        aid = self.text(node, "id", where)
        if not _ID_RE.match(aid):
            raise self.fail(f"{where}.id", f"{aid!r} must be lowercase letters, digits, '-'")
        if aid in seen:
            raise self.fail(f"{where}.id", f"duplicate id {aid!r}")
        seen.add(aid)
        kind = self.text(node, "kind", where, default="counts")
        if kind not in KINDS:
            raise self.fail(f"{where}.kind", f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        counters = node.get("counters")
        if not isinstance(counters, list) or not counters:
            raise self.fail(f"{where}.counters", "missing field or empty list (lucrari, documente)")
        for c in counters:
            if c not in COUNTERS:
                raise self.fail(f"{where}.counters", f"unknown counter {c!r} (expected lucrari, documente)")
        if len(set(counters)) != len(counters):
            raise self.fail(f"{where}.counters", "a counter is listed twice")
        ordered = tuple(c for c in COUNTERS if c in counters)
        parts: tuple[Part, ...] = ()
        if kind == "breakdown":
            if len(ordered) != 1:
                raise self.fail(f"{where}.counters", "a breakdown sits in exactly one counter column")
            parts = tuple(self.part(p, f"{where}.parts[{k}]") for k, p in enumerate(self.items(node, "parts", where)))
            if len({p.key for p in parts}) != len(parts):
                raise self.fail(f"{where}.parts", "duplicate part key")
        elif "parts" in node:
            raise self.fail(f"{where}.parts", "only a breakdown activity has parts")
        label = self.text(node, "label", where)
        text = self.text(node, "text", where, default=label)
        return Activity(aid, label, text, ordered, kind, parts)

    def part(self, node: dict, where: str) -> Part:
        key = self.text(node, "key", where)
        if not _ID_RE.match(key):
            raise self.fail(f"{where}.key", f"{key!r} must be lowercase letters, digits, '-'")
        plural = self.text(node, "plural", where)
        return Part(
            key=key,
            label=self.text(node, "label", where, default=plural.capitalize()),
            singular=self.text(node, "singular", where),
            plural=plural,
        )


def load_office(path: Path) -> Office:
    reader = _Reader(path.name)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "document"
        raise reader.fail(where, f"bad YAML ({getattr(exc, 'problem', None) or exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise reader.fail("file", f"cannot be read ({exc})") from None
    return reader.office(doc)


def load_catalog(folder: str | Path) -> Catalog:
    """Load every ``*.yaml`` office file of ``folder``, sorted by file name."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogError(f"{folder}: no *.yaml office files found")
    offices = sorted((load_office(p) for p in files), key=lambda o: o.order)
    slugs: dict[str, str] = {}
    for office in offices:
        if office.slug in slugs:
            raise CatalogError(
                f"{office.source}: office.slug: duplicate slug {office.slug!r} (also in {slugs[office.slug]})"
            )
        slugs[office.slug] = office.source
    titles: dict[str, str] = {}
    for office in offices:
        key = office.title.casefold()  # Google: worksheet titles are unique ignoring case
        if key in titles:
            raise CatalogError(
                f"{office.source}: office.title: titlul {office.title!r} este același (ignorând majusculele) cu "
                f"al biroului din {titles[key]}; fiecare birou are propria foaie, cu un nume diferit")
        titles[key] = office.source
    return Catalog(tuple(offices))

"""Drafts of the catalog editor: an admin's unpublished office document.

A table of the instance folder's state database (``instance/app.sqlite3``),
one row per draft: whose it is, which office it edits (``slug``; "" for an
office not yet published), the YAML-shaped document as JSON, the version it
started from (``base``) and a revision that each save increments (a page
posted from a stale tab is refused instead of overwriting newer edits).
Drafts live until they are published or discarded: hours, days.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from domain.clock import Clock
from sheets.sqlite import SQLiteFile

SCHEMA = """
CREATE TABLE IF NOT EXISTS catalog_drafts (
    id       INTEGER PRIMARY KEY,
    admin    TEXT NOT NULL COLLATE NOCASE,
    slug     TEXT NOT NULL DEFAULT '',
    doc      TEXT NOT NULL,
    base     INTEGER,
    rev      INTEGER NOT NULL DEFAULT 1,
    created  TEXT NOT NULL,
    updated  TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS catalog_drafts_office ON catalog_drafts (admin, slug) WHERE slug != '';
-- the highest draft id ever given: a published or discarded draft's id (in an
-- open tab's address) is never given to another draft
CREATE TABLE IF NOT EXISTS catalog_draft_ids (one INTEGER PRIMARY KEY CHECK (one = 1), last INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class Draft:
    id: int
    admin: str
    slug: str  # the published office it edits; "" for a new office
    doc: dict
    base: int | None  # the version it started from (None: a new office)
    rev: int
    created: str
    updated: str

    @property
    def is_new(self) -> bool:
        return not self.slug


class StaleDraft(Exception):
    """The draft changed since the page that posted was shown."""


class DraftStore(SQLiteFile):
    def __init__(self, path: str | Path, clock: Clock | None = None):
        super().__init__(path, SCHEMA)
        self.clock = clock or Clock()

    @staticmethod
    def _draft(r) -> Draft:
        return Draft(r["id"], r["admin"], r["slug"], json.loads(r["doc"]), r["base"], r["rev"], r["created"],
                     r["updated"])

    def get(self, draft_id: int) -> Draft | None:
        with self.connect() as con:
            r = con.execute("SELECT * FROM catalog_drafts WHERE id=?", (draft_id,)).fetchone()
        return self._draft(r) if r else None

    def of(self, admin: str) -> list[Draft]:
        with self.connect() as con:
            return [self._draft(r) for r in con.execute(
                "SELECT * FROM catalog_drafts WHERE admin=? ORDER BY updated DESC, id DESC", (admin,))]

    def find(self, admin: str, slug: str) -> Draft | None:
        with self.connect() as con:
            r = con.execute("SELECT * FROM catalog_drafts WHERE admin=? AND slug=?", (admin, slug)).fetchone()
        return self._draft(r) if r else None

    def others(self, slug: str, admin: str) -> list[Draft]:
        """Other admins' drafts of office ``slug``."""
        if not slug:
            return []
        with self.connect() as con:
            return [self._draft(r) for r in con.execute(
                "SELECT * FROM catalog_drafts WHERE slug=? AND admin<>? ORDER BY updated DESC", (slug, admin))]

    def open(self, admin: str, slug: str, doc: dict, base: int | None) -> Draft:
        """The admin's draft of office ``slug``, created from ``doc`` when
        there is none; a new office's draft when ``slug`` is ""."""
        now = self.clock.iso()
        with self.transaction() as con:
            if slug:
                r = con.execute("SELECT id FROM catalog_drafts WHERE admin=? AND slug=?", (admin, slug)).fetchone()
                if r:
                    draft_id = r["id"]
                    return self._get(con, draft_id)
            last = con.execute("SELECT last FROM catalog_draft_ids").fetchone()
            top = con.execute("SELECT max(id) FROM catalog_drafts").fetchone()[0]
            draft_id = max(last[0] if last else 0, top or 0) + 1
            con.execute("INSERT OR REPLACE INTO catalog_draft_ids (one, last) VALUES (1, ?)", (draft_id,))
            con.execute(
                "INSERT INTO catalog_drafts (id, admin, slug, doc, base, created, updated) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (draft_id, admin, slug, json.dumps(doc, ensure_ascii=False), base, now, now))
            return self._get(con, draft_id)

    def _get(self, con, draft_id: int) -> Draft:
        return self._draft(con.execute("SELECT * FROM catalog_drafts WHERE id=?", (draft_id,)).fetchone())

    def save(self, draft_id: int, doc: dict, *, rev: int | None = None, base: int | None | bool = False) -> Draft:
        """Store ``doc`` (and a new ``base`` when given); with ``rev``, only
        if the draft is still at that revision (else StaleDraft)."""
        now = self.clock.iso()
        with self.transaction() as con:
            current = self._get(con, draft_id)
            if rev is not None and current.rev != rev:
                raise StaleDraft(draft_id)
            new_base = current.base if base is False else base
            con.execute("UPDATE catalog_drafts SET doc=?, base=?, rev=rev+1, updated=? WHERE id=?",
                        (json.dumps(doc, ensure_ascii=False), new_base, now, draft_id))
            return self._get(con, draft_id)

    def delete(self, draft_id: int) -> None:
        with self.transaction() as con:
            con.execute("DELETE FROM catalog_drafts WHERE id=?", (draft_id,))

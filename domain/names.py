"""User names that cannot pass for one another.

A name is NFC-normalised (so "Ștefan" typed as S+comma below and as the one
letter Ș is the same name) and compared by its *skeleton*: case folded,
decomposed (NFD), and every character replaced by one representative of the
characters Unicode lists as confusable with it (Unicode's confusables data,
as shipped by the ``confusable-homoglyphs`` package). Cyrillic "а" and Latin
"a", "0" and "o", "ş" (cedilla) and "ș" (comma below) share a skeleton.
A name mixing scripts (Latin with Cyrillic or Greek, ...) is refused outright.
"""
from __future__ import annotations

import json
import unicodedata
from functools import lru_cache
from pathlib import Path


def normal(name: str) -> str:
    """The stored form of a typed name: NFC, without surrounding spaces."""
    return unicodedata.normalize("NFC", (name or "").strip())


@lru_cache(maxsize=1)
def _representatives() -> dict[str, str]:
    """Character -> representative of its class of confusable characters
    (single code points only; the smallest ASCII member when there is one)."""
    import confusable_homoglyphs

    data = json.loads((Path(confusable_homoglyphs.__file__).parent / "confusables.json").read_text("utf-8"))
    parent: dict[str, str] = {}

    def find(c: str) -> str:
        while parent.get(c, c) != c:
            parent[c] = parent.get(parent[c], parent[c])
            c = parent[c]
        return c

    def better(a: str, b: str) -> str:
        return min(a, b, key=lambda c: (not c.isascii(), ord(c)))

    for char, glyphs in data.items():
        if len(char) != 1:
            continue
        for glyph in glyphs:
            other = glyph["c"]
            if len(other) != 1:
                continue
            a, b = find(char), find(other)
            if a != b:
                keep = better(a, b)
                parent[a] = parent[b] = keep
                parent[keep] = keep
    return {c: find(c) for c in parent}


def skeleton(name: str) -> str:
    reps = _representatives()
    folded = unicodedata.normalize("NFKD", normal(name).casefold())  # NFKD: full-width letters too
    return "".join(reps.get(c, c) for c in folded if unicodedata.category(c) != "Cf")


def scripts(name: str) -> set[str]:
    """The scripts of a name's letters (digits, '.', '-', '_' and marks have none)."""
    from confusable_homoglyphs import categories

    found = set()
    for c in normal(name):
        if unicodedata.category(c).startswith("M"):
            continue
        alias = categories.alias(c)
        if alias not in ("COMMON", "INHERITED"):
            found.add(alias)
    return found


def mixes_scripts(name: str) -> bool:
    return len(scripts(name)) > 1


def look_alike(name: str, others) -> str | None:
    """The first of ``others`` that ``name`` could pass for, or None."""
    mine = skeleton(name)
    return next((o for o in others if skeleton(o) == mine), None)

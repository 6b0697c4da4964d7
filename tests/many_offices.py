"""A catalog of many offices (copies of SERVICIUL PRESĂ under other slugs and
titles), for the tests of writes that must not grow with the offices."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT


def slug(k: int) -> str:
    return f"birou-{k:02d}"


def title(k: int) -> str:
    return f"BIROUL {k:02d} — SECTORUL {k % 6 + 1}"


def write_catalog(folder: Path, n: int) -> Path:
    """``folder`` holding ``n`` office files; returns it (CATALOG_DIR)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "forms" / "presa.yaml").read_text(encoding="utf-8")
    for k in range(1, n + 1):
        office = (text.replace("order: 1", f"order: {k}").replace("slug: presa", f"slug: {slug(k)}")
                  .replace("title: SERVICIUL PRESĂ", f"title: {title(k)}"))
        assert office != text
        (folder / f"{slug(k)}.yaml").write_text(office, encoding="utf-8")
    return folder

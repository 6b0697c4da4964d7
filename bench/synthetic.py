"""A synthetic catalog of N offices and a year of daily entry rows, written
straight into a local store's SQLite file (the app's own schema).

Shape per office (like the seed offices): 20 activities in 4 work types
(16 plain counts with one or two counters, 2 breakdowns of 2 parts, 2 daily
yes/no); 2 clerks who each fill ~8 of them on every working day. That is
~16 rows per office-day, ~4 000 rows per office-year: 100 offices x 1 year
~ 400 000 rows.
"""
from __future__ import annotations

import random
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import yaml

from domain.periods import working_days
from domain.rows import row_id_for
from sheets.local import LocalStore

ACTIVITIES = 20
ROWS_PER_CLERK_DAY = 8
CLERKS_PER_OFFICE = 2


def office_slug(i: int) -> str:
    return f"birou-{i:04d}"


def write_catalog(folder: Path, offices: int) -> Path:
    """``offices`` YAML office files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(offices):
        work_types = []
        n = 0
        for w in range(4):
            acts = []
            for a in range(5):
                aid = f"a{n:02d}"
                if n in (4, 9):
                    acts.append({"id": aid, "label": f"Activitatea {n} pe canale", "counters": ["lucrari"],
                                 "kind": "breakdown", "parts": [
                                     {"key": "telefonice", "singular": "discuție telefonică",
                                      "plural": "discuții telefonice"},
                                     {"key": "scrise", "singular": "scrisă", "plural": "scrise"}]})
                elif n in (14, 19):
                    acts.append({"id": aid, "label": f"Monitorizare {n}", "counters": ["lucrari"], "kind": "daily"})
                else:
                    counters = ["lucrari", "documente"] if n % 3 else ["documente"]
                    acts.append({"id": aid, "label": f"Activitatea {n}",
                                 "text": f"Activitatea {n} a biroului {i}: descrierea lungă a procedurii, "
                                         "așa cum apare în raportul săptămânal al biroului.",
                                 "counters": counters})
                n += 1
            work_types.append({"title": f"Lucrări specifice {w + 1}", "activities": acts})
        doc = {"slug": office_slug(i), "title": f"BIROUL {i:04d}", "order": i, "work_types": work_types}
        (folder / f"{office_slug(i)}.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return folder


def rows_for(offices: int, start: date, end: date, seed: int = 6):
    """The entry rows (tuples in the store's column order) of ``offices``
    offices over the working days start..end."""
    rnd = random.Random(seed)
    stamp = datetime(2025, 1, 1, tzinfo=timezone.utc).isoformat(timespec="seconds")
    days = working_days(start, end)
    ids = [f"a{n:02d}" for n in range(ACTIVITIES)]
    for i in range(offices):
        slug = office_slug(i)
        clerks = [f"{slug}-functionar{c}" for c in range(CLERKS_PER_OFFICE)]
        for d in days:
            iso = d.isoformat()
            for clerk in clerks:
                for aid in rnd.sample(ids, ROWS_PER_CLERK_DAY):
                    n = int(aid[1:])
                    if n in (4, 9):
                        part = "telefonice" if rnd.random() < 0.8 else "scrise"
                        values = (rnd.randint(1, 80), None)
                    elif n in (14, 19):
                        part, values = "", (1, None)
                    else:
                        part = ""
                        values = (rnd.randint(0, 40) if n % 3 else None, rnd.randint(0, 40))
                    yield (row_id_for(slug, d, aid, part, clerk), slug, iso, aid, part, clerk, *values, "", stamp,
                           "", "")


def write_rows(db: Path, offices: int, start: date, end: date) -> int:
    """A local store at ``db`` holding the synthetic rows; returns their count."""
    LocalStore(db)  # the schema
    con = sqlite3.connect(db)
    try:
        con.execute("PRAGMA synchronous=OFF")
        n = 0
        batch = []
        for row in rows_for(offices, start, end):
            batch.append(row)
            if len(batch) == 50_000:
                con.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
                n += len(batch)
                batch = []
        con.executemany("INSERT INTO rows VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", batch)
        n += len(batch)
        con.commit()
        con.execute("ANALYZE")
    finally:
        con.close()
    return n

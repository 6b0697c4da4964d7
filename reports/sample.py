"""Sample entry rows that reproduce the figures of the reference document
(shared/seed/README.md), spread over the days of a period and two clerks per
office. Used by the tests and handy as demo data."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Sequence

from forms.catalog import Catalog
from sheets.base import Row

from .periods import TIMEZONE

#: activity id -> (Nr. lucrări, Nr. documente produse) of the document's week;
#: a breakdown activity maps to {part key: number}; a daily one to "daily".
SEED_FIGURES: dict[str, dict[str, object]] = {
    "presa": {
        "l544-studiere": (12, None),
        "l544-verificare": (12, None),
        "l544-instiintare-solicitant": (None, 12),
        "l544-inaintare-directii": (None, 14),
        "l544-prelungire-petent": (None, 7),
        "l544-prelungire-directii": (None, 7),
        "l544-raspunsuri": (None, 4),
        "solicitari-presa": {"telefonice": 73, "scrise": 1},
        "comunicate-informatii": (5, 5),
        "comunicate-mass-media": (5, 5),
        "comunicate-site": (5, 5),
        "comunicate-city-care": (5, 5),
        "conferinta-tema": (1, 1),
        "conferinta-invitatie": (1, 1),
        "monitorizare-presa": "daily",
        "fise-post": (None, 2),
        "fise-post-anexe": (None, 2),
        "adrese-email": (7, None),
        "site-adrese": (4, None),
        "site-editare": (4, 4),
        "sedinte-consiliu": (1, None),
        "posta-electronica": (277, 277),
        "aplicatie-i-love-s3": (107, 107),
    },
    "consiliere": {
        "brp-petenti": (3030, 1510),
        "brp-inregistrare": (1510, 1510),
        "brp-eliberare": (78, 78),
        "brp-audiente": (3, 3),
        "posta-primita": (1304, 1304),
        "posta-expediata": (412, 412),
        "posta-confirmari": (200, 200),
        "posta-faxuri": (23, 23),
        "centrala-telefonica": (540, None),
        "petitii-centralizate": (22, 22),
        "petitii-redirectionate": (5, 5),
    },
}
SEED_CLERKS: dict[str, tuple[str, str]] = {
    "presa": ("Ana Popescu", "Mihai Ionescu"),
    "consiliere": ("Elena Dumitrescu", "Ștefan Rădulescu"),
}


def split(total: int | None, parts: int) -> list[int | None]:
    """``total`` spread over ``parts`` days, the remainder on the first days."""
    if total is None:
        return [None] * parts
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def seed_rows(catalog: Catalog, days: Sequence[date]) -> list[Row]:
    """Rows giving the document's figures over ``days`` (e.g. the working
    days of a week): each figure is split over the days, the days alternate
    between the office's two clerks, and the daily activity is done on every
    one of ``days``."""
    rows: list[Row] = []
    n = len(days)
    for slug, figures in SEED_FIGURES.items():
        office = catalog.office(slug)
        if office is None:
            continue
        clerks = SEED_CLERKS[slug]
        for k, activity in enumerate(office.activities):
            figure = figures.get(activity.id)
            if figure is None:
                continue
            if figure == "daily":
                items = [("", [1] * n, [None] * n)]
            elif isinstance(figure, dict):
                (counter,) = activity.counters
                items = [
                    (part, *((split(v, n), [None] * n) if counter == "lucrari" else ([None] * n, split(v, n))))
                    for part, v in figure.items()
                ]
            else:
                items = [("", split(figure[0], n), split(figure[1], n))]
            for part, lucrari, documente in items:
                for i, day in enumerate(days):
                    if not (lucrari[i] or documente[i]):
                        continue
                    entered = datetime.combine(day, time(15, 30), TIMEZONE)
                    rows.append(
                        Row(
                            office=slug,
                            day=day,
                            activity=activity.id,
                            clerk=clerks[(i + k) % 2],
                            lucrari=lucrari[i],
                            documente=documente[i],
                            part=part,
                            entered_at=entered.isoformat(timespec="seconds"),
                        )
                    )
    return rows

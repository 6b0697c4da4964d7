"""The daily entry form of an office, generated from its catalog entry.

One field per (activity, counter), per breakdown part, or one checkbox per
daily activity. Validation messages are Romanian and sit next to their field;
a form with any error saves nothing.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date

from wtforms import BooleanField, Field, HiddenField, StringField
from wtforms.validators import ValidationError

from domain.rows import Row, row_id_for
from domain.saving import COUNTERS as STORED_COUNTERS
from domain.saving import Entry, FieldKey

from .base import TextForm
from .catalog import COUNTERS, Activity, Office

MAX_COUNT = 100_000
MAX_SHOWN = 64 * 1024  # characters of the hidden "shown" field (a form of 200 inputs needs ~8 KB)
_INT_RE = re.compile(r"^[0-9]+$")
NOT_A_NUMBER = "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."
REPEATED = "Câmpul a fost trimis de mai multe ori; trimiteți formularul din nou."
NOT_A_TICK = "Bifa a primit o valoare pe care formularul nu o trimite; trimiteți formularul din nou."


def parse_count(raw: str | None) -> int | None:
    """A clerk's count: blank -> None; else a whole number 0..MAX_COUNT.

    Raises ValidationError with a Romanian message otherwise.
    """
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValidationError(NOT_A_NUMBER)
    text = raw.strip()
    if not text:
        return None
    if text.startswith("-") and _INT_RE.match(text[1:].strip()):
        raise ValidationError("Numărul nu poate fi negativ.")
    if not _INT_RE.match(text):
        raise ValidationError(NOT_A_NUMBER)
    # Digits are counted before int(): past 4300 digits int() raises ValueError.
    if len(text.lstrip("0")) > len(str(MAX_COUNT)) or int(text) > MAX_COUNT:
        raise ValidationError(f"Valoarea este prea mare: cel mult {MAX_COUNT:,}.".replace(",", " "))
    return int(text)


class CountField(StringField):
    """A text input with ``inputmode=numeric``; we parse, not the browser."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "numeric", "autocomplete": "off", "size": 6})
        super().__init__(*args, **kwargs)
        self.number: int | None = None

    def process_formdata(self, valuelist):
        if len(valuelist) > 1:
            self.data = valuelist[0]
            raise ValueError(REPEATED)
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if self.process_errors:
            return  # a repeated field: refused, not parsed
        self.number = parse_count(self.data)


class DoneField(BooleanField):
    """The daily checkbox: ticked, a browser sends its own value ("y");
    unticked, nothing. Any other value ("0", "no", "off" …) is refused, not
    read as "done"."""

    OWN_VALUE = "y"

    def process_formdata(self, valuelist):
        self.data = False
        if not valuelist:
            return
        if len(valuelist) > 1:
            raise ValueError(REPEATED)
        if valuelist[0] != self.OWN_VALUE:
            raise ValueError(NOT_A_TICK)
        self.data = True


@dataclass(frozen=True)
class Slot:
    """One input of the form: which activity, which counter or part."""

    name: str
    activity: Activity
    counter: str  # "lucrari" | "documente" | "done"
    part: str = ""
    label: str = ""  # short label shown next to the input


def field_name(activity_id: str, key: str) -> str:
    return f"{activity_id}__{key}"


def slots(office: Office) -> list[Slot]:
    result = []
    for act in office.activities:
        if act.kind == "daily":
            result.append(Slot(field_name(act.id, "done"), act, "done", label="Realizat"))
        elif act.kind == "breakdown":
            for part in act.parts:
                result.append(Slot(field_name(act.id, part.key), act, act.counters[0], part.key, part.label))
        else:
            for counter in act.counters:
                result.append(Slot(field_name(act.id, counter), act, counter, label=COUNTERS[counter]))
    return result


@lru_cache(maxsize=256)
def form_class(office: Office) -> type:
    """A FlaskForm subclass for ``office``, built once per layout: offices are
    frozen values, so a republished version that changed nothing reuses its
    class, a changed one (or an editor's draft) gets its own, and the cache
    stays bounded however many versions are published."""
    attrs: dict[str, Field] = {}
    for slot in slots(office):
        full_label = f"{slot.activity.label} — {slot.label}"
        if slot.counter == "done":
            attrs[slot.name] = DoneField(full_label)
        else:
            attrs[slot.name] = CountField(full_label)
    attrs["shown"] = HiddenField()
    attrs["slots"] = slots(office)
    return type(f"EntryForm_{office.slug}", (TextForm,), attrs)


def rows_from_form(form, office: Office, day: date, clerk: str) -> list[Row]:
    """The rows a validated form describes; blank inputs make no row."""
    by_activity: dict[str, dict] = {}
    rows: list[Row] = []
    for slot in form.slots:
        field = form[slot.name]
        if slot.counter == "done":
            if field.data:
                rows.append(Row(office.slug, day, slot.activity.id, clerk, lucrari=1))
        elif slot.part:
            if field.number is not None:
                rows.append(Row(office.slug, day, slot.activity.id, clerk, part=slot.part, **{slot.counter: field.number}))
        elif field.number is not None:
            by_activity.setdefault(slot.activity.id, {})[slot.counter] = field.number
    for act_id, counts in by_activity.items():
        rows.append(Row(office.slug, day, act_id, clerk, **counts))
    order = {a.id: i for i, a in enumerate(office.activities)}
    return sorted(rows, key=lambda r: (order[r.activity], r.part))


def field_key(slot: Slot) -> FieldKey:
    """The stored figure an input stands for: a daily checkbox is Nr. lucrări 1."""
    return (slot.activity.id, slot.part, "lucrari" if slot.counter == "done" else slot.counter)


def own_rows(office: Office, rows: list[Row], day: date, clerk: str) -> list[Row]:
    """The rows a clerk's form shows: the clerk's own, by their ids (rows a
    person added by hand, under another id, are not the form's)."""
    return [r for r in rows if r.office == office.slug and r.day == day
            and r.row_id == row_id_for(office.slug, day, r.activity, r.part, clerk)]


def shown_values(form, rows: list[Row]) -> str:
    """What the form shows of ``rows``, as JSON for its hidden ``shown``
    field: {input name: figure or null}. A save checks it against the store."""
    by_key = {}
    for row in rows:
        for counter in STORED_COUNTERS:
            by_key[(row.activity, row.part, counter)] = getattr(row, counter)
    return json.dumps({slot.name: by_key.get(field_key(slot)) for slot in form.slots}, separators=(",", ":"))


def entry_from_form(form, office: Office, day: date, clerk: str) -> Entry:
    """The day a validated form describes: every input's figure (blank: None)
    and, when the form carried it, what it showed."""
    values: dict[FieldKey, int | None] = {}
    for slot in form.slots:
        field = form[slot.name]
        values[field_key(slot)] = (1 if field.data else None) if slot.counter == "done" else field.number
    # A form that says nothing of what it showed (or says it unreadably)
    # showed an empty day: any figure stored meanwhile is then a conflict.
    raw = form.shown.data or ""
    try:
        shown = json.loads(raw) if len(raw) <= MAX_SHOWN else {}
    except (ValueError, RecursionError):
        shown = {}
    shown = shown if isinstance(shown, dict) else {}
    base = {}
    for slot in form.slots:
        value = shown.get(slot.name)
        base[field_key(slot)] = value if isinstance(value, int) and not isinstance(value, bool) else None
    return Entry(office.slug, day, clerk, values, base)


def form_data_from_rows(office: Office, rows: list[Row]) -> dict:
    """Prefill values for a day already filled (inverse of rows_from_form)."""
    data: dict = {}
    for row in rows:
        act = office.activity(row.activity)
        if act is None:
            continue
        if act.kind == "daily":
            data[field_name(act.id, "done")] = bool(row.lucrari)
        elif act.kind == "breakdown":
            value = getattr(row, act.counters[0])
            if value is not None:
                data[field_name(act.id, row.part)] = str(value)
        else:
            for counter in act.counters:
                value = getattr(row, counter)
                if value is not None:
                    data[field_name(act.id, counter)] = str(value)
    return data

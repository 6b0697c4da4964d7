"""The daily entry form of an office, generated from its catalog entry.

One field per (activity, counter), per breakdown part, or one checkbox per
daily activity. Validation messages are Romanian and sit next to their field;
a form with any error saves nothing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from wtforms import BooleanField, Field, StringField
from wtforms.validators import ValidationError

from domain.rows import Row

from .base import TextForm
from .catalog import COUNTERS, Activity, Office

MAX_COUNT = 100_000
_INT_RE = re.compile(r"^[0-9]+$")
NOT_A_NUMBER = "Introduceți un număr întreg, fără zecimale sau alte semne (de ex. 12)."
REPEATED = "Câmpul a fost trimis de mai multe ori, cu valori diferite; trimiteți formularul din nou."


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
        if len(valuelist) > 1 and any(v != valuelist[0] for v in valuelist[1:]):
            self.data = valuelist[0]
            raise ValueError(REPEATED)
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        self.number = parse_count(self.data)


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


_FORM_CLASSES: dict[tuple[str, int], type] = {}


def form_class(office: Office) -> type:
    """A FlaskForm subclass for ``office`` (built once per catalog object)."""
    key = (office.slug, id(office))
    if key not in _FORM_CLASSES:
        attrs: dict[str, Field] = {}
        for slot in slots(office):
            full_label = f"{slot.activity.label} — {slot.label}"
            if slot.counter == "done":
                attrs[slot.name] = BooleanField(full_label)
            else:
                attrs[slot.name] = CountField(full_label)
        attrs["slots"] = slots(office)
        _FORM_CLASSES[key] = type(f"EntryForm_{office.slug}", (TextForm,), attrs)
    return _FORM_CLASSES[key]


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


def keep_unseen(rows: list[Row], saved: list[Row], office: Office) -> list[Row]:
    """``rows`` from the form, plus what the form cannot show of the clerk's
    saved day: supervisors' notes, values in counters an activity does not
    use, rows of activities no longer in the catalog. Saving a day again
    must not erase them (nor the "corectat de" mark of an unchanged row)."""
    before = {r.row_id: r for r in saved}
    kept = []
    for row in rows:
        old = before.get(row.row_id)
        if old is not None:
            act = office.activity(row.activity)
            hidden = {c: getattr(old, c) for c in COUNTERS if c not in act.counters}
            row = row.with_changes(note=old.note, **hidden)
        kept.append(row)
    shown = {s.activity.id for s in slots(office)}
    return kept + [r for r in saved if r.activity not in shown or (r.part and not any(
        p.key == r.part for p in office.activity(r.activity).parts))]


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

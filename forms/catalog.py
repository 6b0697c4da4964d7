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

from domain.names import mixes_scripts, skeleton
from domain.romanian import count_phrase

#: Counter keys, in report column order, and their Romanian column titles.
COUNTERS: dict[str, str] = {
    "lucrari": "Nr. lucrări",
    "documente": "Nr. documente produse",
}
KINDS = ("counts", "daily", "breakdown")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
#: An office's slug, an activity's id, a part's key: in addresses and form
#: field names, never shown as text; short enough to read in a URL.
MAX_ID_CHARS = 40

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


# -- the documents: one office as data, and THE rule set ---------------------
#
# An office's *document* is the parsed YAML form of one office file (and what
# the app stores per version, and what the web editor edits):
#
#   {"slug": ..., "title": ..., "order": 1, "work_types": [
#       {"title": ..., "activities": [
#           {"id": ..., "label": ..., "text": ..., "counters": ["lucrari"],
#            "kind": "counts" | "daily" | "breakdown",
#            "parts": [{"key", "label", "singular", "plural"}],   # breakdown only
#            "retired": true}]}]}                                  # optional
#
# A retired activity stays in the document (its id is never reused) and is
# left out of the forms of the weeks the document applies to.

#: an office's title names its worksheet: Google allows at most 100 characters
MAX_TITLE_CHARS = 100

#: the Romanian names of the kinds, for messages and the editor
KIND_NAMES: dict[str, str] = {"counts": "numărare", "daily": "zilnic, da/nu", "breakdown": "defalcată pe părți"}


@dataclass(frozen=True)
class Problem:
    """One broken rule: ``path`` names the field in the document, dotted with
    list indexes ("title", "work_types.0.activities.2.label"; "" for the
    whole document); ``message`` is Romanian, for the person who typed it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or 'document'}: {self.message}"


class CatalogInvalid(Exception):
    """A document breaks rules; ``problems`` lists each (path and message)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


#: „ş ţ” with a cedilla (old keyboards) -> „ș ț” with the comma below, as Romanian is written
CEDILLA_TO_COMMA = str.maketrans("şŞţŢ", "șȘțȚ")


def _clean(value) -> str | None:
    """Text with its whitespace collapsed and „ş ţ” written „ș ț”; None when
    not text (numbers count as text)."""
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return " ".join(str(value).split()).translate(CEDILLA_TO_COMMA)


def _hidden_character(value) -> str | None:
    """How the first character of ``value`` that cannot be seen or that
    reorders the text is named: a control character (tab and newline are
    whitespace, collapsed) or a format character (zero-width space, bidi
    override, byte-order mark, …). None when there is none. Such text would
    read differently in the form, the report, the XLSX and the worksheet."""
    import unicodedata

    if not isinstance(value, str):
        return None
    for c in value:
        if c in "\t\n\r":
            continue
        category = unicodedata.category(c)
        if category == "Cc":
            return f"caracter de control U+{ord(c):04X}"
        if category == "Cf":
            return f"caracter invizibil sau de direcție a textului U+{ord(c):04X}"
    return None


#: the longest printed texts (an XLSX cell holds at most 32767 characters;
#: the seed catalog's longest full text has under 800)
MAX_CHARS = {"title": 200, "label": 200, "text": 2000, "singular": 100, "plural": 100}


def _check_characters(doc: dict, bad) -> None:
    """Every text of the document that is printed (titles, labels, texts,
    the parts' words): no hidden characters."""

    def look(node, key: str, where: str) -> None:
        if isinstance(node, dict):
            value = node.get(key)
            found = _hidden_character(value)
            limit = MAX_CHARS[key] if where else MAX_TITLE_CHARS  # the office's title has its own rule
            if where and isinstance(value, str) and len(_clean(value) or "") > limit:
                bad(f"{where}{key}", f"Textul are {count_phrase(len(_clean(value)), 'caracter', 'caractere')}; "
                                     f"se acceptă cel mult {limit}.")
            elif found:
                bad(f"{where}{key}", f"Textul conține un {found}, care nu se vede sau schimbă ordinea textului; "
                                     f"ștergeți-l (tastați din nou textul).")

    look(doc, "title", "")
    for i, wt in enumerate(doc.get("work_types") if isinstance(doc.get("work_types"), list) else []):
        look(wt, "title", f"work_types.{i}.")
        acts = wt.get("activities") if isinstance(wt, dict) else None
        for j, act in enumerate(acts if isinstance(acts, list) else []):
            for key in ("label", "text"):
                look(act, key, f"work_types.{i}.activities.{j}.")
            parts = act.get("parts") if isinstance(act, dict) else None
            for k, part in enumerate(parts if isinstance(parts, list) else []):
                for key in ("label", "singular", "plural"):
                    look(part, key, f"work_types.{i}.activities.{j}.parts.{k}.")


def _activity_ids(doc) -> dict[str, str]:
    """id -> path of every activity of a (possibly broken) document."""
    out: dict[str, str] = {}
    if not isinstance(doc, dict) or not isinstance(doc.get("work_types"), list):
        return out
    for i, wt in enumerate(doc["work_types"]):
        if isinstance(wt, dict) and isinstance(wt.get("activities"), list):
            for j, act in enumerate(wt["activities"]):
                if isinstance(act, dict) and _clean(act.get("id")):
                    out.setdefault(_clean(act.get("id")), f"work_types.{i}.activities.{j}")
    return out


def _activity_at(doc, path: str) -> dict:
    _, i, _, j = path.split(".")
    return doc["work_types"][int(i)]["activities"][int(j)]


def check_document(doc, *, others=(), ids_with_rows=frozenset(), previous: dict | None = None) -> list[Problem]:
    """Every rule an office document breaks, in document order ([] = valid).

    THE one rule set: ``catalog check`` (files), ``catalog import`` and the
    web editor all call it. ``others``: the documents of the other offices
    (slug and title must differ, the title ignoring case: each office has its
    worksheet). ``ids_with_rows``: ids of this office's activities that have
    rows; with ``previous`` (the latest published version of this office),
    such an activity may not lose or change its id (retire it instead), and
    the office's slug may not change. Pure: no I/O."""
    problems: list[Problem] = []

    def bad(path: str, message: str) -> None:
        problems.append(Problem(path, message))

    if not isinstance(doc, dict):
        return [Problem("", "Documentul trebuie să descrie un birou: slug, title, work_types.")]

    slug = _clean(doc.get("slug"))
    if problem := _id_problem(slug, "Identificatorul", "Completați identificatorul biroului (slug), de ex. registratura."):
        bad("slug", problem)
    elif slug in RESERVED_SLUGS:
        bad("slug", f"Identificatorul „{slug}” este adresa unei pagini a aplicației (/data/{slug}); "
                    f"nu se pot folosi: {', '.join(sorted(RESERVED_SLUGS))}.")
    elif previous is not None and _clean(previous.get("slug")) != slug:
        bad("slug", f"Identificatorul unui birou publicat nu se schimbă (rândurile lui îl folosesc): "
                    f"rămâne „{_clean(previous.get('slug'))}”.")
    elif any(isinstance(o, dict) and _clean(o.get("slug")) == slug for o in others):
        bad("slug", f"Există deja un birou cu identificatorul „{slug}”.")

    title = _clean(doc.get("title"))
    if not title:
        bad("title", "Completați titlul biroului.")
    elif len(title) > MAX_TITLE_CHARS:
        # the office's worksheet has this title; Google refuses longer ones (400)
        bad("title", f"Titlul are {count_phrase(len(title), 'caracter', 'caractere')}; Google Sheets acceptă pentru numele unei foi "
                     f"cel mult {MAX_TITLE_CHARS}.")
    elif mixes_scripts(title):
        bad("title", f"Titlul „{title}” amestecă alfabete (de ex. litere chirilice printre cele latine): "
                     f"tastați-l din nou cu litere românești.")
    else:
        for other in others:
            other_title = _clean(other.get("title")) if isinstance(other, dict) else None
            if other_title and other_title.casefold() != title.casefold() and skeleton(other_title) == skeleton(title):
                bad("title", f"Titlul „{title}” arată la fel cu al biroului „{_clean(other.get('slug'))}” "
                             f"(„{other_title}”), deși are alte litere; alegeți un titlu care se deosebește la vedere.")
                break
            if isinstance(other, dict) and (_clean(other.get("title")) or "").casefold() == title.casefold():
                bad("title", f"Titlul „{title}” este același (ignorând majusculele) cu al biroului "
                             f"„{_clean(other.get('slug'))}”; fiecare birou are propria foaie, cu un nume diferit.")
                break

    order = doc.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        bad("order", "Ordinea în raport trebuie să fie un număr întreg.")

    work_types = doc.get("work_types")
    if not isinstance(work_types, list) or not work_types:
        bad("work_types", "Biroul trebuie să aibă cel puțin o lucrare specifică.")
        work_types = []
    seen: dict[str, str] = {}
    for i, wt in enumerate(work_types):
        where = f"work_types.{i}"
        if not isinstance(wt, dict):
            bad(where, "O lucrare specifică trebuie să aibă titlu și activități.")
            continue
        if not _clean(wt.get("title")):
            bad(f"{where}.title", "Completați titlul lucrării specifice.")
        acts = wt.get("activities")
        if not isinstance(acts, list) or not acts:
            bad(f"{where}.activities", "Lucrarea specifică trebuie să aibă cel puțin o activitate.")
            continue
        for j, act in enumerate(acts):
            _check_activity(act, f"{where}.activities.{j}", seen, bad)

    _check_characters(doc, bad)

    if previous is not None and isinstance(previous, dict):
        before = _activity_ids(previous)
        now = _activity_ids(doc)
        for aid in sorted(set(before) - set(now), key=lambda a: _path_key(before[a])):
            old = _activity_at(previous, before[aid])
            if aid not in ids_with_rows or old.get("retired"):
                continue  # kept as retired when published (carry_removed): nothing is lost
            label = _clean(old.get("label")) or aid
            # where did it go? the same place, or an activity of the same label with a new id
            path = next((p for a, p in now.items() if a not in before
                         and (p == before[aid] or _clean(_activity_at(doc, p).get("label")) == label)), None)
            if path:
                bad(f"{path}.id", f"Activitatea „{label}” are rânduri înregistrate: id-ul ei „{aid}” nu se poate "
                                  f"schimba. Retrageți-o și adăugați o activitate nouă.")
            else:
                bad("work_types", f"Activitatea „{label}” ({aid}) are rânduri înregistrate și nu poate fi ștearsă; "
                                  f"retrageți-o.")
        # an activity with rows keeps its kind: its rows of before would no
        # longer fit (a count read as parts, or as days done)
        for aid in sorted(set(before) & set(now) & set(ids_with_rows), key=lambda a: _path_key(now[a])):
            old_kind = _clean(_activity_at(previous, before[aid]).get("kind")) or "counts"
            act = _activity_at(doc, now[aid])
            kind = _clean(act.get("kind")) or "counts"
            if kind != old_kind and kind in KINDS and old_kind in KINDS:
                bad(f"{now[aid]}.kind", f"Activitatea „{_clean(act.get('label')) or aid}” are rânduri înregistrate: "
                                        f"tipul ei („{KIND_NAMES[old_kind]}”) nu se poate schimba în "
                                        f"„{KIND_NAMES[kind]}”. Retrageți-o și adăugați o activitate nouă.")
    problems.sort(key=lambda p: _path_key(p.path))
    return problems


def _path_key(path: str):
    return [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in path.split(".")] if path else []


def _id_problem(value: str | None, name: str, empty: str) -> str | None:
    """What is wrong with a slug, an activity id or a part key (``name``:
    „Identificatorul”, „Id-ul”, „Cheia”): ``empty`` when there is none,
    letters outside [a-z0-9-], or over ``MAX_ID_CHARS``; None when it is fine."""
    if not value:
        return empty
    if not _ID_RE.match(value):
        return f"{name} „{value}” poate conține doar litere mici fără diacritice, cifre și „-”."
    if len(value) > MAX_ID_CHARS:
        return f"{name} are {count_phrase(len(value), 'caracter', 'caractere')}; cel mult {MAX_ID_CHARS}."
    return None


def _check_activity(act, where: str, seen: dict[str, str], bad) -> None:
    if not isinstance(act, dict):
        bad(where, "O activitate trebuie să aibă id, denumire și contoare.")
        return
    aid = _clean(act.get("id"))
    if problem := _id_problem(aid, "Id-ul", "Completați id-ul activității (litere mici, cifre, „-”)."):
        bad(f"{where}.id", problem)
    elif aid in seen:
        bad(f"{where}.id", f"Id-ul „{aid}” este folosit deja de altă activitate a biroului; "
                           f"fiecare activitate are un id al ei.")
    else:
        seen[aid] = where
    if not _clean(act.get("label")):
        bad(f"{where}.label", "Completați denumirea activității.")
    if "text" in act and act["text"] is not None and _clean(act["text"]) is None:
        bad(f"{where}.text", "Textul activității trebuie să fie text.")
    kind = _clean(act.get("kind")) or "counts"
    if kind not in KINDS:
        bad(f"{where}.kind", f"Tip necunoscut „{kind}”; se acceptă: "
                             + ", ".join(f"{k} ({KIND_NAMES[k]})" for k in KINDS) + ".")
    counters = act.get("counters")
    known = ", ".join(f"{k} ({v})" for k, v in COUNTERS.items())
    if not isinstance(counters, list) or not counters:
        bad(f"{where}.counters", f"Alegeți cel puțin un contor: {known}.")
        counters = []
    else:
        for c in counters:
            if not isinstance(c, str) or c not in COUNTERS:  # a list or a mapping in YAML is no counter either
                bad(f"{where}.counters", f"Contor necunoscut „{c}”; se acceptă: {known}.")
                break
        else:
            if len(set(counters)) != len(counters):
                bad(f"{where}.counters", "Un contor este ales de două ori.")
    if "retired" in act and not isinstance(act["retired"], bool):
        bad(f"{where}.retired", "„retired” este true sau false.")
    parts = act.get("parts")
    if kind == "breakdown":
        if counters and len(counters) != 1:
            bad(f"{where}.counters", "O activitate defalcată pe părți are exact un contor.")
        if not isinstance(parts, list) or not parts:
            bad(f"{where}.parts", "O activitate defalcată pe părți trebuie să aibă cel puțin o parte.")
            return
        keys: set[str] = set()
        for k, part in enumerate(parts):
            pw = f"{where}.parts.{k}"
            if not isinstance(part, dict):
                bad(pw, "O parte are cheie, singular și plural.")
                continue
            key = _clean(part.get("key"))
            if problem := _id_problem(key, "Cheia", "Completați cheia părții (litere mici, cifre, „-”)."):
                bad(f"{pw}.key", problem)
            elif key in keys:
                bad(f"{pw}.key", f"Cheia „{key}” apare de două ori.")
            else:
                keys.add(key)
            if "label" in part and part["label"] is not None and not _clean(part["label"]):
                bad(f"{pw}.label", "Completați denumirea părții.")
            for field_name, what in (("singular", "forma de singular (de ex. „discuție telefonică”)"),
                                     ("plural", "forma de plural (de ex. „discuții telefonice”)")):
                if not _clean(part.get(field_name)):
                    bad(f"{pw}.{field_name}", f"Completați {what}.")
    elif parts not in (None, []):
        bad(f"{where}.parts", "Doar o activitate defalcată pe părți (breakdown) are părți.")


def normalize_document(doc: dict) -> dict:
    """The canonical form of a valid document: whitespace collapsed, defaults
    written out (order 100, text = label, kind counts, a part's label =
    its plural capitalized), counters in report column order, ``retired``
    only when true. What the app stores and ``catalog export`` writes."""
    out: dict = {"order": doc.get("order", 100), "slug": _clean(doc["slug"]), "title": _clean(doc["title"]),
                 "work_types": []}
    for wt in doc["work_types"]:
        acts = []
        for act in wt["activities"]:
            label = _clean(act["label"])
            kind = _clean(act.get("kind")) or "counts"
            a: dict = {"id": _clean(act["id"]), "label": label, "text": _clean(act.get("text")) or label,
                       "counters": [c for c in COUNTERS if c in act["counters"]]}
            if kind != "counts":
                a["kind"] = kind
            if kind == "breakdown":
                a["parts"] = [{"key": _clean(p["key"]),
                               "label": _clean(p.get("label")) or _clean(p["plural"]).capitalize(),
                               "singular": _clean(p["singular"]), "plural": _clean(p["plural"])}
                              for p in act["parts"]]
            if act.get("retired"):
                a["retired"] = True
            acts.append(a)
        out["work_types"].append({"title": _clean(wt["title"]), "activities": acts})
    return out


def office_from_document(doc: dict, *, source: str = "", keep=frozenset()) -> Office:
    """The Office of a valid document (check it first). Retired activities are
    left out, except those whose id is in ``keep``; a work type left with no
    activity is left out."""
    doc = normalize_document(doc)
    work_types = []
    for wt in doc["work_types"]:
        acts = tuple(
            Activity(a["id"], a["label"], a["text"], tuple(a["counters"]), a.get("kind", "counts"),
                     tuple(Part(p["key"], p["label"], p["singular"], p["plural"]) for p in a.get("parts", ())))
            for a in wt["activities"] if not a.get("retired") or a["id"] in keep)
        if acts:
            work_types.append(WorkType(wt["title"], acts))
    return Office(doc["slug"], doc["title"], tuple(work_types), source, doc["order"])


def document_of(office: Office) -> dict:
    """The document of ``office`` (normalized; office_from_document gives it
    back). An Office holds no retired activity: the stored document does."""
    return {
        "order": office.order, "slug": office.slug, "title": office.title,
        "work_types": [{"title": wt.title, "activities": [_activity_doc(a) for a in wt.activities]}
                       for wt in office.work_types],
    }


def _activity_doc(a: Activity) -> dict:
    out: dict = {"id": a.id, "label": a.label, "text": a.text, "counters": list(a.counters)}
    if a.kind != "counts":
        out["kind"] = a.kind
    if a.parts:
        out["parts"] = [{"key": p.key, "label": p.label, "singular": p.singular, "plural": p.plural}
                        for p in a.parts]
    return out


def carry_removed(previous: dict | None, doc: dict) -> dict:
    """``doc`` with every activity of ``previous`` it dropped kept as retired
    (at the end of the work type of the same title, else of the last one), so
    an id is never reused for another activity. Both documents normalized."""
    if not previous:
        return doc
    doc = {**doc, "work_types": [{**wt, "activities": list(wt["activities"])} for wt in doc["work_types"]]}
    now = _activity_ids(doc)
    for wt in previous["work_types"]:
        for act in wt["activities"]:
            if act["id"] in now:
                continue
            home = next((w for w in doc["work_types"] if w["title"] == wt["title"]), doc["work_types"][-1])
            home["activities"].append({**act, "retired": True})
    return doc


def diff_documents(old: dict | None, new: dict) -> list[str]:
    """What changed from ``old`` to ``new`` (normalized documents), one
    Romanian line each, in document order; ``old`` None: a new office."""
    if not old:
        return [f"Birou nou: {new['title']} ({new['slug']})"]
    lines: list[str] = []
    if old["title"] != new["title"]:
        lines.append(f"Titlu schimbat: {old['title']} → {new['title']}")
    if old["slug"] != new["slug"]:
        lines.append(f"Identificator schimbat: {old['slug']} → {new['slug']}")
    if old.get("order") != new.get("order"):
        lines.append(f"Ordinea în raport: {old.get('order')} → {new.get('order')}")
    old_wts, new_wts = [w["title"] for w in old["work_types"]], [w["title"] for w in new["work_types"]]
    if old_wts != new_wts and sorted(old_wts) == sorted(new_wts):
        lines.append("Ordinea lucrărilor specifice schimbată: " + ", ".join(new_wts))
    elif len(old_wts) == len(new_wts):
        lines += [f"Lucrare specifică redenumită: {a} → {b}" for a, b in zip(old_wts, new_wts) if a != b]
    else:
        lines += [f"Lucrare specifică adăugată: {t}" for t in new_wts if t not in old_wts]
        lines += [f"Lucrare specifică eliminată: {t}" for t in old_wts if t not in new_wts]

    def flat(doc):
        return {a["id"]: (wt["title"], a) for wt in doc["work_types"] for a in wt["activities"]}

    before, after = flat(old), flat(new)
    for aid, (wt_title, a) in after.items():
        if aid not in before:
            state = " (retrasă)" if a.get("retired") else ""
            lines.append(f"Activitate adăugată: {a['label']} ({aid}), în „{wt_title}”{state}")
            continue
        old_wt, b = before[aid]
        name = a["label"]
        if b["label"] != a["label"]:
            lines.append(f"Redenumită: {b['label']} → {a['label']}")
        follows = b.get("text") == b["label"] and a.get("text") == a["label"]  # the text is the label
        if b.get("text") != a.get("text") and not follows:
            lines.append(f"Text schimbat la „{name}”: {b.get('text')} → {a.get('text')}")
        if b["counters"] != a["counters"]:
            lines.append(f"Contoare schimbate la „{name}”: {_counters(b)} → {_counters(a)}")
        if b.get("kind", "counts") != a.get("kind", "counts"):
            lines.append(f"Tip schimbat la „{name}”: {KIND_NAMES[b.get('kind', 'counts')]} → "
                         f"{KIND_NAMES[a.get('kind', 'counts')]}")
        if b.get("parts", []) != a.get("parts", []) and a.get("kind") == b.get("kind") == "breakdown":
            lines.append(f"Părți schimbate la „{name}”: {_parts(b)} → {_parts(a)}")
        if old_wt != wt_title and old_wt in new_wts:
            lines.append(f"Mutată: {name}, din „{old_wt}” în „{wt_title}”")
        if a.get("retired") and not b.get("retired"):
            lines.append(f"Retrasă: {name}")
        if b.get("retired") and not a.get("retired"):
            lines.append(f"Reactivată: {name}")
    for aid, (_, b) in before.items():
        if aid not in after:
            lines.append(f"Activitate ștearsă: {b['label']} ({aid})")
    common_old = [a for a in before if a in after]
    common_new = [a for a in after if a in before]
    def per_work_type(ids, flat_doc):
        out: dict[str, list[str]] = {}
        for a in ids:
            out.setdefault(flat_doc[a][0], []).append(a)
        return out

    # work types moved as wholes change the flat order, not the order inside each one
    moved_whole = per_work_type(common_old, before) == per_work_type(common_new, after)
    if common_old != common_new and not moved_whole and not any(l.startswith("Mutată") for l in lines):
        lines.append("Ordinea activităților schimbată: " + ", ".join(after[a][1]["label"] for a in common_new))
    return lines


def _counters(a: dict) -> str:
    return ", ".join(COUNTERS[c] for c in a["counters"])


def _parts(a: dict) -> str:
    return ", ".join(p["label"] for p in a.get("parts", []))


# -- files ---------------------------------------------------------------------

def _fail(source: str, problems: list[Problem]) -> CatalogError:
    return CatalogError("\n".join(f"{source}: {p}" for p in problems))


def read_document(path: Path):
    """The parsed YAML of one office file; CatalogError naming file and line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rândul {mark.line + 1}" if mark else "document"
        raise CatalogError(f"{path.name}: {where}: YAML greșit ({getattr(exc, 'problem', None) or exc})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path.name}: fișier: nu poate fi citit ({exc})") from None


def load_office(path: Path) -> Office:
    doc = read_document(path)
    problems = check_document(doc)
    if problems:
        raise _fail(path.name, problems)
    return office_from_document(doc, source=path.name)


def load_documents(folder: str | Path) -> list[tuple[str, dict]]:
    """(file name, normalized document) of every ``*.yaml`` office file of
    ``folder``, checked each against the others with check_document: a
    CatalogError names every problem, with its file and field."""
    folder = Path(folder)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise CatalogError(f"{folder}: no *.yaml office files found")
    docs = [(p.name, read_document(p)) for p in files]
    errors = []
    for i, (name, doc) in enumerate(docs):
        earlier = [d for _, d in docs[:i]]  # a clash is reported on the later file
        problems = check_document(doc, others=earlier)
        if problems:
            errors.append(_fail(name, problems))
    if errors:
        raise CatalogError("\n".join(str(e) for e in errors))
    return [(name, normalize_document(doc)) for name, doc in docs]


def load_catalog(folder: str | Path) -> Catalog:
    """Load every ``*.yaml`` office file of ``folder`` (sorted by order, then file name)."""
    offices = [office_from_document(doc, source=name) for name, doc in load_documents(folder)]
    return Catalog(tuple(sorted(offices, key=lambda o: o.order)))

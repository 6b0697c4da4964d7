"""The catalog editor's draft: a YAML-shaped office document edited through
a plain HTML form (views/catalog.py). Pure: no Flask, no I/O.

* ``apply_fields`` copies what an admin typed into the draft, ``apply_action``
  then does what the pressed button asks (add, move, retire …);
* ``assign_ids`` gives each new activity (and breakdown part) an id made
  from its label, unique and never one the office ever used;
* ``field_of`` names the form field a ``Problem.path`` of the catalog check
  belongs to, so its message is shown next to that field;
* ``merge`` rebases a draft on a version another admin published meanwhile
  (a three-way merge: nothing either admin changed is lost).

Field names follow the document's paths: ``title``, ``slug``, ``order``,
``wt0-title``, ``wt0-a2-label``, ``wt0-a2-text``, ``wt0-a2-counters``,
``wt0-a2-kind``, ``wt0-a2-parts``. Breakdown parts are edited one per line,
``[key] Etichetă | singular | plural`` (the key of an existing part is shown
in brackets and kept; a new line gets one from its label).
"""
from __future__ import annotations

import copy
import re
import unicodedata
from typing import Iterable, Mapping

COUNTER_KEYS = ("lucrari", "documente")
KIND_KEYS = ("counts", "daily", "breakdown")
ACTIVITY_FIELDS = ("label", "text", "counters", "kind", "parts", "retired")
MAX_ID_CHARS = 40

_PART_LINE = re.compile(r"^\s*\[([a-z0-9][a-z0-9-]*)\]\s*(.*)$")


def empty_document() -> dict:
    """A new office: no title yet, one empty work type."""
    return {"order": 100, "slug": "", "title": "", "work_types": [{"title": "", "activities": []}]}


def new_activity() -> dict:
    return {"id": "", "label": "", "text": "", "counters": ["lucrari"], "kind": "counts"}


# -- ids ---------------------------------------------------------------------------


def slugify(text: str, fallback: str = "activitate") -> str:
    """"Adresă de înștiințare" -> "adresa-de-instiintare" (lowercase ASCII,
    digits and '-', at most MAX_ID_CHARS, cut at a word)."""
    folded = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_ID_CHARS:
        slug = slug[:MAX_ID_CHARS].rsplit("-", 1)[0] or slug[:MAX_ID_CHARS]
    return slug or fallback


def unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}-{n}"
        n += 1
    return candidate


def activity_ids(doc: Mapping) -> list[str]:
    """Every activity id of a document, retired ones included, in order."""
    return [a.get("id") or "" for wt in doc.get("work_types") or [] for a in wt.get("activities") or []]


def assign_ids(doc: dict, reserved: Iterable[str] = ()) -> list[str]:
    """Give every activity that has a label but no id an id made from the
    label, unique in the document and outside ``reserved`` (the ids of every
    published version: a retired or removed id is never reused). The same
    for breakdown parts without a key. Returns the ids given."""
    taken = set(activity_ids(doc)) | set(reserved)
    given = []
    for wt in doc.get("work_types") or []:
        for act in wt.get("activities") or []:
            if not act.get("id") and (act.get("label") or "").strip():
                act["id"] = unique(slugify(act["label"]), taken)
                taken.add(act["id"])
                given.append(act["id"])
            keys = {p.get("key") for p in act.get("parts") or [] if p.get("key")}
            for part in act.get("parts") or []:
                if not part.get("key"):
                    part["key"] = unique(slugify(part.get("label") or part.get("plural") or "", "detaliu"), keys)
                    keys.add(part["key"])
    return given


# -- breakdown parts as lines --------------------------------------------------------


def parts_text(parts: Iterable[Mapping]) -> str:
    """The textarea's text: one part a line."""
    lines = []
    for p in parts or []:
        fields = [p.get("label") or "", p.get("singular") or "", p.get("plural") or ""]
        while len(fields) > 1 and not fields[-1]:
            fields.pop()
        prefix = f"[{p['key']}] " if p.get("key") else ""
        lines.append(prefix + " | ".join(fields))
    return "\n".join(lines)


def parse_parts(text: str, previous: Iterable[Mapping] = ()) -> list[dict]:
    """Lines ``[key] Etichetă | singular | plural`` -> parts. Singular and
    plural may be left out: the plural is then the label (lowercase first
    letter), the singular the plural. A line without a key keeps the key of
    the previous part with the same label, else gets one later (assign_ids)."""
    by_label = {(p.get("label") or "").casefold(): p.get("key") for p in previous or [] if p.get("key")}
    parts = []
    for raw in (text or "").splitlines():
        if not raw.strip():
            continue
        key = ""
        m = _PART_LINE.match(raw)
        if m:
            key, raw = m.group(1), m.group(2)
        fields = [_clean(f) for f in raw.split("|")]
        label = fields[0] if fields else ""
        plural = fields[2] if len(fields) > 2 and fields[2] else (label[:1].lower() + label[1:])
        singular = fields[1] if len(fields) > 1 and fields[1] else plural
        if not key:
            key = by_label.get(label.casefold(), "") or ""
        parts.append({"key": key, "label": label, "singular": singular, "plural": plural})
    return parts


# -- the posted form ---------------------------------------------------------------


def _clean(value) -> str:
    """Whitespace collapsed, „ş ţ” (cedilla) written „ș ț” (comma below)."""
    from forms.catalog import CEDILLA_TO_COMMA

    return " ".join(str(value or "").split()).translate(CEDILLA_TO_COMMA)


def apply_fields(doc: dict, form: Mapping, getlist=None) -> dict:
    """A copy of ``doc`` with what the form carried: office fields, each
    work type's title and each (not retired) activity's fields. A field the
    form did not carry is left as it was; ``getlist(name)`` reads the
    counters' checkboxes (a MultiDict's ``getlist``)."""
    doc = copy.deepcopy(doc)
    getlist = getlist or (lambda name: list(form.get(name) or []))
    for key in ("title", "slug"):
        if key in form:
            doc[key] = _clean(form[key])
    if "order" in form:
        raw = _clean(form["order"])
        doc["order"] = int(raw) if re.fullmatch(r"-?\d{1,6}", raw) else raw
    for i, wt in enumerate(doc.get("work_types") or []):
        if f"wt{i}-title" in form:
            wt["title"] = _clean(form[f"wt{i}-title"])
        for j, act in enumerate(wt.get("activities") or []):
            name = f"wt{i}-a{j}"
            if act.get("retired") or f"{name}-shown" not in form:
                continue
            old_label, old_text = _clean(act.get("label")), _clean(act.get("text"))
            act["label"] = _clean(form.get(f"{name}-label"))
            act["text"] = _clean(form.get(f"{name}-text"))
            if old_text and old_text == old_label and act["text"] == old_text:
                # the full text was just the label (a published one is written out so):
                # it follows the label, else a renamed activity keeps its old name in the report
                act["text"] = act["label"]
            act["counters"] = [c for c in getlist(f"{name}-counters")]
            act["kind"] = _clean(form.get(f"{name}-kind")) or "counts"
            parts = parse_parts(form.get(f"{name}-parts") or "", act.get("parts") or [])
            if parts:
                act["parts"] = parts
            else:
                act.pop("parts", None)
    return doc


class ActionError(ValueError):
    """A button that cannot be honoured (a stale page, an index out of range)."""


def _index(doc: dict, i: int, j: int | None = None):
    wts = doc.get("work_types") or []
    if not 0 <= i < len(wts):
        raise ActionError("work type")
    if j is None:
        return wts, i
    acts = wts[i].get("activities") or []
    if not 0 <= j < len(acts):
        raise ActionError("activity")
    return acts, j


_ACTION = re.compile(r"^(save|add-wt|wt-up|wt-down|wt-remove|add-act|act-up|act-down|act-retire|act-unretire|"
                     r"act-delete)(?:-(\d{1,4}))?(?:-(\d{1,4}))?$")


def apply_action(doc: dict, action: str, published_ids: Iterable[str] = ()) -> tuple[dict, str, str]:
    """Do what the button ``action`` asks on a copy of ``doc``. Returns
    (document, anchor of the element to show next, message). Raises
    ActionError on an unknown action or a stale index."""
    m = _ACTION.match(action or "save")
    if not m:
        raise ActionError(action)
    verb = m.group(1)
    i = int(m.group(2)) if m.group(2) is not None else None
    j = int(m.group(3)) if m.group(3) is not None else None
    doc = copy.deepcopy(doc)
    doc.setdefault("work_types", [])
    wts = doc["work_types"]
    if verb == "save":
        return doc, "", "Ciorna a fost salvată."
    if verb == "add-wt":
        wts.append({"title": "", "activities": []})
        return doc, f"wt{len(wts) - 1}", "Lucrare specifică adăugată: completați-i titlul."
    if i is None:
        raise ActionError(action)
    if verb in ("wt-up", "wt-down", "wt-remove", "add-act"):
        _index(doc, i)
        if verb == "add-act":
            acts = wts[i].setdefault("activities", [])
            acts.append(new_activity())
            return doc, f"wt{i}-a{len(acts) - 1}", "Activitate adăugată: completați-i eticheta."
        if verb == "wt-remove":
            if wts[i].get("activities"):
                raise ActionError("not empty")
            del wts[i]
            return doc, "work-types", "Lucrarea specifică a fost ștearsă."
        k = i - 1 if verb == "wt-up" else i + 1
        if not 0 <= k < len(wts):
            return doc, f"wt{i}", ""
        wts[i], wts[k] = wts[k], wts[i]
        return doc, f"wt{k}", "Lucrarea specifică a fost mutată."
    if j is None:
        raise ActionError(action)
    acts, j = _index(doc, i, j)
    act = acts[j]
    if verb in ("act-up", "act-down"):
        k = j - 1 if verb == "act-up" else j + 1
        if not 0 <= k < len(acts):
            return doc, f"wt{i}-a{j}", ""
        acts[j], acts[k] = acts[k], acts[j]
        return doc, f"wt{i}-a{k}", "Activitatea a fost mutată."
    if verb == "act-retire":
        act["retired"] = True
        return doc, f"wt{i}-a{j}", ("Activitatea a fost retrasă: după publicare nu mai apare în formular; rapoartele săptămânilor "
                                        "în care are rânduri o arată în continuare.")
    if verb == "act-unretire":
        act.pop("retired", None)
        return doc, f"wt{i}-a{j}", "Activitatea a fost reactivată."
    # act-delete: only an activity no published version has (else: retire it)
    if act.get("id") and act["id"] in set(published_ids):
        raise ActionError("published")
    del acts[j]
    return doc, f"wt{i}", "Activitatea nouă a fost ștearsă."


def publishable(doc: Mapping) -> dict:
    """The document as it is checked, previewed and published: parts kept in
    the draft of an activity that is no longer a breakdown are left out; an
    empty full text is the label (as in the YAML files)."""
    doc = copy.deepcopy(dict(doc))
    for wt in doc.get("work_types") or []:
        for act in wt.get("activities") or []:
            if act.get("kind") != "breakdown":
                act.pop("parts", None)
            if not (act.get("text") or "").strip():
                act["text"] = act.get("label") or ""
            if not act.get("retired"):
                act.pop("retired", None)
    return doc


# -- problems next to their fields -----------------------------------------------------

_PATH = re.compile(r"^work_types[.\[](\d+)\]?(?:\.(title|activities)(?:[.\[](\d+)\]?(?:\.(\w+)(?:[.\[](\d+)\]?)?)?)?)?")


def field_of(path: str) -> str:
    """The form field a Problem's ``path`` names: "title" -> "title",
    "work_types.0.activities.2.label" -> "wt0-a2-label", a part's field ->
    the activity's parts textarea, an activity's id -> its label (the id is
    made from it); a path naming a whole work type or activity -> its
    fieldset ("wt0", "wt0-a2"); anything else -> "" (the summary only)."""
    path = (path or "").strip()
    if path.startswith("office."):
        path = path[len("office."):]
    head = re.split(r"[.\[]", path, maxsplit=1)[0]
    if head in ("title", "slug", "order"):
        return head
    if head == "work_types" and path in ("work_types", ""):
        return "work-types"
    m = _PATH.match(path)
    if not m:
        return ""
    i, what, j, field = m.group(1), m.group(2), m.group(3), m.group(4)
    if what == "title":
        return f"wt{i}-title"
    if what is None or j is None:
        return f"wt{i}"
    name = f"wt{i}-a{j}"
    if field in ("label", "text", "counters", "kind", "parts"):
        return f"{name}-{field}"
    if field == "id":
        return f"{name}-label"
    return name


def part_line(path: str) -> int | None:
    """The 1-based line of the parts textarea a part's path names."""
    m = re.search(r"parts[.\[](\d+)", path or "")
    return int(m.group(1)) + 1 if m else None


# -- rebasing a draft on a newer version --------------------------------------------------


def _m3(base, mine, theirs):
    """(value, conflict): the three-way merge of one value."""
    if mine == theirs:
        return mine, False
    if mine == base:
        return theirs, False
    if theirs == base:
        return mine, False
    return mine, True


def _structure(doc: Mapping) -> list[list[str]]:
    return [[a.get("id") or "" for a in wt.get("activities") or []] for wt in doc.get("work_types") or []]


def _match_work_type(wt: Mapping, candidates: list[Mapping]) -> int | None:
    """The index of the candidate work type that is ``wt``: the one sharing
    most activity ids, else the one with the same title (ignoring case)."""
    ids = {a.get("id") for a in wt.get("activities") or [] if a.get("id")}
    best, best_n = None, 0
    for k, c in enumerate(candidates):
        n = len(ids & {a.get("id") for a in c.get("activities") or [] if a.get("id")})
        if n > best_n:
            best, best_n = k, n
    if best is not None:
        return best
    title = (wt.get("title") or "").casefold()
    return next((k for k, c in enumerate(candidates) if title and (c.get("title") or "").casefold() == title), None)


def _describe(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v.get("label") if isinstance(v, dict) else v) for v in value) or "—"
    if value is None or value == "":
        return "—"
    if value is True:
        return "da"
    return str(value)


FIELD_NAMES = {"title": "titlul", "slug": "adresa (slug)", "order": "ordinea în raport", "label": "eticheta",
               "text": "textul complet", "counters": "rubricile", "kind": "tipul", "parts": "detalierile",
               "retired": "retragerea"}


def merge(base: Mapping, mine: Mapping, theirs: Mapping) -> tuple[dict, list[str]]:
    """Rebase the draft ``mine`` (started from ``base``) on ``theirs`` (the
    version published meanwhile). Every field either side changed is taken
    from that side; a field both changed differently keeps the draft's value
    and is listed (Romanian lines) with the other value, so nothing is lost.
    Activities either side added are kept; the order of work types and
    activities is the draft's when it changed it, else theirs."""
    notes: list[str] = []
    mine, theirs, base = copy.deepcopy(dict(mine)), copy.deepcopy(dict(theirs)), copy.deepcopy(dict(base))
    for key in ("title", "slug", "order"):
        value, clash = _m3(base.get(key), mine.get(key), theirs.get(key))
        if clash:
            notes.append(f"Biroul, {FIELD_NAMES[key]}: s-a păstrat „{_describe(mine.get(key))}” din ciornă; "
                         f"versiunea publicată are „{_describe(theirs.get(key))}”.")
    # The skeleton: the side whose structure changed (the draft's when both did).
    mine_moved = _structure(mine) != _structure(base)
    skeleton, other = (mine, theirs) if mine_moved or _structure(theirs) == _structure(base) else (theirs, mine)
    merged = copy.deepcopy(skeleton)
    for key in ("title", "slug", "order"):
        merged[key] = _m3(base.get(key), mine.get(key), theirs.get(key))[0]

    def acts_by_id(doc):
        return {a["id"]: a for wt in doc.get("work_types") or [] for a in wt.get("activities") or [] if a.get("id")}

    b_acts, m_acts, t_acts = acts_by_id(base), acts_by_id(mine), acts_by_id(theirs)
    base_wts = base.get("work_types") or []
    mine_wts, theirs_wts = mine.get("work_types") or [], theirs.get("work_types") or []

    # Work type titles and activity fields, three-way.
    for wt in merged.get("work_types") or []:
        k_base = _match_work_type(wt, base_wts)
        k_mine = _match_work_type(wt, mine_wts)
        k_theirs = _match_work_type(wt, theirs_wts)
        b_title = base_wts[k_base].get("title") if k_base is not None else None
        m_title = mine_wts[k_mine].get("title") if k_mine is not None else wt.get("title")
        t_title = theirs_wts[k_theirs].get("title") if k_theirs is not None else wt.get("title")
        if k_base is not None:
            title, clash = _m3(b_title, m_title, t_title)
            wt["title"] = title
            if clash:
                notes.append(f"Lucrarea specifică „{m_title}”: s-a păstrat titlul din ciornă; versiunea publicată "
                             f"îl numește „{t_title}”.")
        for n, act in enumerate(wt.get("activities") or []):
            aid = act.get("id")
            if not aid or aid not in b_acts or aid not in m_acts or aid not in t_acts:
                continue  # added by one side: kept as it is
            b, m_, t = b_acts[aid], m_acts[aid], t_acts[aid]
            out = {"id": aid}
            for key in ("label", "text", "counters", "kind", "parts", "retired"):
                value, clash = _m3(b.get(key), m_.get(key), t.get(key))
                if value is not None and value != "" and value is not False:
                    out[key] = value
                if clash:
                    notes.append(f"Activitatea „{m_.get('label') or aid}”, {FIELD_NAMES[key]}: s-a păstrat "
                                 f"„{_describe(m_.get(key))}” din ciornă; versiunea publicată are "
                                 f"„{_describe(t.get(key))}”.")
            for key in act:  # fields of the document this editor does not know: kept
                if key not in out and key not in ACTIVITY_FIELDS:
                    out[key] = act[key]
            wt["activities"][n] = out

    # Activities only the other side added: into the matching work type.
    present = set(activity_ids(merged))
    for o_wt in other.get("work_types") or []:
        added = [a for a in o_wt.get("activities") or [] if a.get("id") and a["id"] not in present
                 and a["id"] not in b_acts]
        if not added:
            continue
        k = _match_work_type(o_wt, merged.get("work_types") or [])
        if k is None:
            merged.setdefault("work_types", []).append({"title": o_wt.get("title") or "", "activities": []})
            k = len(merged["work_types"]) - 1
        target = merged["work_types"][k].setdefault("activities", [])
        for act in added:
            target.append(copy.deepcopy(act))
            present.add(act["id"])
    return merged, notes

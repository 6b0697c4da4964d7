"""Admins' catalog editor: the offices and their versions, a draft per admin
and office, the preview, publishing with an effective week, the history and
the difference between two versions.

The editor works on a draft (state/drafts.py), a YAML-shaped document kept
in the instance folder, never in the cookie. The page is one plain form:
every button is a submit button named ``action``, so everything works by
keyboard and without JavaScript; each press first keeps what was typed,
then does what the button says (forms/editor.py). The draft is checked on
every display with the catalog's one rule set (``CatalogVersions.check`` ->
``forms.catalog.check_document``), each message next to its field.
"""
from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date as babel_date
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFError

from domain.periods import Period, format_datetime
from domain.romanian import LOCALE
from domain.rows import Tally
from domain.trail import week_of
from forms import editor
from forms.catalog import (COUNTERS, KINDS, RESERVED_SLUGS, Catalog, CatalogInvalid, check_document, diff_documents,
                           normalize_document, office_from_document)
from forms.entry import form_class
from reports.model import build_report
from state.catalogs import FIRST_WEEK, CatalogConflict
from state.drafts import DraftStore, StaleDraft
from views.access import catalogs, require_admin, single_fields, today

bp = Blueprint("catalog", __name__)

KIND_LABELS = {
    "counts": "Numărare (câte lucrări / documente)",
    "daily": "Zilnic (realizat da/nu, pe zi)",
    "breakdown": "Pe detalieri (de ex. telefonice / scrise)",
}
#: weeks offered as the effective week of a publish: this one and the next ones
WEEKS_AHEAD = 12


def init_app(app) -> None:
    """The drafts live in the state database (instance/app.sqlite3). The
    editor's form checks its own CSRF token (``_csrf_valid``)."""
    app.extensions["catalog_drafts"] = DraftStore(app.extensions["state"].path, app.extensions["clock"])
    app.extensions["csrf"].exempt("views.catalog.edit")


def drafts() -> DraftStore:
    return current_app.extensions["catalog_drafts"]


@bp.before_request
@login_required
def _admins_only():
    require_admin()


def _me() -> str:
    return current_user.username


# -- weeks and times in Romanian ----------------------------------------------------------


def week_label(week: str) -> str:
    """"2026-W49" -> "săptămâna 49 (30 nov. – 6 dec. 2026)"; the seeded
    versions' week -> "de la început"."""
    if week == FIRST_WEEK:
        return "de la început"
    year, number = week.split("-W")
    start = date.fromisocalendar(int(year), int(number), 1)
    end = start + timedelta(days=6)
    first = babel_date(start, "d MMM" if start.year == end.year else "d MMM y", locale=LOCALE)
    return f"săptămâna {int(number)} ({first} – {babel_date(end, 'd MMM y', locale=LOCALE)})"


def when(iso: str) -> str:
    from datetime import datetime

    try:
        return format_datetime(datetime.fromisoformat(iso))
    except (TypeError, ValueError):
        return iso or "—"


def _weeks_offered(current: str) -> list[tuple[str, str]]:
    start = Period.week_of(today()).start
    weeks = [week_of(start + timedelta(days=7 * k)) for k in range(WEEKS_AHEAD + 1)]
    if current not in weeks:
        weeks.insert(0, current)
    return [(w, week_label(w)) for w in weeks]


# -- the draft, checked ------------------------------------------------------------------------


def _draft(draft_id: int):
    """The signed-in admin's draft (another admin's is not theirs to see: 404)."""
    draft = drafts().get(draft_id)
    if draft is None or draft.admin.casefold() != _me().casefold():
        abort(404, description="Ciorna nu există (a fost publicată sau renunțată?).")
    return draft


def _history(slug: str):
    return catalogs().history(slug) if slug else []


def _published_ids(slug: str) -> set[str]:
    """Every activity id any version of the office has had."""
    ids: set[str] = set()
    for info in _history(slug):
        ids |= set(editor.activity_ids(catalogs().document(slug, info.version)))
    return ids


def _problems(draft, doc: dict | None = None) -> list[dict]:
    """The catalog check of the draft (or of ``doc``, what was typed into
    it), each problem with the form field it belongs to (``field``), in
    document order."""
    doc = editor.publishable(draft.doc if doc is None else doc)
    if draft.is_new:
        # CatalogVersions.check leaves the office of the draft's own slug out
        # of ``others``: right for an existing office, but a new office whose
        # slug is taken must be told so next to its slug (publish would only
        # answer with a conflict).
        found = check_document(doc, others=catalogs().documents())
    else:
        found = catalogs().check(doc, base=draft.base, office=draft.slug)
    out = []
    for p in found:
        field = editor.field_of(p.path) or "work-types"
        if p.path.endswith(".id") and not _value_at(doc, p.path):
            continue  # a new activity without a label has no id yet: the label's message says it
        line = editor.part_line(p.path)
        message = f"Rândul {line}: {p.message}" if line else p.message
        out.append({"path": p.path, "field": field, "message": message})
    return out


def _value_at(doc, path: str):
    node = doc
    for key in path.split("."):
        try:
            node = node[int(key)] if key.isdigit() else node.get(key)
        except (IndexError, KeyError, TypeError, AttributeError):
            return None
    return node


def _by_field(problems: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(p["field"] or "work-types", []).append(p["message"])
    return out


def _latest_info(slug: str):
    history = _history(slug)
    return history[0] if history else None


# -- pages --------------------------------------------------------------------------------


@bp.route("/catalog")
def index():
    offices = catalogs().offices()
    mine = drafts().of(_me())
    return render_template("catalog/index.html", offices=offices, drafts=mine, week_label=week_label, when=when)


@bp.route("/catalog/new", methods=["POST"])
def new_office():
    draft = drafts().open(_me(), "", editor.empty_document(), None)
    flash("Ciornă nouă: completați titlul, identificatorul și activitățile biroului.", "info")
    return redirect(url_for("catalog.edit", draft_id=draft.id))


@bp.route("/catalog/<slug>/edit")
def edit_office(slug):
    """The admin's draft of office ``slug``: the one they left, or a new one
    from the latest version."""
    latest = _latest_info(slug)
    if latest is None:
        abort(404, description=f"Biroul „{slug}” nu există.")
    draft = drafts().find(_me(), slug)
    if draft is None:
        draft = drafts().open(_me(), slug, catalogs().document(slug), latest.version)
    return redirect(url_for("catalog.edit", draft_id=draft.id))


@bp.route("/catalog/draft/<int:draft_id>", methods=["GET", "POST"])
def edit(draft_id):
    if request.method == "POST" and not _csrf_valid():
        # An expired (or foreign) token changes nothing, but what was typed
        # is shown again, with a fresh token: "Salvează" again works.
        found = drafts().get(draft_id)
        if found is None or found.admin.casefold() != _me().casefold():
            raise CSRFError()
        single_fields(*[k for k in request.form if k.endswith("-counters")])
        doc = editor.apply_fields(found.doc, request.form, request.form.getlist)
        if not found.is_new:
            doc["slug"] = found.slug
        return _editor_page(found, doc, expired=True), 400
    draft = _draft(draft_id)
    if request.method == "POST":
        single_fields(*[k for k in request.form if k.endswith("-counters")])
        return _save(draft)
    return _editor_page(draft, draft.doc)


class _CsrfOnly(FlaskForm):
    """Just the CSRF token, checked the way Flask-WTF checks every form (and
    switched off with it in tests)."""


def _csrf_valid() -> bool:
    """The editor checks its own CSRF token (it is exempt from the app-wide
    check) so that a form left open past WTF_CSRF_TIME_LIMIT keeps its values."""
    return _CsrfOnly(formdata=request.form).validate()


def _editor_page(draft, doc: dict, expired: bool = False) -> str:
    problems = _problems(draft, doc)
    latest = _latest_info(draft.slug)
    return render_template(
        "catalog/edit.html", draft=draft, doc=doc, problems=problems, errors=_by_field(problems),
        latest=latest, stale=latest is not None and latest.version != draft.base,
        published=_published_ids(draft.slug), others=drafts().others(draft.slug, draft.admin), expired=expired,
        counters=COUNTERS, kinds=[(k, KIND_LABELS.get(k, k)) for k in KINDS], parts_text=editor.parts_text,
        when=when, week_label=week_label)


def _save(draft):
    action = request.form.get("action") or "save"
    goto = None
    if action in ("preview", "publish"):
        goto, action = action, "save"
    try:
        rev = int(request.form.get("rev") or 0)
    except ValueError:
        rev = 0
    if rev != draft.rev:
        flash("Ciorna a fost modificată între timp (în altă fereastră?): nu s-a schimbat nimic. "
              "Verificați pagina și repetați modificarea.", "error")
        return redirect(url_for("catalog.edit", draft_id=draft.id))
    published = _published_ids(draft.slug)
    doc = editor.apply_fields(draft.doc, request.form, request.form.getlist)
    if not draft.is_new:
        doc["slug"] = draft.slug  # a published office keeps its slug: its rows and worksheet use it
    elif not doc.get("slug") and doc.get("title"):
        # a new office's identifier, made from its title until the admin types another
        taken = set(catalogs().known().slugs) | RESERVED_SLUGS
        doc["slug"] = editor.unique(editor.slugify(doc["title"], "birou"), taken)
    try:
        doc, anchor, message = editor.apply_action(doc, action, published)
    except editor.ActionError:
        abort(400, description="Butonul apăsat nu se mai potrivește cu ciorna. Reîncărcați pagina.")
    editor.assign_ids(doc, published)
    try:
        drafts().save(draft.id, doc, rev=rev)
    except StaleDraft:
        flash("Ciorna a fost modificată între timp (în altă fereastră?): nu s-a schimbat nimic.", "error")
        return redirect(url_for("catalog.edit", draft_id=draft.id))
    if goto == "preview":
        return redirect(url_for("catalog.preview", draft_id=draft.id))
    if goto == "publish":
        return redirect(url_for("catalog.publish", draft_id=draft.id))
    if message:
        flash(message, "success")
    return redirect(url_for("catalog.edit", draft_id=draft.id) + (f"#{anchor}" if anchor else ""))


@bp.route("/catalog/draft/<int:draft_id>/discard", methods=["POST"])
def discard(draft_id):
    draft = _draft(draft_id)
    drafts().delete(draft.id)
    flash("Ciorna a fost ștearsă; versiunile publicate au rămas neschimbate.", "success")
    return redirect(url_for("catalog.index"))


def _preview_office(doc):
    """The office the draft describes, or None while it cannot be built."""
    try:
        return office_from_document(editor.publishable(doc))
    except Exception:  # a draft with problems: the page lists them instead
        return None


@bp.route("/catalog/draft/<int:draft_id>/preview")
def preview(draft_id):
    draft = _draft(draft_id)
    problems = _problems(draft)
    office = _preview_office(draft.doc)
    form = report = None
    if office is not None:
        Form = form_class(office)  # cached by value: a draft never gets another layout's form
        form = Form(meta={"csrf": False}, formdata=None)
        period = Period.week_of(today())
        report = build_report(Catalog((office,)), Tally({}, {}, {}), period, offices=[office.slug], today=today())
    return render_template("catalog/preview.html", draft=draft, office=office, form=form, report=report,
                           problems=problems)


@bp.route("/catalog/draft/<int:draft_id>/publish", methods=["GET", "POST"])
def publish(draft_id):
    draft = _draft(draft_id)
    current = week_of(today())
    chosen = current
    status, conflict, problems, refused = 200, None, _problems(draft), ""
    changes = _changes(draft)
    latest = _latest_info(draft.slug)
    unchanged = not draft.is_new and not changes and not problems and latest and latest.version == draft.base
    if request.method == "POST":
        single_fields()
        chosen = (request.form.get("effective") or current).strip()
        if chosen not in dict(_weeks_offered(current)):
            abort(400, description="Săptămâna aleasă nu este una dintre cele oferite.")
    if request.method == "POST" and unchanged:
        status = 400
        refused = (f"Nu s-a publicat: ciorna nu schimbă nimic față de versiunea {draft.base}. "
                   "Modificați ciorna sau renunțați la ea.")
    elif request.method == "POST":
        try:
            info = catalogs().publish(editor.publishable(draft.doc), effective=chosen, by=_me(), base=draft.base,
                                      office=draft.slug or None)
        except CatalogInvalid as exc:
            status = 400
            problems = [{"path": p.path, "field": editor.field_of(p.path) or "work-types", "message": p.message}
                        for p in exc.problems]
        except CatalogConflict as exc:
            status, conflict = 409, exc
        else:
            drafts().delete(draft.id)
            flash(f"Versiunea {info.version} a biroului „{info.title}” a fost publicată; se aplică din "
                  f"{week_label(info.effective)}.", "success")
            return redirect(url_for("catalog.history", slug=info.slug))
    return render_template("catalog/publish.html", draft=draft, weeks=_weeks_offered(current), chosen=chosen,
                           current=current, problems=problems, conflict=conflict, changes=changes, refused=refused,
                           when=when, week_label=week_label), status


def _changes(draft) -> list[str]:
    """What publishing the draft changes (diff_documents lines); [] while it
    cannot be read as a document (its problems are listed instead)."""
    base_doc = catalogs().document(draft.slug, draft.base) if draft.slug and draft.base else None
    try:
        return diff_documents(base_doc, normalize_document(editor.publishable(draft.doc)))
    except (KeyError, TypeError, AttributeError, ValueError):
        return []


@bp.route("/catalog/draft/<int:draft_id>/rebase", methods=["POST"])
def rebase(draft_id):
    """Carry the draft over to the latest version: its own changes kept,
    the other admin's taken in (forms/editor.py merge)."""
    draft = _draft(draft_id)
    latest = _latest_info(draft.slug)
    if latest is None or draft.is_new:
        abort(400, description="Ciorna unui birou nou nu are o versiune pe care să fie mutată.")
    if latest.version == draft.base:
        flash("Ciorna pornește deja de la ultima versiune.", "info")
        return redirect(url_for("catalog.edit", draft_id=draft.id))
    base_doc = catalogs().document(draft.slug, draft.base) if draft.base else {}
    merged, notes = editor.merge(base_doc, draft.doc, catalogs().document(draft.slug))
    editor.assign_ids(merged, _published_ids(draft.slug))
    drafts().save(draft.id, merged, base=latest.version)
    flash(f"Ciorna pornește acum de la versiunea {latest.version} (publicată de {latest.published_by}): "
          "modificările ei sunt incluse, ale dumneavoastră păstrate.", "success")
    for note in notes:
        flash(note, "info")
    return redirect(url_for("catalog.edit", draft_id=draft.id))


@bp.route("/catalog/<slug>/history")
def history(slug):
    versions = _history(slug)
    if not versions:
        abort(404, description=f"Biroul „{slug}” nu există.")
    numbers = [v.version for v in versions]

    def version_arg(name, default):
        try:
            value = int(request.args.get(name, default))
        except ValueError:
            abort(400, description="Alegeți versiunile din listă.")
        if value not in numbers:
            abort(400, description=f"Biroul nu are versiunea {value}.")
        return value

    newest = numbers[0]
    b = version_arg("to", newest)
    a = version_arg("from", max(1, b - 1) if b > 1 else b)
    old, new = catalogs().document(slug, a), catalogs().document(slug, b)
    lines = diff_documents(old, new) if a != b else []
    mine = drafts().find(_me(), slug)
    return render_template("catalog/history.html", slug=slug, versions=versions, a=a, b=b, lines=lines,
                           title=versions[0].title, draft=mine, week_label=week_label, when=when)

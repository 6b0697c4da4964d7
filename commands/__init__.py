"""Command line: ``flask --app app catalog|users|store|demo|sheets ...`` and ``python app.py``."""
from __future__ import annotations

import secrets
import sys
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from werkzeug.datastructures import MultiDict

from forms import CatalogError, load_catalog
from state.users import ROLES, UserError

catalog_cli = AppGroup("catalog", help="Check, export and import the catalog of activities.")
users_cli = AppGroup("users", help="Manage users (stored in the instance folder).")
store_cli = AppGroup("store", help="The local store (instance/entries.sqlite3).")

DEMO_USERS = [  # username, role, offices
    ("presa1", "clerk", ("presa",)), ("presa2", "clerk", ("presa",)),
    ("consiliere1", "clerk", ("consiliere",)), ("consiliere2", "clerk", ("consiliere",)),
    ("sef", "supervisor", ()),
]


@catalog_cli.command("check", with_appcontext=False)
@click.option("--dir", "folder", default=None, help="Catalog folder (default: FLASK_CATALOG_DIR or forms/).")
def catalog_check(folder):
    """Validate every office file; exit 1 naming the file and field on error.

    Runs without building the app, so it works on the very catalog that
    stops the app from starting."""
    import os

    from settings import default

    folder = folder or os.environ.get("FLASK_CATALOG_DIR") or default("CATALOG_DIR")
    try:
        catalog = load_catalog(folder)
    except CatalogError as exc:
        click.echo(f"Catalog invalid: {exc}", err=True)
        sys.exit(1)
    for office in catalog.offices:
        click.echo(f"{office.source}: {office.slug} — {office.title}: "
                   f"{len(office.work_types)} lucrări specifice, {len(office.activities)} activități")
    click.echo("Catalog valid.")


def _yaml(doc: dict, info) -> str:
    """One office as YAML, with the version it was exported from (``version``:
    what ``catalog import`` takes as its base)."""
    import yaml

    head = (f"# {info.slug}: versiunea {info.version}, în vigoare din {info.effective}, publicată de "
            f"{info.published_by} la {info.published_when}\n")
    class Dumper(yaml.SafeDumper):
        pass

    def short_list(dumper, data):  # counters: [lucrari, documente], as the seed files write them
        flow = all(isinstance(x, str) for x in data)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)

    Dumper.add_representer(list, short_list)
    return head + yaml.dump({"version": info.version, **doc}, Dumper=Dumper, allow_unicode=True, sort_keys=False,
                            width=100)


@catalog_cli.command("export")
@click.argument("slug", required=False)
def catalog_export(slug):
    """Write the latest version of office SLUG (or of every office, as YAML
    documents separated by ---) to stdout: the exchange format."""
    catalogs = current_app.extensions["catalogs"]
    infos = catalogs.offices()
    if slug:
        infos = [i for i in infos if i.slug == slug]
        if not infos:
            raise click.ClickException(f"Biroul „{slug}” nu există.")
    click.echo("---\n".join(_yaml(catalogs.document(i.slug, i.version), i) for i in infos), nl=False)


@catalog_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--effective", default=None, metavar="YYYY-Www",
              help="The first ISO week the version applies to (default: the current week).")
@click.option("--by", "by", default=None, help="Who publishes (default: the system user's name).")
def catalog_import(file, effective, by):
    """Validate FILE (one office, or several as YAML documents) with the
    editor's rules and publish each office as a new version.

    A ``version: N`` field (written by ``catalog export``) is the version the
    file was edited from: if the office has a newer one, the import is
    refused as a conflict, listing that version's changes. Without it the
    file is based on the latest version. Nothing is published unless every
    document is valid. Exit 1 on problems or a conflict."""
    import getpass
    from pathlib import Path

    import yaml

    from forms.catalog import diff_documents, normalize_document
    from state.catalogs import CatalogConflict, CatalogInvalid, parse_week

    catalogs = current_app.extensions["catalogs"]
    name = Path(file).name
    if effective:
        try:
            effective = parse_week(effective)
        except ValueError as exc:
            raise click.ClickException(str(exc))
    try:
        docs = [d for d in yaml.safe_load_all(Path(file).read_text(encoding="utf-8")) if d is not None]
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"rândul {mark.line + 1}" if mark else "document"
        click.echo(f"{name}: {where}: YAML greșit ({getattr(exc, 'problem', None) or exc})", err=True)
        sys.exit(1)
    if not docs:
        click.echo(f"{name}: document: fișierul nu conține niciun birou.", err=True)
        sys.exit(1)
    known = {i.slug: i for i in catalogs.offices()}
    plans, failed = [], False
    for k, doc in enumerate(docs):
        where = name if len(docs) == 1 else f"{name} (documentul {k + 1})"
        doc = dict(doc) if isinstance(doc, dict) else doc
        base = doc.pop("version", None) if isinstance(doc, dict) else None
        slug = doc.get("slug") if isinstance(doc, dict) else None
        if base is not None and (not isinstance(base, int) or isinstance(base, bool) or base < 1):
            failed = True
            click.echo(f"{where}: version: „{base}” nu este un număr de versiune; lăsați linia scrisă de "
                       "catalog export (sau ștergeți-o: fișierul se aplică ultimei versiuni).", err=True)
            plans.append((where, doc, base))
            continue
        if base is None and isinstance(slug, str) and slug in known:
            base = known[slug].version
        problems = catalogs.check(doc, base=base if isinstance(slug, str) and slug in known else None)
        if problems:
            failed = True
            for p in problems:
                click.echo(f"{where}: {p}", err=True)
        plans.append((where, doc, base))
    if failed:
        click.echo("Catalog invalid: nu s-a publicat nimic.", err=True)
        sys.exit(1)
    by = by or getpass.getuser() or "cli"
    for where, doc, base in plans:
        slug = doc["slug"]
        if slug in known and base == known[slug].version and not diff_documents(
                catalogs.document(slug), normalize_document(doc)):
            click.echo(f"{where}: {slug} — nicio schimbare față de versiunea {base}; nu s-a publicat nimic.")
            continue
        try:
            info = catalogs.publish(doc, effective=effective, by=by, base=base if slug in known else None)
        except CatalogInvalid as exc:
            for p in exc.problems:
                click.echo(f"{where}: {p}", err=True)
            sys.exit(1)
        except CatalogConflict as exc:
            cur = exc.current
            click.echo(f"{where}: conflict: {slug} are între timp versiunea {cur.version}, publicată de "
                       f"{cur.published_by} la {cur.published_when}; fișierul pornește de la versiunea {base}. "
                       "Schimbările ei:", err=True)
            for line in exc.changes:
                click.echo(f"  {line}", err=True)
            click.echo("Exportați din nou (flask --app app catalog export), refaceți modificarea și importați.",
                       err=True)
            sys.exit(1)
        click.echo(f"{where}: {info.slug} — versiunea {info.version}, în vigoare din {info.effective}, "
                   f"publicată de {info.published_by}.")


def _users():
    return current_app.extensions["users"]


@contextmanager
def _user_errors():
    """A UserError (its message is for the person typing) ends the command."""
    try:
        yield
    except UserError as exc:
        raise click.ClickException(str(exc))


@users_cli.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--service", "services", multiple=True,
              help="Office slug (repeat for several): a clerk's offices, or the only offices a supervisor "
                   "sees and corrects (none: every office).")
@click.option("--full-name", default="", help="The person's full name, shown on /users.")
@click.option("--no-change-required", is_flag=True,
              help="The password is the user's own (typed by them): no new one is asked at the first sign-in.")
@click.password_option("--password", prompt="Parola", confirmation_prompt="Confirmați parola")
def users_add(username, role, services, full_name, no_change_required, password):
    """Add a user; the password is asked twice (or read from stdin). The
    user chooses a new one at the first sign-in (unless --no-change-required)."""
    with _user_errors():
        user = _users().add(username, password, role, services, current_app.extensions["catalog"].slugs,
                            full_name=full_name, must_change=not no_change_required)
    click.echo(f"Added {user.username} ({user.role}: {_scope(user)}).")


def _scope(user) -> str:
    return "all offices" if user.all_offices else ", ".join(user.offices)


@users_cli.command("list")
def users_list():
    """One line per user: name, role, offices, state[, full name][, lock]."""
    from state.throttle import LoginThrottle

    everyone = _users().all()
    locks = LoginThrottle(current_app.extensions["state"], current_app.config).states([u.username for u in everyone])
    for u in everyone:
        offices = "all" if u.all_offices else ",".join(u.offices)
        line = f"{u.username}\t{u.role}\t{offices}\t{'disabled' if u.disabled else 'active'}"
        if u.full_name:
            line += f"\t{u.full_name}"
        lock = locks.get(u.username)
        if lock:
            line += f"\t{'locked' if lock.wait else 'failed sign-ins'}: {lock.failures}"
        click.echo(line)


@users_cli.command("set-password")
@click.argument("username")
@click.password_option("--password", prompt="Parola nouă", confirmation_prompt="Confirmați parola")
def users_set_password(username, password):
    """Set a password the user must replace at the next sign-in."""
    with _user_errors():
        _users().set_password(username, password, must_change=True)
    click.echo(f"Password of {username} changed; their sessions are closed; they choose a new one at sign-in.")


@users_cli.command("disable")
@click.argument("username")
def users_disable(username):
    with _user_errors():
        _users().set_disabled(username, True)
    click.echo(f"{username} disabled; their sessions are closed.")


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username):
    """Lift the sign-in block of an account (its failed sign-ins are forgotten)."""
    from state.throttle import LoginThrottle

    with _user_errors():
        if _users().get(username) is None:
            raise UserError(f"Utilizatorul „{username}” nu există.")
    n = LoginThrottle(current_app.extensions["state"], current_app.config).unlock(username)
    click.echo(f"{username} unlocked ({n} failed sign-ins forgotten).")


@users_cli.command("end-sessions")
@click.argument("username")
def users_end_sessions(username):
    """Sign the user out everywhere (their session and "remember me" cookies stop working)."""
    with _user_errors():
        n = _users().end_sessions(username)
    click.echo(f"{n} session(s) of {username} ended.")


def ensure_admin(app) -> str | None:
    """On a fresh instance, create ``admin`` with a one-time random password
    and return it; ``None`` when users exist already."""
    users = app.extensions["users"]
    if users.count():
        return None
    password = secrets.token_urlsafe(12)
    users.add("admin", password, "admin", must_change=True)  # printed once: replaced at the first sign-in
    return password


def demo_week(app):
    """The week the demo fills: the latest complete week before today, so
    its report (and "Zilnic") is whole on any date, holidays included."""
    from domain.periods import last_complete_week

    return last_complete_week(app.extensions["clock"].today())


def load_demo(app) -> list[tuple[str, str | None]]:
    """Load the seed week into ``demo_week``; create the demo accounts.

    Returns [(username, password or None if it existed)]. Idempotent: rows
    have stable ids, so loading twice replaces, never duplicates.
    """
    import demo
    from forms.entry import form_class, rows_from_form

    catalog = app.extensions["catalog"]
    store = app.extensions["store"]
    users = app.extensions["users"]
    accounts = []
    # demo clerks stand for people who were there before the demo week and
    # the 11 weeks of history the screenshots load
    since = datetime.combine(demo_week(app).start - timedelta(weeks=12), datetime.min.time(), timezone.utc).isoformat()
    for username, role, offices in DEMO_USERS:
        offices = tuple(s for s in offices if s in catalog.slugs)
        if role == "clerk" and not offices:
            continue
        if users.get(username):
            accounts.append((username, None))
            continue
        password = secrets.token_urlsafe(9)
        users.add(username, password, role, offices, created_at=since)
        accounts.append((username, password))
    days = demo_week(app).working_days
    with app.test_request_context():
        figures = demo.seed_figures()
        for office in catalog.offices:
            clerks = [u for u, role, offices in DEMO_USERS if office.slug in offices]
            if not clerks or office.slug not in figures:
                continue
            Form = form_class(office)
            for (day, clerk), data in demo.day_forms(office, days, clerks, figures[office.slug]).items():
                form = Form(formdata=MultiDict(data), meta={"csrf": False})
                if not form.validate():
                    raise click.ClickException(f"demo figures invalid for {office.slug}: {form.errors}")
                store.save_day(office.slug, day, clerk, rows_from_form(form, office, day, clerk))
    return accounts


def demo_message(app, base: str = "") -> str:
    """Where to look: the week the demo filled, by name and link."""
    week = demo_week(app)
    return (f"Demo loaded in {week.title}: open the weekly report of that week, "
            f"{base}/report?week={week.slug}")


@click.command("demo")
@with_appcontext
def demo_command():
    """Load the seed document's week into the current week, with demo accounts."""
    for username, password in load_demo(current_app):
        click.echo(f"  {username}: {password}" if password else f"  {username}: (exists, password unchanged)")
    click.echo(demo_message(current_app))


@store_cli.command("recount")
@with_appcontext
def store_recount():
    """Rebuild the week sums and clerk-days the reports read from the rows
    (after rows were edited by hand, e.g. INSERT OR REPLACE in the sqlite3
    shell); the running app sees them at once."""
    rebuild = getattr(current_app.extensions["store"], "rebuild_summaries", None)
    if rebuild is None:
        raise click.ClickException("Doar stocarea locală (SQLite) are sume de recalculat.")
    rebuild()
    click.echo("Sumele săptămânale și funcționarii pe zile au fost recalculate din rânduri.")


def init_app(app):
    app.cli.add_command(catalog_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(store_cli)
    app.cli.add_command(demo_command)
    try:
        from commands.sheets import sheets_cli
    except ImportError:  # the Google backend's commands
        return
    app.cli.add_command(sheets_cli)


def main(argv=None):
    """``python app.py [--demo] [--host H] [--port P]``: start the app."""
    import argparse

    from app import create_app

    parser = argparse.ArgumentParser(description="Start the weekly activity reporting app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--demo", action="store_true", help="load the seed week and demo accounts")
    args = parser.parse_args(argv)
    from sheets import ConfigError

    try:
        app = create_app()
    except CatalogError as exc:
        sys.exit(f"Catalog invalid: {exc}")
    except ConfigError as exc:
        sys.exit(f"Settings invalid: {exc}")
    password = ensure_admin(app)
    if password:
        print(f"\nFirst start: created user 'admin' with password: {password}\n"
              "The first sign-in asks for a new one.\n")
    if args.demo:
        print("Demo accounts (clerks of Presă and Consiliere, and a supervisor):")
        for username, pw in load_demo(app):
            print(f"  {username}: {pw}" if pw else f"  {username}: (exists, password unchanged)")
        print(demo_message(app, f"http://{args.host}:{args.port}"))
    print(f"Open http://{args.host}:{args.port}/")
    app.run(host=args.host, port=args.port)

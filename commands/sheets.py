"""``flask --app app sheets init|sync|status|year``: the Google backend's commands."""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup

sheets_cli = AppGroup("sheets", help="Google Sheets backend: worksheets and the outbox.")


def _google_store():
    store = current_app.extensions["store"].sync_queue
    if store is None:
        click.echo("SHEETS_BACKEND is 'local': rows are kept in the instance folder; "
                   "there is no spreadsheet and no outbox.")
        return None
    return store


def _when(epoch) -> str:
    if not epoch:
        return "-"
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


@sheets_cli.command("init")
@click.option("--year", type=int, default=None, help="Only that year's spreadsheet (see `sheets year`).")
def init_command(year):
    """Create each office's worksheet (bold, frozen header) if missing; complete headers."""
    from sheets import StoreError
    from sheets.google.client import Failure

    store = _google_store()
    if store is None:
        return
    if year is not None:
        store = current_app.extensions["store"].for_year(year)
    try:
        lines = store.init()
    except (Failure, StoreError) as exc:
        click.echo(f"Google Sheets unreachable: {exc}", err=True)
        sys.exit(1)
    for line in lines:
        click.echo(line)
    click.echo(f"Spreadsheet {store.spreadsheet_id}: {len(lines)} worksheet(s) ready.")


@sheets_cli.command("sync")
@click.option("--max-seconds", type=float, default=60.0, show_default=True,
              help="Give up waiting for backoffs after this long.")
def sync_command(max_seconds):
    """Deliver the outbox now; exit 1 if any operation failed."""
    store = _google_store()
    if store is None:
        return
    result = store.sync(max_seconds=max_seconds)
    click.echo(f"delivered: {result['delivered']}, pending: {result['pending']}, failed: {result['failed']}")
    lease = store.lease_holder()
    if result["pending"] and lease:
        click.echo(f"another process is sending (lease held by {lease[0]} until {_when(lease[1])})")
    if result["failed"]:
        for op in store.ops(statuses=("failed",)):
            click.echo(f"  failed #{op.id} {op.kind} {op.office} after {op.attempts} attempts: {op.last_error}")
        click.echo("Retry them on the page Date > Sincronizare once the cause is fixed.", err=True)
        sys.exit(1)


@sheets_cli.command("status")
def status_command():
    """Outbox counts, the sender's lease and the known worksheets (no network call)."""
    store = _google_store()
    if store is None:
        return
    s = store.status()
    c = s["counts"]
    click.echo(f"spreadsheet: {s['spreadsheet_id']}" + (f" (emulator at {s['emulator']})" if s["emulator"] else ""))
    click.echo(f"outbox: pending {c['pending']}, failed {c['failed']}, delivered {c['delivered']}, "
               f"superseded {c['superseded']}, dropped {c['dropped']}")
    if s["next_due"] is not None:
        click.echo(f"next attempt: {_when(s['next_due'])}")
    if s["lease"]:
        click.echo(f"sender lease: {s['lease'][0]} until {_when(s['lease'][1])}")
    for slug, (sheet_id, title) in sorted(s["worksheets"].items()):
        click.echo(f"worksheet {slug}: '{title}' (sheetId {sheet_id}) {current_app.extensions['store'].worksheet_url(slug)}")
    for op in store.ops():
        click.echo(f"  #{op.id} {op.status} {op.kind} {op.office} attempts {op.attempts}"
                   + (f": {op.last_error}" if op.last_error else ""))


@sheets_cli.command("year")
@click.argument("year", type=int, required=False)
@click.argument("spreadsheet", required=False)
def year_command(year, spreadsheet):
    """Give YEAR its own spreadsheet (its id or URL); without SPREADSHEET: show the years."""
    from sheets.google.years import check_year_setting, current_year_caveat

    if _google_store() is None:
        return
    store = current_app.extensions["store"]
    today = current_app.extensions["clock"].today()
    if spreadsheet is None:
        explicit = store.years.explicit()
        years = [year] if year is not None else sorted({*explicit, today.year, today.year + 1})
        for y in years:
            own = "" if y in explicit else " (implicită: GOOGLE_SPREADSHEET_ID)"
            click.echo(f"{y}: {store.years.spreadsheet_for(y)}{own}")
        return
    try:
        year, sid = check_year_setting(year, spreadsheet, today.year)
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    previous = store.years.spreadsheet_for(year)
    store.years.set(year, sid, "flask sheets year", current_app.extensions["clock"].iso())
    click.echo(f"Anul {year}: foaia de calcul {sid}." + ("" if previous == sid else
                                                          current_year_caveat(year, today.year, previous)))
    click.echo(f"Partajați foaia cu contul de serviciu ({_service_account(store)}) ca Editor, apoi rulați: "
               f"flask --app app sheets init --year {year}")


def _service_account(store) -> str:
    """The service account's e-mail, when the credentials say it."""
    credentials = getattr(store.default.session, "credentials", None)
    return getattr(credentials, "service_account_email", None) or "contul din GOOGLE_CREDENTIALS_FILE"

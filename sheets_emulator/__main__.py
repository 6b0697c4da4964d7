"""CLI: python -m sheets_emulator --port 8089 [--host 127.0.0.1] [--spreadsheet ID ...]
[--sheet TITLE ...] [--locale ro_RO] [--quota-reads N] [--quota-writes N] [--autocreate]
[--auth] [--service-account KEY.json | EMAIL=PUBLIC_KEY.pem ...] [--share EMAIL[=ROLE] ...]
[--token-lifetime SECONDS] [--verbose]

Unknown spreadsheet ids answer 404 NOT_FOUND unless --autocreate is given;
then they are created on first use with a single empty "Sheet1" (sheetId 0),
like a brand-new Google spreadsheet (a spreadsheet cannot have zero sheets).

--auth requires OAuth2 bearer tokens on the Sheets API; tokens come from
``POST http://HOST:PORT/token`` (point the service account's token_uri there).
--service-account registers an account: a Google JSON key file (client_email +
private_key; the public key is derived) or EMAIL=FILE with a public key or
certificate PEM.  --share gives EMAIL access to every pre-created spreadsheet
(role writer by default; owner / reader).
"""

from __future__ import annotations

import argparse
import json
import sys

from .server import EmulatorServer
from .state import SheetsEmulator


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheets_emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089, help="0 picks a free port")
    parser.add_argument("--spreadsheet", action="append", default=[], metavar="ID",
                        help="pre-create a spreadsheet with this id (repeatable)")
    parser.add_argument("--sheet", action="append", default=[], metavar="TITLE",
                        help="sheet titles for pre-created spreadsheets (repeatable; default Sheet1)")
    parser.add_argument("--title", default="Untitled spreadsheet", help="title of pre-created spreadsheets")
    parser.add_argument("--quota-reads", type=int, default=None, metavar="N", help="read requests per minute")
    parser.add_argument("--quota-writes", type=int, default=None, metavar="N", help="write requests per minute")
    parser.add_argument("--autocreate", action="store_true",
                        help="create unknown spreadsheet ids on first use (with one 'Sheet1')")
    parser.add_argument("--locale", default=None, help="locale of pre-created spreadsheets (en_US, ro_RO)")
    parser.add_argument("--auth", action="store_true", help="require OAuth2 bearer tokens (see POST /token)")
    parser.add_argument("--service-account", action="append", default=[], metavar="KEY.json|EMAIL=PEM",
                        help="register a service account allowed to get tokens (repeatable)")
    parser.add_argument("--share", action="append", default=[], metavar="EMAIL[=ROLE]",
                        help="share pre-created spreadsheets with EMAIL (role writer|owner|reader; repeatable)")
    parser.add_argument("--token-lifetime", type=float, default=None, metavar="SECONDS",
                        help="access token lifetime (default 3600)")
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    args = parser.parse_args(argv)

    emulator = SheetsEmulator(autocreate=args.autocreate)
    for spec in args.service_account:
        if "=" in spec and not spec.endswith(".json"):
            email, path = spec.split("=", 1)
            with open(path, "rb") as fh:
                emulator.register_service_account(email, fh.read())
        else:
            with open(spec, encoding="utf-8") as fh:
                info = json.load(fh)
            emulator.register_service_account(info["client_email"], info["private_key"],
                                              key_id=info.get("private_key_id"))
    if args.auth or args.token_lifetime is not None:
        emulator.enable_auth(args.auth, token_lifetime=args.token_lifetime)
    for ssid in args.spreadsheet:
        emulator.create_spreadsheet(ssid, title=args.title, sheets=tuple(args.sheet) or ("Sheet1",),
                                    locale=args.locale)
        for share in args.share:
            email, _, role = share.partition("=")
            emulator.share_spreadsheet(email, role or "writer", spreadsheet_id=ssid)
    if args.quota_reads is not None or args.quota_writes is not None:
        emulator.set_quota(args.quota_reads, args.quota_writes)

    server = EmulatorServer(emulator, host=args.host, port=args.port, quiet=not args.verbose)
    print("SHEETS_EMULATOR_HOST=%s" % server.host, flush=True)
    print("Sheets emulator listening on %s (control: %s/__emulator/counts)" % (server.url, server.url),
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

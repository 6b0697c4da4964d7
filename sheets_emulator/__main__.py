"""CLI: python -m sheets_emulator --port 8089 [--host 127.0.0.1] [--spreadsheet ID ...]
[--sheet TITLE ...] [--quota-reads N] [--quota-writes N] [--autocreate] [--verbose]

Unknown spreadsheet ids answer 404 NOT_FOUND unless --autocreate is given;
then they are created on first use with a single empty "Sheet1" (sheetId 0),
like a brand-new Google spreadsheet (a spreadsheet cannot have zero sheets).
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--verbose", action="store_true", help="log every HTTP request to stderr")
    args = parser.parse_args(argv)

    emulator = SheetsEmulator(autocreate=args.autocreate)
    for ssid in args.spreadsheet:
        emulator.create_spreadsheet(ssid, title=args.title, sheets=tuple(args.sheet) or ("Sheet1",))
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

"""HTTP front-end: Sheets v4 paths, the OAuth2 token endpoint (``POST /token``) and
JSON control endpoints under /__emulator/."""

from __future__ import annotations

import gzip
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, Optional, Tuple
from dataclasses import replace
from urllib.parse import parse_qs

from .api import route
from .auth import TOKEN_PATHS
from .model import ApiError
from .state import SheetsEmulator

CONTROL_PREFIX = "/__emulator/"


def pretty_print(query: Dict[str, List[str]]) -> bool:
    """Google's ``prettyPrint`` system parameter (every API): true by default."""
    values = query.get("prettyPrint")
    return not values or values[-1].strip().lower() not in ("false", "0")


def _control_table(emu: SheetsEmulator) -> Dict[Tuple[str, str], Callable[..., Any]]:
    """(method, name) -> callable(**kwargs) for the control surface."""

    def create(spreadsheet_id=None, title="Untitled spreadsheet", sheets=("Sheet1",)):
        return {"spreadsheetId": emu.create_spreadsheet(spreadsheet_id, title, tuple(sheets))}

    def ok(fn):
        def wrapper(**kw):
            fn(**kw)
            return {"ok": True}

        return wrapper

    def values(title, spreadsheet_id=None, render="FORMATTED_VALUE"):
        return {"values": emu.get_values(title, render=render, spreadsheet_id=spreadsheet_id)}

    def auth(enabled=True, token_lifetime=None):
        emu.enable_auth(enabled, token_lifetime=token_lifetime)
        return emu.auth_state()

    return {
        ("GET", "auth"): emu.auth_state,
        ("POST", "auth"): auth,
        ("POST", "service_accounts"): ok(emu.register_service_account),
        ("GET", "service_accounts"): lambda: {"serviceAccounts": emu.service_accounts()},
        ("POST", "service_accounts/delete"): ok(emu.unregister_service_account),
        ("POST", "issue_token"): lambda **kw: {"access_token": emu.issue_token(**kw)},
        ("POST", "revoke_tokens"): lambda **kw: {"revoked": emu.revoke_tokens(**kw)},
        ("POST", "token_faults"): ok(emu.inject_token_fault),
        ("POST", "token_faults/clear"): ok(emu.clear_token_faults),
        ("POST", "share"): ok(emu.share_spreadsheet),
        ("POST", "unshare"): ok(emu.unshare_spreadsheet),
        ("GET", "permissions"): lambda **kw: {"permissions": emu.spreadsheet_permissions(**kw)},
        ("POST", "locale"): ok(emu.set_locale),
        ("POST", "protect"): lambda **kw: {"protectedRangeId": emu.protect_range(**kw)},
        ("POST", "unprotect"): ok(emu.unprotect_range),
        ("GET", "protected_ranges"): lambda **kw: {"protectedRanges": emu.protected_ranges(**kw)},
        ("GET", "counts"): emu.counts,
        ("POST", "counts/reset"): ok(emu.reset_counts),
        ("POST", "reset_counts"): ok(emu.reset_counts),
        ("POST", "reset"): ok(emu.reset),
        ("GET", "spreadsheets"): lambda: {"spreadsheetIds": emu.spreadsheet_ids()},
        ("POST", "spreadsheets"): create,
        ("GET", "quota"): emu.quota,
        ("POST", "quota"): ok(emu.set_quota),
        ("POST", "inject"): ok(emu.inject),
        ("POST", "storm"): ok(emu.storm),
        ("GET", "faults"): lambda: {"faults": emu.pending_faults()},
        ("POST", "faults/clear"): ok(emu.clear_faults),
        ("POST", "clear_faults"): ok(emu.clear_faults),
        ("GET", "log"): lambda: {"requests": emu.request_log()},
        ("GET", "values"): values,
        ("GET", "cell"): lambda **kw: {"value": emu.get_cell(**kw)},
        ("GET", "format"): lambda **kw: {"format": emu.get_format(**kw)},
        ("GET", "sheet"): lambda **kw: {"properties": emu.sheet_properties(**kw)},
        ("POST", "set_cell"): ok(emu.set_cell),
        ("POST", "insert_rows"): ok(emu.insert_rows),
        ("POST", "delete_rows"): ok(emu.delete_rows),
        ("POST", "move_column"): ok(emu.move_column),
        ("POST", "insert_column"): ok(emu.insert_column),
        ("POST", "rename_sheet"): ok(emu.rename_sheet),
        ("POST", "sort_rows"): ok(emu.sort_rows),
        ("POST", "add_sheet"): lambda **kw: {"sheetId": emu.add_sheet(**kw)},
        ("POST", "delete_sheet"): ok(emu.delete_sheet),
        ("POST", "resize"): ok(emu.resize),
    }


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "SheetsEmulator/1"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this

    emulator: SheetsEmulator  # set on the subclass built by make_handler()
    controls: Dict[Tuple[str, str], Callable[..., Any]]
    quiet: bool = True

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)

    # -- plumbing
    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send_json(self, status: int, payload: Any, pretty: bool = True,
                   headers: Optional[Dict[str, str]] = None) -> None:
        """Pretty-printed JSON like Google's default; compact with ``prettyPrint=false``."""
        if pretty:
            text = json.dumps(payload, ensure_ascii=False, indent=2)
        else:
            text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        body = text.encode("utf-8")
        if self._wants_gzip():
            body = gzip.compress(body, compresslevel=6)
            headers = {**(headers or {}), "Content-Encoding": "gzip"}
        self._send(status, body, "application/json; charset=UTF-8", headers)

    def _wants_gzip(self) -> bool:
        """Google gzips a response when the request accepts it *and* its
        User-Agent contains "gzip" (developers.google.com/sheets/api/guides/performance)."""
        accept = (self.headers.get("Accept-Encoding") or "").lower()
        agent = (self.headers.get("User-Agent") or "").lower()
        return "gzip" in accept and "gzip" in agent

    def _send(self, status: int, body: bytes, content_type: str, headers: Optional[Dict[str, str]] = None) -> None:
        reason = self.responses.get(status, ("",))[0]
        extra = "".join("%s: %s\r\n" % kv for kv in (headers or {}).items())
        head = (
            "HTTP/1.1 %d %s\r\n"
            "Content-Type: %s\r\n"
            "Content-Length: %d\r\n"
            "Server: %s\r\n"
            "Date: %s\r\n"
            "Vary: Origin, X-Origin, Referer\r\n"
            "%s"
            "\r\n" % (status, reason, content_type, len(body), self.server_version, self.date_time_string(), extra)
        )
        self.log_request(status, len(body))
        self.wfile.write(head.encode("latin-1") + body)

    def _send_error(self, error: ApiError, pretty: bool = True) -> None:
        """Google's JSON error envelope, or the front end's HTML page (502/504 faults)."""
        if error.html is not None:
            self._send(error.code, error.html.encode("utf-8"), "text/html; charset=UTF-8", error.headers)
        else:
            self._send_json(error.code, error.envelope(), pretty, error.headers)

    def _drop(self) -> None:
        """Close the TCP connection without writing a single byte."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # -- verbs
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        raw = self._read_body()
        raw_path, _, qs = self.path.partition("?")
        query = parse_qs(qs, keep_blank_values=True)
        if raw_path.startswith(CONTROL_PREFIX):
            self._control(method, raw_path[len(CONTROL_PREFIX):].strip("/"), query, raw)
            return
        if raw_path in TOKEN_PATHS:
            self._token(method, raw_path, raw)
            return
        self._api(method, raw_path, query, raw)

    def _bearer(self, query: Dict[str, List[str]]) -> Optional[str]:
        header = self.headers.get("Authorization") or ""
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        if query.get("access_token"):
            return query["access_token"][-1]
        return None

    def _token(self, method: str, raw_path: str, raw: bytes) -> None:
        """The OAuth2 token endpoint (JWT bearer grant), like https://oauth2.googleapis.com/token."""
        emu = self.emulator
        if method != "POST":
            self._send_json(405, {"error": "invalid_request", "error_description": "Use POST."})
            return
        ctype = (self.headers.get("Content-Type") or "").lower()
        try:
            text = raw.decode("utf-8")
            if "json" in ctype:
                form = {k: str(v) for k, v in (json.loads(text) or {}).items()}
            else:
                form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        except (ValueError, UnicodeDecodeError, AttributeError):
            form = {}
        fault, delay = emu.token_admit()
        if delay:
            time.sleep(delay)
        host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
        own = ["http://%s%s" % (host, p) for p in TOKEN_PATHS] + ["https://%s%s" % (host, p) for p in TOKEN_PATHS]
        status, payload = emu.token_grant(form, own, fault)
        self._send_json(status, payload, headers={"Cache-Control": "no-cache, no-store, max-age=0, must-revalidate",
                                                  "Pragma": "no-cache"})

    def _api(self, method: str, raw_path: str, query: Dict[str, List[str]], raw: bytes) -> None:
        emu = self.emulator
        rt = route(method, raw_path)
        pretty = pretty_print(query)
        rt = replace(rt, ranges=tuple(query.get("ranges", ())), pretty=pretty, token=self._bearer(query),
                     body_bytes=len(raw or b""))
        decision = emu.admit(rt)
        if decision.delay:
            time.sleep(decision.delay)
        if decision.error is not None:
            emu.finish(rt, decision.error.code)
            self._send_error(decision.error, pretty)
            return
        if decision.drop_before:
            emu.finish(rt, None)
            self._drop()
            return
        body: Any = None
        if raw:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                emu.finish(rt, 400)
                self._send_json(400, {"error": {
                    "code": 400,
                    "message": "Invalid JSON payload received. %s" % exc,
                    "status": "INVALID_ARGUMENT",
                }}, pretty)
                return
        status, payload = emu.execute(rt, query, body)
        emu.run_hooks(rt, status)  # a person's edit between this request and the next
        if decision.drop_after:
            emu.finish(rt, None)
            self._drop()
            return
        emu.finish(rt, status)
        self._send_json(status, payload, pretty)

    def _control(self, method: str, name: str, query: Dict[str, List[str]], raw: bytes) -> None:
        fn = self.controls.get((method, name))
        if fn is None:
            self._send_json(404, {"error": "unknown control endpoint %s %s%s" % (method, CONTROL_PREFIX, name)})
            return
        try:
            if method == "GET":
                kwargs = {k: v[-1] for k, v in query.items()}
            else:
                kwargs = json.loads(raw.decode("utf-8")) if raw else {}
                if not isinstance(kwargs, dict):
                    raise ValueError("JSON object expected")
            result = fn(**kwargs)
        except PermissionError as exc:  # a hand edit inside a protected range
            self._send_json(403, {"error": "%s: %s" % (type(exc).__name__, exc)})
            return
        except (TypeError, ValueError, KeyError) as exc:
            self._send_json(400, {"error": "%s: %s" % (type(exc).__name__, exc)})
            return
        self._send_json(200, result if result is not None else {"ok": True})


def make_handler(emulator: SheetsEmulator, quiet: bool = True) -> type:
    return type(
        "SheetsEmulatorHandler",
        (_Handler,),
        {"emulator": emulator, "controls": _control_table(emulator), "quiet": quiet},
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() closes client connections itself (see close_connections)
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._open: set = set()
        self._open_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (its timeout passed while the emulator was slow)
        is normal, as it is for Google: say nothing. Anything else is a bug of
        the emulator and is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Shut down every open client connection (idle keep-alive ones included)."""
        with self._open_lock:
            conns = list(self._open)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class EmulatorServer:
    """Run a SheetsEmulator over HTTP in a daemon thread (port 0 = pick a free one).

    >>> with EmulatorServer() as server:
    ...     session = EmulatorSession(server.host)
    """

    def __init__(self, emulator: Optional[SheetsEmulator] = None, host: str = "127.0.0.1",
                 port: int = 0, quiet: bool = True):
        self.emulator = emulator if emulator is not None else SheetsEmulator()
        self._httpd = _Server((host, port), make_handler(self.emulator, quiet))
        self._thread: Optional[threading.Thread] = None
        bound_host, bound_port = self._httpd.server_address[:2]
        self.port: int = bound_port
        self.host: str = "%s:%d" % (bound_host, bound_port)
        self.url: str = "http://%s" % self.host

    def start(self) -> "EmulatorServer":
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                name="sheets-emulator-%d" % self.port, daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (used by the CLI); stop() from another thread ends it."""
        self._httpd.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        """Stop accepting, close open connections (clients see a connection error)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.close_connections()
        self._httpd.server_close()

    def __enter__(self) -> "EmulatorServer":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

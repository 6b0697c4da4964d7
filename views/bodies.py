"""Request bodies over MAX_CONTENT_LENGTH get a 413 before any view runs,
whatever their encoding.

A body with a Content-Length over the limit is refused by Werkzeug when the
form is read; a chunked body (no Content-Length) was cut at the limit
instead, and the cut form was saved. ``BodyLimit`` reads a chunked body
up to the limit itself: within it, the view gets it whole (with its length);
past it, the request is answered 413 without reading the form.
"""
from __future__ import annotations

import io

from flask import abort, current_app, request

_FLAG = "raportare.body_too_large"


class BodyLimit:
    """WSGI middleware: buffer a body of unknown length, at most ``limit`` bytes."""

    def __init__(self, wsgi_app, app):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        limit = self.app.config.get("MAX_CONTENT_LENGTH")
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if limit and (chunked or environ.get("wsgi.input_terminated")) and not environ.get("CONTENT_LENGTH"):
            body = _read_at_most(environ["wsgi.input"], limit + 1)
            if len(body) > limit:
                environ[_FLAG] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ.pop("wsgi.input_terminated", None)
        return self.wsgi_app(environ, start_response)


def _read_at_most(stream, n: int) -> bytes:
    parts, size = [], 0
    while size < n:
        chunk = stream.read(min(65536, n - size))
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def init_app(app) -> None:
    app.wsgi_app = BodyLimit(app.wsgi_app, app)

    @app.before_request
    def refuse_large_bodies():
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        if request.environ.get(_FLAG) or (limit and (request.content_length or 0) > limit):
            abort(413)  # the Romanian page of views/errors.py

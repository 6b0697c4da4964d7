"""Romanian error pages; no stack trace ever reaches a user."""
from __future__ import annotations

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from sheets import StoreError

TITLES = {
    400: "Cerere greșită",
    403: "Acces interzis",
    404: "Pagina nu există",
    405: "Metodă nepermisă",
    409: "Conflict",
    413: "Cerere prea mare",
    429: "Prea multe încercări",
    500: "Eroare internă",
    503: "Serviciu indisponibil",
}
MESSAGES = {
    400: "Cererea nu a putut fi înțeleasă.",
    403: "Nu aveți drept de acces la această pagină.",
    404: "Pagina căutată nu există.",
    405: "Această adresă nu acceptă metoda folosită.",
    409: "Cererea nu se potrivește cu starea actuală a datelor; nu s-a schimbat nimic.",
    413: "Datele trimise depășesc dimensiunea permisă. Nu s-a salvat nimic.",
    429: "Prea multe încercări. Reveniți peste câteva minute.",
    500: "A apărut o eroare neașteptată. Încercați din nou; dacă se repetă, anunțați administratorul.",
}

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def render_error(code: int, message: str | None = None):
    return render_template(
        "error.html", code=code, title=TITLES.get(code, "Eroare"), message=message or MESSAGES.get(code, "")
    ), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(400, "Formularul a expirat sau nu este valid. Reîncărcați pagina și trimiteți din nou.")

    @app.errorhandler(StoreError)
    def store_error(exc):
        app.logger.warning("Store unavailable: %s", exc)
        return render_error(503, "Foaia de calcul Google nu răspunde acum. Încercați din nou peste un minut.")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        if exc.code is None or exc.code < 400:
            return exc
        description = exc.description if exc.description and exc.description != type(exc).description else None
        response, code = render_error(exc.code, description)
        headers = dict(exc.get_headers()) if exc.code in (405, 429) else {}
        headers.pop("Content-Type", None)
        return response, code, headers

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("Unhandled error")
        return render_error(500)

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

"""The pages, one blueprint per area: sign-in and users (auth), clerks' home
and daily form (entry), supervisors' table and closing weeks (data), the audit trail (audit), the report (report), trends (trends), the
Google sync and problem pages (sync), each year's spreadsheet (years), Google quotas for admins (capacity),
the catalog editor (catalog), and the error pages (errors)."""
from __future__ import annotations


def init_app(app) -> None:
    from . import audit, auth, bodies, capacity, catalog, data, entry, errors, report, sync, trends, years

    bodies.init_app(app)

    catalog.init_app(app)
    for module in (auth, entry, data, audit, report, trends, sync, years, capacity, catalog):
        app.register_blueprint(module.bp)
    errors.init_app(app)

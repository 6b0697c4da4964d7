"""Storage of entry rows: one Protocol (base.py), two backends: local SQLite
(local.py) and Google Sheets (google/)."""
from .base import ReadResult, RowNotFound, Store, StoreError

__all__ = ["ConfigError", "open_store", "ReadResult", "RowNotFound", "Store", "StoreError"]


class ConfigError(Exception):
    """A storage setting is missing or unusable; raised at start-up."""


def open_store(config, instance_path, catalog, clock=None):
    """The store named by ``SHEETS_BACKEND``: ``local`` (default) or ``google``."""
    from pathlib import Path

    backend = (config.get("SHEETS_BACKEND") or "local").strip().lower()
    if backend == "local":
        from .local import LocalStore

        return LocalStore(Path(instance_path) / "entries.sqlite3", clock)
    if backend == "google":
        from .google import open_google_store

        return open_google_store(config, Path(instance_path), catalog, clock)
    raise ConfigError(f"FLASK_SHEETS_BACKEND={backend!r}: expected 'local' or 'google'.")

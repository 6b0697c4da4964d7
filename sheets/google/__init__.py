"""The Google Sheets backend: one worksheet per office, a durable outbox, and
the only module that imports gspread (client.py)."""
from .config import open_google_store
from .store import FRESH_MIN_AGE, GoogleStore

__all__ = ["FRESH_MIN_AGE", "GoogleStore", "open_google_store"]

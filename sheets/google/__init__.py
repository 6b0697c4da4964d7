"""The Google Sheets backend: one worksheet per office, a durable outbox, and
the only module that imports gspread (client.py)."""
from .store import FRESH_MIN_AGE, GoogleStore, open_google_store

__all__ = ["FRESH_MIN_AGE", "GoogleStore", "open_google_store"]

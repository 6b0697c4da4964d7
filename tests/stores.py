"""How the contract suite builds each backend."""
from __future__ import annotations

from contextlib import contextmanager

from sheets.local import LocalStore

BACKENDS = ["local"]


@contextmanager
def make_store(backend: str, tmp_path):
    if backend == "local":
        yield LocalStore(tmp_path / "entries.sqlite3")
        return
    raise ValueError(backend)

"""The Google store's settings, one object shared by its parts (directory,
reads, sender). ``GoogleStore`` shows each as an attribute of its own
(``store.cache_ttl``...); setting one there changes it for every part."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass
class Tuning:
    cache_ttl: float
    sync_interval: float
    timeout: object  # (connect, read) seconds, or one number for both
    backoff_max: float
    backoff_unit: float
    max_attempts: int
    read_budget: float
    first_read_budget: float
    lease_seconds: float
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    rand: Callable[[], float]

    @property
    def in_flight_seconds(self) -> float:
        """How long a request may still be applied after we gave up on it."""
        t = self.timeout
        return float(sum(t)) if isinstance(t, (tuple, list)) else 2.0 * float(t)

    @property
    def header_max_age(self) -> float:
        """How long column positions seen in a read are trusted for a blind append."""
        return max(60.0, 2 * self.cache_ttl)


class Tuned:
    """A ``Tuning`` field shown as an attribute of the object holding ``tuning``."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, owner=None):
        return self if obj is None else getattr(obj.tuning, self.name)

    def __set__(self, obj, value) -> None:
        setattr(obj.tuning, self.name, value)

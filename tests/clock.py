"""A clock the tests move by hand (for the emulator's quota, caches, backoff)."""
from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now
        self.slept: list[float] = []  # what sleep() was asked, in order

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        """A sleep that only moves this clock (a store's backoff in tests)."""
        self.slept.append(seconds)
        self.now += seconds

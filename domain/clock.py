"""The app's one clock: every "now" and "today" of the app comes from here.

``Clock()`` follows the real time. ``Clock(start=...)`` starts at a chosen
instant and then runs at the real pace, so a server started "on" 1 December
2026 behaves as on that day (tests, demos, screenshots) while sessions,
timeouts and time stamps still move. Tests that need time to stand still
or jump call ``set``/``advance``.

Calling the clock returns seconds since the epoch, like ``time.time``, so
it can be handed to anything that takes a ``clock: Callable[[], float]``.
"""
from __future__ import annotations

import threading
import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

BUCHAREST = ZoneInfo("Europe/Bucharest")


def parse_instant(text: str) -> datetime:
    """``2026-12-01`` (10:00 that day in Bucharest), ``2026-12-01T08:30``
    (Bucharest time) or an ISO date-time with an offset."""
    text = text.strip()
    if len(text) == 10:
        text += "T10:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BUCHAREST)
    return moment


class Clock:
    def __init__(self, start: datetime | str | None = None, *, frozen: bool = False,
                 wall=time.time):
        self._wall = wall
        self._lock = threading.Lock()
        self._frozen = frozen
        self._offset = 0.0
        if isinstance(start, str):
            start = parse_instant(start) if start.strip() else None
        if start is not None:
            self.set(start)

    @property
    def chosen(self) -> bool:
        """True when the clock was set to a chosen instant (not the real time)."""
        return self._frozen or self._offset != 0.0

    def __call__(self) -> float:
        with self._lock:
            return self._offset if self._frozen else self._wall() + self._offset

    def now(self) -> datetime:
        """The current instant, aware, in UTC."""
        return datetime.fromtimestamp(self(), timezone.utc)

    def local_now(self) -> datetime:
        return self.now().astimezone(BUCHAREST)

    def today(self) -> date:
        """Today in Bucharest, whatever the server's time zone."""
        return self.local_now().date()

    def iso(self) -> str:
        """The time stamp written in rows and logs: UTC, ISO, to the second."""
        return self.now().isoformat(timespec="seconds")

    def set(self, moment: datetime | str) -> None:
        if isinstance(moment, str):
            moment = parse_instant(moment)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BUCHAREST)
        with self._lock:
            self._offset = moment.timestamp() - (0.0 if self._frozen else self._wall())

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


def iso_at(seconds: float) -> str:
    """``Clock.iso`` for a time given in seconds since the epoch."""
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds")

"""The sign-in throttle: slows password guessing without locking people out
because of someone else's failures.

*Per account* — after LOGIN_MAX_ATTEMPTS failed sign-ins in a row, each
further try must wait, 15 s, then 30 s, 1 min, 2 min, … up to
LOGIN_WINDOW_SECONDS; tries during a wait are refused without checking the
password. The account is then shown as blocked on /users, where an admin
lifts it (or ``flask --app app users unlock NAME``); a right password
after the wait, or an unlock, clears the count.

*Per address* — a whole office behind one NAT, or every user behind a proxy
not declared in TRUSTED_PROXIES, shares one address, so an address is never
blocked: past LOGIN_ADDRESS_LIMIT failures within LOGIN_WINDOW_SECONDS,
each try from it waits LOGIN_ADDRESS_DELAY seconds before its password is
checked, and the right password of an account that is not itself blocked
still signs in.

Check and record happen in one ``BEGIN IMMEDIATE`` transaction of the state
database, so guesses sent at the same moment to several workers see each
other: at most LOGIN_MAX_ATTEMPTS passwords of one account are checked
before the first wait, however parallel the guessing. Durations use
time.time() (a wait is a length of time, not a date).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

from domain.names import normal

FIRST_WAIT = 15.0  # seconds, after the LOGIN_MAX_ATTEMPTS-th failure; doubles with each further one
KEEP = 86400.0  # failures older than a day are forgotten
_sleep = time.sleep  # the slowing (tests record it)


@dataclass(frozen=True)
class Attempt:
    """A try allowed to check its password: its rows, and whether its address is over its limit."""

    ids: tuple[int, ...]
    slow: bool


@dataclass(frozen=True)
class Blocked:
    """A try refused: the account waits ``seconds`` more."""

    seconds: float


@dataclass(frozen=True)
class AccountState:
    failures: int
    wait: float  # seconds left before the next try is allowed (0: none)


def account_key(username: str) -> str:
    return f"user:{normal(username).casefold()}"


class LoginThrottle:
    def __init__(self, db, config):
        self.db = db
        self.config = config

    @property
    def max_attempts(self) -> int:
        return int(self.config["LOGIN_MAX_ATTEMPTS"])

    def _wait(self, failures: int, last: float | None, now: float) -> float:
        if failures < self.max_attempts or last is None:
            return 0.0
        delay = min(FIRST_WAIT * 2 ** (failures - self.max_attempts), float(self.config["LOGIN_WINDOW_SECONDS"]))
        return max(0.0, last + delay - now)

    def reserve(self, username: str, address: str) -> Attempt | Blocked:
        """Count this try before its password is checked (a success removes
        it again): Blocked when the account must wait."""
        now = time.time()
        account, addr = account_key(username), f"addr:{address or '-'}"
        with self.db.transaction() as con:
            con.execute("DELETE FROM login_attempts WHERE at<?", (now - KEEP,))
            n, last = con.execute("SELECT COUNT(*), MAX(at) FROM login_attempts WHERE key=?", (account,)).fetchone()
            wait = self._wait(n, last, now)
            if wait > 0:
                return Blocked(wait)
            from_addr = con.execute("SELECT COUNT(*) FROM login_attempts WHERE key=? AND at>?",
                                    (addr, now - float(self.config["LOGIN_WINDOW_SECONDS"]))).fetchone()[0]
            ids = tuple(con.execute("INSERT INTO login_attempts (key, at) VALUES (?, ?)", (k, now)).lastrowid
                        for k in (account, addr))
        return Attempt(ids, from_addr >= int(self.config["LOGIN_ADDRESS_LIMIT"]))

    def pause(self, attempt: Attempt) -> None:
        """The slowing of an address over its limit."""
        if attempt.slow:
            _sleep(float(self.config["LOGIN_ADDRESS_DELAY"]))

    def succeeded(self, username: str, attempt: Attempt) -> None:
        """A right password: the account's count starts again; the address
        keeps its failures, less this try."""
        with self.db.transaction() as con:
            con.execute("DELETE FROM login_attempts WHERE key=?", (account_key(username),))
            con.executemany("DELETE FROM login_attempts WHERE rowid=?", [(i,) for i in attempt.ids])

    def unlock(self, username: str) -> int:
        """Forget the account's failures (an admin's „Deblochează”); how many there were."""
        with self.db.transaction() as con:
            return con.execute("DELETE FROM login_attempts WHERE key=?", (account_key(username),)).rowcount

    def states(self, usernames) -> dict[str, AccountState]:
        """username -> its failures and wait, for accounts with failures."""
        now = time.time()
        with self.db.connect() as con:
            counts = {r[0]: (r[1], r[2]) for r in con.execute(
                "SELECT key, COUNT(*), MAX(at) FROM login_attempts WHERE key LIKE 'user:%' AND at>? GROUP BY key",
                (now - KEEP,))}
        out = {}
        for name in usernames:
            n, last = counts.get(account_key(name), (0, None))
            if n:
                out[name] = AccountState(n, self._wait(n, last, now))
        return out


def wait_phrase(seconds: float) -> str:
    """A wait as people say it: "15 secunde", "3 minute" (rounded up)."""
    from domain.romanian import count_phrase

    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return count_phrase(seconds, "secundă", "secunde")
    return count_phrase(math.ceil(seconds / 60), "minut", "minute")

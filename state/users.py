"""Users and roles, kept in the instance folder's state database.

Roles: ``clerk`` (fills and sees only their offices), ``supervisor`` (sees
and corrects their offices: every office when none is given), ``admin``
(every office, and manages users). Passwords are hashed with werkzeug.

Sessions live on the server (table ``sessions``): a sign-in creates a random
token, the cookie carries it (Flask-Login's user id), the table keeps its
SHA-256 and its end. Sign-out, a password change, a disable or an admin's
„Închide sesiunile” delete the rows, so copies of the cookies stop working.
"""
from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata
from dataclasses import dataclass, replace

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from domain.names import look_alike, mixes_scripts, normal
from state.db import StateDB

ROLES = ("clerk", "supervisor", "admin")
ROLE_LABELS = {"clerk": "funcționar", "supervisor": "șef de serviciu", "admin": "administrator"}
MIN_PASSWORD = 10
MAX_FULL_NAME = 100
ALL_OFFICES = "toate serviciile"


class UserError(ValueError):
    """A user operation was refused; the message is Romanian, for people."""


@dataclass(frozen=True)
class User(UserMixin):
    username: str
    role: str
    offices: tuple[str, ...]
    disabled: bool = False
    session_version: int = 1
    full_name: str = ""
    must_change: bool = False
    token: str = ""  # the session this user object was loaded for (empty: none)
    created_at: str = ""  # ISO UTC, from the app clock when the account was added

    def get_id(self) -> str:
        """Flask-Login keeps this in the session and the remember cookie: the
        server-side session's token, never something that outlives it."""
        return self.token

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def all_offices(self) -> bool:
        """A supervisor with no office listed, or an admin: every office."""
        return self.role == "admin" or (self.role == "supervisor" and not self.offices)

    def can_access(self, slug: str) -> bool:
        """Fill the form and see the report and rows of office ``slug``."""
        return self.all_offices or slug in self.offices

    def visible_offices(self, catalog) -> list:
        return [o for o in catalog.offices if self.can_access(o.slug)]


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"Parola trebuie să aibă cel puțin {MIN_PASSWORD} caractere.")


def check_plain_text(text: str, what: str) -> None:
    """No control characters (tab and newline aside) and no bidi controls."""
    from forms.base import bad_character

    bad = bad_character(text)
    if bad:
        raise UserError(f"{what} conține un caracter nepermis ({bad}).")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserStore:
    def __init__(self, db: StateDB):
        self.db = db

    @staticmethod
    def _user(record) -> User:
        offices = tuple(s for s in record["offices"].split(",") if s)
        return User(record["username"], record["role"], offices, bool(record["disabled"]),
                    record["session_version"], record["full_name"], bool(record["must_change"]),
                    created_at=record["created_at"] or "")

    @staticmethod
    def _record(con, username: str):
        """The user whose name is ``username`` up to NFC and case (SQLite's
        NOCASE folds ASCII only: "Ștefan" and "ștefan" are one user)."""
        wanted = normal(username).casefold()
        record = con.execute("SELECT * FROM users WHERE username=?", (normal(username),)).fetchone()
        if record is not None:
            return record
        for r in con.execute("SELECT * FROM users"):
            if normal(r["username"]).casefold() == wanted:
                return r
        return None

    def get(self, username: str) -> User | None:
        with self.db.connect() as con:
            record = self._record(con, username)
        return self._user(record) if record else None

    def all(self) -> list[User]:
        with self.db.connect() as con:
            return [self._user(r) for r in con.execute("SELECT * FROM users ORDER BY username")]

    def count(self) -> int:
        with self.db.connect() as con:
            return con.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    # -- checks shared by add and update ------------------------------------

    @staticmethod
    def _check_name(username: str) -> str:
        username = normal(username)
        if (not username or len(username) > 64 or any(c.isspace() for c in username)
                or any(unicodedata.category(c).startswith("C") for c in username) or "/" in username
                or not username.strip(".")):
            # "/" or a name of dots would break the user's page addresses (/users/<name>/...).
            raise UserError("Numele de utilizator trebuie să aibă 1–64 de caractere, fără spații, "
                            "„/” sau caractere de control, și nu doar puncte.")
        if mixes_scripts(username):
            raise UserError(f"Numele „{username}” amestecă alfabete (de exemplu litere latine și chirilice): "
                            "alegeți un nume scris cu un singur alfabet.")
        return username

    @staticmethod
    def _check_role(role: str, offices, known_offices) -> tuple[str, ...]:
        if role not in ROLES:
            raise UserError(f"Rol necunoscut: {role}. Roluri: {', '.join(ROLES)}.")
        offices = tuple(dict.fromkeys(offices or ()))
        if known_offices is not None:
            unknown = [s for s in offices if s not in known_offices]
            if unknown:
                raise UserError(f"Serviciu necunoscut: {', '.join(unknown)}.")
        if role == "clerk" and not offices:
            raise UserError("Un funcționar trebuie să aparțină cel puțin unui serviciu.")
        return () if role == "admin" else offices

    @staticmethod
    def _check_full_name(full_name: str) -> str:
        full_name = " ".join(normal(full_name or "").split())
        if len(full_name) > MAX_FULL_NAME:
            raise UserError(f"Numele complet are cel mult {MAX_FULL_NAME} de caractere.")
        check_plain_text(full_name, "Numele complet")
        return full_name

    def add(self, username: str, password: str, role: str, offices=(), known_offices=None, *,
            full_name: str = "", must_change: bool = False, created_at: str | None = None) -> User:
        """A new user. ``must_change``: the password was set by someone else
        (an admin, the first start): the user must choose a new one.
        ``created_at``: when the account counts from (ISO; default: now) —
        a clerk's days before it are not theirs to fill."""
        username = self._check_name(username)
        offices = self._check_role(role, offices, known_offices)
        full_name = self._check_full_name(full_name)
        check_password_rules(password)
        with self.db.transaction() as con:
            taken = [r[0] for r in con.execute("SELECT username FROM users")]
            if any(normal(name).casefold() == username.casefold() for name in taken):
                raise UserError(f"Utilizatorul „{username}” există deja.")
            similar = look_alike(username, taken)
            if similar is not None:
                raise UserError(f"Numele „{username}” se confundă ușor cu utilizatorul existent „{similar}”: "
                                "alegeți alt nume.")
            con.execute(
                "INSERT INTO users (username, password_hash, role, offices, created_at, full_name, must_change) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (username, generate_password_hash(password), role, ",".join(offices),
                 created_at or self.db.clock.iso(), full_name, int(must_change)),
            )
        return self.get(username)

    def update(self, username: str, role: str, offices, full_name: str, *, actor: str | None = None,
               known_offices=None) -> User:
        """Change role, offices and full name. No admin demotes themself, and
        the last active admin stays an admin."""
        offices = self._check_role(role, offices, known_offices)
        full_name = self._check_full_name(full_name)
        with self.db.transaction() as con:
            record = self._record(con, username)
            if record is None:
                raise UserError(f"Utilizatorul „{username}” nu există.")
            if record["role"] == "admin" and role != "admin":
                self._keep_an_admin(con, record["username"], actor, "demote")
            con.execute("UPDATE users SET role=?, offices=?, full_name=? WHERE username=?",
                        (role, ",".join(offices), full_name, record["username"]))
        return self.get(username)

    @staticmethod
    def _keep_an_admin(con, username: str, actor: str | None, action: str) -> None:
        """Refuse to take ``username``'s admin rights away (``action``:
        "disable" or "demote") when ``actor`` is that admin or it is the last one."""
        if actor is not None and normal(actor).casefold() == normal(username).casefold():
            raise UserError("Nu vă puteți dezactiva propriul cont (cereți altui administrator)."
                            if action == "disable" else
                            "Nu vă puteți retrage singur rolul de administrator (cereți altui administrator).")
        others = con.execute("SELECT COUNT(*) FROM users WHERE role='admin' AND disabled=0 AND username<>?",
                             (username,)).fetchone()[0]
        if not others:
            raise UserError(f"„{username}” este singurul administrator activ: "
                            + ("contul nu poate fi dezactivat." if action == "disable"
                               else "rolul de administrator nu i se poate retrage."))

    def authenticate(self, username: str, password: str) -> User | None:
        with self.db.connect() as con:
            record = self._record(con, username)
        if record is None:
            check_password_hash(_DUMMY_HASH, password)  # same cost whether or not the user exists
            return None
        if not check_password_hash(record["password_hash"], password) or record["disabled"]:
            return None
        return self._user(record)

    def check_password(self, username: str, password: str) -> bool:
        with self.db.connect() as con:
            record = self._record(con, username)
        return record is not None and check_password_hash(record["password_hash"], password)

    def set_password(self, username: str, password: str, *, must_change: bool = False) -> None:
        """A new password ends every session of the user. ``must_change``:
        someone else chose it, so the user must replace it at sign-in."""
        check_password_rules(password)
        with self.db.transaction() as con:
            record = self._record(con, username)
            if record is None:
                raise UserError(f"Utilizatorul „{username}” nu există.")
            con.execute("UPDATE users SET password_hash=?, must_change=?, session_version=session_version+1 "
                        "WHERE username=?", (generate_password_hash(password), int(must_change), record["username"]))
            con.execute("DELETE FROM sessions WHERE username=?", (record["username"],))

    def set_disabled(self, username: str, disabled: bool = True, *, actor: str | None = None) -> None:
        """Disable (ending every session) or enable again. No admin disables
        themself, and the last active admin cannot be disabled."""
        with self.db.transaction() as con:
            record = self._record(con, username)
            if record is None:
                raise UserError(f"Utilizatorul „{username}” nu există.")
            if disabled and record["role"] == "admin" and not record["disabled"]:
                self._keep_an_admin(con, record["username"], actor, "disable")
            con.execute("UPDATE users SET disabled=?, session_version=session_version+1 WHERE username=?",
                        (int(disabled), record["username"]))
            con.execute("DELETE FROM sessions WHERE username=?", (record["username"],))

    # -- server-side sessions -----------------------------------------------

    def start_session(self, user: User, lifetime: float, remember: bool = False) -> User:
        """A new session of ``user`` lasting ``lifetime`` seconds on the
        server, whatever its cookies say; returns the user bound to it."""
        token = secrets.token_urlsafe(32)
        now = time.time()
        with self.db.transaction() as con:
            con.execute("DELETE FROM sessions WHERE expires<?", (now,))
            con.execute("INSERT INTO sessions (token_hash, username, created, expires, remember) VALUES (?, ?, ?, ?, ?)",
                        (_token_hash(token), user.username, now, now + float(lifetime), int(remember)))
        return replace(user, token=token)

    def load(self, token: str) -> User | None:
        """Flask-Login's loader: the user of a live session, or None."""
        if not token:
            return None
        with self.db.connect() as con:
            session = con.execute("SELECT username, expires FROM sessions WHERE token_hash=?",
                                  (_token_hash(token),)).fetchone()
            if session is None or session["expires"] <= time.time():
                return None
            record = con.execute("SELECT * FROM users WHERE username=?", (session["username"],)).fetchone()
        if record is None or record["disabled"]:
            return None
        return replace(self._user(record), token=token)

    def remembered(self, token: str) -> bool:
        """Whether the session was opened with „Ține-mă minte”."""
        with self.db.connect() as con:
            r = con.execute("SELECT remember FROM sessions WHERE token_hash=?", (_token_hash(token or ""),)).fetchone()
        return bool(r and r["remember"])

    def end_session(self, token: str) -> None:
        if token:
            with self.db.transaction() as con:
                con.execute("DELETE FROM sessions WHERE token_hash=?", (_token_hash(token),))

    def end_sessions(self, username: str, keep: str = "") -> int:
        """End every session of ``username`` (but ``keep``'s); how many ended."""
        with self.db.transaction() as con:
            record = self._record(con, username)
            if record is None:
                raise UserError(f"Utilizatorul „{username}” nu există.")
            return con.execute("DELETE FROM sessions WHERE username=? AND token_hash<>?",
                               (record["username"], _token_hash(keep) if keep else "")).rowcount

    def session_counts(self) -> dict[str, int]:
        """username -> live sessions."""
        with self.db.connect() as con:
            return {r[0]: r[1] for r in con.execute(
                "SELECT username, COUNT(*) FROM sessions WHERE expires>? GROUP BY username", (time.time(),))}


_DUMMY_HASH = generate_password_hash("not a real password, only for timing")

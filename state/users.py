"""Users and roles, kept in the instance folder's state database.

Roles: ``clerk`` (fills and sees only their offices), ``supervisor`` (sees
and corrects every office), ``admin`` (supervisor who also manages users).
Passwords are hashed with werkzeug; ``session_version`` is part of the
Flask-Login id so a password change or a disable ends every session.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_login import UserMixin
from werkzeug.security import check_password_hash, generate_password_hash

from state.db import StateDB

ROLES = ("clerk", "supervisor", "admin")
ROLE_LABELS = {"clerk": "funcționar", "supervisor": "șef de serviciu", "admin": "administrator"}
MIN_PASSWORD = 10


class UserError(ValueError):
    """A user operation was refused; the message is Romanian, for people."""


@dataclass(frozen=True)
class User(UserMixin):
    username: str
    role: str
    offices: tuple[str, ...]
    disabled: bool = False
    session_version: int = 1

    def get_id(self) -> str:
        return f"{self.session_version}:{self.username}"

    @property
    def is_active(self) -> bool:
        return not self.disabled

    @property
    def is_supervisor(self) -> bool:
        return self.role in ("supervisor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def can_access(self, slug: str) -> bool:
        """Fill the form and see the report and rows of office ``slug``."""
        return self.is_supervisor or slug in self.offices

    def visible_offices(self, catalog) -> list:
        return [o for o in catalog.offices if self.can_access(o.slug)]


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Parola trebuie să aibă cel puțin {MIN_PASSWORD} caractere.")


class UserStore:
    def __init__(self, db: StateDB):
        self.db = db

    @staticmethod
    def _user(record) -> User:
        offices = tuple(s for s in record["offices"].split(",") if s)
        return User(record["username"], record["role"], offices, bool(record["disabled"]), record["session_version"])

    def get(self, username: str) -> User | None:
        with self.db.connect() as con:
            record = con.execute("SELECT * FROM users WHERE username=?", (username,)).fetchone()
        return self._user(record) if record else None

    def load(self, user_id: str) -> User | None:
        """Flask-Login's loader: ``"<session_version>:<username>"``."""
        version, _, username = user_id.partition(":")
        user = self.get(username)
        if user is None or str(user.session_version) != version or user.disabled:
            return None
        return user

    def all(self) -> list[User]:
        with self.db.connect() as con:
            return [self._user(r) for r in con.execute("SELECT * FROM users ORDER BY username")]

    def count(self) -> int:
        with self.db.connect() as con:
            return con.execute("SELECT COUNT(*) FROM users").fetchone()[0]

    def add(self, username: str, password: str, role: str, offices=(), known_offices=None) -> User:
        username = username.strip()
        if (not username or len(username) > 64 or any(c.isspace() for c in username)
                or any(unicodedata.category(c).startswith("C") for c in username) or "/" in username
                or not username.strip(".")):
            # "/" or a name of dots would break the user's page addresses (/users/<name>/...).
            raise UserError("Numele de utilizator trebuie să aibă 1–64 de caractere, fără spații, "
                            "„/” sau caractere de control, și nu doar puncte.")
        if role not in ROLES:
            raise UserError(f"Rol necunoscut: {role}. Roluri: {', '.join(ROLES)}.")
        offices = tuple(dict.fromkeys(offices))
        if known_offices is not None:
            unknown = [s for s in offices if s not in known_offices]
            if unknown:
                raise UserError(f"Serviciu necunoscut: {', '.join(unknown)}.")
        if role == "clerk" and not offices:
            raise UserError("Un funcționar trebuie să aparțină cel puțin unui serviciu.")
        check_password_rules(password)
        with self.db.transaction() as con:
            # Row ids fold the clerk's name (str.lower), so "Ștefan" and
            # "ștefan" must be one user; SQLite's NOCASE folds ASCII only.
            taken = [r[0] for r in con.execute("SELECT username FROM users")]
            if any(name.casefold() == username.casefold() for name in taken):
                raise UserError(f"Utilizatorul „{username}” există deja.")
            con.execute(
                "INSERT INTO users (username, password_hash, role, offices, created_at) VALUES (?, ?, ?, ?, ?)",
                (username, generate_password_hash(password), role, ",".join(offices),
                 self.db.clock.iso()),
            )
        return self.get(username)

    def authenticate(self, username: str, password: str) -> User | None:
        with self.db.connect() as con:
            record = con.execute("SELECT * FROM users WHERE username=?", (username.strip(),)).fetchone()
        if record is None:
            check_password_hash(_DUMMY_HASH, password)  # same cost whether or not the user exists
            return None
        if not check_password_hash(record["password_hash"], password) or record["disabled"]:
            return None
        return self._user(record)

    def set_password(self, username: str, password: str) -> None:
        check_password_rules(password)
        self._update(username, "password_hash=?, session_version=session_version+1", generate_password_hash(password))

    def set_disabled(self, username: str, disabled: bool = True) -> None:
        self._update(username, "disabled=?, session_version=session_version+1", int(disabled))

    def _update(self, username: str, assignment: str, value) -> None:
        with self.db.transaction() as con:
            cur = con.execute(f"UPDATE users SET {assignment} WHERE username=?", (value, username))
            if cur.rowcount == 0:
                raise UserError(f"Utilizatorul „{username}” nu există.")


_DUMMY_HASH = generate_password_hash("not a real password, only for timing")

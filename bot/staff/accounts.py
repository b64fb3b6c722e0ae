"""Per-person staff accounts, so that the audit log's "who" is a name someone proved with a password rather than
one they typed. Kept in SQLite under the data folder (var/staff.db) and managed with `policybot staff`.

Each account has a session key, random and secret, that signs its browser sessions (bot/staff/session.py):
removing the account or resetting its password drops the key, and with it every session it signed."""
from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from knowledge.config import Settings
from knowledge.sqlite_file import opened

from . import passwords
from .session import MAX_NAME_CHARS, clean_name

# Bearer-token requests are audited as "script …": no account may look like one.
RESERVED_PREFIX = "script"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS accounts (name TEXT NOT NULL, folded TEXT PRIMARY KEY, salt BLOB NOT NULL,"
           " digest BLOB NOT NULL, n INTEGER NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL,"
           " session_key TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL)")


class AccountError(ValueError):
    """An account that cannot be made or changed; str() says which input and what to do."""


@dataclass(frozen=True)
class Account:
    name: str  # as given when added; logins match it case-insensitively
    session_key: str  # signs this account's session cookies; a new one ends them all
    created: str
    updated: str  # the last password change


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "staff.db"


def checked_name(name: str) -> str:
    """`name` as an account's name, or AccountError saying what is wrong with it."""
    cleaned = clean_name(name)
    if not cleaned:
        raise AccountError("the name is empty: give the person's name, e.g. 王芳")
    if cleaned != name.strip():
        raise AccountError(f"the name {name!r} holds line breaks, control characters, runs of spaces or more than"
                           f" {MAX_NAME_CHARS} characters: give it as the audit log should show it")
    if cleaned.casefold().startswith(RESERVED_PREFIX):
        raise AccountError(f"the name {name!r} starts with {RESERVED_PREFIX!r}, which the audit log uses for requests"
                           " with the shared token: choose another")
    return cleaned


class AccountBook:
    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with opened(self.path, (_SCHEMA,)) as conn:
            yield conn

    def exist(self) -> bool:
        """Whether any account exists: then browsers log in with a password, never with the shared token. Asked
        on every staff request; a file that was never made is no accounts (and is not made by asking)."""
        if not self.path.exists():
            return False
        with self._connect() as conn:
            return conn.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None

    def accounts(self) -> list[Account]:
        if not self.path.exists():
            return []
        with self._connect() as conn:
            rows = conn.execute("SELECT name, session_key, created, updated FROM accounts ORDER BY rowid")  # oldest first
            return [Account(*row) for row in rows]

    def get(self, name: str) -> Account | None:
        if not self.path.exists():
            return None
        with self._connect() as conn:
            row = conn.execute("SELECT name, session_key, created, updated FROM accounts WHERE folded = ?",
                               (clean_name(name).casefold(),)).fetchone()
        return Account(*row) if row else None

    def add(self, name: str, password: str) -> Account:
        name = checked_name(name)
        _check_password(password)
        stored, stamp = passwords.hashed(password), _now()
        with self._connect() as conn, conn:
            try:
                conn.execute("INSERT INTO accounts (name, folded, salt, digest, n, r, p, session_key, created, updated)"
                             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             (name, name.casefold(), stored.salt, stored.digest, stored.n, stored.r, stored.p,
                              _session_key(), stamp, stamp))
            except sqlite3.IntegrityError:
                raise AccountError(f"there is an account named {name!r} already: choose another name, or"
                                   f" `policybot staff reset {name}` to give it a new password") from None
        return self.get(name)

    def reset(self, name: str, password: str) -> Account:
        """A new password and a new session key: the person's open sessions end."""
        _check_password(password)
        stored = passwords.hashed(password)
        with self._connect() as conn, conn:
            changed = conn.execute("UPDATE accounts SET salt = ?, digest = ?, n = ?, r = ?, p = ?, session_key = ?,"
                                   " updated = ? WHERE folded = ?",
                                   (stored.salt, stored.digest, stored.n, stored.r, stored.p, _session_key(), _now(),
                                    clean_name(name).casefold())).rowcount
        if not changed:
            raise _no_account(name)
        return self.get(name)

    def remove(self, name: str) -> Account:
        account = self.get(name)
        if account is None:
            raise _no_account(name)
        with self._connect() as conn, conn:
            conn.execute("DELETE FROM accounts WHERE folded = ?", (account.name.casefold(),))
        return account

    def verify(self, name: str, password: str) -> Account | None:
        """The account `name` when `password` is its password, else None. Takes one scrypt either way."""
        row = None
        if self.path.exists():
            with self._connect() as conn:
                row = conn.execute("SELECT salt, digest, n, r, p FROM accounts WHERE folded = ?",
                                   (clean_name(name).casefold(),)).fetchone()
        stored = passwords.Hashed(*row) if row else passwords.DUMMY
        right = passwords.matches(password, stored)
        return self.get(name) if right and row else None


def _check_password(password: str) -> None:
    problem = passwords.problem(password)
    if problem:
        raise AccountError(problem)


def _no_account(name: str) -> AccountError:
    return AccountError(f"there is no account named {name!r}: `policybot staff list` shows them")


def _session_key() -> str:
    return secrets.token_hex(32)


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")

"""Staff passwords: made, hashed and checked.

hashlib.scrypt because it is memory-hard (each guess costs 16 MB, so a stolen staff.db is slow to crack even on
GPUs) and ships with Python: no bcrypt or argon2 package to pin, build and keep patched."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

MIN_CHARS = 10
GENERATED_BYTES = 15  # 20 URL-safe characters: about 120 bits, past any online or offline guessing
# n=2**14, r=8: 16 MB and about 50 ms per hash on one core; kept with each hash, so raising them later leaves
# old hashes checkable (they are made again at the next reset).
N, R, P = 2 ** 14, 8, 1
SALT_BYTES = 16
HASH_BYTES = 32


@dataclass(frozen=True)
class Hashed:
    salt: bytes
    digest: bytes
    n: int = N
    r: int = R
    p: int = P


def generated() -> str:
    return secrets.token_urlsafe(GENERATED_BYTES)


def problem(password: str) -> str:
    """Why `password` cannot be one ("" when it can)."""
    if len(password) < MIN_CHARS:
        return f"the password has {len(password)} characters: give at least {MIN_CHARS}"
    if password != password.strip() or "\n" in password:
        return "the password starts or ends with a space or holds a line break: leave those out"
    return ""


def hashed(password: str) -> Hashed:
    salt = secrets.token_bytes(SALT_BYTES)  # per account: the same password gives two accounts unrelated hashes
    return Hashed(salt, _scrypt(password, salt, N, R, P))


def matches(password: str, stored: Hashed) -> bool:
    return hmac.compare_digest(_scrypt(password, stored.salt, stored.n, stored.r, stored.p), stored.digest)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # maxmem above the 128 * n * r bytes needed: OpenSSL's default cap (32 MB) is too tight for larger n later.
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024,
                          dklen=HASH_BYTES)


# Checked against when a login names no account, so that the time taken does not tell which names exist.
DUMMY = Hashed(b"\0" * SALT_BYTES, b"\0" * HASH_BYTES)

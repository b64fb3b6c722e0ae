"""Who is using the staff pages: a gate that knows the staff member's name and guards forms against cross-site
requests.

Two ways in for a browser, chosen by whether any staff account exists (bot/staff/accounts.py):
- accounts: the login form takes a name and that account's password, and the session cookie holds the name and
  a hash keyed by the account's own session key, so removing the account or resetting its password ends the
  sessions it had; the shared token no longer logs a browser in.
- no accounts (a deployment that never added one): the shared token from configuration plus a self-declared
  name, the cookie holding the name and a hash keyed by the token (never the token itself).
The area is off (404) when there is neither a token nor an account. Every form of a cookie session carries a
CSRF token derived from that cookie; scripts send `Authorization: Bearer <token>` (and optionally
`X-Staff-Name`) instead, which a browser never adds by itself, so they need no CSRF token. Cookies are
HttpOnly and SameSite=Strict.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

if TYPE_CHECKING:  # accounts.py imports clean_name from here
    from .accounts import Account, AccountBook

MAX_NAME_CHARS = 40
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Staff:
    """A request's proven staff identity."""
    name: str
    by_script: bool  # bearer token: no cookie, so no CSRF token expected
    csrf: str = ""  # the token this session's forms carry (empty for scripts)


@dataclass(frozen=True)
class TokenGate:
    token: str
    cookie_name: str  # one per protected area, e.g. "policybot_staff"
    cookie_path: str = "/"
    accounts: "AccountBook | None" = None

    def with_accounts(self) -> bool:
        """Whether browsers log in with an account's password (some account exists) rather than the token."""
        return self.accounts is not None and self.accounts.exist()

    @property
    def enabled(self) -> bool:
        return bool(self.token) or self.with_accounts()

    def matches(self, candidate: str) -> bool:
        """Constant-time comparison, so response timing does not reveal how much of a guess was right."""
        return bool(self.token) and hmac.compare_digest(candidate.encode(), self.token.encode())

    def staff(self, request: Request) -> Staff | None:
        """The staff member making this request, or None when it proves nothing."""
        accounts = self.with_accounts()
        if not (self.token or accounts):
            return None
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.matches(credential.strip()):
            label = clean_name(request.headers.get("x-staff-name", ""))
            # With accounts, a script's self-declared label is shown as such, never as if it were an account.
            name = (f"script ({label})" if label else "script") if accounts else label or "script"
            return Staff(name[:MAX_NAME_CHARS], by_script=True)
        cookie = request.cookies.get(self.cookie_name, "")
        encoded, _, signature = cookie.partition(".")
        try:
            name = base64.urlsafe_b64decode(encoded.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if accounts:
            account = self.accounts.get(name) if name else None
            if account is None or account.name != name:  # removed (or never was): its sessions are over
                return None
            key, signed = account.session_key, "account " + name
        else:
            key, signed = self.token, name
        if not signature or not hmac.compare_digest(signature.encode(), _sign(key, self.cookie_name, signed).encode()):
            return None
        return Staff(name, by_script=False, csrf=_sign(key, self.cookie_name, "csrf " + cookie))

    def allows(self, request: Request) -> bool:
        return self.staff(request) is not None

    def csrf_ok(self, staff: Staff, submitted: str) -> bool:
        return staff.by_script or bool(submitted) and hmac.compare_digest(submitted.encode(), staff.csrf.encode())

    def remember(self, response: Response, request: Request, name: str, account: "Account | None" = None) -> None:
        """Sets the session cookie on `response` after a successful login (with the token, or as `account`)."""
        encoded = base64.urlsafe_b64encode(name.encode()).decode()
        key, signed = (account.session_key, "account " + name) if account else (self.token, name)
        response.set_cookie(self.cookie_name, f"{encoded}.{_sign(key, self.cookie_name, signed)}", httponly=True,
                            samesite="strict", path=self.cookie_path, secure=request.url.scheme == "https")

    def forget(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path=self.cookie_path, httponly=True, samesite="strict")


def _sign(key: str, cookie_name: str, text: str) -> str:
    # Keyed by the token (changing it in configuration logs every token session out) or by an account's session
    # key (a reset or removal logs that person out); "account " in the text keeps the two kinds apart.
    message = f"policybot session {cookie_name} {text}".encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def clean_name(name: str) -> str:
    """A name as the audit log shows it: one line, no control characters, capped."""
    return " ".join("".join(c for c in name if c.isprintable()).split())[:MAX_NAME_CHARS]

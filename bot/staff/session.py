"""Who is using the staff pages: a shared-secret gate that also knows the staff member's name and guards forms
against cross-site requests.

The token comes from configuration; an empty token means the pages are disabled. A browser proves it once
through the login form, giving the staff member's name as well (the audit log's "who"), and then carries an
HttpOnly, SameSite=Strict cookie holding the name and a keyed hash of token and name (never the token itself).
Every form of a cookie session carries a CSRF token derived from that cookie; scripts send
`Authorization: Bearer <token>` (and optionally `X-Staff-Name`) instead, which a browser never adds by itself,
so they need no CSRF token.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

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

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def matches(self, candidate: str) -> bool:
        """Constant-time comparison, so response timing does not reveal how much of a guess was right."""
        return self.enabled and hmac.compare_digest(candidate.encode(), self.token.encode())

    def staff(self, request: Request) -> Staff | None:
        """The staff member making this request, or None when it proves nothing."""
        if not self.enabled:
            return None
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.matches(credential.strip()):
            return Staff(clean_name(request.headers.get("x-staff-name", "")) or "script", by_script=True)
        cookie = request.cookies.get(self.cookie_name, "")
        encoded, _, signature = cookie.partition(".")
        try:
            name = base64.urlsafe_b64decode(encoded.encode()).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        if not signature or not hmac.compare_digest(signature.encode(), self._sign(name).encode()):
            return None
        return Staff(name, by_script=False, csrf=self._sign("csrf " + cookie))

    def allows(self, request: Request) -> bool:
        return self.staff(request) is not None

    def csrf_ok(self, staff: Staff, submitted: str) -> bool:
        return staff.by_script or bool(submitted) and hmac.compare_digest(submitted.encode(), staff.csrf.encode())

    def remember(self, response: Response, request: Request, name: str) -> None:
        """Sets the session cookie on `response` after a successful login."""
        encoded = base64.urlsafe_b64encode(name.encode()).decode()
        response.set_cookie(self.cookie_name, f"{encoded}.{self._sign(name)}", httponly=True, samesite="strict",
                            path=self.cookie_path, secure=request.url.scheme == "https")

    def forget(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path=self.cookie_path, httponly=True, samesite="strict")

    def _sign(self, text: str) -> str:
        # Keyed by the token: changing the token in configuration logs every browser out.
        message = f"policybot session {self.cookie_name} {text}".encode()
        return hmac.new(self.token.encode(), message, hashlib.sha256).hexdigest()


def clean_name(name: str) -> str:
    """A name as the audit log shows it: one line, no control characters, capped."""
    return " ".join("".join(c for c in name if c.isprintable()).split())[:MAX_NAME_CHARS]

"""A shared-secret gate for gateway pages that are not for citizens (staff, interview hosts).

The token comes from configuration; an empty token means the pages are disabled. A browser proves it once
through a login form and then carries an HttpOnly, SameSite=Strict cookie holding a keyed hash of the
token (never the token itself); scripts may send `Authorization: Bearer <token>` instead.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response


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

    def allows(self, request: Request) -> bool:
        if not self.enabled:
            return False
        scheme, _, credential = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and self.matches(credential.strip()):
            return True
        return hmac.compare_digest(request.cookies.get(self.cookie_name, "").encode(), self._session().encode())

    def remember(self, response: Response, request: Request) -> None:
        """Sets the session cookie on `response` after a successful login."""
        response.set_cookie(self.cookie_name, self._session(), httponly=True, samesite="strict",
                            path=self.cookie_path, secure=request.url.scheme == "https")

    def forget(self, response: Response) -> None:
        response.delete_cookie(self.cookie_name, path=self.cookie_path, httponly=True, samesite="strict")

    def _session(self) -> str:
        # Keyed by the token: changing the token in configuration logs every browser out.
        return hmac.new(self.token.encode(), f"policybot session {self.cookie_name}".encode(), hashlib.sha256).hexdigest()

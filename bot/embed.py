"""The chat page embedded in other sites (bot/static/widget.js opens it in an iframe): which host origins may
frame it, and the Content-Security-Policy that says so.

Browsers enforce `frame-ancestors` themselves, so the list of origins is the whole access rule: a page of any
other origin gets the iframe refused by the browser, and nothing of the chat reaches it."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from knowledge.config import ENVIRONMENT

EMBED_PATH = "/embed"
# An origin as CSP writes it: scheme://host[:port], ASCII (punycode for other names); "*." before a host allows
# its subdomains, as frame-ancestors does. Nothing else can reach the header, so no ";" or "," or quotes.
_HOST = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$")
_EXAMPLE = "e.g. https://www.example.gov.cn or http://localhost:8080"


def parse_origins(setting: str, name: str = ENVIRONMENT["widget_origins"]) -> tuple[str, ...]:
    """"https://a.gov.cn, https://b.gov.cn:8443" as origins, lower-cased; a wrong entry is named with its setting."""
    origins = []
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        origins.append(_origin(entry, name))
    return tuple(dict.fromkeys(origins))


def _origin(entry: str, name: str) -> str:
    try:
        parts = urlsplit(entry)
    except ValueError:  # an unclosed [ of an IPv6 address
        parts = None
    why = _why_not_an_origin(entry, parts) if parts else "it is not a URL"
    if why:
        raise ValueError(f"{name}: {entry!r} is not an origin ({why}); write scheme://host[:port], {_EXAMPLE}")
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{host}" + (f":{parts.port}" if parts.port is not None else "")


def _why_not_an_origin(entry: str, parts) -> str | None:
    if any(c.isspace() or c in ";,'\"" for c in entry):
        return "it holds a space, quote or semicolon"
    if parts.scheme.lower() not in ("http", "https"):
        return "the scheme must be http or https"
    if parts.username is not None or parts.password is not None:
        return "no user or password in an origin"
    if parts.path not in ("", "/") or parts.query or parts.fragment or entry.endswith(("?", "#")):
        return "an origin has no path, query or fragment"
    try:
        parts.port
    except ValueError:
        return "the port is not a number from 0 to 65535"
    host = (parts.hostname or "").lower()
    if not host or not _HOST.match(f"[{host}]" if ":" in host else host):
        return "the host is not a domain name or IP address; names outside ASCII are written in punycode"
    return None


def frame_ancestors(origins: tuple[str, ...]) -> str:
    """The CSP directive for the embed page: the allowed origins, or 'none' (no origin set: the widget is off)."""
    return "frame-ancestors " + (" ".join(origins) if origins else "'none'")

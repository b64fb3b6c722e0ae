"""The real client's address behind reverse proxies, for the per-address rate limits.

Forwarded headers (`Forwarded`, `X-Forwarded-For`, `X-Real-IP`) are believed only when the direct peer is a
trusted proxy (POLICYBOT_TRUSTED_PROXIES: addresses or CIDRs). Anyone else could write any address there, so
their headers are ignored. In a chain, every proxy appends the address it saw; the right-most address that is
not a trusted proxy is the client, since addresses left of it were written by the client itself.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.requests import Request

from knowledge.config import ENVIRONMENT

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def parse_networks(setting: str, name: str = ENVIRONMENT["trusted_proxies"]) -> tuple[Network, ...]:
    """"10.0.0.1, 192.168.0.0/16, ::1" as networks; a wrong entry is named with the setting it came from."""
    networks = []
    for entry in (e.strip() for e in setting.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{name}: {entry!r} is not an IP address or CIDR (e.g. 10.0.0.1 or 10.0.0.0/8)") from None
    return tuple(networks)


def parse_headers(setting: str, name: str = ENVIRONMENT["proxy_headers"]) -> tuple[str, ...]:
    headers = tuple(h.strip().lower() for h in setting.split(",") if h.strip())
    unknown = [h for h in headers if h not in HEADERS]
    if unknown:
        raise ValueError(f"{name}: {', '.join(unknown)} not known; use some of {', '.join(HEADERS)}")
    return headers


@dataclass(frozen=True)
class ClientAddress:
    trusted: tuple[Network, ...] = ()
    headers: tuple[str, ...] = HEADERS

    def of(self, peer: str | None, headers: Headers) -> str:
        """The client's address: the peer's own unless the peer is a trusted proxy that says whom it forwards."""
        peer = peer or "unknown"
        if not self._is_trusted(peer):
            return peer
        chain = self._chain(headers)
        # Right to left: the last hop is the trusted peer itself; skip trusted proxies, stop at the first other.
        nearest = peer
        for hop in reversed(chain):
            address = _address(hop)
            if address is None:
                break  # not an address (garbage, "unknown", an obfuscated name): believe nothing further left
            if not self._is_trusted(address):
                return address
            nearest = address
        return nearest

    def _is_trusted(self, address: str) -> bool:
        ip = _ip(address)
        return ip is not None and any(ip in network for network in self.trusted)

    def _chain(self, headers: Headers) -> list[str]:
        for name in self.headers:
            values = headers.getlist(name)
            if not values:
                continue
            if name == "forwarded":
                return _forwarded_for(values)
            if name == "x-real-ip":
                return [values[-1].strip()]
            return [hop.strip() for value in values for hop in value.split(",")]
        return []


def _forwarded_for(values: Sequence[str]) -> list[str]:
    """The for= of each element of RFC 7239 Forwarded headers: `for=192.0.2.60;proto=http, for="[2001:db8::1]:80"`."""
    hops = []
    for element in (e for value in values for e in value.split(",")):
        for pair in element.split(";"):
            key, _, value = pair.partition("=")
            if key.strip().lower() == "for":
                hops.append(value.strip().strip('"'))
    return hops


def _address(hop: str) -> str | None:
    """The IP address in a hop as proxies write it (with a port, IPv6 in brackets), normalised; None if none."""
    hop = hop.strip()
    if hop.startswith("["):  # "[2001:db8::1]:4711"
        hop = hop[1:hop.find("]")] if "]" in hop else ""
    elif hop.count(":") == 1:  # "192.0.2.43:47011"
        hop = hop.split(":")[0]
    ip = _ip(hop)
    return str(ip) if ip is not None else None


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4 client seen through an IPv6 socket (::ffff:10.0.0.1) is the IPv4 client.
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


def client_of(request: Request) -> str:
    """The request's client as the gateway's settings see it (an app without them: the direct peer)."""
    peer = request.client.host if request.client else None
    resolver = getattr(request.app.state, "client_address", None)
    return resolver.of(peer, request.headers) if resolver is not None else peer or "unknown"

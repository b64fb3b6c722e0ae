"""Is PostgreSQL (Rasa's tracker store) or Redis (its lock store, the gateway's rate limits) answering? Asked in
their own wire protocols with the standard library, so that the gateway and the supervisor need no database
driver: PostgreSQL answers a startup message with an authentication request once it accepts connections (and
with an error while it starts, recovers or shuts down); Redis answers PING with PONG."""
from __future__ import annotations

import socket
import struct
from dataclasses import dataclass, field

TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Postgres:
    host: str  # host:port, as POLICYBOT_DB_HOST
    user: str = "policybot"
    database: str = "policybot"

    @property
    def address(self) -> tuple[str, int]:
        return split_address(self.host, 5432)

    def problem(self, timeout: float = TIMEOUT_S) -> str:
        """Empty when PostgreSQL accepts connections; else why not, for /api/health."""
        params = b"user\0" + self.user.encode() + b"\0database\0" + self.database.encode() + b"\0\0"
        startup = struct.pack("!ii", 8 + len(params), 196608) + params  # protocol 3.0
        try:
            with socket.create_connection(self.address, timeout=timeout) as s:
                s.sendall(startup)
                kind = s.recv(1)
                rest = s.recv(4096) if kind == b"E" else b""
        except OSError as exc:
            return f"no answer from PostgreSQL at {self.host} ({exc.strerror or type(exc).__name__})"
        if kind == b"R":  # asks how we authenticate: it accepts connections
            return ""
        if kind == b"E":
            fields = {chunk[:1]: chunk[1:].decode("utf-8", "replace") for chunk in rest[4:].split(b"\0") if chunk}
            message = fields.get(b"M", "an error")
            if fields.get(b"C") in ("28000", "28P01", "3D000"):  # no such user / database: it does answer
                return f"PostgreSQL at {self.host} refuses {self.user}@{self.database}: {message}"
            return f"PostgreSQL at {self.host}: {message}"
        return f"PostgreSQL at {self.host} answered {kind!r}, not a PostgreSQL reply"


@dataclass(frozen=True)
class Redis:
    host: str
    port: int = 6379
    password: str = field(default="", repr=False)

    def url(self) -> str:
        """For the limits package (the gateway's rate limits in Redis)."""
        auth = f":{self.password}@" if self.password else ""
        return f"redis://{auth}{self.host}:{self.port}/0"

    def problem(self, timeout: float = TIMEOUT_S) -> str:
        commands = (_resp("AUTH", self.password) if self.password else b"") + _resp("PING")
        try:
            with socket.create_connection((self.host, self.port), timeout=timeout) as s:
                s.sendall(commands)
                reply = b""
                while b"PONG" not in reply and not reply.startswith(b"-") and len(reply) < 4096:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
        except OSError as exc:
            return f"no answer from Redis at {self.host}:{self.port} ({exc.strerror or type(exc).__name__})"
        if b"+PONG" in reply:
            return ""
        return f"Redis at {self.host}:{self.port}: {reply.decode('utf-8', 'replace').strip() or 'no reply to PING'}"


def _resp(*words: str) -> bytes:
    out = f"*{len(words)}\r\n".encode()
    for w in words:
        data = w.encode()
        out += f"${len(data)}\r\n".encode() + data + b"\r\n"
    return out


def split_address(host: str, default_port: int) -> tuple[str, int]:
    name, _, port = host.rpartition(":") if ":" in host else (host, "", "")
    return name or host, int(port) if port else default_port

"""Which Rasa server a conversation goes to: consistent hashing on the sender id, so that each conversation stays
on one server and two of its messages never run at once on two servers. Rasa Open Source's RedisLockStore reads
and writes a conversation's lock without an atomic step (rasa issue 9213), so the lock store alone would not
keep them apart; it is the second line.

A conversation moves only while its server is down (it refused a connection): then its next server on the
ring takes it, with its history from the shared tracker store, and it goes back once its own server answers
its health check again (checked every second in the background), so a restarting Rasa that is still loading
its model gets nothing. Adding a server moves only the conversations the new one takes (about 1/N)."""
from __future__ import annotations

import asyncio
import bisect
import hashlib
import logging

import httpx

from .rasa_relay import Rasa

log = logging.getLogger(__name__)
POINTS_PER_SERVER = 64  # virtual nodes: an even share for each server


def _point(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big")


class RasaRing:
    def __init__(self, servers: list[Rasa]) -> None:
        if not servers:
            raise ValueError("no Rasa server to send conversations to: give at least one --rasa-url")
        self.servers = servers
        self.down: set[str] = set()
        self._ring = sorted((_point(f"{s.url}#{i}"), n) for n, s in enumerate(servers) for i in range(POINTS_PER_SERVER))
        self._keys = [p for p, _ in self._ring]

    def preference(self, sender: str) -> list[Rasa]:
        """Every server, in the order this conversation tries them: its own first."""
        start = bisect.bisect(self._keys, _point(sender))
        seen: list[int] = []
        for i in range(len(self._ring)):
            n = self._ring[(start + i) % len(self._ring)][1]
            if n not in seen:
                seen.append(n)
                if len(seen) == len(self.servers):
                    break
        return [self.servers[n] for n in seen]

    def candidates(self, sender: str) -> list[Rasa]:
        """The servers to try, up ones first (each conversation's own first), down ones last."""
        order = self.preference(sender)
        return [s for s in order if s.url not in self.down] + [s for s in order if s.url in self.down]

    def mark_down(self, server: Rasa, why: str) -> None:
        if server.url not in self.down and len(self.servers) > 1:
            log.warning("Rasa at %s is down (%s): its conversations go to the next server until it answers", server.url, why)
        self.down.add(server.url)

    async def watch(self, client: httpx.AsyncClient, every: float = 1.0) -> None:
        """Takes a server back once it answers (GET / answers only when its model is loaded)."""
        while True:
            await asyncio.sleep(every)
            for url in list(self.down):
                try:
                    if (await client.get(f"{url}/", timeout=2.0)).status_code == 200:
                        self.down.discard(url)
                        log.warning("Rasa at %s is back: its conversations return to it", url)
                except httpx.HTTPError:
                    pass

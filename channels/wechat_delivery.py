"""One answer per WeChat message, delivered once: in the passive reply when it is ready in time, else later
through the customer-service API.

WeChat waits 5 seconds for the reply to a message, then sends the same message again (three tries in all).
Each message is answered by one task, keyed by its MsgId (events: sender and CreateTime, as WeChat advises), so a
retry waits for the answer the first try started instead of asking the bot again. A request that is not
answered within the deadline gets "success" (WeChat then shows nothing and stops retrying) and the answer goes
out through the customer-service API when it is ready, unless a retry took it as its passive reply first. A
retry after a passive reply gets the same reply again (WeChat retried because it never received it); a retry
after the answer went out through the API gets "success", so the user never sees an answer twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)
KEEP_S = 600.0  # longer than WeChat's retries (about 15 s) and the 5-minute window a request's timestamp may be in
MAX_KEPT = 10_000


@dataclass
class Delivery:
    task: asyncio.Future  # the answer's pieces, each one WeChat text message
    openid: str
    started: float = field(default_factory=time.monotonic)
    passive: bool = False  # its first piece went back as a passive reply (the rest through the API)
    later: bool = False  # it goes out through the customer-service API
    waiting: bool = False  # a task waits for it to send it through the API


class Deliveries:
    def __init__(self, send: Callable[[str, str], Awaitable[bool]], deadline_s: float,
                 keep_s: float = KEEP_S, max_kept: int = MAX_KEPT) -> None:
        self.send, self.deadline_s, self.keep_s, self.max_kept = send, deadline_s, keep_s, max_kept
        self._kept: OrderedDict[str, Delivery] = OrderedDict()
        self._background: set[asyncio.Task] = set()  # the loop keeps only weak references to tasks

    def __len__(self) -> int:
        return len(self._kept)

    async def reply(self, key: str, openid: str, answer: Callable[[], Awaitable[list[str]]]) -> str | None:
        """The passive reply to this message (its answer's first piece), or None for "success": the answer is
        not ready within the deadline, or was already sent through the customer-service API."""
        delivery = self._kept.get(key)
        if delivery is None:
            self._forget_old()
            delivery = self._kept[key] = Delivery(asyncio.ensure_future(answer()), openid)
        else:
            log.info("WeChat sent message %s again (a retry): answered once, from the first try", key)
        try:
            pieces = await asyncio.wait_for(asyncio.shield(delivery.task), self.deadline_s)
        except asyncio.TimeoutError:
            if not delivery.waiting:
                delivery.waiting = True
                self._in_background(self._send_later(key, delivery))
            return None
        except Exception:  # the answer's own failure; it says what failed in its log
            log.exception("no answer for WeChat message %s", key)
            return None
        if delivery.later or not pieces:
            return None
        if not delivery.passive:
            delivery.passive = True
            if len(pieces) > 1:
                self._in_background(self._send_all(delivery.openid, pieces[1:]))
        return pieces[0]

    async def _send_later(self, key: str, delivery: Delivery) -> None:
        try:
            pieces = await delivery.task
        except Exception:
            return  # logged by the request that waited for it
        if delivery.passive:  # a retry was answered with it in time
            return
        delivery.later = True
        log.info("WeChat message %s answered after %.1f s, past the %.1f s deadline: through the customer-service API",
                 key, time.monotonic() - delivery.started, self.deadline_s)
        await self._send_all(delivery.openid, pieces)

    async def _send_all(self, openid: str, pieces: list[str]) -> None:
        for piece in pieces:
            if not await self.send(openid, piece):
                return  # the API refused (logged): the next pieces would be refused too

    def _in_background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _forget_old(self) -> None:
        now = time.monotonic()
        while self._kept:
            key, oldest = next(iter(self._kept.items()))
            if now - oldest.started < self.keep_s and len(self._kept) < self.max_kept:
                break
            del self._kept[key]

"""Rasa's Redis ticket lock, with a waiter whose ticket expired or was dropped queued again, and its changes atomic.

A conversation's message waits in Rasa's lock until its ticket is the first unexpired one. Behind a ticket of a
Rasa server killed while answering, it waits until that ticket expires (TICKET_LOCK_LIFETIME); but its own ticket,
taken a moment later, expires a moment later, and when Rasa's waiting loop (one look a second) misses that moment
the queue is empty, "now serving" reads 0, and the message waits until its client gives up: the gateway's 120 s,
in one run in four of the kill test. Rasa's store also changes the queue by reading it and writing it back, so two
servers writing at once can drop each other's ticket (rasa issue 9213) with the same end. Here a waiter whose
ticket is gone takes a new one, and every change is a Redis transaction (WATCH/MULTI, retried when the queue
changed meanwhile). Named in endpoints-cluster.yml as `type: channels.lock_store.AtomicRedisLockStore`."""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from typing import Optional, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)
T = TypeVar("T")


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change(self, conversation_id: str, change: Callable[[Optional[TicketLock]], tuple[Optional[TicketLock], T]]) -> T:
        """Apply `change` to the stored queue in one transaction; a returned lock without tickets is deleted."""
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    stored = pipe.get(key)
                    lock, result = change(TicketLock.from_dict(json.loads(stored)) if stored else None)
                    pipe.multi()
                    if lock is None or not lock.tickets:
                        pipe.delete(key)
                    else:
                        pipe.set(key, lock.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    continue  # another server changed the queue between our read and write: read it again

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: Optional[TicketLock]) -> tuple[TicketLock, int]:
            lock = lock or TicketLock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        logger.debug(f"Issuing ticket for conversation '{conversation_id}'.")
        try:
            return self._change(conversation_id, issue)
        except redis.RedisError as e:
            raise LockError(f"Error while acquiring lock for conversation '{conversation_id}'. Error:\n{e}") from e

    def update_lock(self, conversation_id: str) -> None:
        def expire(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: Optional[TicketLock]) -> tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)  # an emptied queue is deleted in the same transaction

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        self.finish_serving(conversation_id, ticket_number)

    @asynccontextmanager
    async def lock(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        ticket = self.issue_ticket(conversation_id, lock_lifetime)
        try:
            logger.debug(f"Acquiring lock for conversation '{conversation_id}'.")
            while True:
                lock = self.get_lock(conversation_id)
                if lock is None or all(t.number != ticket for t in lock.tickets if not t.has_expired()):
                    # Expired while waiting (behind a dead server's ticket), or dropped: queue again, last.
                    logger.warning(f"The lock ticket {ticket} of conversation '{conversation_id}' was lost; "
                                   f"taking a new one.")
                    ticket = self.issue_ticket(conversation_id, lock_lifetime)
                    continue
                if not lock.is_locked(ticket):
                    break
                logger.debug(f"Waiting for the lock of conversation '{conversation_id}': "
                             f"{ticket - lock.now_serving} ticket(s) before ticket {ticket}.")
                await asyncio.sleep(wait_time_in_seconds)
                self.update_lock(conversation_id)
            logger.debug(f"Acquired lock for conversation '{conversation_id}'.")
            yield lock
        finally:
            self.cleanup(conversation_id, ticket)

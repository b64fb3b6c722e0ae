"""What the gateway's /api/health says: each part of the bot as ok, degraded or down, and overall.

{"status": "ok" | "degraded" | "down", "gateway": …, "rasa": …, "actions": …, "details": {part: why}}

The chat page looks only at the HTTP status: 503 while a part that answers need (Rasa, the action server) is
down, 200 otherwise; degraded parts still answer. The action server is asked through its knowledge API, which
the gateway needs too: while it does not answer, the gateway is degraded (no suggestions, no 查看原文); while a
new index build would not load, the action server is degraded (it answers from the previous one). Details,
when the supervisor's state file is known (POLICYBOT_SUPERVISOR_STATE), say whether a down part is being
started again or was given up on.
"""
from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx

from fastapi.concurrency import run_in_threadpool

from .knowledge_client import KnowledgeApi, KnowledgeUnavailable
from .stores import Postgres, Redis
from .supervisor import read_state

OK, DEGRADED, DOWN = "ok", "degraded", "down"
# Without any of these, a message gets no answer (Rasa alone sends the apology): the tracker store (PostgreSQL)
# and the lock store (Redis) are needed too when the Rasa servers share them.
NEEDED = ("rasa", "actions", "postgres", "redis")
# A part that takes longer than this to say it is alive still works, but citizens wait: Rasa's event loop
# runs its models, so a busy Rasa answers its health check late.
SLOW_S = 2.0
PROBE_TIMEOUT_S = 6.0


async def _probe(client: httpx.AsyncClient, url: str) -> tuple[str, str]:
    started = time.perf_counter()
    try:
        status = (await client.get(url, timeout=PROBE_TIMEOUT_S)).status_code
    except httpx.HTTPError as exc:
        return DOWN, f"no answer from {url} ({type(exc).__name__})"
    took = time.perf_counter() - started
    if status != 200:
        return DOWN, f"{url} answered {status}"
    return (DEGRADED, f"answered in {took:.1f} s") if took > SLOW_S else (OK, "")


async def _knowledge(client: httpx.AsyncClient, knowledge: KnowledgeApi) -> tuple[str, str]:
    started = time.perf_counter()
    try:
        status = await knowledge.status(client, PROBE_TIMEOUT_S)
    except KnowledgeUnavailable as exc:
        return DOWN, str(exc)
    took = time.perf_counter() - started
    if status.get("error"):  # a new build would not load: answers come from the previous one
        return DEGRADED, status["error"]
    return (DEGRADED, f"answered in {took:.1f} s") if took > SLOW_S else (OK, "")


async def _store(store: Postgres | Redis) -> tuple[str, str]:
    problem = await run_in_threadpool(store.problem)
    return (DOWN, problem) if problem else (OK, "")


def _servers(probes: list[tuple[str, str]], urls: list[str]) -> tuple[str, str]:
    """Several Rasa servers: down when none answers, degraded while some do not (the others take their
    conversations)."""
    if len(probes) == 1:
        return probes[0]
    states = [state for state, _ in probes]
    why = "; ".join(f"{url}: {state}{f' ({w})' if w else ''}" for url, (state, w) in zip(urls, probes) if state != OK)
    if all(s == DOWN for s in states):
        return DOWN, why
    return (OK, "") if all(s == OK for s in states) else (DEGRADED, why)


async def report(client: httpx.AsyncClient, rasa_urls: str | list[str], knowledge: KnowledgeApi,
                 supervisor_state: Path | None = None, postgres: Postgres | None = None,
                 redis: Redis | None = None) -> tuple[dict, int]:
    """The health document and its HTTP status."""
    urls = [rasa_urls] if isinstance(rasa_urls, str) else list(rasa_urls)
    stores = {name: store for name, store in (("postgres", postgres), ("redis", redis)) if store is not None}
    (actions, actions_why), *probed = await asyncio.gather(
        _knowledge(client, knowledge), *(_probe(client, f"{url}/") for url in urls), *map(_store, stores.values()))
    rasa, rasa_why = _servers(probed[:len(urls)], urls)
    parts = {"gateway": DEGRADED if actions == DOWN else OK, "rasa": rasa, "actions": actions}
    details = {"rasa": rasa_why, "actions": actions_why,
               "gateway": "no knowledge base (the action server does not answer): suggestions and 查看原文 unavailable"
                          if actions == DOWN else ""}
    for name, (state, why) in zip(stores, probed[len(urls):]):
        parts[name], details[name] = state, why
    supervised = read_state(supervisor_state).get("children", {}) if supervisor_state else {}
    for name, state in parts.items():
        # rasa-1, rasa-2 … and actions-1 … of a cluster: their notes join their part's
        notes = [c.get("note") for child, c in supervised.items() if child == name or child.startswith(f"{name}-")]
        note = "; ".join(n for n in notes if n)
        if state != OK and note:
            details[name] = f"{details[name]}; {note}" if details[name] else note
    if any(parts.get(name) == DOWN for name in NEEDED):
        overall = DOWN
    else:
        overall = OK if all(v == OK for v in parts.values()) else DEGRADED
    body = {"status": overall, **parts, "details": {k: v for k, v in details.items() if v and parts[k] != OK}}
    return body, 503 if overall == DOWN else 200

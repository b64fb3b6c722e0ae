"""channels/lock_store.py against a real Redis, in the Rasa environment it runs in (Rasa 3.6 on Python 3.10)."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

from bot.rasa_model import RASA_BIN

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = RASA_BIN.parent / "python"


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server missing: `make redis` installs it")
    if not RASA_PYTHON.exists():
        pytest.skip(f"{RASA_PYTHON} missing: run `make install-rasa`")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                               "--appendonly", "no", "--dir", str(folder)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(10)


def in_rasa(port: int, body: str, timeout: float = 120) -> dict:
    """Run `body` (which sets `result`) with `store`, an AtomicRedisLockStore on the test's Redis, and `stock`,
    Rasa's own RedisLockStore on it; returns `result`."""
    script = textwrap.dedent(f"""
        import asyncio, json, time
        from rasa.core.lock_store import RedisLockStore
        from rasa.utils.endpoints import EndpointConfig
        from channels.lock_store import AtomicRedisLockStore
        config = EndpointConfig(url="127.0.0.1", port={port}, db=1, key_prefix="test", type="x")
        store = AtomicRedisLockStore(config)
        stock = RedisLockStore(host="127.0.0.1", port={port}, db=1, key_prefix="test")
        result = {{}}
    """) + textwrap.dedent(body) + "\nprint(json.dumps(result))\n"
    done = subprocess.run([str(RASA_PYTHON), "-c", script], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_waiter_whose_ticket_was_dropped_gets_the_lock(redis_port):
    """What a server killed mid-write leaves: the queue written back without the other server's ticket. Rasa's
    own store then waits until its client gives up; this one queues again and is served."""
    result = in_rasa(redis_port, """
        def drop_the_waiters_ticket(s, conversation):
            lock = s.get_lock(conversation)
            lock.tickets.clear()  # the dying server's stale write: its own ticket finished, the waiter's not in it
            s.save_lock(lock)

        async def main():
            stock.issue_ticket("c-stock")  # the server that dies
            waiting = stock.issue_ticket("c-stock")
            drop_the_waiters_ticket(stock, "c-stock")
            try:
                await asyncio.wait_for(stock._acquire_lock("c-stock", waiting, 0.1), 3)
                result["stock"] = "acquired"
            except asyncio.TimeoutError:
                result["stock"] = "hung"

            store.issue_ticket("c-atomic")  # the server that dies
            issue, issued = store.issue_ticket, []

            def issue_and_drop(conversation, lock_lifetime=20):
                issued.append(issue(conversation, lock_lifetime))
                if len(issued) == 1:
                    drop_the_waiters_ticket(store, conversation)
                return issued[-1]

            store.issue_ticket = issue_and_drop
            started = time.monotonic()

            async def take():
                async with store.lock("c-atomic", wait_time_in_seconds=0.1):
                    result["atomic_s"] = time.monotonic() - started

            await asyncio.wait_for(take(), 10)  # a regression fails here, not at the subprocess's timeout
            result["issued"] = issued
            result["left"] = store.red.exists(store.key_prefix + "c-atomic")

        asyncio.run(main())
    """)
    assert result["stock"] == "hung"  # the failure this store is for
    assert result["atomic_s"] < 2 and len(result["issued"]) == 2, result  # queued again and served at once
    assert result["left"] == 0  # and its queue deleted after


def test_a_waiter_behind_a_dead_servers_ticket_is_served_when_it_expires(redis_port):
    """The kill test's hang: the dead server's ticket and the waiter's, taken a moment apart, expire a moment apart;
    Rasa's store, looking once a second, finds both gone and waits for ever. This one is served."""
    result = in_rasa(redis_port, """
        async def behind_a_dead_ticket(s, conversation, take):
            s.issue_ticket(conversation, lock_lifetime=1.0)  # the server that died holding it
            await asyncio.sleep(0.05)
            started = time.monotonic()
            try:
                await asyncio.wait_for(take(s, conversation), 4)
                return time.monotonic() - started
            except asyncio.TimeoutError:
                return "hung"

        async def stock_take(s, conversation):
            ticket = s.issue_ticket(conversation, lock_lifetime=1.0)
            await s._acquire_lock(conversation, ticket, 1)

        async def atomic_take(s, conversation):
            async with s.lock(conversation, lock_lifetime=1.0, wait_time_in_seconds=1):
                pass

        async def main():
            result["stock"] = await behind_a_dead_ticket(stock, "c-stock-expiry", stock_take)
            result["atomic"] = await behind_a_dead_ticket(store, "c-atomic-expiry", atomic_take)
            result["left"] = store.red.exists(store.key_prefix + "c-atomic-expiry")

        asyncio.run(main())
    """)
    assert result["stock"] == "hung", result
    assert result["atomic"] != "hung" and 0.9 <= result["atomic"] < 3, result
    assert result["left"] == 0


def test_two_servers_on_one_conversation_take_turns(redis_port):
    """Two processes, each many messages on one conversation: every read-change-write of a shared counter is
    done alone (none lost), and no turn waits on a ticket that nobody holds."""
    body = """
        import redis
        red = redis.Redis(host="127.0.0.1", port={port}, db=2)

        async def main():
            started = time.monotonic()
            for _ in range(40):
                async with store.lock("c-shared", wait_time_in_seconds=0.01):
                    n = int(red.get("counter") or 0)
                    await asyncio.sleep(0.003)
                    red.set("counter", n + 1)
            result["seconds"] = time.monotonic() - started

        asyncio.run(main())
    """.replace("{port}", str(redis_port))
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        runs = list(pool.map(lambda _: in_rasa(redis_port, body), range(2)))
    counter = subprocess.run([str(RASA_PYTHON), "-c", f"import redis; print(int(redis.Redis(port={redis_port}, "
                              f"db=2).get('counter')))"], capture_output=True, text=True, check=True)
    assert int(counter.stdout) == 80, (counter.stdout, runs)
    assert all(r["seconds"] < 60 for r in runs), runs


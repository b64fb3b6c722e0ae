"""The bot scaled out on one machine, as `make run-cluster` starts it (`policybot serve --rasa-workers 2
--action-workers 2 --gateway-workers 2` in a subprocess, on the tests' ports): its own PostgreSQL and Redis, two
Rasa servers sharing them, two action servers behind the front, two gateway workers.

Many conversations at once keep their own context and order; one Rasa server killed under load, its
conversations go on on the other with their history; an action server killed, the other answers; PostgreSQL or
Redis stopped, the gateway's health says so, the chat apologises, and it all comes back by itself. Measured
figures go to test-artifacts/cluster.json."""
from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.faults import APOLOGY, serve_settings, served
from bot.rasa_model import RASA_BIN
from bot.rasa_relay import Rasa
from bot.rasa_ring import RasaRing
from bot.serve import LOCK_LIFETIME_S
from conftest import Clients, port
from knowledge.config import PROJECT_ROOT

pytestmark = pytest.mark.skipif(not RASA_BIN.exists(), reason=f"{RASA_BIN} missing: run `make install-rasa`")
PORTS = {"rasa": port(15605), "actions": port(15655), "web": port(18605)}
DB_PORT, REDIS_PORT = port(15690), port(15691)
RASA_URLS = [f"http://127.0.0.1:{PORTS['rasa'] + i}" for i in range(2)]
# Each script: a question, its follow-up (answered from the question's context, kept in the tracker), three times.
SCRIPTS = (("怎么办理不动产登记？", "那需要多长时间？", "吉阳区设置了几个综合受理窗口？", "还有呢？",
            "宜春怎样完善延时错时预约服务？", "还有呢？"),
           ("新余为多少家企业建立了信用档案？", "还有呢？", "怎么办理不动产登记？", "那需要多长时间？",
            "湾里政务服务一次不跑率达到多少？", "还有呢？"))
FOLLOW_UPS = (1, 3, 5)  # the turns that follow up the one before
MEASURED: dict = {}


@pytest.fixture(scope="module")
def cluster_data():
    """The cluster's data folder, outside pytest's temporary folders: PostgreSQL runs as the postgres user, and
    every pytest session on the machine makes /tmp/pytest-of-<user> private again (mode 700) when it starts, which
    took PostgreSQL's own files from it in the middle of a run (PANIC: could not open pg_control)."""
    data = Path(tempfile.mkdtemp(prefix="policybot-cluster-"))
    data.chmod(0o711)
    yield data
    shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster(rasa_model, corpus_settings, cluster_data):
    data = cluster_data
    # The load here is one test process's threads on one address; per session, the default limit holds.
    settings = serve_settings(data, PORTS).replace(index_dir=corpus_settings.index_dir, local_db_port=DB_PORT,
                                                   local_redis_port=REDIS_PORT, address_rate_limit="100000/minute")
    started = time.monotonic()
    with served(settings, "--rasa-model", str(rasa_model), "--rasa-workers", "2", "--action-workers", "2",
                "--gateway-workers", "2", timeout=900) as running:
        MEASURED["start_s"] = round(time.monotonic() - started, 1)
        yield running
    (PROJECT_ROOT / "test-artifacts").mkdir(exist_ok=True)
    (PROJECT_ROOT / "test-artifacts" / "cluster.json").write_text(json.dumps(MEASURED, indent=1, ensure_ascii=False))
    print(f"\ncluster: {MEASURED}")


def ask(client: httpx.Client, url: str, session: str, text: str) -> dict:
    """One turn: {"ok": answered, "apology": …, "citations": doc ids, "status": …}."""
    try:
        reply = client.post(f"{url}/api/chat", json={"session": session, "message": text})
    except httpx.HTTPError as exc:
        return {"ok": False, "apology": False, "status": type(exc).__name__, "docs": set()}
    body = reply.json() if reply.headers.get("content-type", "").startswith("application/json") else {}
    messages = body.get("messages") or []
    apology = reply.status_code == 503 or any(APOLOGY in (m.get("text") or "") for m in messages)
    docs = {c["doc_id"] for m in messages if isinstance(m.get("custom"), dict)
            for c in (m["custom"].get("citations") or []) if isinstance(c, dict)}
    return {"ok": reply.status_code == 200 and bool(messages) and not apology, "apology": apology,
            "status": reply.status_code, "docs": docs}


def user_turns(url: str, session: str) -> list[str]:
    reply = httpx.get(f"{url}/api/history", params={"session": session}, timeout=60)
    reply.raise_for_status()
    return [m["text"] for m in reply.json()["messages"] if m["from"] == "user"]


def redis_command(cluster, *words: str) -> bytes:
    """A command to the cluster's own Redis, with its password (var/run/redis-password)."""
    import socket

    from bot.stores import _resp

    password = (cluster.state_file.parent / "redis-password").read_text().strip()
    with socket.create_connection(("127.0.0.1", REDIS_PORT), timeout=5) as s:
        s.sendall(_resp("AUTH", password) + _resp(*words))
        time.sleep(0.3)
        return s.recv(65536)


def health(url: str) -> tuple[int, dict]:
    reply = httpx.get(f"{url}/api/health", timeout=15)
    return reply.status_code, reply.json()


def converse(url: str, session: str, turns: tuple[str, ...], pause: float = 0.0) -> list[dict]:
    with httpx.Client(timeout=180) as client:
        out = []
        for text in turns:
            out.append({**ask(client, url, session, text), "sent": time.monotonic(), "text": text})
            time.sleep(pause)
        return out


def home(session: str) -> str:
    """The Rasa server the gateway keeps this conversation on (the same ring as the gateway's)."""
    return RasaRing([Rasa(u) for u in RASA_URLS]).preference(session)[0].url


def test_every_part_is_up_and_postgres_runs_as_its_own_user(cluster):
    status, body = health(cluster.url)
    assert status == 200 and body == {"status": "ok", "gateway": "ok", "rasa": "ok", "actions": "ok", "postgres": "ok",
                                      "redis": "ok", "details": {}}, body
    children = {name: cluster.child(name)["status"] for name in
                ("postgres", "redis", "actions-1", "actions-2", "actions", "rasa-1", "rasa-2", "gateway")}
    assert set(children.values()) == {"up"}, children
    uid = next(ln.split()[1] for ln in Path(f"/proc/{cluster.child_pid('postgres')}/status").read_text().splitlines()
               if ln.startswith("Uid:"))
    assert os.geteuid() != 0 or uid != "0"  # initdb and the server refuse root: they run as postgres
    endpoints = (cluster.state_file.parent / "endpoints.yml").read_text(encoding="utf-8")
    assert "CheckedSQLTrackerStore" in endpoints and "AtomicRedisLockStore" in endpoints and "${POLICYBOT_DB_PASSWORD}" in endpoints


def test_many_conversations_at_once_keep_their_own_context_and_order(cluster):
    sessions = {f"many-{n}-{uuid.uuid4().hex[:6]}": SCRIPTS[n % 2] for n in range(50)}
    assert {home(s) for s in sessions} == set(RASA_URLS)  # both servers take conversations
    started = time.monotonic()
    with ThreadPoolExecutor(len(sessions)) as pool:
        results = dict(zip(sessions, pool.map(lambda s: converse(cluster.url, s, sessions[s]), sessions)))
    MEASURED["conversations"] = {"conversations": len(sessions), "turns": len(SCRIPTS[0]), "seconds": round(time.monotonic() - started, 1)}
    for session, turns in results.items():
        assert all(t["ok"] for t in turns), (session, turns)
        for n in FOLLOW_UPS:  # answered in this conversation's context: from the document of the question before
            assert turns[n]["docs"] and turns[n]["docs"] & turns[n - 1]["docs"], (session, n, turns)
        assert user_turns(cluster.url, session) == list(sessions[session])  # every turn, in the order sent


def test_session_limits_are_shared_by_the_gateway_workers(cluster):
    session = f"limits-{uuid.uuid4().hex[:6]}"
    with httpx.Client(timeout=60) as client:  # a new connection each time: either worker may take it
        codes = [client.post(f"{cluster.url}/api/chat", json={"session": session, "message": "你好"},
                             headers={"Connection": "close"}).status_code for _ in range(21)]
    # 20 a minute per session: counted in Redis, so the 21st is refused whichever worker takes it
    assert codes[:20] == [200] * 20 and codes[20] == 429, codes
    keys = redis_command(cluster, "KEYS", f"*{session}*")
    assert session.encode() in keys, keys  # the count is Redis's, not a worker's memory


class Load(Clients):
    """Conversations going on in threads until stopped; every turn's outcome is kept."""

    join_timeout = 200.0  # a turn held by a killed server's lock waits for it to expire

    def __init__(self, url: str, n: int) -> None:
        super().__init__()
        self.url, self.turns = url, []
        self.threads = [threading.Thread(target=self._talk, args=(i,), daemon=True) for i in range(n)]

    def _talk(self, i: int) -> None:
        with httpx.Client(timeout=180) as client:
            while not self.stop.is_set():
                session = f"load-{i}-{uuid.uuid4().hex[:6]}"
                for text in SCRIPTS[i % 2]:
                    sent = time.monotonic()
                    self.turns.append({**ask(client, self.url, session, text), "sent": sent, "done": time.monotonic(),
                                       "session": session})

    def answered_after(self, moment: float) -> list[dict]:
        return [t for t in self.turns if t["sent"] > moment and t["ok"]]


def _kill_under_load(cluster, child: str, clients: int = 4) -> tuple[Load, float, dict]:
    before = cluster.child(child)
    with Load(cluster.url, clients) as load:
        time.sleep(4)
        assert any(t["ok"] for t in load.turns), "no answer under load before the kill"
        killed = time.monotonic()
        os.kill(before["pid"], signal.SIGKILL)
        time.sleep(12)
    return load, killed, before


def test_a_rasa_server_killed_under_load_its_conversations_go_on_on_the_other(cluster):
    # A conversation kept on rasa-1, begun before the kill and followed up after it.
    session = next(s for s in (f"moved-{uuid.uuid4().hex[:8]}" for _ in range(100)) if home(s) == RASA_URLS[0])
    with httpx.Client(timeout=180) as client:
        first = ask(client, cluster.url, session, "怎么办理不动产登记？")
    assert first["ok"]
    load, killed, before = _kill_under_load(cluster, "rasa-1")
    MEASURED["rasa_kill"] = {"killed_at": killed}
    with httpx.Client(timeout=180) as client:
        follow_up = ask(client, cluster.url, session, "那需要多长时间？")
    # on rasa-2 now, with its history from PostgreSQL: the follow-up is answered in its context
    assert follow_up["ok"] and follow_up["docs"] & first["docs"], follow_up
    assert user_turns(cluster.url, session) == ["怎么办理不动产登记？", "那需要多长时间？"]
    after_kill = [t for t in load.turns if t["sent"] > killed]
    failed = [t for t in load.turns if not t["ok"]]
    # at most the messages in flight at the kill (one per client) get the apology; nothing after
    assert len(failed) <= len(load.threads) and all(t["apology"] for t in failed), failed
    assert after_kill and all(t["ok"] for t in after_kill if t["sent"] > killed + 2), after_kill
    # the conversation whose message was in flight waits for its lock to expire (TICKET_LOCK_LIFETIME, 20 s), not
    # for ever (channels/lock_store.py: Rasa's own store hung one such turn until the gateway's 120 s, 1 run in 4)
    slowest = max(t["done"] - t["sent"] for t in after_kill)
    assert slowest < LOCK_LIFETIME_S + 30, [t for t in after_kill if t["done"] - t["sent"] >= LOCK_LIFETIME_S + 30]
    MEASURED["rasa_kill"].update(apologies=len(failed), answered_after_kill=len(after_kill),
                                 slowest_after_kill_s=round(slowest, 1))
    status, body = health(cluster.url)
    assert status == 200 and body["rasa"] == "degraded" and "killed by SIGKILL" in body["details"]["rasa"], body
    assert cluster.child("rasa-1")["restarts"] == before["restarts"] + 1  # being started again


def test_an_action_server_killed_the_other_answers_and_it_comes_back(cluster):
    load, killed, before = _kill_under_load(cluster, "actions-1")
    failed = [t for t in load.turns if not t["ok"]]
    assert len(failed) <= len(load.threads), failed  # only what was in flight on it
    assert all(t["ok"] for t in load.turns if t["sent"] > killed + 2)
    deadline = time.monotonic() + 180
    while (after := cluster.child("actions-1"))["status"] != "up":
        assert time.monotonic() < deadline, after
        time.sleep(0.5)
    MEASURED["actions_kill"] = {"apologies": len(failed), "back_s": round(time.monotonic() - killed, 1)}
    assert after["pid"] != before["pid"] and after["last_exit"] == "killed by SIGKILL"


@pytest.mark.parametrize("store", ["postgres", "redis"])
def test_a_store_stopped_health_says_so_the_chat_apologises_and_it_recovers(cluster, store):
    supervisor = cluster.proc.pid
    pid = cluster.child_pid(store)
    os.kill(supervisor, signal.SIGSTOP)  # held, so the store stays down while we look
    try:
        os.kill(pid, signal.SIGINT if store == "postgres" else signal.SIGTERM)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z":
            assert time.monotonic() < deadline, f"{store} did not stop"
            time.sleep(0.2)
        status, body = health(cluster.url)
        assert status == 503 and body["status"] == "down" and body[store] == "down", body
        assert body["rasa"] != "down" and store in body["details"][store].lower(), body
        # The gateway asks the stores every second and apologises itself while one is down (Rasa would answer
        # from an empty tracker in memory); each gateway worker finds out within about a second.
        time.sleep(2.5)
        with httpx.Client(timeout=60) as client:
            replies = [ask(client, cluster.url, f"{store}-down-{uuid.uuid4().hex[:6]}", "怎么办理不动产登记？")
                       for _ in range(4)]
        assert all(r["apology"] and r["status"] == 503 for r in replies), replies
    finally:
        os.kill(supervisor, signal.SIGCONT)
    resumed = time.monotonic()
    session = f"{store}-back-{uuid.uuid4().hex[:6]}"
    with httpx.Client(timeout=60) as client:
        while not ask(client, cluster.url, session, "怎么办理不动产登记？")["ok"]:
            assert time.monotonic() - resumed < 120, f"no answer 120 s after {store} was let back"
            time.sleep(0.5)
    MEASURED[f"{store}_stop"] = {"answers_again_s": round(time.monotonic() - resumed, 1)}
    # Health asks every part afresh; a part still catching up just after the store came back (a CI run once found
    # one 503 right after the first answer) must clear by itself, soon.
    deadline = time.monotonic() + 30
    while (reply := health(cluster.url))[0] != 200:
        assert time.monotonic() < deadline, f"health still {reply} 30 s after the first answer"
        time.sleep(1)
    MEASURED[f"{store}_stop"]["healthy_again_s"] = round(time.monotonic() - resumed, 1)


def test_the_killed_rasa_server_comes_back_and_takes_its_conversations_again(cluster):
    killed = MEASURED.get("rasa_kill", {}).get("killed_at")
    if killed is None:
        pytest.skip("the Rasa server was not killed")
    deadline = killed + 400
    while cluster.child("rasa-1")["status"] != "up":
        assert time.monotonic() < deadline, cluster.child("rasa-1")
        time.sleep(1)
    MEASURED["rasa_kill"]["back_s"] = round(time.monotonic() - killed, 1)
    del MEASURED["rasa_kill"]["killed_at"]
    deadline = time.monotonic() + 30
    while (reply := health(cluster.url))[1]["rasa"] != "ok":
        assert time.monotonic() < deadline, reply
        time.sleep(1)
    session = next(s for s in (f"home-{uuid.uuid4().hex[:8]}" for _ in range(100)) if home(s) == RASA_URLS[0])
    assert converse(cluster.url, session, SCRIPTS[0][:2])[1]["ok"]

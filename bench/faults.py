"""Load and faults through the web gateway of a bot started by `policybot serve` (the supervisor included):
500 messages at concurrency 20 from 10 client addresses with nothing failing, then the same with the action
server and with Rasa killed (SIGKILL) in the middle. Counts answers, errors and retries, the time until the
killed part answers again, and compares every conversation's /api/history before the kill and after.

The gateway limits 120 messages a minute per client address and 20 per session. Each run uses 10 loopback
addresses of its own (127.0.0.x: the gateway sees each as a client) and 50 conversations of 10 turns, 5 per
address: 50 messages per address and 10 per session, under both limits whatever the run's speed, so the
limits are never what is measured. A client whose message fails does what the chat page does: it asks
/api/health until the bot is back (every second), then sends the message again.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bot.supervisor import read_state
from knowledge.config import PROJECT_ROOT, Settings, load_settings

APOLOGY = "服务暂时不可用"  # Rasa's reply while the action server is away, and the gateway's 503
# Ten turns of a citizen's conversation about the shipped corpus; each conversation starts at another turn.
TURNS = ("你好", "怎么办理不动产登记？", "那需要多长时间？", "吉阳区设置了几个综合受理窗口？", "还有呢？",
         "新余为多少家企业建立了信用档案？", "临川区为多少户企业兑现了税收返还等扶持资金？",
         "新余第一批公布的负面清单有多少项？", "那新余呢？", "谢谢")
CONVERSATIONS, CONCURRENCY, ADDRESSES = 50, 20, 10
PORTS = {"rasa": 16105, "actions": 16155, "web": 16180}  # apart from a running bot's and the tests' (15005-19999 + offset)


@dataclass
class Message:
    session: str
    turn: int
    text: str
    sent: float  # monotonic, first attempt
    done: float = 0.0  # monotonic, when answered (or given up)
    attempts: int = 0
    first_status: int | None = None  # HTTP status of the first attempt, None when there was no answer at all
    answered: bool = False
    from_knowledge_base: bool = False


@dataclass
class Served:
    """A bot started by `policybot serve` in a subprocess."""

    proc: subprocess.Popen
    url: str  # the gateway
    state_file: Path
    output: Path

    def child_pid(self, name: str) -> int | None:
        return (read_state(self.state_file).get("children", {}).get(name) or {}).get("pid")

    def child(self, name: str) -> dict:
        return read_state(self.state_file).get("children", {}).get(name) or {}


def serve_settings(data_dir: Path, ports: dict[str, int]) -> Settings:
    """This process's settings, with the bot's data in `data_dir` and its parts on `ports`."""
    return load_settings().replace(data_dir=data_dir, rasa_port=ports["rasa"], actions_port=ports["actions"],
                                   web_port=ports["web"])


@contextmanager
def served(settings: Settings, *args: str, timeout: float = 900):
    """`policybot serve` with these settings until its chat page answers; stopped with SIGTERM afterwards."""
    data_dir = settings.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    output = data_dir / "serve.out"
    with open(output, "w", encoding="utf-8") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", *args], cwd=PROJECT_ROOT,
                                env={**os.environ, **settings.to_env(secrets=True)}, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT)
    bot = Served(proc, f"http://127.0.0.1:{settings.web_port}", data_dir / "run" / "supervisor.json", output)
    try:
        wait_answering(bot, timeout)
        yield bot
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_answering(bot: Served, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bot.proc.poll() is not None:
            raise RuntimeError(f"policybot serve exited with {bot.proc.returncode}: see {bot.output}\n"
                               + bot.output.read_text(encoding="utf-8")[-3000:])
        if "policybot is up" in bot.output.read_text(encoding="utf-8") and healthy(bot.url):
            return
        time.sleep(1)
    raise RuntimeError(f"policybot serve not answering at {bot.url} after {timeout:.0f} s: see {bot.output}")


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True)
class Reply:
    status: int | None  # None: no HTTP answer at all
    answered: bool  # a reply that is not the apology
    from_knowledge_base: bool  # it carries the action server's payload (a greeting needs only Rasa)


def chat(client: httpx.Client, url: str, session: str, text: str) -> Reply:
    try:
        reply = client.post(f"{url}/api/chat", json={"session": session, "message": text})
    except httpx.HTTPError:
        return Reply(None, False, False)
    if reply.status_code != 200:
        return Reply(reply.status_code, False, False)
    messages = reply.json().get("messages", [])
    answered = bool(messages) and not any(APOLOGY in (m.get("text") or "") for m in messages)
    return Reply(200, answered, answered and any(isinstance(m.get("custom"), dict) for m in messages))


def history(url: str, session: str) -> list[tuple[str, str]]:
    reply = httpx.get(f"{url}/api/history", params={"session": session}, timeout=60)
    reply.raise_for_status()
    return [(m["from"], m["text"]) for m in reply.json()["messages"]]


def converse(url: str, session: str, address: str, turns: list[str], log: list[Message],
             retry_for: float = 300) -> None:
    """One citizen: the turns in order, each sent again once the bot is back if it was not answered."""
    transport = httpx.HTTPTransport(local_address=address)
    with httpx.Client(transport=transport, timeout=120) as client:
        for n, text in enumerate(turns):
            m = Message(session, n, text, time.monotonic())
            log.append(m)
            give_up = m.sent + retry_for
            while not m.answered and time.monotonic() < give_up:
                reply = chat(client, url, session, text)
                m.answered, m.from_knowledge_base = reply.answered, reply.from_knowledge_base
                m.attempts += 1
                if m.attempts == 1:
                    m.first_status = reply.status
                if not m.answered:
                    while not healthy(url) and time.monotonic() < give_up:
                        time.sleep(1)
            m.done = time.monotonic()


def sessions(tag: str, first_address: int) -> list[tuple[str, str, list[str]]]:
    """(session, client address, turns) for each conversation."""
    out = []
    for i in range(CONVERSATIONS):
        turns = [TURNS[(i + k) % len(TURNS)] for k in range(len(TURNS))]
        out.append((f"bench-{tag}-{i:02d}-{uuid.uuid4().hex[:6]}", f"127.0.0.{first_address + i % ADDRESSES}", turns))
    return out


@dataclass
class Fault:
    child: str
    after_messages: int  # killed once this many messages were answered
    killed: float = 0.0
    back: float = 0.0  # the supervisor saw it answer its health check again
    old_pid: int | None = None
    new_pid: int | None = None
    others_restarted: list[str] = field(default_factory=list)  # parts started again meanwhile (none expected)
    history_before: dict[str, list] = field(default_factory=dict)  # each conversation's, just before the kill
    snapshot_s: float = 0.0  # reading those histories took this long (the run went on meanwhile)


def _kill_when_due(bot: Served, fault: Fault, plan, log: list[Message], stop: threading.Event) -> None:
    while not stop.is_set() and sum(m.answered for m in log) < fault.after_messages:
        time.sleep(0.05)
    if stop.is_set():
        return
    # Read in parallel and killed right after, so that the run is still going: the kill is mid-run.
    snapshot_started = time.monotonic()
    with ThreadPoolExecutor(ADDRESSES) as pool:
        names = [session for session, _, _ in plan]
        fault.history_before = dict(zip(names, pool.map(lambda name: history(bot.url, name), names)))
    fault.snapshot_s = time.monotonic() - snapshot_started
    fault.old_pid = bot.child_pid(fault.child)
    others = {n: bot.child_pid(n) for n in ("actions", "rasa", "gateway") if n != fault.child}
    fault.killed = time.monotonic()
    os.kill(fault.old_pid, signal.SIGKILL)
    while not stop.is_set():
        state = bot.child(fault.child)
        if state.get("status") == "up" and state.get("pid") not in (None, fault.old_pid):
            fault.back, fault.new_pid = time.monotonic(), state["pid"]
            break
        time.sleep(0.2)
    fault.others_restarted = [n for n, pid in others.items() if bot.child_pid(n) != pid]


def load(bot: Served, tag: str, first_address: int, fault: Fault | None = None) -> dict:
    """The 500 messages, with `fault` killed in the middle when given; figures as a dict."""
    plan = sessions(tag, first_address)
    log: list[Message] = []
    stop = threading.Event()
    killer = None
    if fault is not None:
        killer = threading.Thread(target=_kill_when_due, args=(bot, fault, plan, log, stop), daemon=True)
        killer.start()
    started = time.monotonic()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(lambda s: converse(bot.url, *s, log), plan))
    wall = time.monotonic() - started
    if killer is not None:
        killer.join(timeout=300)  # the run may end before the killed part is back
    stop.set()
    out = summarise(log, wall)
    after = {session: history(bot.url, session) for session, _, _ in plan}
    out["history"] = compare_histories(after, log, fault.history_before if fault else {})
    if fault is not None:
        out["fault"] = fault_figures(log, fault)
    return out


def summarise(log: list[Message], wall: float) -> dict:
    answered = [m for m in log if m.answered]
    return {"messages": len(log), "answered": len(answered), "errors": len(log) - len(answered),
            "answered_first_time": sum(m.answered and m.attempts == 1 for m in log),
            "retried": sum(m.attempts > 1 for m in log), "refused_429": sum(m.first_status == 429 for m in log),
            "wall_s": round(wall, 1), "messages_per_s": round(len(answered) / wall, 2) if wall else None,
            "latency_first_time": _timing([m.done - m.sent for m in log if m.answered and m.attempts == 1]),
            "concurrency": CONCURRENCY, "client_addresses": ADDRESSES, "conversations": CONVERSATIONS}


def fault_figures(log: list[Message], fault: Fault) -> dict:
    """Messages finished before the kill, sent after the part was back, and in between (the restart window)."""
    # A greeting needs only Rasa: the part is back when answers from the knowledge base are.
    answered_after_kill = [m.done for m in log if m.sent > fault.killed and m.from_knowledge_base]
    window_end = fault.back or float("inf")
    before = [m for m in log if m.done < fault.killed]
    after = [m for m in log if m.sent > window_end]
    within = [m for m in log if m.done >= fault.killed and m.sent <= window_end]
    return {
        "child": fault.child, "killed_after_answers": fault.after_messages,
        "killed_after_answers_actually": sum(m.answered and m.done < fault.killed for m in log),
        "history_snapshot_s": round(fault.snapshot_s, 1),
        "restarted": fault.new_pid is not None and fault.new_pid != fault.old_pid,
        "restart_s": round(fault.back - fault.killed, 1) if fault.back else None,
        "first_cited_answer_after_kill_s": round(min(answered_after_kill) - fault.killed, 1) if answered_after_kill else None,
        "before_window": {"messages": len(before), "answered": sum(m.answered for m in before)},
        "after_window": {"messages": len(after), "answered_first_time": sum(m.answered and m.attempts == 1 for m in after)},
        "in_window": {"messages": len(within), "answered_first_time": sum(m.answered and m.attempts == 1 for m in within),
                      "answered_after_retry": sum(m.answered and m.attempts > 1 for m in within)},
        "other_children_restarted": fault.others_restarted}


def compare_histories(after: dict[str, list], log: list[Message], before: dict[str, list]) -> dict:
    """After the run, each conversation's history still begins with what it held before the kill, and holds
    every answered question in order."""
    cut = sum(after[s][:len(h)] != h for s, h in before.items())
    missing = 0
    for session, events in after.items():
        said = iter(text for who, text in events if who == "user")
        asked = sorted((m for m in log if m.session == session and m.answered), key=lambda m: m.turn)
        missing += sum(not any(m.text == s for s in said) for m in asked)  # each found after the previous one
    return {"conversations": len(after), "compared_with_before_kill": len(before),
            "histories_changed_before_the_kill_point": cut, "answered_questions_missing": missing}


def _timing(seconds: list[float]) -> dict:
    from .timing import timing

    return timing(seconds)


def load_and_faults(data_dir: Path = PROJECT_ROOT / "var" / "bench-faults") -> dict:
    """The three runs on one bot started by `policybot serve` with its default limits."""
    started = time.monotonic()
    measured = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average_at_start": os.getloadavg()}
    with served(serve_settings(data_dir, PORTS)) as bot:
        out = {"measured": measured, "start_s": round(time.monotonic() - started, 1), "steady": load(bot, "steady", 2)}
        # 200 of 500: reading the histories before the kill takes seconds while the run goes on.
        kill_at = CONVERSATIONS * len(TURNS) * 2 // 5
        for n, child in enumerate(("actions", "rasa")):
            wait_answering(bot, 300)
            out[f"kill_{child}"] = load(bot, f"kill-{child}", 2 + ADDRESSES * (n + 1), Fault(child, kill_at))
    measured["load_average_at_end"] = os.getloadavg()
    out["method"] = (f"{CONVERSATIONS} conversations of {len(TURNS)} turns ({CONVERSATIONS * len(TURNS)} messages), "
                     f"{CONCURRENCY} at a time, from {ADDRESSES} loopback client addresses (each run its own) through "
                     "the gateway of a bot started by `policybot serve` with its default rate limits; in the fault "
                     f"runs the child is killed with SIGKILL once {kill_at} messages were answered and every "
                     "conversation's history read")
    return out


if __name__ == "__main__":
    print(json.dumps(load_and_faults(), ensure_ascii=False, indent=1))

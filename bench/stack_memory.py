"""Resident memory of the whole bot as `policybot serve` runs it with the default corpus: the supervisor and
each of its children (the action server, Rasa, the gateway, and anything they started), read from /proc once
the bot has answered questions, shown suggestions and a document, and prepared a briefing (python -m bench
--only stack). Which of them has the model's library (libtorch) mapped says which holds the model."""
from __future__ import annotations

import os
import time
from pathlib import Path

import httpx

from knowledge.config import PROJECT_ROOT

from .faults import TURNS, served, serve_settings

PORTS = {"rasa": 16205, "actions": 16255, "web": 16280}  # apart from bench/faults.py's, a running bot's and the tests'
TARGET_MB = 2500  # the issue's: the whole stack with the default corpus


def rss_mb(pid: int) -> float:
    """VmRSS of a process, in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
    return round(kb / 1024, 1)


def holds_torch(pid: int) -> bool:
    try:
        return "libtorch" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def descendants(pid: int) -> list[int]:
    """Every process started by `pid`, however deep, from the parent ids /proc gives."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def process(pid: int) -> dict:
    tree = [pid, *descendants(pid)]
    return {"pid": pid, "processes": len(tree), "rss_mb": round(sum(rss_mb(p) for p in tree), 1),
            "holds_torch": any(holds_torch(p) for p in tree)}


def use(url: str) -> None:
    """What a day's first visitors do: the welcome, questions, a document, a host's briefing."""
    with httpx.Client(timeout=120) as client:
        client.get(f"{url}/api/welcome").raise_for_status()
        for n, text in enumerate(TURNS):
            client.post(f"{url}/api/chat", json={"session": f"bench-stack-{n // 5}", "message": text}).raise_for_status()
        client.get(f"{url}/api/document", params={"id": "004_7877965d32ecbab8.txt"}).raise_for_status()
        client.get(f"{url}/host", params={"topic": "不动产登记"}).raise_for_status()


def stack_memory(data_dir: Path = PROJECT_ROOT / "var" / "bench-stack") -> dict:
    measured = {"date": time.strftime("%Y-%m-%d %H:%M"), "load_average_at_start": os.getloadavg()}
    with served(serve_settings(data_dir, PORTS)) as bot:
        use(bot.url)
        time.sleep(2)
        parts = {"supervisor": {"pid": bot.proc.pid, "processes": 1, "rss_mb": rss_mb(bot.proc.pid),
                                "holds_torch": holds_torch(bot.proc.pid)}}
        parts.update({name: process(bot.child_pid(name)) for name in ("actions", "rasa", "gateway")})
    total = round(sum(p["rss_mb"] for p in parts.values()), 1)
    return {"measured": measured, "parts": parts, "total_mb": total, "target_mb": TARGET_MB,
            "method": "VmRSS from /proc of `policybot serve` (the default corpus, index current) and of each child "
                      "with everything it started, after the welcome, 10 chat messages, a document and a briefing"}


if __name__ == "__main__":
    import json

    print(json.dumps(stack_memory(), ensure_ascii=False, indent=1))

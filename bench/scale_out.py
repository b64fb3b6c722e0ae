"""Throughput and p95 through the gateway at concurrency 1, 8, 32 and 64, for the bot as `make run` starts it and
for the cluster of 2 Rasa + 2 action servers (`make run-cluster`), each started by `policybot serve` on ports of
its own; and the CPU time one answered message costs (all of the bot's processes, from /proc), from which a
projection per added machine follows: a machine of C cores adds about C / (CPU seconds per message) messages a
second, the shared PostgreSQL and Redis aside (measured here too, and small).

On one 2-core machine the cluster cannot be faster: the point is that it is correct (tests/test_cluster.py) and
that the cost per message stays flat. `python -m bench --only scale_out` measures it at full size (minutes, both
topologies started in turn); `python -m bench.scale_out --smoke` is a small run that prints its figures."""
from __future__ import annotations

import argparse
import json
import os
import threading
import time
import uuid
from pathlib import Path

import httpx

from knowledge.config import PROJECT_ROOT

from .faults import serve_settings, served
from .timing import timing

CONCURRENCY = (1, 8, 32, 64)
# Conversations of the shipped corpus, follow-ups included: what a citizen asks, not one question repeated.
TURNS = ("怎么办理不动产登记？", "那需要多长时间？", "吉阳区设置了几个综合受理窗口？", "还有呢？",
         "新余为多少家企业建立了信用档案？", "临川区为多少户企业兑现了税收返还等扶持资金？")
PORTS = {"single": {"rasa": 16205, "actions": 16255, "web": 16280},
         "cluster": {"rasa": 16305, "actions": 16355, "web": 16380}}
TOPOLOGIES = {"single": (), "cluster": ("--rasa-workers", "2", "--action-workers", "2")}
STORE_PORTS = (16390, 16391)  # the cluster's PostgreSQL and Redis


def _tree_cpu_s(root: int) -> float:
    """user + system CPU seconds of a process and everything under it (children that exited excluded)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children: dict[int, list[int]] = {}
    stats: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        stats[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, 0.0)
        todo += children.get(pid, [])
    return total


def level(url: str, concurrency: int, messages: int) -> dict:
    """`messages` turns from `concurrency` citizens at once, each a conversation of TURNS in order."""
    latencies: list[float] = []
    failed = [0]
    counter = iter(range(messages))
    lock = threading.Lock()

    def citizen() -> None:
        with httpx.Client(timeout=180) as client:
            session, turn = f"scale-{uuid.uuid4().hex[:8]}", 0
            while True:
                with lock:
                    if next(counter, None) is None:
                        return
                started = time.perf_counter()
                try:
                    reply = client.post(f"{url}/api/chat", json={"session": session, "message": TURNS[turn % len(TURNS)]})
                    ok = reply.status_code == 200 and "服务暂时不可用" not in reply.text
                except httpx.HTTPError:
                    ok = False
                latencies.append(time.perf_counter() - started)
                failed[0] += not ok
                turn += 1
                if turn % len(TURNS) == 0:
                    session = f"scale-{uuid.uuid4().hex[:8]}"

    threads = [threading.Thread(target=citizen) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    return {"concurrency": concurrency, "messages": len(latencies), "failed": failed[0], "wall_s": round(wall, 2),
            "per_s": round(len(latencies) / wall, 2), **timing(latencies)}


def topology(name: str, data_dir: Path, model: str | None, concurrency=CONCURRENCY, per_level: int = 200) -> dict:
    settings = serve_settings(data_dir / name, PORTS[name]).replace(
        address_rate_limit="1000000/minute", session_rate_limit="1000000/minute",
        local_db_port=STORE_PORTS[0], local_redis_port=STORE_PORTS[1])
    args = [*TOPOLOGIES[name], *(("--rasa-model", model) if model else ())]
    started = time.monotonic()
    with served(settings, *args) as bot:
        out = {"start_s": round(time.monotonic() - started, 1), "levels": []}
        level(bot.url, 4, 8)  # warm: the first answers load what each process loads lazily
        for c in concurrency:
            cpu_before = _tree_cpu_s(bot.proc.pid)
            measured = level(bot.url, c, max(per_level, c * 2))
            measured["cpu_s_per_message"] = round((_tree_cpu_s(bot.proc.pid) - cpu_before) / measured["messages"], 4)
            out["levels"].append(measured)
    cpu = [lv["cpu_s_per_message"] for lv in out["levels"] if lv["concurrency"] >= 8] or [0]
    out["cpu_s_per_message"] = round(sum(cpu) / len(cpu), 4)
    cores = os.cpu_count() or 1
    out["projected_per_s_per_added_machine"] = {f"{c} cores": round(c / out["cpu_s_per_message"], 1) if cpu[0] else None
                                                 for c in (cores, 8, 16)}
    return out


def scale_out(data_dir: Path = PROJECT_ROOT / "var" / "bench-scale-out", model: str | None = None,
              concurrency=CONCURRENCY, per_level: int = 200) -> dict:
    out = {"date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "load_average_at_start": os.getloadavg(),
           "method": f"{per_level} messages (at least twice the concurrency) per level, conversations of {len(TURNS)} "
                     "turns, through the gateway from one address with the rate limits lifted; CPU time of every "
                     "process under `policybot serve` (stores included) per message"}
    for name in TOPOLOGIES:
        out[name] = topology(name, data_dir, model, concurrency, per_level)
    out["load_average_at_end"] = os.getloadavg()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="concurrency 1 and 8, 16 messages a level")
    parser.add_argument("--rasa-model", help="a trained model (default: the one `make run` trains)")
    parser.add_argument("--data-dir", default=str(PROJECT_ROOT / "var" / "bench-scale-out"))
    args = parser.parse_args()
    result = scale_out(Path(args.data_dir), args.rasa_model, (1, 8) if args.smoke else CONCURRENCY,
                       16 if args.smoke else 200)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

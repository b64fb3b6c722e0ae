"""Through Rasa: cold start (serve-equivalent process start -> first REST answer), then answer latency over
the REST channel at concurrency 1 and 8 on that same stack."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
from tqdm import tqdm

from bot.rest_client import send
from knowledge.config import PROJECT_ROOT

from .timing import timing

RASA_PORT, ACTIONS_PORT = 15105, 15155
# Each pass asks the questions with another polite opening, so that no request finds its question's embedding
# already cached in the action server (the in-process figures clear that cache the same way).
OPENINGS = ("", "请问", "请问一下，", "麻烦问下，", "我想咨询：", "想了解一下，")


def _first_answer(url: str, proc: subprocess.Popen, question: str, timeout: float = 600) -> float:
    started = time.monotonic()
    with httpx.Client(timeout=30) as client:
        while time.monotonic() - started < timeout:
            if proc.poll() is not None:
                raise RuntimeError(f"bench.serve_on exited with {proc.returncode}: see var/bench-logs/")
            try:
                if any(m.get("text") for m in send(client, url, f"bench-cold-{uuid.uuid4().hex[:8]}", question)):
                    return time.monotonic()
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f} s")


def _one(client: httpx.Client, url: str, question: str) -> float:
    started = time.perf_counter()
    messages = send(client, url, f"bench-{uuid.uuid4().hex[:10]}", question)
    if not messages:
        raise RuntimeError(f"Rasa gave no reply to {question!r}")
    return time.perf_counter() - started


def _sequential(url: str, questions: list[str], repeats: int) -> list[float]:
    with httpx.Client(timeout=120) as client:
        _one(client, url, OPENINGS[-1] + questions[0])
        return [_one(client, url, OPENINGS[r] + q) for r in tqdm(range(repeats), desc="rasa c=1", leave=False)
                for q in questions]


def _concurrent(url: str, questions: list[str], repeats: int, workers: int) -> tuple[list[float], float]:
    def worker(n: int) -> list[float]:
        with httpx.Client(timeout=120) as client:
            return [_one(client, url, OPENINGS[repeats + r] + q) for r in range(repeats)
                    for q in questions[n::workers] or questions[:1]]

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        seconds = [s for part in pool.map(worker, range(workers)) for s in part]
    return seconds, time.perf_counter() - started


def through_rasa(questions: list[str], repeats: int) -> dict:
    url = f"http://127.0.0.1:{RASA_PORT}"
    logs = PROJECT_ROOT / "var" / "bench-logs"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve_on", "--rasa-port", str(RASA_PORT),
                             "--actions-port", str(ACTIONS_PORT), "--log-dir", str(logs)],
                            cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=open(logs.parent / "bench-serve.log", "w"))
    try:
        first = _first_answer(url, proc, questions[0])
        out = {"cold_start_s": round(first - started, 1),
               "cold_start_measured": ("a process doing what `policybot serve` does (incremental index check, cached "
                                       "Rasa model, action server and Rasa started and health-checked) from its launch "
                                       "to the first answer over the REST channel; model already trained, index current")}
        seq = _sequential(url, questions, repeats)
        out["concurrency_1"] = timing(seq)
        conc, wall = _concurrent(url, questions, repeats, 8)
        out["concurrency_8"] = {**timing(conc), "requests_per_s": round(len(conc) / wall, 2)}
        out["concurrency_1"]["requests_per_s"] = round(len(seq) / sum(seq), 2)
        return out
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()

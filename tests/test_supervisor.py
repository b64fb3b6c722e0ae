"""The supervisor with small real children (Python's own HTTP server, a program that exits at once): restarts
with backoff, giving up on a crash loop while the others keep serving, clear startup errors, a clean stop."""
from __future__ import annotations

import functools
import logging
import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from bot.serve import spawn
from bot.supervisor import Child, RestartPolicy, StartupFailed, Status, Supervisor, read_state
from conftest import port

FAST = RestartPolicy(first_delay=0.2, factor=2.0, max_delay=1.0, max_crashes=3, window=30.0)


def web_server(n: int, name: str = "web") -> Child:
    cmd = [sys.executable, "-u", "-m", "http.server", str(n), "--bind", "127.0.0.1"]
    return Child(name, f"the test server {name}", n, f"http://127.0.0.1:{n}/",
                 functools.partial(spawn, cmd, dict(os.environ)), ready_timeout=30)


def crasher(n: int) -> Child:
    cmd = [sys.executable, "-c", "print('loading config.yml'); print('boom: no such file'); raise SystemExit(3)"]
    return Child("crasher", "the crashing child", n, f"http://127.0.0.1:{n}/",
                 functools.partial(spawn, cmd, dict(os.environ)), ready_timeout=30)


def wait_for(condition, timeout: float, what: str, supervisor: Supervisor | None = None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if supervisor is not None:
            supervisor.step()
        if condition():
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"{what} not within {timeout} s")


@pytest.fixture
def supervised(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="policybot.supervisor")
    made = []

    def make(children: list[Child], policy: RestartPolicy = FAST) -> Supervisor:
        sup = Supervisor(children, tmp_path / "log", tmp_path / "run" / "supervisor.json", policy)
        made.append(sup)
        return sup

    yield make
    for sup in made:
        sup.stop()


def test_backoff_doubles_up_to_its_cap():
    policy = RestartPolicy(first_delay=1, factor=2, max_delay=30)
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_a_killed_child_is_started_again_and_the_other_keeps_serving(supervised, caplog):
    a, b = web_server(port(19101), "a"), web_server(port(19102), "b")
    sup = supervised([a, b])
    sup.start()
    first, other = sup.runs[0].proc.pid, sup.runs[1].proc.pid
    os.kill(first, signal.SIGKILL)
    back = wait_for(lambda: sup.runs[0].status is Status.UP and sup.runs[0].proc.pid != first, 30,
                    "the killed server back", sup)
    assert httpx.get(a.health_url).status_code == 200 and httpx.get(b.health_url).status_code == 200
    assert sup.runs[1].proc.pid == other and sup.runs[1].status is Status.UP  # untouched
    assert back < 10
    said = caplog.text
    assert "the test server a (port" in said and "killed by SIGKILL" in said and "starting it again in 0.2 s" in said
    assert "Serving HTTP" in said  # the last lines of its log come with the news
    assert "is back" in said
    state = read_state(sup.state_file)["children"]
    assert state["a"]["restarts"] == 1 and state["a"]["pid"] == sup.runs[0].proc.pid and state["a"]["status"] == "up"


def test_a_crash_loop_is_given_up_with_what_to_do(supervised, caplog):
    good = web_server(port(19103), "good")
    sup = supervised([good, crasher(port(19104))])
    # Started as if it had come up once: the crash loop is what happens after, while policybot runs.
    sup._spawn(sup.runs[0])
    sup._spawn(sup.runs[1])
    wait_for(lambda: sup.runs[1].status is Status.FAILED, 30, "giving up on the crashing child", sup)
    assert len(sup.runs[1].crashes) == FAST.max_crashes and sup.runs[1].restarts == FAST.max_crashes - 1
    assert sup.runs[0].proc.poll() is None and httpx.get(good.health_url).status_code == 200
    text = caplog.text
    assert "gives up on it and keeps the rest running" in text and "boom: no such file" in text
    assert "restart policybot" in text and str(sup.runs[1].log_path) in text
    assert "exit code 3" in text
    # Given up means given up: nothing is started again.
    time.sleep(FAST.max_delay * 2)
    sup.step()
    assert sup.runs[1].status is Status.FAILED and sup.runs[1].restarts == FAST.max_crashes - 1
    state = read_state(sup.state_file)["children"]["crasher"]
    assert state["status"] == "failed" and "fix the cause" in state["note"]


def test_a_child_that_cannot_start_stops_the_start_with_its_port_and_output(supervised):
    sup = supervised([web_server(port(19105), "fine"), crasher(port(19106))])
    with pytest.raises(StartupFailed) as err:
        sup.start()
    message = str(err.value)
    assert "the crashing child (port" in message and "exit code 3" in message and "boom: no such file" in message


def test_stop_ends_every_child(supervised):
    sup = supervised([web_server(port(19107), "x"), web_server(port(19108), "y")])
    sup.start()
    procs = [run.proc for run in sup.runs]
    sup.stop()
    assert all(p.poll() is not None for p in procs)
    assert {c["status"] for c in read_state(sup.state_file)["children"].values()} == {"stopped"}


def test_children_end_when_their_supervisor_is_killed(tmp_path):
    """SIGKILL leaves the supervisor no time to stop anything: the children must end on their own, or the next
    `make run` finds its ports taken."""
    n = port(19109)
    script = (f"import sys, time; sys.path.insert(0, 'tests'); from pathlib import Path; "
              f"from test_supervisor import web_server; from bot.supervisor import Supervisor; "
              f"s = Supervisor([web_server({n})], Path(r'{tmp_path}') / 'log', Path(r'{tmp_path}') / 'state.json'); "
              f"s.start(); print(s.runs[0].proc.pid, flush=True); time.sleep(600)")
    boss = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(boss.stdout.readline())
    os.kill(boss.pid, signal.SIGKILL)
    boss.wait()
    wait_for(lambda: _gone(child), 10, "the orphaned child ending")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as f:  # ended but not yet reaped by init
        return f.read().split()[2] == "Z"

"""Keeps the bot's processes running. A child that exits is started again after a delay that doubles with
each recent crash, while the others keep serving; a child that keeps crashing is left down and the
supervisor says so and what to do. Its state is written to a JSON file, which the gateway's /api/health
reads to tell "restarting" from "given up".

Written here rather than taken from supervisord or circus: those run as daemons of their own, configured in
INI files, and know nothing of readiness over HTTP or of Rasa's minute-long start; what policybot needs is one
loop of about a hundred lines in the process that already starts the children.
"""
from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import time
from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Callable

import httpx

log = logging.getLogger("policybot.supervisor")
# Written into a child's log before each start, so that its last lines after a crash are that run's own.
START_MARK = "--- policybot: started"
TAIL_LINES = 12
LOG_KEEP_BYTES = 20_000_000  # a log past this is moved to <name>.log.1 when policybot starts


@dataclass(frozen=True)
class Child:
    name: str  # short, names its log file: actions, rasa, gateway
    label: str  # for people: "the action server"
    port: int
    health_url: str  # 200 once the child serves
    start: Callable[[Path], subprocess.Popen]  # starts it with its output appended to the given log
    ready_timeout: float = 300.0  # Rasa loads its model for about a minute on 2 cores
    # For a child that speaks no HTTP (PostgreSQL, Redis): true once it serves, in place of health_url.
    probe: Callable[[], bool] | None = None
    stop_signal: int = signal.SIGTERM
    # At start, the children after it are started only once it answers (the stores before the Rasa servers).
    before_next: bool = False


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    # This many exits within `window` seconds and the child is left down: it is not going to get better alone.
    max_crashes: int = 5
    window: float = 300.0

    def delay(self, recent_crashes: int) -> float:
        return min(self.first_delay * self.factor ** max(recent_crashes - 1, 0), self.max_delay)


class Status(str, Enum):
    STARTING = "starting"  # started, not yet answering its health check
    UP = "up"
    WAITING = "waiting"  # exited; started again after its backoff delay
    FAILED = "failed"  # exited too often; left down until policybot is restarted
    STOPPED = "stopped"


class StartupFailed(RuntimeError):
    """A child did not come up when policybot started: nothing to keep running yet, so everything stops."""


@dataclass
class _Run:
    child: Child
    log_path: Path
    proc: subprocess.Popen | None = None
    status: Status = Status.STOPPED
    started: float = 0.0  # monotonic
    down_since: float | None = None  # monotonic, while it is not up after an exit
    restart_at: float = 0.0
    restarts: int = 0
    crashes: deque[float] = field(default_factory=deque)
    last_exit: str = ""
    note: str = ""


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


def log_tail(path: Path, lines: int = TAIL_LINES) -> list[str]:
    """The last lines the child wrote since its last start."""
    try:
        with open(path, "rb") as f:
            f.seek(max(f.seek(0, os.SEEK_END) - 16_000, 0))
            text = f.read().decode("utf-8", "replace")
    except OSError:
        return []
    text = text.rsplit(START_MARK, 1)[-1].split("\n", 1)[-1] if START_MARK in text else text
    return [ln for ln in text.splitlines() if ln.strip()][-lines:]


def _rotate(path: Path) -> None:
    if path.exists() and path.stat().st_size > LOG_KEEP_BYTES:
        path.replace(path.with_name(path.name + ".1"))


class Supervisor:
    def __init__(self, children: list[Child], log_dir: Path, state_file: Path,
                 policy: RestartPolicy = RestartPolicy()) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        state_file.parent.mkdir(parents=True, exist_ok=True)
        self.runs = [_Run(c, log_dir / f"{c.name}.log") for c in children]
        self.state_file, self.policy = state_file, policy
        self._http = httpx.Client(timeout=1.0)
        for run in self.runs:
            _rotate(run.log_path)

    def start(self) -> None:
        """Starts every child and waits until all answer their health checks; raises StartupFailed otherwise."""
        stage: list[_Run] = []
        for run in self.runs:
            stage.append(run)
            if run.child.before_next or run is self.runs[-1]:
                self._start_together(stage)
                stage = []

    def _start_together(self, runs: list[_Run]) -> None:
        for run in runs:
            self._spawn(run)
        pending = list(runs)
        while pending:
            for run in list(pending):
                if run.proc.poll() is not None:
                    raise StartupFailed(self._startup_problem(run, describe_exit(run.proc.returncode)))
                if self._healthy(run):
                    run.status = Status.UP
                    pending.remove(run)
                elif time.monotonic() - run.started > run.child.ready_timeout:
                    raise StartupFailed(self._startup_problem(
                        run, f"not answering {run.child.health_url} after {run.child.ready_timeout:.0f} s"))
            self._write_state()
            time.sleep(0.5)

    def _startup_problem(self, run: _Run, what: str) -> str:
        tail = "\n".join(f"    {ln}" for ln in log_tail(run.log_path))
        return (f"{run.child.label} (port {run.child.port}) did not start: {what}. Last lines of {run.log_path}:\n"
                f"{tail or '    (nothing)'}\nIs port {run.child.port} taken by another program (`ss -ltnp | grep "
                f":{run.child.port}`)? Fix the cause shown above, then start policybot again.")

    def watch(self, until: Callable[[], bool] = lambda: False, every: float = 0.5) -> None:
        """Keeps the children running until `until()` is true (or a KeyboardInterrupt)."""
        while not until():
            self.step()
            time.sleep(every)

    def step(self) -> None:
        now = time.monotonic()
        changed = False
        for run in self.runs:
            if run.status in (Status.STARTING, Status.UP) and run.proc.poll() is not None:
                self._exited(run, describe_exit(run.proc.returncode), now)
                changed = True
            elif run.status is Status.WAITING and now >= run.restart_at:
                run.restarts += 1
                self._spawn(run)
                changed = True
            elif run.status is Status.STARTING:
                if self._healthy(run):
                    run.status, run.note = Status.UP, ""
                    if run.down_since is not None:
                        log.info("%s (port %d) is back, %.1f s after it went down (restart %d)", run.child.label,
                                 run.child.port, time.monotonic() - run.down_since, run.restarts)
                    run.down_since = None
                    changed = True
                elif now - run.started > run.child.ready_timeout:
                    run.proc.kill()
                    run.proc.wait()
                    self._exited(run, f"not answering {run.child.health_url} within {run.child.ready_timeout:.0f} s"
                                      " of its start (killed)", now)
                    changed = True
        if changed:
            self._write_state()

    def _exited(self, run: _Run, how: str, now: float) -> None:
        run.last_exit = how
        run.down_since = run.down_since or now
        run.crashes.append(now)
        while run.crashes and now - run.crashes[0] > self.policy.window:
            run.crashes.popleft()
        tail = "\n".join(f"    {ln}" for ln in log_tail(run.log_path)) or "    (nothing)"
        uptime = now - run.started
        if len(run.crashes) >= self.policy.max_crashes:
            run.status = Status.FAILED
            run.note = (f"stopped {len(run.crashes)} times within {self.policy.window:.0f} s; not restarted again."
                        f" See {run.log_path}, fix the cause, then restart policybot")
            log.error("%s (port %d) stopped (%s) after %.0f s, its %s exit within %.0f s: policybot gives up "
                      "on it and keeps the rest running; the chat page says 服务暂时不可用 until it is back.\n"
                      "Last lines of %s:\n%s\nWhat to do: fix the cause shown above (the whole log is %s), then "
                      "restart policybot (Ctrl-C, then `make run`).", run.child.label, run.child.port, how, uptime,
                      _ordinal(len(run.crashes)), self.policy.window, run.log_path, tail, run.log_path)
            return
        delay = self.policy.delay(len(run.crashes))
        run.status, run.restart_at = Status.WAITING, now + delay
        run.note = f"{how}; restarting in {delay:g} s"
        log.warning("%s (port %d) stopped (%s) after %.0f s; starting it again in %g s (exit %d within %.0f s; "
                    "policybot gives up at %d). Last lines of %s:\n%s", run.child.label, run.child.port, how, uptime,
                    delay, len(run.crashes), self.policy.window, self.policy.max_crashes, run.log_path, tail)

    def _spawn(self, run: _Run) -> None:
        with open(run.log_path, "a", encoding="utf-8") as f:
            f.write(f"{START_MARK} {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n")
        run.proc = run.child.start(run.log_path)
        run.status, run.started = Status.STARTING, time.monotonic()
        if run.restarts:
            run.note = f"restart {run.restarts} after {run.last_exit}; waiting for it to answer"

    def _healthy(self, run: _Run) -> bool:
        if run.child.probe is not None:
            return run.child.probe()
        try:
            return self._http.get(run.child.health_url).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, timeout: float = 20.0) -> None:
        """Stops the children, the gateway first and the action server last, so nothing half-answers."""
        for run in reversed(self.runs):
            if run.proc is not None and run.proc.poll() is None:
                run.proc.send_signal(run.child.stop_signal)
        deadline = time.monotonic() + timeout
        for run in reversed(self.runs):
            if run.proc is None:
                continue
            try:
                run.proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                log.warning("%s (pid %d) did not stop within %.0f s of SIGTERM: killed", run.child.label,
                            run.proc.pid, timeout)
                run.proc.kill()
                run.proc.wait()
            run.status = Status.STOPPED
        self._write_state()
        self._http.close()

    def state(self) -> dict:
        return {"supervisor_pid": os.getpid(), "updated": time.time(), "children": {
            run.child.name: {"label": run.child.label, "port": run.child.port, "status": run.status.value,
                             "pid": run.proc.pid if run.proc is not None and run.proc.poll() is None else None,
                             "restarts": run.restarts, "last_exit": run.last_exit, "note": run.note}
            for run in self.runs}}

    def _write_state(self) -> None:
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.state(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.state_file)  # the gateway never reads half a file


def read_state(path: Path) -> dict:
    """The supervisor's last written state, {} when there is none (a gateway run on its own)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")

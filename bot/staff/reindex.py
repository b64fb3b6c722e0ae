"""The index updates staff changes start: `policybot index` in a child process (the gateway loads no model),
one at a time; a change made while one runs starts one more run after it, so the last change is always indexed.
The action server swaps each new build in by itself (knowledge/answer/live.py)."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from knowledge.config import Settings


@dataclass(frozen=True)
class IndexRun:
    started: str = ""
    finished: str = ""
    exit_code: int | None = None


class Reindexer:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.log = settings.data_dir / "log" / "staff-index.log"
        self._lock = threading.Lock()
        self._pending = False
        self._running = False
        self.last = IndexRun()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._running or self._pending

    def request(self) -> None:
        """Index the corpus folder soon: now if no run is going, after the current one otherwise."""
        with self._lock:
            self._pending = True
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._run, name="staff-index", daemon=True).start()

    def _run(self) -> None:
        from ..serve import index_in_background

        while True:
            with self._lock:
                if not self._pending:
                    self._running = False
                    return
                self._pending = False
            self.last = IndexRun(started=_now())
            code = index_in_background(self.settings, self.log).wait()
            self.last = replace(self.last, finished=_now(), exit_code=code)

    def wait(self, timeout: float) -> bool:
        """For tests and scripts: True once no run is going or waiting."""
        deadline = time.monotonic() + timeout
        while self.busy and time.monotonic() < deadline:
            time.sleep(0.2)
        return not self.busy


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S")


def log_tail(path: Path, lines: int = 5) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""

"""The knowledge base a server answers from, kept current: a new index build (`policybot index`) is noticed,
loaded in the background while the old knowledge base keeps serving, and swapped in by replacing one reference.

Readers take `live.current()` once per request and use that object throughout, so a request in flight
finishes on the knowledge base it started with; whatever is derived from a knowledge base (`kb.derived`)
changes with it."""
from __future__ import annotations

import ctypes
import gc
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..config import Settings
from ..index.store import current_build_name
from .knowledge_base import KnowledgeBase

log = logging.getLogger(__name__)
try:  # glibc keeps freed memory for reuse; malloc_trim returns what it can
    _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):
    _malloc_trim = None


@dataclass(frozen=True)
class Loaded:
    """What is serving: its build, when it started serving (time.time()) and how long it took to load."""

    build: str
    since: float
    load_s: float


class LiveKnowledgeBase:
    def __init__(self, settings: Settings, load: Callable[[Settings], KnowledgeBase] = KnowledgeBase.load,
                 prepare: Callable[[KnowledgeBase], object] | None = None):
        """Loads the live build now (IndexUnavailable when there is none: nothing to serve yet). `prepare` runs
        on each knowledge base before it serves, so that the first request after a swap does not pay for what
        every request needs (the welcome suggestions)."""
        self.settings = settings
        self._load, self._prepare = load, prepare
        self._lock = threading.Lock()  # one load at a time: the watcher's and a caller's refresh()
        self._failed = ""  # a build that would not load; tried again only once another build is live
        self.error = ""  # why the live build is not the one serving, when it is not
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._kb, self.loaded = self._ready()

    def current(self) -> KnowledgeBase:
        return self._kb

    def _ready(self) -> tuple[KnowledgeBase, Loaded]:
        started = time.perf_counter()
        kb = self._load(self.settings)
        if self._prepare is not None:
            self._prepare(kb)
        return kb, Loaded(kb.build, time.time(), round(time.perf_counter() - started, 2))

    def refresh(self) -> bool:
        """Serves the live build if it is not the one serving already; True when a new knowledge base was
        swapped in. A build that fails to load is logged and left alone; the old knowledge base keeps serving."""
        with self._lock:
            name = current_build_name(self.settings.index_dir)
            if name == self._kb.build:
                self.error = ""  # the failed build was replaced by the one serving (`CURRENT` put back)
            if not name or name in (self._kb.build, self._failed):
                return False
            try:
                kb, loaded = self._ready()
            except Exception as exc:  # whatever is wrong with the new build, answering goes on from the old one
                if current_build_name(self.settings.index_dir) == name:  # not merely replaced while it loaded
                    self._failed = name
                    todo = "" if "policybot index" in str(exc) else ": run `policybot index` again"
                    self.error = f"index build {name} did not load ({exc}); still answering from {self._kb.build}{todo}"
                    log.error("%s", self.error)
                return False
            previous, self._kb, self.loaded = self._kb.build, kb, loaded  # the swap: one reference replaced
            self._failed = self.error = ""
        log.info("answering from index build %s (was %s; loaded in %.1f s)", loaded.build, previous, loaded.load_s)
        gc.collect()  # the old knowledge base holds reference cycles (its caches): free it now, not some time later
        if _malloc_trim is not None:
            _malloc_trim(0)  # and give its memory back to the system, or each swap would leave the peak of two
        return True

    def watch(self) -> "LiveKnowledgeBase":
        """Looks for a new build every `settings.reload_poll_s` seconds in a background thread (none when 0)."""
        if self.settings.reload_poll_s > 0 and self._watcher is None:
            self._watcher = threading.Thread(target=self._poll, name="index-watcher", daemon=True)
            self._watcher.start()
        return self

    def _poll(self) -> None:
        while not self._stop.wait(self.settings.reload_poll_s):
            try:
                self.refresh()
            except Exception:  # the watcher must outlive any one failure, or updates would stop silently
                log.exception("looking for a new index build failed")

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=30)
            self._watcher = None

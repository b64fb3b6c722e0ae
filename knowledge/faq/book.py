"""The curated FAQ a server answers from: the store's entries with their embeddings, matched in memory and
reloaded as soon as the store's revision changes (a staff edit through the knowledge API, or `policybot faq
import` in another process), whatever index build is serving: the FAQ is not part of one."""
from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from datetime import date

import numpy as np

from ..config import Settings
from ..index.embedding import embed, serving_runtime
from ..text.script import to_simplified
from .entry import Draft, Entry
from .matcher import FaqMatcher, Match, Matching
from .store import FaqStore, Saved, db_path

log = logging.getLogger(__name__)


class FaqBook:
    def __init__(self, settings: Settings, matching: Matching = Matching()):
        self.settings = settings
        self.store = FaqStore(db_path(settings))
        self.matching = matching
        self._lock = threading.Lock()
        self._matcher = FaqMatcher((), np.zeros((0, 1), np.float32), matching)
        self._revision = -1

    def embed_questions(self, questions: Sequence[str]) -> np.ndarray:
        # As KnowledgeBase.embed_query embeds a citizen's question: simplified, the same model and precision.
        return embed(self.settings.model, [to_simplified(q) for q in questions],
                     precision=self.settings.embed_precision,
                     runtime=serving_runtime(self.settings.embed_runtime))

    def matcher(self) -> FaqMatcher:
        """The entries as the store holds them now (one SQLite read a question to see whether they changed)."""
        revision = self.store.revision()
        if revision != self._revision:
            with self._lock:
                if revision != self._revision:
                    self._matcher, self._revision = self._load(), revision
        return self._matcher

    def _load(self) -> FaqMatcher:
        model, stored = self.store.with_vectors()
        if not stored:
            return FaqMatcher((), np.zeros((0, 1), np.float32), self.matching)
        entries = [s.entry for s in stored]
        if model == self.settings.model and all(s.vector is not None for s in stored):
            vectors = np.vstack([s.vector for s in stored])
        else:  # embedded by another model (the setting changed): embed again, once, and keep the new vectors
            log.info("embedding %d FAQ questions again with %s (stored: %s)", len(entries), self.settings.model, model or "none")
            vectors = self.embed_questions([e.question for e in entries])
            self.store.store_vectors(((e.id, v) for e, v in zip(entries, vectors)), self.settings.model)
        return FaqMatcher(entries, vectors, self.matching)

    def match(self, question: str, vector: np.ndarray, day: date | None = None) -> Match | None:
        return self.matcher().match(question, vector, day)

    def save(self, drafts: Sequence[Draft]) -> Saved:
        drafts = [d.cleaned() for d in drafts]
        vectors = self.embed_questions([d.question for d in drafts]) if drafts else np.zeros((0, 1), np.float32)
        return self.store.save(drafts, vectors, self.settings.model)

    def edit(self, entry_id: int, draft: Draft) -> Entry | None:
        old = self.store.get(entry_id)
        if old is None:
            return None
        draft = draft.cleaned()
        vector = self.embed_questions([draft.question])[0] if draft.question != old.question else None
        return self.store.update(entry_id, draft, vector, self.settings.model)

    def set_enabled(self, entry_id: int, enabled: bool) -> Entry | None:
        return self.store.set_enabled(entry_id, enabled)

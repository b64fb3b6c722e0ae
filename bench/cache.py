"""Embeddings cached on disk (SQLite under var/bench-cache), keyed by model name and text hash, so that a
re-run of the benchmark embeds only what it has not seen."""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge.index.embedding import CONTEXT_REMOVED, Spans, embed, embed_with_spans, uses_bfloat16


class EmbeddingCache:
    def __init__(self, folder: Path, model: str, batch: int = 64, precision: str = "auto"):
        folder.mkdir(parents=True, exist_ok=True)
        self.model = model
        self.precision = precision
        # float32 vectors keep the keys they always had; bfloat16 ones have their own, never mixed with those.
        self._prefix = f"{model}\0bfloat16" if uses_bfloat16(precision) else model
        self.batch = batch
        self._db = sqlite3.connect(folder / "embeddings.sqlite", timeout=120)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, data BLOB)")

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._prefix}\0{text}".encode("utf-8")).hexdigest()

    def embed_with_spans(self, texts: list[str], spans: list[Spans], desc: str = "embedding") -> tuple[np.ndarray, list[np.ndarray]]:
        """embedding.embed_with_spans through the cache: a text's vector and its spans' are stored together, keyed by
        the text and the spans."""
        keys = [self._key(f"\0spans {CONTEXT_REMOVED}\0{t}\0{list(sp)!r}") for t, sp in zip(texts, spans)]
        found = self._found(keys)
        todo = sorted({k: (t, sp) for k, t, sp in zip(keys, texts, spans) if k not in found}.items(), key=lambda kt: -len(kt[1][0]))
        with tqdm(total=len(todo), desc=desc, unit="text", disable=not todo, leave=False) as bar:
            for i in range(0, len(todo), self.batch):
                part = todo[i:i + self.batch]
                vectors, pooled = embed_with_spans(self.model, [t for _, (t, _) in part], [sp for _, (_, sp) in part],
                                                   batch_size=16, precision=self.precision)
                rows = [np.vstack([v[None, :], p.reshape(-1, v.shape[0])]) for v, p in zip(vectors, pooled)]
                self._store(part, rows)
                found.update((k, r) for (k, _), r in zip(part, rows))
                bar.update(len(part))
        if not texts:
            return self.embed([]), []
        from knowledge.index.embedding import dimension
        width = dimension(self.model)
        tables = [found[k].reshape(-1, width) for k in keys]
        return np.vstack([t[0] for t in tables]).astype(np.float32), [t[1:].astype(np.float32) for t in tables]

    def _found(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(keys), 500):
            part = keys[i:i + 500]
            rows = self._db.execute(f"SELECT key, data FROM vec WHERE key IN ({','.join('?' * len(part))})", part)
            found.update((k, np.frombuffer(d, dtype=np.float32)) for k, d in rows)
        return found

    def _store(self, part: list, vectors) -> None:
        # Committing per batch keeps the work of an interrupted run.
        self._db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)",
                             [(k, v.astype(np.float32).tobytes()) for (k, _), v in zip(part, vectors)])
        self._db.commit()

    def embed(self, texts: list[str], desc: str = "embedding") -> np.ndarray:
        """One unit vector per text, in order; unseen texts are embedded (longest first, in batches) and stored."""
        keys = [self._key(t) for t in texts]
        found = self._found(keys)
        todo = sorted({k: t for k, t in zip(keys, texts) if k not in found}.items(), key=lambda kt: -len(kt[1]))
        # Similar lengths in a batch pad less.
        with tqdm(total=len(todo), desc=desc, unit="text", disable=not todo, leave=False) as bar:
            for i in range(0, len(todo), self.batch):
                part = todo[i:i + self.batch]
                vectors = embed(self.model, [t for _, t in part], batch_size=16, precision=self.precision)
                self._store(part, vectors)
                found.update((k, v) for (k, _), v in zip(part, vectors))
                bar.update(len(part))
        if not texts:
            from knowledge.index.embedding import dimension
            return np.zeros((0, dimension(self.model)), dtype=np.float32)
        return np.vstack([found[k] for k in keys]).astype(np.float32)

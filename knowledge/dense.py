"""The FAISS index over chunk embeddings."""
from __future__ import annotations

import faiss
import numpy as np


class DenseIndex:
    def __init__(self, vectors: np.ndarray):
        self.size, dim = vectors.shape
        self._index = faiss.IndexFlatIP(dim)  # exact search; inner product of unit vectors is cosine
        if self.size:
            self._index.add(np.ascontiguousarray(vectors, dtype=np.float32))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, row numbers) of the k nearest chunks, best first."""
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        scores, rows = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        return scores[0], rows[0]

"""The FAISS index over chunk embeddings: exact for a small corpus, approximate for a large one."""
from __future__ import annotations

import math

import faiss
import numpy as np

KINDS = ("auto", "flat", "hnsw", "ivf")
# Up to this many chunks "auto" searches exactly. From docs/benchmarks.md (scaling, 2 busy cores): flat search
# takes about 10 ms at 10k chunks and 70 ms at 100k, which alone would spend most of an answer's budget; IVF kept
# recall@10 at 0.99 of flat at 100k in under 1 ms, while HNSW lost recall there (0.79) and builds slower.
DENSE_EXACT_UP_TO = 20_000
APPROXIMATE = "ivf"  # what "auto" uses above DENSE_EXACT_UP_TO
HNSW_M = 32
HNSW_EF_SEARCH = 128
IVF_NPROBE = 16


def choose_kind(kind: str, size: int) -> str:
    if kind not in KINDS:
        raise ValueError(f"dense index kind {kind!r} is not one of {', '.join(KINDS)}: fix POLICYBOT_DENSE_INDEX")
    if kind != "auto":
        return kind
    return "flat" if size <= DENSE_EXACT_UP_TO else APPROXIMATE


def build_faiss(vectors: np.ndarray, kind: str) -> faiss.Index:
    """An approximate FAISS index of `kind` (hnsw or ivf) holding the unit vectors; inner product is cosine."""
    size, dim = vectors.shape
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if kind == "flat":
        raise ValueError("flat search is DenseIndex's own (numpy); build_faiss makes only hnsw and ivf")
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efSearch = HNSW_EF_SEARCH
    elif kind == "ivf":
        nlist = max(1, min(int(4 * math.sqrt(size)), size // 39 or 1))  # FAISS wants >= 39 points per list
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        if size:
            sample = vectors[np.random.default_rng(0).choice(size, min(size, 64 * nlist), replace=False)]
            index.train(sample)
        index.nprobe = min(IVF_NPROBE, nlist)
    if size:
        index.add(vectors)
    return index


class DenseIndex:
    def __init__(self, vectors: np.ndarray, kind: str = "auto"):
        self.size, dim = vectors.shape
        self.kind = choose_kind(kind, self.size)
        # Exact search is one matrix-vector product over the vectors the knowledge base already holds: FAISS's
        # IndexFlatIP would copy them and run its own OpenMP threads, 1.1 ms a question at 10k chunks against 0.4.
        self._vectors = np.ascontiguousarray(vectors, dtype=np.float32) if self.kind == "flat" else None
        self._index = build_faiss(vectors, self.kind) if self.kind != "flat" else None

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(cosines, row numbers) of the k nearest chunks, best first."""
        k = min(k, self.size)
        if k == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        if self._vectors is not None:
            cosines = self._vectors @ np.asarray(query, dtype=np.float32).reshape(-1)
            top = np.argpartition(-cosines, k - 1)[:k] if k < self.size else np.arange(self.size)
            top = top[np.lexsort((top, -cosines[top]))]  # best first, ties by row as FAISS orders them
            return cosines[top], top.astype(np.int64)
        scores, rows = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        found = rows[0] >= 0  # an approximate index may find fewer than k
        return scores[0][found], rows[0][found]

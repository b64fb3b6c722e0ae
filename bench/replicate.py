"""Bigger corpora from small ones: bundles copied under new document ids, each copy's vectors nudged by a small
random perturbation (and re-normalised), so that no two chunks are identical and nothing is re-embedded."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from knowledge.index.store import Bundle

NOISE = 0.02  # per-dimension standard deviation before re-normalising: cosine to the original about 0.9


def perturb(vectors: np.ndarray, rng: np.random.Generator, noise: float = NOISE) -> np.ndarray:
    if not len(vectors):
        return vectors
    v = vectors + rng.normal(0, noise, vectors.shape).astype(np.float32)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def replicate_bundles(bundles: list[Bundle], chunks: int, seed: int = 0) -> list[Bundle]:
    """Copies of the bundles (the originals first) until about `chunks` chunks."""
    rng = np.random.default_rng(seed)
    out, total, copy = [], 0, 0
    while total < chunks:
        for b in bundles:
            if total >= chunks:
                break
            if copy == 0:
                out.append(b)
            else:
                doc_id = f"{b.doc.doc_id}~{copy}"
                out.append(Bundle(replace(b.doc, doc_id=doc_id),
                                  [replace(c, doc_id=doc_id, chunk_id=f"{doc_id}#{c.ordinal}") for c in b.chunks],
                                  b.tokens, perturb(b.vectors, rng), b.sentence_spans, perturb(b.sentence_vectors, rng)))
            total += len(b.chunks)
        copy += 1
    return out


def replicate_vectors(vectors: np.ndarray, rows: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    reps = -(-rows // len(vectors))
    parts = [vectors] + [perturb(vectors, rng) for _ in range(reps - 1)]
    return np.vstack(parts)[:rows]

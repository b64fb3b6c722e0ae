"""Run in a subprocess by the benchmark, one corpus size per process: a knowledge base of about --size chunks
replicated from the pooled CMRC+DRCD bundles; its memory, and retrieval latency with FAISS flat, HNSW and IVF
(recall@10 against flat), BM25 alone and policybot's fusion. Prints JSON."""
from __future__ import annotations

import argparse
import json
import pickle
import resource
import sys
import time

import faiss
import numpy as np

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.index.dense import DenseIndex

from .timing import timing
from .replicate import replicate_bundles

KINDS = ("flat", "hnsw", "ivf")


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def probe(state: dict, size: int) -> dict:
    settings, q_tokens, q_vecs = state["settings"], state["q_tokens"], state["q_vecs"]
    before = _rss_mb()
    started = time.perf_counter()
    kb = KnowledgeBase(settings.replace(dense_index="flat"), replicate_bundles(state["bundles"], size))
    out = {"chunks": len(kb.chunks), "kb_build_s": round(time.perf_counter() - started, 2),
           "kb_memory_mb": round(_rss_mb() - before, 1), "vectors_mb": round(kb.vectors.nbytes / 2**20, 1)}
    out["bm25"] = timing(_timed(lambda i: kb.lexical.scores(q_tokens[i]), len(q_tokens)))
    exact = [set(kb.dense.search(v, 10)[1].tolist()) for v in q_vecs]
    out["dense"] = {}
    for kind in KINDS:
        started = time.perf_counter()
        index = DenseIndex(kb.vectors, kind)
        build = time.perf_counter() - started
        found = [set(index.search(v, 10)[1].tolist()) for v in q_vecs]
        kb.dense = index
        out["dense"][kind] = {
            "build_s": round(build, 2), "index_mb": round(len(faiss.serialize_index(index._index)) / 2**20, 1),
            "search": timing(_timed(lambda i: index.search(q_vecs[i], settings.candidates), len(q_vecs))),
            "recall@10_vs_flat": round(float(np.mean([len(a & b) / max(len(a), 1) for a, b in zip(exact, found)])), 4),
            "fusion": timing(_timed(lambda i: kb.rank(q_tokens[i], q_vecs[i], 10), len(q_vecs))),
        }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


def _timed(fn, n: int, repeats: int = 2) -> list[float]:
    fn(0)
    seconds = []
    for _ in range(repeats):
        for i in range(n):
            started = time.perf_counter()
            fn(i)
            seconds.append(time.perf_counter() - started)
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True, help="pickle of bundles, settings and questions")
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args()
    with open(args.state, "rb") as fh:
        state = pickle.load(fh)
    print(json.dumps(probe(state, args.size)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

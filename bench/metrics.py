"""Recall@k and MRR@10 from gold ranks; medians and 95th percentiles from timings."""
from __future__ import annotations

from collections.abc import Hashable

import numpy as np

KS = (1, 5, 10)


def first_gold_rank(ranked: list[Hashable], gold: set[Hashable]) -> int | None:
    """1-based rank of the first gold item (chunk row, document id) among the ranked ones, None when none is there."""
    return next((i for i, row in enumerate(ranked, start=1) if row in gold), None)


def recall_mrr(ranks: list[int | None]) -> dict:
    n = max(len(ranks), 1)
    out = {f"recall@{k}": round(sum(r is not None and r <= k for r in ranks) / n, 4) for k in KS}
    out["mrr@10"] = round(sum(1 / r for r in ranks if r is not None and r <= 10) / n, 4)
    out["questions"] = len(ranks)
    return out


def timing(seconds: list[float]) -> dict:
    """Median, 95th percentile and mean in milliseconds."""
    ms = np.asarray(seconds, dtype=float) * 1000
    if not len(ms):
        return {"n": 0, "median_ms": None, "p95_ms": None, "mean_ms": None}
    return {"n": int(len(ms)), "median_ms": round(float(np.median(ms)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2), "mean_ms": round(float(ms.mean()), 2)}

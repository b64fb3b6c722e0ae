"""Medians and 95th percentiles from timings."""
from __future__ import annotations

import numpy as np


def timing(seconds: list[float]) -> dict:
    """Median, 95th percentile and mean in milliseconds."""
    ms = np.asarray(seconds, dtype=float) * 1000
    if not len(ms):
        return {"n": 0, "median_ms": None, "p95_ms": None, "mean_ms": None}
    return {"n": int(len(ms)), "median_ms": round(float(np.median(ms)), 2),
            "p95_ms": round(float(np.percentile(ms, 95)), 2), "mean_ms": round(float(ms.mean()), 2)}

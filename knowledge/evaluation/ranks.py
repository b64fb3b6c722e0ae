"""hit@k (recall@k), MRR and MRR@k from ranks: the 1-based rank of each question's first right answer (a
citation, a chunk row, a document), None when there is none. `policybot eval`, `policybot coverage` and the
benchmarks all count with these, so their figures mean the same."""
from __future__ import annotations

from collections.abc import Hashable, Sequence

KS = (1, 5, 10)  # the benchmarks' recall@k

Rank = int | None


def first_gold_rank(ranked: Sequence[Hashable], gold: set[Hashable]) -> Rank:
    """1-based rank of the first gold item (chunk row, document id) among the ranked ones, None when none is there."""
    return next((i for i, row in enumerate(ranked, start=1) if row in gold), None)


def hits_at(ranks: Sequence[Rank], k: int) -> int:
    """How many questions have a right answer among their first k."""
    return sum(r is not None and r <= k for r in ranks)


def hit_rate(ranks: Sequence[Rank], k: int) -> float:
    """hit@k, also called recall@k: the share of questions with a right answer among their first k (0 for none)."""
    return hits_at(ranks, k) / max(len(ranks), 1)


def mrr(ranks: Sequence[Rank], cutoff: int | None = None) -> float:
    """Mean reciprocal rank; with a cutoff (MRR@10), a right answer further down counts as none."""
    return sum(1 / r for r in ranks if r is not None and (cutoff is None or r <= cutoff)) / max(len(ranks), 1)


def recall_mrr(ranks: Sequence[Rank]) -> dict:
    """The benchmarks' retrieval figures: recall@1, @5, @10 and MRR@10, rounded."""
    out = {f"recall@{k}": round(hit_rate(ranks, k), 4) for k in KS}
    out["mrr@10"] = round(mrr(ranks, 10), 4)
    out["questions"] = len(ranks)
    return out

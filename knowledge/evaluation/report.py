"""`policybot eval`: hit@k, MRR and decline accuracy of answers against questions with expected documents and
phrases."""
from __future__ import annotations

from dataclasses import dataclass

from ..models import Answer
from .expectations import Expectation
from .matching import hit_rank
from .ranks import hits_at, mrr


@dataclass(frozen=True)
class Report:
    answerable: int
    hit_at: dict[int, int]
    mrr: float
    declined_wrongly: int
    out_of_scope: int
    out_of_scope_declined: int
    rows: list[dict]

    def summary(self) -> dict:
        n = max(self.answerable, 1)
        return {
            "answerable": self.answerable,
            **{f"hit@{k}": f"{v}/{self.answerable}" for k, v in self.hit_at.items()},
            **{f"hit@{k}_rate": round(v / n, 4) for k, v in self.hit_at.items()},
            "mrr": round(self.mrr, 4),
            "answerable_declined": self.declined_wrongly,
            "out_of_scope_declined": f"{self.out_of_scope_declined}/{self.out_of_scope}",
        }


def evaluate(pairs: list[tuple[Expectation, Answer]], ks: tuple[int, ...] = (1, 3, 5)) -> Report:
    ranks: list[int | None] = []  # of the answerable questions, in order
    wrong_declines, oos, oos_declined, rows = 0, 0, 0, []
    for exp, ans in pairs:
        if exp.doc is None:
            oos += 1
            oos_declined += not ans.answered
            rows.append({"id": exp.id, "question": exp.question, "expected": "decline", "answered": ans.answered,
                         "confidence": ans.confidence, "rank": None})
            continue
        rank = hit_rank(ans, exp)
        ranks.append(rank)
        wrong_declines += not ans.answered
        rows.append({"id": exp.id, "question": exp.question, "expected": exp.doc, "answered": ans.answered,
                     "confidence": ans.confidence, "rank": rank})
    return Report(len(ranks), {k: hits_at(ranks, k) for k in ks}, mrr(ranks), wrong_declines, oos, oos_declined, rows)

"""hit@k, MRR and decline accuracy of answers against questions with expected documents and phrases."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..models import Answer
from ..text.script import to_simplified


@dataclass(frozen=True)
class Expectation:
    question: str
    doc: str | None  # prefix of the expected document's file name; None: the question must be declined
    any: tuple[str, ...]
    kind: str = ""
    id: str = ""


def load_expectations(path: Path) -> list[Expectation]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{n}: not a JSON object ({exc.msg})") from exc
        question = row.get("q") or row.get("question")
        if not question:
            raise ValueError(f"{path}:{n}: no \"q\" or \"question\" field")
        out.append(Expectation(question, row.get("doc"), tuple(row.get("any") or ()), row.get("kind", ""),
                               str(row.get("id", n))))
    return out


def hit_rank(answer: Answer, exp: Expectation) -> int | None:
    """1-based rank of the first citation that hits, as ../shared/eval/README.md defines a hit."""
    for i, c in enumerate(answer.citations, start=1):
        if not c.doc_id.split("/")[-1].startswith(exp.doc or "\0"):
            continue
        texts = (to_simplified(c.quote), to_simplified(c.context), to_simplified(c.text))
        if not exp.any or any(phrase in t for phrase in exp.any for t in texts):
            return i
    return None


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
    hit_at = {k: 0 for k in ks}
    mrr, wrong_declines, oos, oos_declined, rows = 0.0, 0, 0, 0, []
    for exp, ans in pairs:
        if exp.doc is None:
            oos += 1
            oos_declined += not ans.answered
            rows.append({"id": exp.id, "question": exp.question, "expected": "decline", "answered": ans.answered,
                         "confidence": ans.confidence, "rank": None})
            continue
        rank = hit_rank(ans, exp)
        wrong_declines += not ans.answered
        for k in ks:
            hit_at[k] += rank is not None and rank <= k
        mrr += 1 / rank if rank else 0.0
        rows.append({"id": exp.id, "question": exp.question, "expected": exp.doc, "answered": ans.answered,
                     "confidence": ans.confidence, "rank": rank})
    answerable = len(pairs) - oos
    return Report(answerable, hit_at, mrr / max(answerable, 1), wrong_declines, oos, oos_declined, rows)

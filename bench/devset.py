"""The seed corpus: dev-question hit@k and declines (knowledge/evaluation), and the calibration of the
confidence threshold that decides between answering and declining."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm import tqdm

from knowledge.answer.answering import answer_question
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.evaluation.expectations import load_expectations
from knowledge.evaluation.report import evaluate
from knowledge.text.script import to_simplified

THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.0, 0.61, 0.05))


def dev_questions(kb: KnowledgeBase, path: Path) -> dict:
    """hit@k as `policybot eval` counts it (a cited passage holds an expected phrase), and the stricter reading
    of a citizen: the answer's own text holds one."""
    exps = load_expectations(path)
    pairs = [(e, answer_question(kb, e.question, 5)) for e in tqdm(exps, desc="dev questions", leave=False)]
    report = evaluate(pairs)
    answerable = [(e, a) for e, a in pairs if e.doc is not None]
    in_text = [e.id for e, a in answerable if any(p in to_simplified(a.answer) for p in e.any)]
    summary = {**report.summary(), "answer_text_holds_expected": f"{len(in_text)}/{len(answerable)}",
               "answer_text_holds_expected_rate": round(len(in_text) / max(len(answerable), 1), 4)}
    rows = [{**row, "answer_text_holds_expected": row["id"] in in_text if row["expected"] != "decline" else None,
             "status": a.status.value} for row, (_, a) in zip(report.rows, pairs)]
    return {"summary": summary, "rows": rows}


def calibration(kb: KnowledgeBase, path: Path, off_topic: list[str]) -> dict:
    """Answered-versus-declined precision and recall over a sweep of the threshold.

    Positives: the answerable dev questions (they should be answered). Negatives: the dev set's out-of-scope
    questions and CMRC/DRCD questions asked of the policy corpus, which it cannot answer (they should be
    declined). Confidence does not depend on the threshold, so each question is answered once."""
    exps = load_expectations(path)
    pos = [answer_question(kb, e.question).confidence for e in exps if e.doc is not None]
    neg_questions = [e.question for e in exps if e.doc is None] + off_topic
    neg = [answer_question(kb, q).confidence for q in tqdm(neg_questions, desc="calibration", leave=False)]
    shipped = kb.settings.decline_below
    rows = [_row(t, pos, neg) for t in sorted(set(THRESHOLDS) | {shipped})]
    return {"positives": len(pos), "negatives": len(neg), "shipped_threshold": shipped,
            "at_shipped": _row(shipped, pos, neg), "sweep": rows,
            "positive_confidence_min": round(min(pos), 4) if pos else None,
            "negative_confidence_p95": round(float(np.percentile(neg, 95)), 4) if neg else None}


def _row(threshold: float, pos: list[float], neg: list[float]) -> dict:
    tp = sum(c >= threshold for c in pos)  # answerable and answered
    fp = sum(c >= threshold for c in neg)  # must decline, answered
    tn, fn = len(neg) - fp, len(pos) - tp
    return {"threshold": threshold,
            "answered_precision": round(tp / (tp + fp), 4) if tp + fp else None,
            "answered_recall": round(tp / len(pos), 4) if pos else None,
            "declined_precision": round(tn / (tn + fn), 4) if tn + fn else None,
            "declined_recall": round(tn / len(neg), 4) if neg else None,
            "off_topic_answered": fp}

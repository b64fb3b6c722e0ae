"""FAQ coverage: a list of questions answered one by one, then what the knowledge base can and cannot answer.

Answering is passed in (in process or through Rasa), so the numbers are those of the path the bot really
takes; formatting the results is bot/coverage_report.py's job.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from tqdm import tqdm

from ..models import Answer, Status
from .matching import doc_matches, expected_rank
from .questions_file import Question
from .ranks import hit_rate, mrr

# "Low confidence": answered, but less than this far above the decline threshold. Such answers are the
# first to turn into declines when the corpus or the threshold changes, so staff should read them.
LOW_CONFIDENCE_MARGIN = 0.10


@dataclass(frozen=True)
class Result:
    question: Question
    answer: Answer
    low_confidence: bool
    rank: int | None  # 1-based rank of the first citation meeting the expectation; None if missed or none given

    @property
    def gap(self) -> bool:
        """Declined, or answered with low confidence: what staff should look at first."""
        return not self.answer.answered or self.low_confidence

    @property
    def met(self) -> bool | None:
        """Whether the answer meets the expectation; None when the question has none."""
        q = self.question
        if q.expected_decline:
            return not self.answer.answered
        return self.rank is not None if q.has_expectation else None

    def to_json(self) -> dict:
        """The `ask --json` shape, plus the curated FAQ entry it was answered from (or null), and the
        expectation and its outcome when the question has one."""
        row = {**self.answer.to_json(), "faq_entry": self.answer.curated_entry}
        q = self.question
        if q.has_expectation:
            row.update({"expected_doc": q.expected_doc, "expected_any": list(q.expected_any),
                        "expected_answer": q.expected_answer, "expected_decline": q.expected_decline,
                        "hit_rank": self.rank, "expectation_met": self.met})
        return row


@dataclass(frozen=True)
class DocumentCoverage:
    doc_id: str
    title: str
    top_cited: int  # questions whose first citation comes from this document
    cited: int  # questions citing it anywhere
    mean_confidence: float | None  # over the questions it is the first citation of
    expected: int  # questions expecting this document (given in the file)
    expected_hits: int


@dataclass(frozen=True)
class Summary:
    total: int
    answered: int
    declined: int
    coverage_pct: float  # answered / total, in percent
    decline_below: float
    low_confidence_below: float
    low_confidence: int
    mean_confidence: float
    documents: tuple[DocumentCoverage, ...]
    # Of the declined: the topic is covered but the asked fact is not stated (a fee, an address): content to add.
    not_stated: int = 0
    curated: int = 0  # answered from a curated FAQ entry (its answer first)
    # Only meaningful when the file gave expectations (with_expectation > 0).
    with_expectation: int = 0
    answerable: int = 0  # questions with an expected document or answer
    hit_at_1: float | None = None
    hit_at_3: float | None = None
    mrr: float | None = None
    expected_declines: int = 0
    expected_declines_correct: int = 0

    def to_json(self) -> dict:
        out = {
            "total": self.total, "answered": self.answered, "declined": self.declined, "not_stated": self.not_stated,
            "curated": self.curated,
            "coverage_pct": self.coverage_pct, "decline_below": self.decline_below,
            "low_confidence_below": self.low_confidence_below, "low_confidence": self.low_confidence,
            "mean_confidence": self.mean_confidence,
            "documents": [d.__dict__ for d in self.documents],
        }
        if self.with_expectation:
            out.update({"with_expectation": self.with_expectation, "answerable": self.answerable,
                        "hit@1": self.hit_at_1, "hit@3": self.hit_at_3, "mrr": self.mrr,
                        "expected_declines": self.expected_declines,
                        "expected_declines_correct": self.expected_declines_correct})
        return out


@dataclass(frozen=True)
class CoverageRun:
    results: tuple[Result, ...]
    summary: Summary

    @property
    def gaps(self) -> list[Result]:
        return [r for r in self.results if r.gap]


def run(questions: Iterable[Question], answer: Callable[[str], Answer], decline_below: float,
        documents: dict[str, str] | None = None, progress: bool = False) -> CoverageRun:
    """Answers every question in order. `documents` (doc_id -> title) lists the knowledge base's documents so
    that those no question reaches are reported too."""
    questions = list(questions)
    # disable=None turns the bar off when stderr is not a terminal (CI logs, tests).
    bar = tqdm(questions, desc="answering", unit="q", file=sys.stderr,
               disable=None if progress and len(questions) >= 10 else True)
    results = tuple(assess(q, answer(q.text), decline_below) for q in bar)
    return CoverageRun(results, summarize(results, decline_below, documents or {}))


def assess(question: Question, answer: Answer, decline_below: float) -> Result:
    low = answer.answered and answer.confidence < decline_below + LOW_CONFIDENCE_MARGIN
    return Result(question, answer, low, expected_rank(answer, question))


def summarize(results: tuple[Result, ...], decline_below: float, documents: dict[str, str]) -> Summary:
    total = len(results)
    answered = [r for r in results if r.answer.answered]
    answerable = [r for r in results if r.question.expected_doc or r.question.expected_answer]
    declines = [r for r in results if r.question.expected_decline]
    ranks = [r.rank for r in answerable]
    return Summary(
        total=total, answered=len(answered), declined=total - len(answered),
        coverage_pct=round(100 * len(answered) / total, 1) if total else 0.0,
        decline_below=decline_below, low_confidence_below=round(decline_below + LOW_CONFIDENCE_MARGIN, 4),
        low_confidence=sum(r.low_confidence for r in results),
        mean_confidence=round(sum(r.answer.confidence for r in results) / total, 4) if total else 0.0,
        documents=_per_document(results, documents),
        not_stated=sum(r.answer.status == Status.NOT_STATED for r in results),
        curated=sum(r.answer.curated_entry is not None for r in results),
        with_expectation=sum(r.question.has_expectation for r in results),
        answerable=len(answerable),
        hit_at_1=round(hit_rate(ranks, 1), 4) if answerable else None,
        hit_at_3=round(hit_rate(ranks, 3), 4) if answerable else None,
        mrr=round(mrr(ranks), 4) if answerable else None,
        expected_declines=len(declines), expected_declines_correct=sum(not r.answer.answered for r in declines),
    )


def _per_document(results: tuple[Result, ...], documents: dict[str, str]) -> tuple[DocumentCoverage, ...]:
    titles = dict(documents)
    for r in results:
        for c in r.answer.citations:
            titles.setdefault(c.doc_id, c.title)
    rows = []
    for doc_id, title in titles.items():
        top = [r for r in results if r.answer.citations and r.answer.citations[0].doc_id == doc_id]
        expecting = [r for r in results if r.question.expected_doc and doc_matches(doc_id, title, r.question.expected_doc)]
        rows.append(DocumentCoverage(
            doc_id, title, len(top), sum(any(c.doc_id == doc_id for c in r.answer.citations) for r in results),
            round(sum(r.answer.confidence for r in top) / len(top), 4) if top else None,
            len(expecting), sum(r.rank is not None for r in expecting)))
    return tuple(sorted(rows, key=lambda d: (-d.top_cited, -d.cited, d.doc_id)))


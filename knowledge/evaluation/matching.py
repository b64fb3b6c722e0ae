"""Whether an answer meets what was expected of it, and at which citation: the expected document (a file-name
prefix, as in dev_questions.jsonl, or words of its title) with an expected phrase or answer."""
from __future__ import annotations

import re

from ..models import Answer, Citation
from ..text.script import to_simplified
from .expectations import Expectation
from .questions_file import Question

# An expected answer written by staff rarely matches a cited sentence character for character: it is met
# when one is inside the other, or when the citation holds this share of the expected answer's bigrams.
ANSWER_BIGRAM_RECALL = 0.5
_NOT_TEXT = re.compile(r"[\W_]+")


def hit_rank(answer: Answer, exp: Expectation) -> int | None:
    """1-based rank of the first citation that hits, as ../shared/eval/README.md defines a hit."""
    for i, c in enumerate(answer.citations, start=1):
        if not exp.doc or not _file_starts_with(c.doc_id, exp.doc):
            continue
        texts = (to_simplified(c.quote), to_simplified(c.context), to_simplified(c.text))
        if not exp.any or any(phrase in t for phrase in exp.any for t in texts):
            return i
    return None


def expected_rank(answer: Answer, q: Question) -> int | None:
    """1-based rank of the first citation meeting the expectation. A document prefix with `any` phrases is
    judged exactly as `policybot eval` does (hit_rank); an expected document may also be given by title, and an
    expected answer must match the cited text (see ANSWER_BIGRAM_RECALL)."""
    if not (q.expected_doc or q.expected_answer):
        return None
    if q.expected_doc and not q.expected_answer:
        rank = hit_rank(answer, Expectation(q.text, q.expected_doc, q.expected_any))
        if rank is not None or q.expected_any:
            return rank
    for i, c in enumerate(answer.citations, start=1):
        if doc_matches(c.doc_id, c.title, q.expected_doc) and _answer_matches(c, q.expected_answer):
            return i
    return None


def doc_matches(doc_id: str, title: str, expected: str | None) -> bool:
    if not expected:
        return True
    return _file_starts_with(doc_id, expected) or bool(_normal(expected)) and _normal(expected) in _normal(title)


def _file_starts_with(doc_id: str, prefix: str) -> bool:
    """Whether the document's file name (without its folders) starts with the prefix ("003" for 003_….txt)."""
    return doc_id.split("/")[-1].startswith(prefix)


def _answer_matches(c: Citation, expected: str) -> bool:
    if not expected:
        return True
    want = _normal(expected)
    if not want:
        return False
    cited = [_normal(t) for t in (c.quote, c.text, c.context)]
    if any(want in t or (t and t in want) for t in cited):
        return True
    grams = _bigrams(want)
    return bool(grams) and max(len(grams & _bigrams(t)) for t in cited) / len(grams) >= ANSWER_BIGRAM_RECALL


def _normal(text: str) -> str:
    return _NOT_TEXT.sub("", to_simplified(text))


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}

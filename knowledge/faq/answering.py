"""A question that matches a curated FAQ entry gets the entry's answer first, cited as the entry, with the
document passages the knowledge base gives after it; any other question is answered from the documents alone."""
from __future__ import annotations

import re
from dataclasses import replace

from ..answer.answering import answer_query, answer_question
from ..answer.knowledge_base import KnowledgeBase
from ..answer.query import Query, analyse
from ..models import FAQ_CITATION, Answer, Citation, Status
from ..text.script import in_script_of
from .book import FaqBook
from .matcher import Match

FAQ_TITLE = "常见问题"
_MARKED = re.compile(r"(.*?)\[(\d+)\]", re.S)


def answer_with_faq(kb: KnowledgeBase, book: FaqBook | None, question: str, max_citations: int | None = None) -> Answer:
    """answer_question, with the curated answer first when the question matches a served FAQ entry."""
    if book is None or not question.strip():
        return answer_question(kb, question, max_citations)
    query = analyse(kb, question)
    return answer_query_with_faq(kb, book, query, max_citations)


def answer_query_with_faq(kb: KnowledgeBase, book: FaqBook | None, query: Query,
                          max_citations: int | None = None) -> Answer:
    answer = answer_query(kb, query, max_citations)
    match = book.match(query.text, query.vector) if book is not None else None
    return with_curated(match, answer, max_citations or kb.settings.max_citations) if match else answer


def with_curated(match: Match, answer: Answer, limit: int) -> Answer:
    """The curated answer as [1], then the answer's document passages renumbered [2], [3] … (at most `limit`
    citations in all). The confidence is the match's, or the documents' when higher."""
    curated = faq_citation(match, answer.question)
    kept = answer.citations[:max(limit - 1, 0)] if answer.answered else ()
    shift = {c.n: n for n, c in enumerate(kept, start=2)}
    passages = "".join(f"{text}[{shift[int(n)]}]" for text, n in _MARKED.findall(answer.answer) if int(n) in shift)
    text = f"{curated.text}[1]" + (f"\n{passages}" if passages else "")
    citations = (curated, *(_renumbered(c, shift[c.n]) for c in kept))
    return Answer(answer.question, True, max(match.score, answer.confidence if answer.answered else 0.0), text,
                  citations, answer.related if answer.status == Status.NOT_STATED else (), Status.ANSWERED)


def faq_citation(match: Match, question: str) -> Citation:
    entry = match.entry
    text = in_script_of(entry.answer, question)
    where = entry.source or entry.dept
    return Citation(
        n=1, doc_id=f"faq:{entry.id}", title=in_script_of(FAQ_TITLE + (f" · {where}" if where else ""), question),
        date=entry.updated[:10], quote=entry.answer, context=entry.question, start=0, end=len(entry.answer),
        score=match.score, text=text, heading=entry.dept, paragraph=0, passage=text, passage_start=0,
        passage_end=len(text), kind=FAQ_CITATION)


def _renumbered(c: Citation, n: int) -> Citation:
    return replace(c, n=n)

"""Questions about when a document itself came out (简报第59期是哪天发布的？): no sentence of its text says so, the
page's date line does (发布日期: 2023-01-11), which cleaning removes as page furniture. The answer quotes that line
from the original, as every citation quotes the original."""
from __future__ import annotations

import re

from ..models import Answer, Citation, Document
from ..text.answer_types import Kind
from ..text.script import in_script_of, is_traditional, to_simplified
from .focus import subject
from .knowledge_base import KnowledgeBase
from .query import Query

# The verb of coming out, anywhere in the question: 是哪天发布的, 什么时候印发的, 发布日期是哪天.
_PUBLISHED = re.compile(r"发布|印发|发表|公布|刊发|刊登|刊出|发出|下发|发的|出的|登的|出台")
# How a question points at a document besides naming it (从揭榜挂帅到赛马争先这篇报道, 这篇从……的报道).
_POINTING = re.compile(r"^(?:这|那|该|此)[篇份个期条则]?|(?:(?:这|那|该|此)[篇份个期条则]?)?的?(?:报道|文章|新闻|稿子)?$")
_NOT_IN_TITLES = re.compile(r"[“”‘’「」『』\"'《》()（）\[\]【】\s·:：,，!！?？、.。-]")
# A date as a page or a text writes it: 2023-01-11, 2023/1/11, 2022年5月23日.
_DATE = re.compile(r"(?<!\d)(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)日?")
_LABEL = re.compile(r"(?:发布|發布|印发|印發|发文|發文)?(?:日期|时间|時間)\s*[:：]\s*$")

# The question's name for the document must be this share of a title's character bigrams, and this long: 简报第59期
# is 南昌市“五型”政府建设领导小组办公室简报(第59期); 简报 alone names no one issue.
MIN_NAME_SHARE = 0.8
MIN_NAME_CHARS = 4
# A line this short is quoted whole (▲点击查看2022年5月23日三亚日报5版报道: the date of the paper's report); in a
# longer one, the date alone.
_LINE_CHARS = 60


def publication_answer(kb: KnowledgeBase, query: Query) -> Answer | None:
    """The cited date a document came out on, when the question asks when a document the knowledge base holds came
    out and names it by its title; None otherwise (an event a text tells, 三亚什么时候公布了榜单, is answered from
    the text; a document that bears no date gets the usual 文件中没有说明……的具体时间)."""
    if query.asked.kind is not Kind.DATE or not _PUBLISHED.search(query.simplified):
        return None
    doc, share = _named_document(kb, query)
    if doc is None or not doc.meta.date:
        return None
    span = _date_span(doc)
    if span is None:
        return None
    citation = _citation(doc, *span, share, query.text)
    return Answer(query.text, True, round(share, 4), f"{citation.text}[1]", (citation,))


def _named_document(kb: KnowledgeBase, query: Query) -> tuple[Document | None, float]:
    name = _NOT_IN_TITLES.sub("", _POINTING.sub("", subject(query.simplified, query.asked)))
    grams = _bigrams(name)
    if len(name) < MIN_NAME_CHARS or not grams:
        return None, 0.0
    scored = sorted(((len(grams & _bigrams(_NOT_IN_TITLES.sub("", to_simplified(d.meta.title)))) / len(grams), d.doc_id)
                     for d in kb.docs.values()), reverse=True)
    if not scored or scored[0][0] < MIN_NAME_SHARE or len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None, 0.0  # none named, or two documents the name fits as well (简报 of several issues)
    return kb.docs[scored[0][1]], scored[0][0]


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _date_span(doc: Document) -> tuple[int, int, int, int] | None:
    """(quote start, quote end, line start, line end) in the original of the first date that is the document's:
    with its label when the page labels it (发布日期: 2023-01-11), its whole line when that is short."""
    original = doc.original
    for m in _DATE.finditer(original):
        year, month, day = (int(g) for g in m.groups())
        if f"{year:04d}-{month:02d}-{day:02d}" != doc.meta.date:
            continue
        line_start = original.rfind("\n", 0, m.start()) + 1
        line_end = original.find("\n", m.end())
        line_end = len(original) if line_end < 0 else line_end
        label = _LABEL.search(original, line_start, m.start())
        if label:
            return label.start(), m.end(), line_start, line_end
        line = original[line_start:line_end]
        if len(line.strip()) <= _LINE_CHARS:
            start = line_start + len(line) - len(line.lstrip())
            return start, start + len(line.strip()), line_start, line_end
        return m.start(), m.end(), line_start, line_end
    return None


def _citation(doc: Document, start: int, end: int, line_start: int, line_end: int, score: float,
              question: str) -> Citation:
    line = doc.original[line_start:line_end]
    before, quoted, after = (in_script_of(to_simplified(t), question) for t in (
        line[:start - line_start], line[start - line_start:end - line_start], line[end - line_start:]))
    return Citation(
        n=1, doc_id=doc.doc_id, title=in_script_of(doc.meta.title, question) if is_traditional(question) else doc.meta.title,
        date=doc.meta.date, quote=doc.original[start:end], context=line, start=start, end=end, score=round(score, 4),
        text=quoted.strip(), heading="", paragraph=0,
        passage=before + quoted + after, passage_start=len(before), passage_end=len(before) + len(quoted),
    )

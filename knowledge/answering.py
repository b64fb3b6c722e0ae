"""A question -> a short extractive answer with numbered citations, or a decline. No text is generated:
every sentence of an answer is a sentence of a document, and every citation quotes the original exactly."""
from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .chunking import is_heading, without_speaker
from .metadata import is_place, place_stem
from .models import Answer, Chunk, Citation, Document, Hit, Sentence
from .script import in_script_of, is_traditional, to_simplified
from .search import KnowledgeBase
from .tokenize import places, tokens

DECLINE = "知识库中没有找到相关内容，暂时无法回答这个问题。您可以换个说法，或写明地区和事项（例如“临川区不动产登记怎么办理”）再问。"
NOTHING_MORE = "关于这个问题，知识库中没有更多内容了。您可以换个角度再问。"
EMPTY = "请输入您想咨询的问题，例如“怎么办理不动产登记？”"
_QUANTITY = re.compile(r"多少|几|多大|比例|金额|数量|百分")
_HAS_NUMBER = re.compile(r"(?<!\d)(?!(?:19|20)\d\d年)\d")  # a year is a date, not the figure asked for
_DURATION_ASKED = re.compile(r"多久|多长时间|多长|时限|几天|多少天|几个工作日|时间")
_DURATION = re.compile(r"\d+(?:\.\d+)?\s*个?(?:工作日|天|日|小时|分钟|个月|周)|当场|即时|立等可取|即办")
# Answer types: a "how many" question wants a figure, a "which ones" question wants an enumeration.
# "哪五型" wants items that end in 型 (忠诚型、创新型、…); "哪些" wants any list of three or more.
_LIST = re.compile(r"哪(?:些|[几一二三四五六七八九十两\d]+[个项条种类]?(\w)?)")


@dataclass(frozen=True)
class _Candidate:
    hit: Hit
    sentence: Sentence
    text: str  # cleaned sentence, speaker label removed
    simplified: str  # the same, in simplified Chinese, for matching
    score: float


def answer_question(kb: KnowledgeBase, question: str, max_citations: int | None = None,
                    exclude: Collection[tuple[str, int]] = ()) -> Answer:
    """The cited answer to a question. `exclude` holds (doc_id, start) of citations already given in this
    conversation, so that "还有呢？" gets new passages or hears that there are none."""
    question = question.strip()
    if not question:
        return Answer(question, False, 0.0, EMPTY, ())
    hits = kb.search(question, k=8)
    q_tokens = kb.query_tokens(question)
    asked = _question_places(kb, question)
    own = _place_search(kb, question)
    confidence = _confidence(kb, q_tokens, asked, hits, own)
    if not hits or confidence < kb.settings.decline_below:
        return Answer(question, False, confidence, in_script_of(DECLINE, question), ())
    pool = hits[:5] + _hits_per_place(kb, asked, hits, own)
    chosen = _choose_sentences(kb, question, q_tokens, asked, pool, max_citations or kb.settings.max_citations,
                               set(exclude))
    if not chosen:
        return Answer(question, False, confidence, in_script_of(NOTHING_MORE if exclude else DECLINE, question), ())
    citations, parts = [], []
    for n, cand in enumerate(chosen, start=1):
        citations.append(_cite(kb.docs[cand.hit.chunk.doc_id], cand, n, question))
        parts.append(f"{in_script_of(cand.text, question)}[{n}]")
    return Answer(question, True, confidence, "".join(parts), tuple(citations))


def _confidence(kb: KnowledgeBase, q_tokens: list[str], asked: list[str], hits: list[Hit],
                own: Callable[[str], list[Hit]]) -> float:
    """How sure the knowledge base is that its best passages answer the question, in [0, 1].

    Term coverage (IDF-weighted, words the corpus never uses count fully against) catches questions about
    things the documents do not mention; dense similarity catches paraphrases; a place the question names
    but no document is about (广州, 深圳) halves it. A question about a place the corpus does know is only as
    sure as that place's own passages make it: "新余 不动产登记" is not answered by 临川's registration office
    (with several places, the best-covered one counts).
    """
    if not hits or not q_tokens:
        return 0.0
    score = _evidence(kb, q_tokens, hits[:3])
    if asked:
        known = frozenset().union(*_stems_by_doc(kb).values())
        stems = [place_stem(p) for p in asked if place_stem(p) in known]
        if not stems:
            score *= 0.5
        content = [t for t in q_tokens if not any(s in t or t in s for s in stems)]
        if stems and content:  # of several places, one whose passages answer is enough
            score = min(score, max(_evidence(kb, content, own(stem)) for stem in stems))
    return round(score, 4)


def _evidence(kb: KnowledgeBase, q_tokens: list[str], top: list[Hit]) -> float:
    if not top:
        return 0.0
    coverage = max(kb.lexical.coverage(q_tokens, kb.chunk_tokens[_row(kb, h.chunk)]) for h in top)
    dense = min(1.0, max(0.0, (max(h.dense for h in top) - 0.60) / 0.30))
    return 0.65 * coverage + 0.35 * dense


def _place_search(kb: KnowledgeBase, question: str) -> Callable[[str], list[Hit]]:
    """The question's 3 best passages in the documents about a place stem, searched at most once per answer:
    the confidence and the per-place citations both need them."""
    @lru_cache(maxsize=None)
    def own(stem: str) -> list[Hit]:
        docs = _docs_about(kb, stem)
        return kb.search(question, k=3, only_docs=docs) if docs else []

    return own


def _hits_per_place(kb: KnowledgeBase, asked: list[str], hits: list[Hit], own: Callable[[str], list[Hit]]) -> list[Hit]:
    """For a question naming several places, the best passages of each place's documents, so that every
    place gets an answer even when one place dominates the overall ranking."""
    if len(asked) < 2:
        return []
    extra = []
    for place in asked:
        stem = place_stem(place)
        docs = _docs_about(kb, stem)
        if docs and not any(h.chunk.doc_id in docs for h in hits[:5]):
            extra.extend(own(stem)[:2])
    return extra


def _row(kb: KnowledgeBase, chunk: Chunk) -> int:
    return kb.chunk_row[chunk.chunk_id]


def _question_places(kb: KnowledgeBase, question: str) -> list[str]:
    return [p for p in places(to_simplified(question), kb.settings.user_dict) if is_place(p)]


def _doc_stems(kb: KnowledgeBase, doc_id: str) -> frozenset[str]:
    return _stems_by_doc(kb)[doc_id]


def _docs_about(kb: KnowledgeBase, stem: str) -> set[str]:
    return {doc_id for doc_id, stems in _stems_by_doc(kb).items() if stem in stems}


@lru_cache(maxsize=4)
def _stems_by_doc(kb: KnowledgeBase) -> dict[str, frozenset[str]]:
    """Each document's place stems, computed once per knowledge base (which never changes once loaded):
    recomputing them for every question cost ~5 ms at 10k chunks."""
    return {d.doc_id: frozenset(place_stem(p) for p in d.meta.places) for d in kb.docs.values()}


def _choose_sentences(kb: KnowledgeBase, question: str, q_tokens: list[str], asked_places: list[str],
                      hits: list[Hit], limit: int, exclude: set[tuple[str, int]]) -> list[_Candidate]:
    simple_question = to_simplified(question)
    wants_number = bool(_QUANTITY.search(simple_question))
    wants_duration = bool(_DURATION_ASKED.search(simple_question))
    enumeration = _enumeration_pattern(simple_question)
    pool: list[tuple[Hit, Sentence, str, str, float]] = []
    for hit in hits:
        doc = kb.docs[hit.chunk.doc_id]
        for sentence in hit.chunk.sentences:
            text = without_speaker(doc.clean.text[sentence.start:sentence.end])
            if sentence.caption or sentence.host or len(text) < 6 or re.search(r"[?？]$", text) or is_heading(text):
                continue  # captions, headings and the host's own questions are not answers
            if exclude and (doc.doc_id, doc.clean.original_span(*_clean_quote_span(doc, sentence)).start) in exclude:
                continue
            simplified = to_simplified(text)
            words = set(tokens(simplified, kb.settings.user_dict))
            pool.append((hit, sentence, text, simplified, kb.lexical.coverage(q_tokens, words)))
    if not pool:
        return []
    # Sentence-level similarity finds the sentence that answers a paraphrase inside a long chunk; the
    # sentences were embedded when the index was built, so only the question is embedded here.
    vectors = np.vstack([kb.sentence_vector(hit.chunk.doc_id, s) for hit, s, *_ in pool])
    cosines = vectors @ kb.embed_query(question)
    low, high = float(cosines.min()), float(cosines.max())
    candidates: list[_Candidate] = []
    for (hit, sentence, text, simplified, coverage), cos in zip(pool, cosines):
        relative = (float(cos) - low) / (high - low) if high - low > 1e-6 else 1.0
        score = hit.score * (0.25 + 0.5 * coverage + 0.5 * relative)
        if (wants_number and _HAS_NUMBER.search(text) or wants_duration and _DURATION.search(simplified)
                or enumeration and enumeration.search(simplified)):
            score *= 1.3
        candidates.append(_Candidate(hit, sentence, text, simplified, score))
    candidates.sort(key=lambda c: -c.score)
    asked = {place_stem(p) for p in asked_places}
    about = [c for c in candidates if _about(kb, c, asked)] if asked else []
    best = about[0] if about else candidates[0]  # a question about 新余 is answered from 新余 first
    chosen, seen, length = [best], {(best.hit.chunk.doc_id, best.sentence.start)}, len(best.text)
    # A question naming several places gets the best sentence about each of them.
    for place in asked_places:
        stem = place_stem(place)
        if any(_about(kb, c, {stem}) for c in chosen):
            continue
        for c in candidates:
            if stem in _doc_stems(kb, c.hit.chunk.doc_id) and _fits(c, seen, length, kb, True):
                chosen.append(c)
                seen.add((c.hit.chunk.doc_id, c.sentence.start))
                length += len(c.text)
                break
    for c in candidates:
        if len(chosen) >= limit:
            break
        if asked and not _about(kb, c, asked):
            continue  # a question about 吉阳区 is not answered from 南昌's documents
        if c.score >= 0.6 * best.score and _fits(c, seen, length, kb, False):
            chosen.append(c)
            seen.add((c.hit.chunk.doc_id, c.sentence.start))
            length += len(c.text)
    return chosen[:max(limit, 1)]


def _about(kb: KnowledgeBase, c: _Candidate, stems: set[str]) -> bool:
    return bool(stems & _doc_stems(kb, c.hit.chunk.doc_id)) or any(s in c.simplified for s in stems)


def _enumeration_pattern(question: str) -> re.Pattern[str] | None:
    m = _LIST.search(question)
    if not m:
        return None
    item = re.escape(m.group(1)) if m.group(1) else ""
    return re.compile(rf"(?:[^、，,。；]{{1,8}}{item}、){{2,}}[^、，,。；]{{1,8}}{item}")


def _fits(c: _Candidate, seen: set, length: int, kb: KnowledgeBase, required: bool) -> bool:
    if (c.hit.chunk.doc_id, c.sentence.start) in seen:
        return False
    return required or length + len(c.text) <= kb.settings.answer_chars


def _cite(doc: Document, cand: _Candidate, n: int, question: str) -> Citation:
    start, end = _clean_quote_span(doc, cand.sentence)
    span = doc.clean.original_span(start, end)
    chunk = doc.clean.original_span(cand.hit.chunk.start, cand.hit.chunk.end)
    meta = doc.meta
    # Converted in three parts so that the cited sentence's offsets in the passage stay exact.
    before, cited, after = (in_script_of(doc.clean.text[a:b], question) for a, b in (
        (cand.hit.chunk.start, cand.sentence.start), (cand.sentence.start, cand.sentence.end),
        (cand.sentence.end, cand.hit.chunk.end)))
    return Citation(
        n=n, doc_id=doc.doc_id, title=in_script_of(meta.title, question) if is_traditional(question) else meta.title,
        date=meta.date, quote=doc.original[span.start:span.end], context=doc.original[chunk.start:chunk.end],
        start=span.start, end=span.end, score=round(cand.hit.score, 4),
        text=in_script_of(cand.text, question), heading=cand.hit.chunk.heading, paragraph=cand.hit.chunk.paragraph,
        passage=before + cited + after, passage_start=len(before), passage_end=len(before) + len(cited),
    )


def _clean_quote_span(doc: Document, sentence: Sentence) -> tuple[int, int]:
    """The sentence's cleaned span, narrowed to its longest stretch that maps to no mojibake in the original,
    so that a quote never shows a garbled run."""
    if not doc.clean.garbled:
        return sentence.start, sentence.end
    runs, run_start = [], sentence.start
    for i in range(sentence.start, sentence.end):
        o = doc.clean.to_original[i]
        if any(g.start <= o < g.end for g in doc.clean.garbled):
            runs.append((run_start, i))
            run_start = i + 1
    runs.append((run_start, sentence.end))
    best = max(runs, key=lambda r: r[1] - r[0])
    return best if best[1] > best[0] else (sentence.start, sentence.end)


def cite_sentence(doc: Document, chunk: Chunk, sentence: Sentence, text: str, n: int, question: str) -> Citation:
    """A citation of one sentence of a chunk, made exactly as answers make theirs (briefings use it)."""
    return _cite(doc, _Candidate(Hit(chunk, 0.0, 0.0, 0.0), sentence, text, to_simplified(text), 0.0), n, question)

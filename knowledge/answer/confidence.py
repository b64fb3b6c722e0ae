"""How sure the knowledge base is that its best passages answer a question, in [0, 1]: below
`Settings.decline_below` the question is declined."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..models import Hit
from .knowledge_base import KnowledgeBase
from .query import Query

# Words of the asking expression that only ask (多长时间 of 要多长时间, 多少钱): not content to be covered.
_ASKING = re.compile(r"多少|多长|多久|多大|几|什么|甚么|哪|怎|如何|为何|为什么|时候|时间|钱|是否|能否|回事|上班|下班|开门|关门|营业")


@dataclass(frozen=True)
class ConfidenceWeights:
    """The weights of the confidence formula, evidence = (coverage × IDF coverage + dense × scaled cosine) ×
    focus factor.

    Coverage, dense, the cosine scale and the unknown-place factor were set by hand with the first answering
    (e0fa6d2) and never fitted; the focus factor came with the asking clause (b9e048b), chosen so that a clause
    half covered counts fully. The decline threshold (`Settings.decline_below`, 0.25) was then calibrated on the
    scores they give (docs/benchmarks.md, Calibration: `make bench` sweeps it): changing any weight means
    calibrating the threshold again."""

    # IDF-weighted share of the question's words that the passage holds: questions about things the documents
    # do not mention score low however close their embedding.
    coverage: float = 0.65
    # The passage's cosine to the question, scaled: paraphrases the words miss.
    dense: float = 0.35
    # The cosine rises from no evidence at 0.60 to full at 0.90. With m3e-small on the default corpus (measured
    # 2026-12, after the fact) the best of the three passages is at median 0.62 (p95 0.67) for 300 CMRC/DRCD
    # questions the corpus cannot answer, and 0.70-0.80 for the answerable dev questions.
    dense_from: float = 0.60
    dense_span: float = 0.30
    # The focus factor: a question whose asking clause names things none of the passages mentions (社保卡 of
    # 社保卡丢了怎么补办) is about something else. From `focus_floor` when none of the clause's IDF mass is covered
    # up to 1 when `focus_enough` of it is.
    focus_floor: float = 0.5
    focus_enough: float = 0.5
    # A place the question names that no document is about and none mentions (广州 asked of Jiangxi's documents).
    unknown_place: float = 0.5
    # How many of the best passages are read (the best of them counts), overall and in each place's documents.
    passages: int = 3


@dataclass(frozen=True)
class Confidence:
    """`score` decides; `anywhere` is what it would be were the question's place not asked (the same but for a
    question about a place the best passages are not from): the topic covered, only elsewhere."""

    score: float
    anywhere: float
    unknown_place: bool = False  # the question names places, none of which any document is about or indexes as a word


def _asked_tokens(query: Query) -> list[str]:
    """The question's words but the asking ones (多长时间 of 要多长时间)."""
    cue = query.simplified[query.asked.cue_start:query.asked.cue_end] if query.asked.cue_start >= 0 else ""
    return [t for t in query.tokens if not (cue and t in cue and _ASKING.search(t))] or list(query.tokens)


def _content(query: Query, tokens: list[str]) -> list[str]:
    """The words that are not the places asked."""
    return [t for t in tokens if not any(s in t or t in s for s in query.stems)]


def evidence_elsewhere(kb: KnowledgeBase, query: Query, hits: list[Hit],
                       weights: ConfidenceWeights = ConfidenceWeights()) -> float:
    """How well other places' passages `hits` cover the question but its places: the topic covered, elsewhere
    (宜春市怎么推进一次不跑？, whose documents never say 一次不跑, where 湾里's do)."""
    content = _content(query, _asked_tokens(query))
    return _evidence(kb, content, list(query.focus), hits[:weights.passages], weights) if content else 0.0


def confidence_of(kb: KnowledgeBase, query: Query, hits: list[Hit], own: Callable[[str], list[Hit]],
                  weights: ConfidenceWeights = ConfidenceWeights()) -> Confidence:
    """Term coverage (IDF-weighted, words the corpus never uses count fully against; the asking words such as
    多长时间 do not count), dense similarity, and the asking clause's own words (see _evidence). A place the
    question names but no document is about (广州, 深圳) lowers it. A question about a place the corpus does know
    is only as sure as that place's own passages (`own(stem)`) make it: "新余 不动产登记" is not answered by 临川's
    registration office (with several places, the best-covered one counts)."""
    q_tokens = _asked_tokens(query)
    if not hits or not q_tokens:
        return Confidence(0.0, 0.0)
    focus = list(query.focus)
    unknown = False
    score = anywhere = _evidence(kb, q_tokens, focus, hits[:weights.passages], weights)
    if query.places:
        stems = list(query.stems)
        places = kb.place_index
        unknown = not any(places.docs_about(s) or kb.lexical.idf(s) < kb.lexical.unseen_idf for s in stems)
        if unknown:
            score = anywhere = score * weights.unknown_place
        # Places that documents are about decide; one mentioned in passing (a city every notice names once) does
        # not. And only against an answer from elsewhere: the best passage comes from a document about another
        # place (临川's office for "新余 不动产登记"), not from one about this place or about no place in particular
        # (a city's FAQ, where every answer is the city's without naming it).
        about = [s for s in stems if places.docs_about(s)]
        best = places.chunk_stems(hits[0].chunk)
        content = _content(query, q_tokens)
        if about and content and best and not best & set(stems):  # of several places, one that answers is enough
            score = min(score, max(_evidence(kb, content, focus, own(stem), weights) for stem in about))
    return Confidence(round(score, 4), round(anywhere, 4), unknown)


def _evidence(kb: KnowledgeBase, q_tokens: list[str], focus: list[str], top: list[Hit],
              weights: ConfidenceWeights) -> float:
    """The weighted evidence of the best of the passages `top`."""
    if not top:
        return 0.0
    words = [kb.chunk_tokens[kb.chunk_row[h.chunk.chunk_id]] for h in top]
    coverage = max(kb.lexical.coverage(q_tokens, w) for w in words)
    dense = min(1.0, max(0.0, (max(h.dense for h in top) - weights.dense_from) / weights.dense_span))
    focused = 1.0
    if focus:
        covered = max(kb.lexical.coverage(focus, w) for w in words)
        focused = weights.focus_floor + (1 - weights.focus_floor) * min(1.0, covered / weights.focus_enough)
    return (weights.coverage * coverage + weights.dense * dense) * focused

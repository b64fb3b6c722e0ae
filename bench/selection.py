"""Answer-sentence selection on SQuAD-shaped data: the candidate groups the selector is fitted and measured on,
the baseline selectors it is compared with, and first-sentence accuracy.

A group is one question with the candidate sentences the product would consider, made by the product's own
code (knowledge.answer.candidates.gather over knowledge.answer.knowledge_base hits): with the gold passage ("gold": every chunk of
the passage that holds the answer) or as the product meets it ("pooled": the 5 best chunks of the whole
corpus). A candidate holds the answer when its simplified text contains the answer text, which is how the
issue's reference figures were measured (bigram overlap 0.72 on CMRC, 0.84 on DRCD)."""
from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from knowledge.answer.answering import Composition, opening
from knowledge.answer.candidates import Option, gather
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.query import Query, analyse
from knowledge.answer.selector import Candidate, Question
from knowledge.config import Settings
from knowledge.index.bundling import bundle_documents
from knowledge.text.answer_types import QUESTION_WORDS
from knowledge.text.script import to_simplified
from knowledge.text.tokenizer import Tokenizer

from .cache import EmbeddingCache
from .datasets import Dataset, Passage
from .systems import passage_document

POOLED_CHUNKS = Composition().chunks  # what answering takes from the search


@dataclass(frozen=True)
class Group:
    question_id: str
    passage_id: str
    query: Query
    options: list[Option]
    labels: np.ndarray  # 1 where the candidate holds the answer
    mode: str  # gold | pooled


def passage_knowledge_base(passages: Sequence[Passage], settings: Settings, cache: EmbeddingCache, desc: str) -> KnowledgeBase:
    """The passages indexed as policybot indexes documents (chunks, words, chunk and sentence embeddings),
    embedded through the cache."""
    docs = [passage_document(p) for p in passages]
    tokenizer = Tokenizer(settings.user_dict)
    # All at once, as `policybot index` batches a group of documents: the model sees full batches.
    bundles = bundle_documents(docs, settings, tokenizer, lambda texts: cache.embed(texts, desc=f"embedding {desc}"),
                               embed_spans=lambda texts, spans: cache.embed_with_spans(texts, spans, desc=f"embedding {desc}"))
    return KnowledgeBase(settings, bundles, tokenizer=tokenizer)


def groups(kb: KnowledgeBase, ds: Dataset, cache: EmbeddingCache, modes: tuple[str, ...] = ("gold", "pooled")) -> list[Group]:
    vectors = cache.embed([q.text for q in ds.questions], desc=f"embedding {ds.name} questions")
    out = []
    for q, vec in tqdm(list(zip(ds.questions, vectors)), desc=f"{ds.name} candidates", leave=False):
        query = analyse(kb, q.text, vec)
        answer = to_simplified(q.answer)
        for mode in modes:
            if mode == "gold":
                hits = kb.search(query, k=len(kb.doc_chunks[q.passage_id]), only_docs={q.passage_id})
            else:
                hits = kb.search(query, k=POOLED_CHUNKS)
            options = gather(kb, hits)
            labels = np.array([o.hit.chunk.doc_id == q.passage_id and answer in o.candidate.text for o in options], np.int8)
            out.append(Group(q.question_id, q.passage_id, query, options, labels, mode))
    return out


# Baselines, each a selector with the shipped one's interface: scores(question, candidates, idf).

class BigramOverlap:
    """The sentence with the most character bigrams in common with the question (the issue's reference)."""

    name = "bigram overlap"

    def scores(self, q: Question, candidates: Sequence[Candidate], idf) -> np.ndarray:
        qb = _bigrams(QUESTION_WORDS.sub(" ", q.text))
        return np.array([len(qb & _bigrams(c.text)) for c in candidates], np.float32)


class SentenceBM25:
    """BM25 of each candidate sentence against the question's words, IDF from the corpus."""

    name = "BM25 best sentence"
    k1, b = 1.5, 0.75

    def scores(self, q: Question, candidates: Sequence[Candidate], idf) -> np.ndarray:
        lengths = [len(c.tokens) for c in candidates]
        avg = sum(lengths) / max(len(lengths), 1) or 1.0
        out = []
        for c, n in zip(candidates, lengths):
            tf = Counter(c.tokens)
            out.append(sum(idf(t) * tf[t] * (self.k1 + 1) / (tf[t] + self.k1 * (1 - self.b + self.b * n / avg))
                           for t in set(q.tokens) if t in tf))
        return np.array(out, np.float32)


class RandomOfTopChunk:
    """A random sentence of the best chunk (seeded: the same run gives the same picks)."""

    name = "random sentence of the top chunk"

    def __init__(self, seed: int = 0):
        self.rng = random.Random(seed)

    def scores(self, q: Question, candidates: Sequence[Candidate], idf) -> np.ndarray:
        return np.array([self.rng.random() + (c.chunk_rank == 0) for c in candidates], np.float32)


class PreviousHeuristic:
    """The hand-set formula answering used before the learned selector: chunk score × (0.25 + 0.5 × IDF
    coverage + 0.5 × relative sentence cosine), × 1.3 when a sentence has the figure, duration or
    enumeration the question asks for."""

    name = "previous heuristic"
    _QUANTITY = re.compile(r"多少|几|多大|比例|金额|数量|百分")
    _DURATION_ASKED = re.compile(r"多久|多长时间|多长|时限|几天|多少天|几个工作日|时间")
    _HAS_NUMBER = re.compile(r"(?<!\d)(?!(?:19|20)\d\d年)\d")
    _DURATION = re.compile(r"\d+(?:\.\d+)?\s*个?(?:工作日|天|日|小时|分钟|个月|周)|当场|即时|立等可取|即办")
    _LIST = re.compile(r"哪(?:些|[几一二三四五六七八九十两\d]+[个项条种类]?(\w)?)")

    def scores(self, q: Question, candidates: Sequence[Candidate], idf) -> np.ndarray:
        terms = set(q.tokens)
        total = sum(idf(t) for t in terms) or 1.0
        cos = np.array([float(c.vector @ q.vector) for c in candidates], np.float32)
        low, high = float(cos.min()), float(cos.max())
        m = self._LIST.search(q.text)
        item = re.escape(m.group(1)) if m and m.group(1) else ""
        enumeration = re.compile(rf"(?:[^、，,。；]{{1,8}}{item}、){{2,}}[^、，,。；]{{1,8}}{item}") if m else None
        wants_number, wants_duration = bool(self._QUANTITY.search(q.text)), bool(self._DURATION_ASKED.search(q.text))
        out = []
        for c, cs in zip(candidates, cos):
            coverage = sum(idf(t) for t in terms if t in set(c.tokens)) / total
            relative = (float(cs) - low) / (high - low) if high - low > 1e-6 else 1.0
            score = c.chunk_score * (0.25 + 0.5 * coverage + 0.5 * relative)
            if (wants_number and self._HAS_NUMBER.search(c.text) or wants_duration and self._DURATION.search(c.text)
                    or enumeration and enumeration.search(c.text)):
                score *= 1.3
            out.append(score)
        return np.array(out, np.float32)


def _bigrams(text: str) -> set[str]:
    out = set()
    for part in re.split(r"[\s，。、；：？！“”‘’（）《》「」,.;:?!()]+", text):
        out.update(part[i:i + 2] for i in range(len(part) - 1))
    return out


def first_sentence_accuracy(kb: KnowledgeBase, groups_: list[Group], selector, mode: str,
                            answers: dict[str, str] | None = None) -> dict:
    """The share of questions whose best-scored candidate holds the answer (a question whose candidates hold
    none counts as a miss), and how many questions had a candidate that could. With `answers` (question id ->
    simplified answer text), also `opening`: the share whose answer opening as the product shows it (that
    sentence with the one it leans on or the one naming what it described, knowledge.answer.answering.opening) holds it."""
    rows = [g for g in groups_ if g.mode == mode]
    hits = reachable = opened = 0
    for g in rows:
        if not g.options:
            continue
        reachable += bool(g.labels.any())
        scores = selector.scores(g.query.as_question(), [o.candidate for o in g.options], kb.lexical.idf)
        pick = int(np.argmax(scores))
        hits += bool(g.labels[pick])
        if answers is not None:
            gold_doc = g.options[pick].hit.chunk.doc_id == g.passage_id
            opened += bool(g.labels[pick]) or gold_doc and any(
                answers[g.question_id] in o.candidate.text for o in opening(kb, g.options[pick], focus=g.query.focus))
    n = max(len(rows), 1)
    out = {"accuracy": round(hits / n, 4), "questions": len(rows), "reachable": round(reachable / n, 4)}
    if answers is not None:
        out["opening"] = round(opened / n, 4)
    return out


def group_accuracy(scores: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray, labels: np.ndarray,
                           sizes: Sequence[int]) -> float:
    """First-candidate accuracy of a scoring function over stacked groups (for fitting and cross-validation)."""
    s = scores(matrix)
    hit, k = 0, 0
    for n in sizes:
        hit += int(labels[k + int(np.argmax(s[k:k + n]))] > 0)
        k += n
    return hit / max(len(sizes), 1)


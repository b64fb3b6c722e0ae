"""The four systems compared, each over one pooled corpus of passages: jieba BM25 alone, dense alone and
policybot's fusion (all three on policybot's own chunks and indexes), and a Langchain-Chatchat-style pipeline.

Every system answers `rank(question, normalise)` with its 10 best chunks as (passage id, start, end)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import Settings
from knowledge.index.bundling import bundle_document
from knowledge.index.dense import DenseIndex
from knowledge.index.lexical import LexicalIndex
from knowledge.models import CleanText, Document, Metadata
from knowledge.text.script import to_simplified
from knowledge.text.tokenizer import Tokenizer

from .cache import EmbeddingCache
from .datasets import Passage
from .splitter import split_spans

SYSTEMS = ("bm25", "dense", "fusion", "chatchat")
LABELS = {"bm25": "jieba BM25 alone", "dense": "m3e dense alone", "fusion": "policybot fusion (as shipped)",
          "chatchat": "Langchain-Chatchat-style (250/50 split, BM25+dense RRF 0.5/0.5)"}
TOP = 10


@dataclass(frozen=True)
class ChunkRef:
    passage_id: str
    start: int
    end: int


def text_document(doc_id: str, text: str, meta: Metadata = Metadata("", "", "", (), "news")) -> Document:
    """A text as an already clean document."""
    clean = CleanText(text, tuple(range(len(text))), (), ())
    return Document(doc_id, text, clean, meta, "")


def passage_document(p: Passage, titled: bool = False) -> Document:
    """A passage as a document. No title unless `titled`: the Chatchat-style baseline gets none either, and a
    CMRC/DRCD title often names the answer's entity."""
    return text_document(p.passage_id, p.text, Metadata(p.title if titled else "", "", "", (), "news"))


class PolicybotCorpus:
    """policybot's own chunking, BM25, FAISS and fusion over the documents, built in memory."""

    @classmethod
    def of_passages(cls, passages: list[Passage], settings: Settings, cache: EmbeddingCache, desc: str = "",
                    titled: bool = False) -> "PolicybotCorpus":
        return cls([passage_document(p, titled) for p in passages], settings, cache, desc)

    def __init__(self, docs: list[Document], settings: Settings, cache: EmbeddingCache, desc: str = ""):
        self.settings = settings
        self.cache = cache
        from knowledge.ingest.chunking import chunk_document

        # Embed every chunk in one cached pass (batched), then let the product bundle each document from it.
        cache.embed([c.search_text for d in docs for c in chunk_document(d, settings.chunk_size, settings.chunk_overlap)],
                    desc=f"embedding {desc} chunks (policybot)")
        tokenizer = Tokenizer(settings.user_dict)
        self.bundles = [bundle_document(d, settings, tokenizer, lambda texts: cache.embed(texts), sentences=False)
                        for d in docs]
        self.kb = KnowledgeBase(settings, self.bundles, tokenizer=tokenizer)
        self.refs = [ChunkRef(c.doc_id, c.start, c.end) for c in self.kb.chunks]

    def query(self, questions: list[str], normalise: bool) -> tuple[list[list[str]], np.ndarray]:
        texts = [to_simplified(q) if normalise else q for q in questions]
        vecs = self.cache.embed(texts, desc="embedding questions")
        return [self.kb.tokenizer.words(t) for t in texts], vecs

    def rank(self, system: str, q_tokens: list[str], q_vec: np.ndarray) -> list[int]:
        if system == "bm25":
            scores = self.kb.lexical.scores(q_tokens)
            return [int(i) for i in np.argsort(-scores, kind="stable")[:TOP] if scores[i] > 0]
        if system == "dense":
            return [int(i) for i in self.kb.dense.search(q_vec, TOP)[1]]
        if system == "fusion":
            return [self.kb.chunk_row[h.chunk.chunk_id] for h in self.kb.rank(q_tokens, q_vec, TOP)]
        raise ValueError(f"unknown system {system!r}: one of {', '.join(SYSTEMS)}")


class ChatchatCorpus:
    """Langchain-Chatchat's default knowledge-base pipeline, reproduced: recursive split on 。！？ then newlines
    into 250-character chunks with 50 of overlap, the raw chunk text (no script normalisation) in BM25 over
    jieba search-mode words and in a flat FAISS index, fused as langchain's EnsembleRetriever does (weighted
    reciprocal rank fusion, weights 0.5/0.5, c=60)."""

    RRF_C = 60
    WEIGHTS = (0.5, 0.5)  # BM25, dense

    def __init__(self, passages: list[Passage], settings: Settings, cache: EmbeddingCache, desc: str = "",
                 size: int = 250, overlap: int = 50):
        self.settings = settings
        self.cache = cache
        self.refs = [ChunkRef(p.passage_id, s, e) for p in passages for s, e in split_spans(p.text, size, overlap)]
        texts = {p.passage_id: p.text for p in passages}
        chunk_texts = [texts[r.passage_id][r.start:r.end] for r in self.refs]
        self.tokenizer = Tokenizer(None)  # jieba as Chatchat uses it: no domain dictionary
        self.lexical = LexicalIndex([self.tokenizer.words(t) for t in chunk_texts])
        self.dense = DenseIndex(cache.embed(chunk_texts, desc=f"embedding {desc} chunks (chatchat)"), "flat")

    def query(self, questions: list[str], normalise: bool) -> tuple[list[list[str]], np.ndarray]:
        texts = [to_simplified(q) if normalise else q for q in questions]
        return [self.tokenizer.words(t) for t in texts], self.cache.embed(texts, desc="embedding questions")

    def rank(self, system: str, q_tokens: list[str], q_vec: np.ndarray) -> list[int]:
        n = self.settings.candidates
        scores = self.lexical.scores(q_tokens)
        lexical = [int(i) for i in np.argsort(-scores, kind="stable")[:n] if scores[i] > 0]
        dense = [int(i) for i in self.dense.search(q_vec, n)[1]]
        fused: dict[int, float] = {}
        for weight, ranking in zip(self.WEIGHTS, (lexical, dense)):
            for r, row in enumerate(ranking, start=1):
                fused[row] = fused.get(row, 0.0) + weight / (self.RRF_C + r)
        return sorted(fused, key=lambda row: -fused[row])[:TOP]

"""Hybrid retrieval: BM25, dense and document-level scores fused per chunk."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..models import Hit

if TYPE_CHECKING:
    from .knowledge_base import KnowledgeBase


@dataclass(frozen=True)
class Fusion:
    """Convex combination of per-query normalised scores: the chunk's BM25, its cosine to the question, and
    its document's BM25 (so a chunk is also found by what its document is about).

    Rank fusion (RRF) throws away how far ahead the best BM25 match is; on policy text an exact term match
    (a figure, a programme name) is usually decisive, so scores are kept. The weights are the best mean MRR@10
    on the fitting sets only (CMRC 2018 trial and DRCD test, 300 passages and 600 questions each, indexed with
    and without their article titles as document titles; `python -m bench.fusion_weights`), never the dev sets
    or the Taipei FAQ the benchmark reports. An even lexical/dense split beat 0.6/0.4 (shipped before) at every
    document weight; document weights from 0.15 to 0.3 form a plateau (mean MRR@10 0.948-0.949, against 0.946
    without document-level evidence) whose top is 0.2.
    """

    lexical: float = 0.4
    dense: float = 0.4
    document: float = 0.2


class Retrieval:
    """One question's lexical evidence over the whole index, scored once: the BM25 of every chunk and of every
    document, each divided by the question's best. An answer ranks from it as often as it needs (the best
    chunks overall, then each named place's own) without scoring the corpus again."""

    def __init__(self, kb: KnowledgeBase, tokens: Sequence[str], vector: np.ndarray):
        self.kb, self.vector = kb, vector
        self.bm25 = kb.lexical.scores(list(tokens))
        self.doc_bm25 = kb.documents.scores(list(tokens))
        self.lexical = _by_best(self.bm25)
        self.document = _by_best(self.doc_bm25)
        self._candidates: np.ndarray | None = None

    def candidates(self) -> np.ndarray:
        """The rows that compete when every document may answer: each retriever's best, and every chunk of the
        best documents, even one neither retriever found on its own text. Found once per question."""
        if self._candidates is None:
            kb, n = self.kb, self.kb.settings.candidates
            lexical_top = np.argsort(-self.bm25)[:n] if self.bm25.any() else np.zeros(0, dtype=np.int64)
            _, dense_top = kb.dense.search(self.vector, n)
            top_docs = np.argsort(-self.doc_bm25)[:kb.settings.candidate_documents] if self.doc_bm25.any() else []
            self._candidates = np.unique(np.concatenate([lexical_top, dense_top, *(kb.doc_rows[d] for d in top_docs)])
                                         .astype(np.int64))
        return self._candidates

    def best(self, k: int = 10, only_docs: set[str] | frozenset[str] | None = None,
             rows: np.ndarray | None = None) -> list[Hit]:
        """The k best chunks by fused score, from every document, only from `only_docs`, or only of the chunk
        `rows` (KnowledgeBase.place_rows)."""
        kb = self.kb
        if not kb.chunks:
            return []
        if rows is None:
            rows = self.candidates() if only_docs is None else kb.rows_of(only_docs)
        if not len(rows):
            return []
        cosine = kb.vectors[rows] @ self.vector
        lex = self.lexical[rows]
        document = self.document[kb.chunk_doc[rows]]
        spread = float(cosine.max() - cosine.min()) if len(rows) > 1 else 0.0
        dense_norm = (cosine - cosine.min()) / spread if spread > 1e-6 else np.ones(len(rows), np.float32)
        fused = kb.fusion.lexical * lex + kb.fusion.dense * dense_norm + kb.fusion.document * document
        order = np.argsort(-fused)[:k]
        return [Hit(kb.chunks[rows[i]], float(fused[i]), float(lex[i]), float(cosine[i]), float(document[i]))
                for i in order]


def _by_best(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the query's best one (all zero when nothing matched)."""
    best = float(scores.max()) if scores.size else 0.0
    return scores / best if best > 0 else np.zeros_like(scores)

"""The loaded knowledge base and hybrid retrieval: BM25, dense and document-level scores fused per chunk."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..config import Settings
from ..index.dense import DenseIndex
from ..index.document_index import DocumentIndex, document_terms
from ..index.embedding import embed
from ..index.lexical import LexicalIndex
from ..index.staleness import stale_reason
from ..index.store import IndexUnavailable, load_bundles
from ..models import Chunk, Document, Hit, Sentence
from ..text.script import to_simplified
from ..text.tokenizer import tokens


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


class KnowledgeBase:
    def __init__(self, settings: Settings, bundles, fusion: Fusion = Fusion()):
        self.settings = settings
        self.fusion = fusion
        self.docs: dict[str, Document] = {b.doc.doc_id: b.doc for b in bundles}
        self.chunks: list[Chunk] = [c for b in bundles for c in b.chunks]
        self.chunk_row: dict[str, int] = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.doc_chunks: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            self.doc_chunks.setdefault(c.doc_id, []).append(c)
        self._selector = None
        self.chunk_tokens: list[set[str]] = [set(t) for b in bundles for t in b.tokens]
        self.lexical = LexicalIndex([t for b in bundles for t in b.tokens])
        dim = bundles[0].vectors.shape[1] if bundles else 1
        self.vectors = np.vstack([b.vectors for b in bundles]) if bundles else np.zeros((0, dim), np.float32)
        self.dense = DenseIndex(self.vectors, settings.dense_index)
        doc_row = {doc_id: i for i, doc_id in enumerate(self.docs)}
        self.chunk_doc = np.array([doc_row[c.doc_id] for c in self.chunks], dtype=np.int64)  # document row per chunk
        self._doc_rows = np.split(np.argsort(self.chunk_doc, kind="stable"),  # each document's chunk rows
                                  np.cumsum(np.bincount(self.chunk_doc, minlength=len(doc_row)))[:-1])
        self.documents = DocumentIndex(document_terms(b.tokens) for b in bundles)
        # An answer embeds its question for search and again for sentence choice: once is enough.
        self._embed_cached = lru_cache(maxsize=512)(self._embed)
        self._sentences = {b.doc.doc_id: ({(int(s), int(e)): i for i, (s, e) in enumerate(b.sentence_spans)},
                                          b.sentence_vectors, b.sentence_spans) for b in bundles}

    @property
    def selector(self):
        """The answer-sentence selector (loaded on first use; a benchmark may set another)."""
        if self._selector is None:
            from .selector import load_selector

            self._selector = load_selector(self.settings.selector_model)
        return self._selector

    @selector.setter
    def selector(self, value) -> None:
        self._selector = value

    @classmethod
    def load(cls, settings: Settings) -> "KnowledgeBase":
        reason = stale_reason(settings)
        if reason:
            raise IndexUnavailable(f"the index cannot be used ({reason}): run `policybot index` to rebuild it")
        _, bundles = load_bundles(settings.index_dir)
        return cls(settings, bundles)

    def sentence_vector(self, doc_id: str, sentence: Sentence) -> np.ndarray:
        rows, vectors, _ = self._sentences[doc_id]
        return vectors[rows[(sentence.start, sentence.end)]]

    def sentence_order(self, doc_id: str, sentence: Sentence) -> tuple[int, np.ndarray]:
        """The sentence's index among its document's sentences, and all their (start, end) spans in order."""
        rows, _, spans = self._sentences[doc_id]
        return rows[(sentence.start, sentence.end)], spans

    def query_tokens(self, question: str) -> list[str]:
        return tokens(to_simplified(question), self.settings.user_dict)

    def embed_query(self, question: str) -> np.ndarray:
        return self._embed_cached(to_simplified(question))

    def _embed(self, simplified: str) -> np.ndarray:
        return embed(self.settings.model, [simplified])[0]

    def search(self, question: str, k: int = 10, only_docs: set[str] | None = None) -> list[Hit]:
        """The k best chunks, from every document or only from `only_docs`."""
        if not self.chunks or not question.strip():
            return []
        return self.rank(self.query_tokens(question), self.embed_query(question), k, only_docs)

    def rank(self, q_tokens: list[str], q_vec: np.ndarray, k: int = 10, only_docs: set[str] | None = None) -> list[Hit]:
        """Fusion over an already tokenised and embedded question: what `search` does after reading it, callable
        on its own so that a benchmark can supply cached embeddings or an unnormalised question."""
        if not self.chunks:
            return []
        n = self.settings.candidates
        bm25 = self.lexical.scores(q_tokens)
        doc_bm25 = self.documents.scores(q_tokens)
        if only_docs is not None:
            rows = np.array([i for i, c in enumerate(self.chunks) if c.doc_id in only_docs], dtype=np.int64)
            if not len(rows):
                return []
        else:
            lexical_top = np.argsort(-bm25)[:n] if bm25.any() else np.zeros(0, dtype=np.int64)
            _, dense_top = self.dense.search(q_vec, n)
            # Every chunk of the best documents competes, even one neither retriever found on its own text.
            top_docs = np.argsort(-doc_bm25)[:self.settings.candidate_documents] if doc_bm25.any() else []
            rows = np.unique(np.concatenate([lexical_top, dense_top, *(self._doc_rows[d] for d in top_docs)])
                             .astype(np.int64))
        cosine = self.vectors[rows] @ q_vec
        lex = _by_best(bm25)[rows]
        document = _by_best(doc_bm25)[self.chunk_doc[rows]]
        spread = float(cosine.max() - cosine.min()) if len(rows) > 1 else 0.0
        dense_norm = (cosine - cosine.min()) / spread if spread > 1e-6 else np.ones(len(rows), np.float32)
        fused = self.fusion.lexical * lex + self.fusion.dense * dense_norm + self.fusion.document * document
        order = np.argsort(-fused)[:k]
        return [Hit(self.chunks[rows[i]], float(fused[i]), float(lex[i]), float(cosine[i]), float(document[i]))
                for i in order]


def _by_best(scores: np.ndarray) -> np.ndarray:
    """Scores divided by the query's best one (all zero when nothing matched)."""
    best = float(scores.max()) if scores.size else 0.0
    return scores / best if best > 0 else np.zeros_like(scores)

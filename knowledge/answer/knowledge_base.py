"""The loaded knowledge base: documents and chunks, their indexes, and everything answering derives from them.

Everything that depends on the index lives on this object (the tokenizer with its dictionary, the place index,
the selector, the question embeddings, the briefing material, the suggested questions), so that loading a new
knowledge base and replacing the one reference to the old one replaces all of it at once."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from threadpoolctl import threadpool_limits

from ..config import Settings
from ..index.dense import DenseIndex
from ..index.document_index import DocumentIndex, document_terms
from ..index.embedding import embed, serving_runtime
from ..index.lexical import LexicalIndex
from ..index.staleness import stale_reason
from ..index.store import Bundle, IndexUnavailable, load_bundles
from ..models import Chunk, Document, Hit, Sentence
from ..text.script import to_simplified
from ..text.synonyms import Synonyms, load_synonyms
from ..text.tokenizer import Tokenizer
from .place_index import PlaceIndex
from .search import Fusion, Retrieval

if TYPE_CHECKING:
    from .query import Query
    from .selector import Selector

T = TypeVar("T")


class KnowledgeBase:
    def __init__(self, settings: Settings, bundles: list[Bundle], fusion: Fusion = Fusion(),
                 tokenizer: Tokenizer | None = None, build: str = "", manifest: dict | None = None):
        """`tokenizer`: one already loaded with `settings.user_dict` (a benchmark building many), else a new one;
        `build`: the index build the bundles were read from ("" for bundles made in memory), `manifest` its
        manifest (when each document was indexed, the files left out and why)."""
        self.settings = settings
        self.build = build
        self.manifest = manifest or {}
        self.fusion = fusion
        self.tokenizer = tokenizer or Tokenizer(settings.user_dict)
        self.docs: dict[str, Document] = {b.doc.doc_id: b.doc for b in bundles}
        self.chunks: list[Chunk] = [c for b in bundles for c in b.chunks]
        self.chunk_row: dict[str, int] = {c.chunk_id: i for i, c in enumerate(self.chunks)}
        self.doc_chunks: dict[str, list[Chunk]] = {}
        for c in self.chunks:
            self.doc_chunks.setdefault(c.doc_id, []).append(c)
        self._selector: Selector | None = None
        self.chunk_tokens: list[set[str]] = [set(t) for b in bundles for t in b.tokens]
        self.lexical = LexicalIndex([t for b in bundles for t in b.tokens])
        dim = bundles[0].vectors.shape[1] if bundles else 1
        self.vectors = np.vstack([b.vectors for b in bundles]) if bundles else np.zeros((0, dim), np.float32)
        self.dense = DenseIndex(self.vectors, settings.dense_index)
        self.doc_row = {doc_id: i for i, doc_id in enumerate(self.docs)}
        self.chunk_doc = np.array([self.doc_row[c.doc_id] for c in self.chunks], dtype=np.int64)  # per chunk
        self.doc_rows = np.split(np.argsort(self.chunk_doc, kind="stable"),  # each document's chunk rows
                                 np.cumsum(np.bincount(self.chunk_doc, minlength=len(self.doc_row)))[:-1])
        self.documents = DocumentIndex(document_terms(b.tokens) for b in bundles)
        self.place_index = PlaceIndex.of(self.docs.values(), self.doc_chunks)
        # An answer embeds its question for search and again for sentence choice: once is enough.
        self._embed_cached = lru_cache(maxsize=512)(self._embed)
        self._sentences = {b.doc.doc_id: ({(int(s), int(e)): i for i, (s, e) in enumerate(b.sentence_spans)},
                                          b.sentence_vectors, b.sentence_spans) for b in bundles}
        self._derived: dict[Callable, object] = {}

    @property
    def selector(self) -> Selector:
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
        """The index's knowledge base, for a process that answers questions (see `answering_threads`)."""
        answering_threads()
        reason = stale_reason(settings)
        if reason:
            raise IndexUnavailable(f"the index cannot be used ({reason}): run `policybot index` to rebuild it")
        loaded = load_bundles(settings.index_dir)
        kb = cls(settings, loaded.bundles, build=loaded.name, manifest=loaded.manifest)
        kb.synonyms  # a malformed synonym table stops the load, naming its line, not the first question
        return kb

    def derived(self, build: Callable[["KnowledgeBase"], T]) -> T:
        """What `build` makes of this knowledge base (the briefing material, the welcome suggestions), made on
        first use and kept with it, so that a knowledge base loaded in its place starts without it. Two threads
        asking at once may both build it; the results are the same and the first one stays."""
        if build not in self._derived:
            self._derived.setdefault(build, build(self))
        return self._derived[build]  # type: ignore[return-value]

    @property
    def synonyms(self) -> Synonyms:
        """The synonym table (Settings.synonyms) for the terms these documents use: rewriting 社保卡 as 社会保障卡
        for documents that never say it would only match their 社会保障."""
        return self.derived(_used_synonyms)

    def sentence_vector(self, doc_id: str, sentence: Sentence) -> np.ndarray:
        rows, vectors, _ = self._sentences[doc_id]
        return vectors[rows[(sentence.start, sentence.end)]]

    def sentence_order(self, doc_id: str, sentence: Sentence) -> tuple[int, np.ndarray]:
        """The sentence's index among its document's sentences, and all their (start, end) spans in order."""
        rows, _, spans = self._sentences[doc_id]
        return rows[(sentence.start, sentence.end)], spans

    def rows_of(self, docs: Iterable[str]) -> np.ndarray:
        """The chunk rows of these documents (those the index has), sorted."""
        own = [self.doc_rows[self.doc_row[d]] for d in docs if d in self.doc_row]
        return np.sort(np.concatenate(own)) if own else np.zeros(0, dtype=np.int64)

    def place_rows(self, stems: Iterable[str], about: bool = True) -> np.ndarray:
        """The chunk rows about any of these places (by their document, or their section of a document about
        several), or with `about` False, the rows about none of them; sorted."""
        stems = frozenset(stems)
        rows = self.rows_of(set().union(*(self.place_index.docs_about(s) for s in stems)))
        outside = self.place_index.outside_of(stems)
        if outside:
            rows = np.setdiff1d(rows, [self.chunk_row[c] for c in outside if c in self.chunk_row])
        return rows if about else np.setdiff1d(np.arange(len(self.chunks)), rows)

    def embed_query(self, question: str) -> np.ndarray:
        return self._embed_cached(to_simplified(question))

    def _embed(self, simplified: str) -> np.ndarray:
        return embed(self.settings.model, [simplified], precision=self.settings.embed_precision,
                     runtime=serving_runtime(self.settings.embed_runtime))[0]

    def retrieve(self, query: Query) -> Retrieval:
        """The question's evidence over the whole index, to rank chunks from as often as an answer needs."""
        return Retrieval(self, query.tokens, query.vector)

    def search(self, query: Query, k: int = 10, only_docs: set[str] | None = None) -> list[Hit]:
        """The k best chunks for an analysed question, from every document or only from `only_docs`."""
        if not query.text:
            return []
        return self.retrieve(query).best(k, only_docs)

    def rank(self, q_tokens: list[str], q_vec: np.ndarray, k: int = 10, only_docs: set[str] | None = None) -> list[Hit]:
        """Fusion over words and an embedding the caller made: a benchmark's cached embeddings, or a question
        not normalised as answering normalises it (BM25 taking the question as written)."""
        return Retrieval(self, q_tokens, q_vec).best(k, only_docs)


def answering_threads() -> None:
    """BLAS (numpy's OpenBLAS) on one thread in this process: an answer's matrix products are small, and OpenBLAS's
    threads, spinning after each one, held the cores the next question's embedding (torch's threads) needed: on
    2 cores answer p95 at 10k chunks was 120 ms with them and 26 ms without (docs/benchmarks.md, answer latency)."""
    threadpool_limits(1, user_api="blas")


def _used_synonyms(kb: KnowledgeBase) -> Synonyms:
    table = load_synonyms(kb.settings.synonyms)
    wanted, used = set(table.terms.values()), set()
    for chunk in kb.chunks:  # one pass, stopping once every term is found (20,000 documents: no joined copy)
        used.update(term for term in wanted - used if term in chunk.search_text)
        if used == wanted:
            break
    return table.only(used.__contains__)

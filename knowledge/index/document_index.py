"""Document-level evidence: BM25 over the character bigrams of each document's words, each bigram counted once.

A chunk is short; the question's words may be spread over its document (the issuer in the signature, the
measures in the fifth paragraph). This index scores whole documents, and search adds its score to each of a
document's chunks. It reads bigrams of words rather than words: a name that jieba segments one way in the
question and another in the document still shares its bigrams.
"""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
from scipy import sparse

from ..text.tokenizer import bigrams


# A corpus has far fewer distinct words than word occurrences. Module-level: a word's bigrams are the same
# whatever the index, so knowledge bases loaded one after another may share them.
@lru_cache(maxsize=262144)
def _word_bigrams(word: str) -> tuple[str, ...]:
    return tuple(bigrams(word))


def document_terms(chunk_words: list[list[str]]) -> set[str]:
    """A document's terms: the bigrams of the words its chunks are searched by (header lines included), so the
    index reads what is already tokenised and simplified instead of converting whole documents again."""
    return {b for words in chunk_words for w in words for b in _word_bigrams(w)}


class DocumentIndex:
    # Presence, not frequency: a notice names its issuer once (in its signature) and its subject many times,
    # and at the document level one mention counts as much as many. BM25's k1 then only sets how much a long
    # document is discounted: on the fitting sets (`python -m bench.fusion_weights --document-k1 K`) every k1
    # from 0.2 to 1.5 gave the same mean MRR@10 within 0.001, so the middle of that range is kept.
    K1 = 0.5
    B = 0.75

    def __init__(self, doc_terms: Iterable[set[str]]):
        """`doc_terms` one set per document, in order; read once, so a generator keeps one set alive at a time."""
        self._vocabulary: dict[str, int] = {}
        rows = [np.fromiter((self._vocabulary.setdefault(t, len(self._vocabulary)) for t in terms), dtype=np.int32,
                            count=len(terms)) for terms in doc_terms]
        self.size = len(rows)
        lengths = np.array([len(r) for r in rows], dtype=np.float32)
        indices = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
        indptr = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])
        self._matrix = sparse.csr_matrix((np.ones(len(indices), np.float32), indices, indptr),
                                         shape=(self.size, len(self._vocabulary))).tocsc()
        df = np.bincount(indices, minlength=len(self._vocabulary))
        self._idf = np.log(1 + (self.size - df + 0.5) / (df + 0.5)).astype(np.float32)
        mean = float(lengths.mean()) if self.size and lengths.any() else 1.0
        # BM25's weight of a term present once, per document: (k1 + 1) / (1 + k1 * (1 - b + b * length / mean)).
        self._weight = ((self.K1 + 1) / (1 + self.K1 * (1 - self.B + self.B * lengths / mean))).astype(np.float32)

    def scores(self, query_words: list[str]) -> np.ndarray:
        """One BM25 score per document, in the order given; all zero when the question shares no term.

        The question's words (what `KnowledgeBase.rank` is given) are split into bigrams as the documents' were,
        each bigram counted once."""
        ids = [self._vocabulary[t] for t in document_terms([query_words]) if t in self._vocabulary]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return self._weight * np.asarray(self._matrix[:, ids] @ self._idf[ids]).ravel()

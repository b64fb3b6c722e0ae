"""Document-level evidence: BM25 over character bigrams of each document's header and whole text.

A chunk is short; the question's words may be spread over its document (the issuer in the first line, the
measures in the fifth paragraph). This index scores whole documents, and search adds its score to each of a
document's chunks. Bigrams need no segmentation, so they also catch names jieba splits its own way.
"""
from __future__ import annotations

import bm25s
import numpy as np

from .chunking import document_header
from .models import Document
from .script import to_simplified
from .tokenize import bigrams


def document_text(doc: Document) -> str:
    """What the index reads of a document: its header (title, issuer, date) and its whole cleaned text, simplified."""
    return "\n".join(document_header(doc.meta) + [to_simplified(doc.clean.text)])


class DocumentIndex:
    # BM25's term-frequency saturation, low: a notice names its issuer once (in its signature) and its subject
    # many times, and at the document level one mention should count nearly as much as many. On the fitting
    # sets, with the shipped fusion weights (`python -m bench.fusion_weights --document-k1 K`), mean MRR@10 rose
    # as k1 fell from 1.5 (0.9472) to 0.5 (0.9494), and no further (0.3: 0.9493).
    K1 = 0.5
    B = 0.75

    def __init__(self, docs: list[Document]):
        self.size = len(docs)
        # Converting and splitting a document's text is most of the cost: a text that recurs (copies of one
        # document under several names) is read once.
        read: dict[tuple[str, str, str, str], list[str]] = {}
        terms = []
        for d in docs:
            key = (d.clean.text, d.meta.title, d.meta.issuer, d.meta.date)
            if key not in read:
                read[key] = bigrams(document_text(d))
            terms.append(read[key])
        self._bm25 = bm25s.BM25(k1=self.K1, b=self.B)
        if any(terms):
            self._bm25.index(terms, show_progress=False)
        self._vocabulary = self._bm25.vocab_dict if any(terms) else {}

    def scores(self, query_words: list[str]) -> np.ndarray:
        """One BM25 score per document, in the order given; all zero when the question shares no term.

        The question's words (what `KnowledgeBase.rank` is given) are split into bigrams as the documents were,
        each bigram counted once: on the fitting sets and the Taipei FAQ this matched bigrams of the whole
        question text (MRR@10 and R@1 within 0.003)."""
        known = [t for t in dict.fromkeys(b for w in query_words for b in bigrams(w)) if t in self._vocabulary]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

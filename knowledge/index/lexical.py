"""BM25 over jieba words (bm25s), plus the IDF weights that tell how much of a question a passage covers."""
from __future__ import annotations

import math
from collections import Counter

import bm25s
import numpy as np


class LexicalIndex:
    def __init__(self, chunk_tokens: list[list[str]]):
        self.size = len(chunk_tokens)
        self._bm25 = bm25s.BM25()
        if chunk_tokens:
            self._bm25.index(chunk_tokens, show_progress=False)
        df = Counter(t for toks in chunk_tokens for t in set(toks))
        # An unseen term gets the highest IDF: a question about something the corpus never mentions must
        # count that as uncovered, not ignore it.
        self._idf = {t: math.log(1 + (self.size - n + 0.5) / (n + 0.5)) for t, n in df.items()}
        self.unseen_idf = math.log(1 + (self.size + 0.5) / 0.5)

    def idf(self, term: str) -> float:
        return self._idf.get(term, self.unseen_idf)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        known = [t for t in query_tokens if t in self._idf]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def coverage(self, query_tokens: list[str], passage_tokens: set[str]) -> float:
        """Share of the question's IDF mass whose words appear in the passage."""
        terms = set(query_tokens)
        total = sum(self.idf(t) for t in terms)
        return sum(self.idf(t) for t in terms if t in passage_tokens) / total if total else 0.0

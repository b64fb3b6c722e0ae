"""Whether a citizen's question is one of the curated questions: the same after normalisation, or close enough
by a blend of the embedding's cosine and the character bigrams both wordings share."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from .entry import Entry
from .normalise import bigrams, normalise


@dataclass(frozen=True)
class Matching:
    """blend = dense_weight × cosine(question, curated question) + (1 − dense_weight) × the cosine of their
    character bigrams weighted by rarity among the curated questions (normalised wordings); score = best blend +
    margin_weight × min(best blend − the next entry's blend, margin_cap), so that a question close to one entry
    and not to the others counts more than one close to many, but only up to a point: in a small FAQ, or one whose
    other entries are about other things, every question on an entry's topic is far from the rest, and an
    uncapped margin made 黃線禁止停車時間為何？ match 紅線禁止停車時間為何？. A match needs score ≥ threshold.

    Chosen by `python -m bench --only faq_match` on calibration halves of two sets: the hand-written rewordings
    of Taipei FAQ questions in bench/data/taipei_faq_paraphrases.jsonl (should match their entry, or none), and
    "lone entries" (each department's first question curated among the other departments' entries, its other
    questions asked: should match none): the values with the best recall at a precision of at least 0.95 and at
    most 2% of the lone-entry questions matched (docs/benchmarks.md, Curated FAQ matching). The uncapped margin
    chosen on the rewordings alone (1.5, threshold 0.935) had held-out recall 0.88 at precision 0.86 and matched 79
    of 850 held-out lone-entry questions; capped, precision 1.0 and recall 0.65, and 12 of 850 (m3e-small puts
    紅線 and 黃線禁止停車時間為何？ as close as a rewording). A missed match costs little: the documents' answer
    is given. An exact match after normalisation is served whatever the score."""

    dense_weight: float = 1.0
    margin_weight: float = 0.5
    threshold: float = 0.945
    margin_cap: float = 0.06

    def score(self, best: float, second: float) -> float:
        return best + self.margin_weight * min(best - second, self.margin_cap)


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float  # 1.0 for the same question after normalisation
    exact: bool
    dense: float = 1.0
    lexical: float = 1.0


class FaqMatcher:
    def __init__(self, entries: Sequence[Entry], vectors: np.ndarray, matching: Matching = Matching()):
        """`vectors`: one row per entry, its question's L2-normalised embedding (of the simplified question)."""
        self.entries = tuple(entries)
        self.matching = matching
        vectors = np.asarray(vectors, dtype=np.float32)
        self.vectors = vectors.reshape(len(self.entries), -1) if len(self.entries) else np.zeros((0, 1), np.float32)
        normals = [normalise(e.question) for e in self.entries]
        self._grams = [bigrams(n) for n in normals]
        # Bigrams weighted by their rarity among the curated questions: 1920變裝遊行 tells more than 如何申請.
        self._postings: dict[str, list[int]] = {}
        for i, grams in enumerate(self._grams):
            for g in grams:
                self._postings.setdefault(g, []).append(i)
        n = max(len(self.entries), 1)
        self._idf = {g: float(np.log(1 + n / len(rows))) for g, rows in self._postings.items()}
        self._unseen_idf = float(np.log(1 + n))
        self._norms = np.array([np.sqrt(sum(self._idf[g] ** 2 for g in grams)) or 1.0 for grams in self._grams],
                               dtype=np.float32)
        self._exact: dict[str, list[int]] = {}
        for i, n in enumerate(normals):
            self._exact.setdefault(n, []).append(i)

    def __len__(self) -> int:
        return len(self.entries)

    def served(self, day: date) -> np.ndarray:
        return np.array([e.served_on(day) for e in self.entries], dtype=bool)

    def components(self, question: str, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The embeddings' cosine and the rarity-weighted bigram cosine of the question against every entry's
        question (the benchmark calibrates the blend from these)."""
        if not self.entries:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        dense = self.vectors @ np.asarray(vector, dtype=np.float32)
        lexical = np.zeros(len(self.entries), dtype=np.float32)
        grams = bigrams(normalise(question))
        for g in grams:
            for i in self._postings.get(g, ()):
                lexical[i] += self._idf[g] ** 2
        norm = np.sqrt(sum(self._idf.get(g, self._unseen_idf) ** 2 for g in grams)) or 1.0
        return dense, lexical / (self._norms * norm)

    def match(self, question: str, vector: np.ndarray, day: date | None = None) -> Match | None:
        """The curated entry this question asks, when one is served today (enabled, not expired); else None."""
        day = day or date.today()
        for i in self._exact.get(normalise(question), ()):
            if self.entries[i].served_on(day):
                return Match(self.entries[i], 1.0, True)
        if not self.entries:
            return None
        dense, lexical = self.components(question, vector)
        served = self.served(day)
        if not served.any():
            return None
        best, second = top_two(blend(dense, lexical, self.matching.dense_weight, served))
        score = self.matching.score(*second_or_none(best, second))
        if score < self.matching.threshold:
            return None
        return Match(self.entries[best[0]], round(min(score, 1.0), 4), False, float(dense[best[0]]),
                     float(lexical[best[0]]))


def blend(dense: np.ndarray, lexical: np.ndarray, dense_weight: float, served: np.ndarray | None = None) -> np.ndarray:
    mixed = dense_weight * dense + (1 - dense_weight) * lexical
    return mixed if served is None else np.where(served, mixed, -np.inf)


def top_two(scores: np.ndarray) -> tuple[tuple[int, float], tuple[int, float] | None]:
    """The best (index, score) and the next one (None when there is no other candidate)."""
    if len(scores) == 1:
        return (0, float(scores[0])), None
    top = np.argpartition(-scores, 1)[:2]
    first, second = sorted(top, key=lambda i: -scores[i])
    rest = (int(second), float(scores[second])) if np.isfinite(scores[second]) else None
    return (int(first), float(scores[first])), rest


def second_or_none(best: tuple[int, float], second: tuple[int, float] | None) -> tuple[float, float]:
    """(best, next) blends; with no other candidate the margin is none: a lone entry is not boosted."""
    return best[1], second[1] if second is not None else best[1]

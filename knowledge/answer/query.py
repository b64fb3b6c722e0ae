"""A question analysed once, at the entrance: simplified text, words, places, what it asks for and its
embedding, shared by retrieval, confidence and sentence choice."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..text.answer_types import Asked, asked
from ..text.places import is_place
from ..text.script import is_traditional, to_simplified
from ..text.tokenizer import places
from .knowledge_base import KnowledgeBase
from .selector import Question


@dataclass(frozen=True)
class Query:
    text: str  # as asked, trimmed
    simplified: str
    tokens: tuple[str, ...]
    places: tuple[str, ...]  # place names the question mentions (simplified)
    asked: Asked
    traditional: bool  # answer in traditional script
    vector: np.ndarray = field(repr=False)

    def as_question(self) -> Question:
        return Question(self.simplified, self.tokens, self.vector, self.asked)


def analyse(kb: KnowledgeBase, question: str, vector: np.ndarray | None = None) -> Query:
    """`vector` is the question's embedding when the caller has it (a benchmark's cache)."""
    text = question.strip()
    simplified = to_simplified(text)
    return Query(text, simplified, tuple(kb.query_tokens(text)),
                 tuple(p for p in places(simplified, kb.settings.user_dict) if is_place(p)), asked(simplified),
                 is_traditional(text), kb.embed_query(text) if vector is None else vector)

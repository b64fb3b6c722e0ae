"""A question analysed once, at the entrance: simplified text, words, places, what it asks for, the words of its
asking clause and its embedding, shared by retrieval, confidence and sentence choice."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from ..text.answer_types import Asked, asked
from ..text.places import is_place, place_stem
from ..text.script import is_traditional, to_simplified
from ..text.tokenizer import places_of
from .focus import focus_tokens
from .selector import Question

if TYPE_CHECKING:
    from .knowledge_base import KnowledgeBase

_QUOTED = re.compile(r"[“「『《\"]([^”」』》\"]{2,20})[”」』》\"]")


@dataclass(frozen=True)
class Reading:
    """What the words of a question say, without its embedding: enough to tell a follow-up's topic and places."""

    text: str  # as asked, trimmed
    simplified: str  # in the documents' words (knowledge.text.synonyms)
    tokens: tuple[str, ...]
    places: tuple[str, ...]  # place names the question mentions (simplified)
    asked: Asked
    traditional: bool  # answer in traditional script

    @property
    def stems(self) -> tuple[str, ...]:
        """The places without their suffixes (临川 for 临川区), in order: how documents are indexed by place."""
        return tuple(place_stem(p) for p in self.places)

    @property
    def quoted(self) -> tuple[str, ...]:
        """Terms the question quotes (“好差评”, 《论自由》): they name its subject, which an answer must be about."""
        return tuple(t for t in _QUOTED.findall(self.simplified) if t.strip())


@dataclass(frozen=True)
class Query(Reading):
    """A question as answering uses it."""

    focus: frozenset[str]  # content words of the asking clause (answer.focus)
    vector: np.ndarray = field(repr=False)

    def as_question(self) -> Question:
        return Question(self.simplified, self.tokens, self.vector, self.asked)


# Spoken asking words, as citizens type them (要带啥, 咋办理): read as the written ones the rules and the index know.
_SPOKEN = re.compile(r"啥|咋")
_WRITTEN = {"啥": "什么", "咋": "怎么"}


def read(kb: KnowledgeBase, question: str) -> Reading:
    text = question.strip()
    simplified = kb.synonyms.rewrite(_SPOKEN.sub(lambda m: _WRITTEN[m.group(0)], to_simplified(text)))
    tagged = kb.tokenizer.tagged(simplified)
    return Reading(text, simplified, tuple(kb.tokenizer.words(simplified)),
                   tuple(p for p in places_of(tagged) if is_place(p)),
                   asked(simplified, tagged), is_traditional(text))


def analyse(kb: KnowledgeBase, question: str, vector: np.ndarray | None = None) -> Query:
    """`vector` is the question's embedding when the caller has it (a benchmark's cache)."""
    reading = read(kb, question)
    return Query(**{f.name: getattr(reading, f.name) for f in fields(Reading)},
                 focus=focus_tokens(reading.simplified, reading.asked, reading.places, kb.tokenizer),
                 vector=kb.embed_query(reading.simplified) if vector is None else vector)

"""The sentences that may answer a question: every sentence of the retrieved chunks that can be quoted as an
answer, once, with what the selector needs to know about it."""
from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from ..models import Document, Hit, Sentence
from ..text.layout import is_dateline, is_heading, is_signature
from ..text.script import to_simplified
from ..text.transcript import is_sign_off, without_speaker
from .knowledge_base import KnowledgeBase
from .selector import Candidate

_ASKS = re.compile(r"[?？]\s*$")
MIN_CHARS = 6


@dataclass(frozen=True)
class Option:
    hit: Hit  # the chunk the sentence was found in (the best one, when chunks overlap)
    sentence: Sentence
    text: str  # cleaned, speaker label removed, in the document's script
    candidate: Candidate

    @property
    def key(self) -> tuple[str, int]:
        return self.hit.chunk.doc_id, self.sentence.start


def quotable(doc: Document, sentence: Sentence, text: str, titles: bool = False) -> bool:
    """Captions, headings, titles, sign-offs, datelines, the host's questions and closing words and fragments are
    context, never answers; a title is one when `titles` (who is asked, and only the title names him: 新余市委书记刘捷:争创……)."""
    if sentence.caption or sentence.host or _ASKS.search(text):
        return False
    if to_simplified(text) == to_simplified(doc.meta.title).strip():
        return titles
    return not (len(text) < MIN_CHARS or is_heading(text) or is_signature(text) or is_dateline(text)
                or is_sign_off(text))


def gather(kb: KnowledgeBase, hits: Iterable[Hit], exclude: Collection[tuple[str, int]] = (),
           titles: bool = False) -> list[Option]:
    """The quotable sentences of the hits, in hit order, each once. `exclude` holds (doc_id, start) of
    citations already given in the conversation (start in the original text, as citations give it); `titles`
    lets documents' titles answer (see quotable)."""
    out: list[Option] = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits):
        doc = kb.docs[hit.chunk.doc_id]
        for sentence in hit.chunk.sentences:
            key = (doc.doc_id, sentence.start)
            if key in seen or (exclude and citation_key(doc, sentence) in exclude):
                continue
            text = without_speaker(doc.clean.text[sentence.start:sentence.end]).strip()
            if not quotable(doc, sentence, text, titles):
                continue
            seen.add(key)
            out.append(option(kb, doc, hit, rank, sentence, text))
    return out


def citation_key(doc: Document, sentence: Sentence) -> tuple[str, int]:
    """(doc_id, start in the original text) of the sentence's citation: how a conversation remembers it."""
    return doc.doc_id, doc.clean.original_span(*quote_span(doc, sentence)).start


def option(kb: KnowledgeBase, doc: Document, hit: Hit, rank: int, sentence: Sentence, text: str) -> Option:
    """A sentence of a document as a possible answer, found in `hit` (the rank-th chunk of the search)."""
    index, spans = kb.sentence_order(doc.doc_id, sentence)
    simplified = to_simplified(text)

    def neighbour(i: int) -> str:
        if not 0 <= i < len(spans):
            return ""
        s, e = spans[i]
        return to_simplified(without_speaker(doc.clean.text[int(s):int(e)]))

    return Option(hit, sentence, text, Candidate(
        simplified, tuple(kb.tokenizer.words(simplified)), kb.sentence_vector(doc.doc_id, sentence),
        neighbour(index - 1), neighbour(index + 1), index / max(len(spans), 1), hit.score, rank, hit.dense))


def quote_span(doc: Document, sentence: Sentence) -> tuple[int, int]:
    """The sentence's cleaned span, narrowed to its longest stretch that maps to no mojibake in the original,
    so that a quote never shows a garbled run."""
    if not doc.clean.garbled:
        return sentence.start, sentence.end
    runs, run_start = [], sentence.start
    for i in range(sentence.start, sentence.end):
        o = doc.clean.to_original[i]
        if any(g.start <= o < g.end for g in doc.clean.garbled):
            runs.append((run_start, i))
            run_start = i + 1
    runs.append((run_start, sentence.end))
    best = max(runs, key=lambda r: r[1] - r[0])
    return best if best[1] > best[0] else (sentence.start, sentence.end)

"""The nouns passed between the knowledge-base functions."""
from __future__ import annotations

import re
from dataclasses import MISSING, asdict, dataclass, field, fields
from enum import Enum


def part_id(file: str, part: int) -> str:
    """The document id of one part of a file too large to index whole: "yearbook.txt#2"."""
    return f"{file}#{part}"


def file_of(doc_id: str) -> str:
    """The file a document comes from: itself, or the file it is a part of (file names end in an extension,
    so a trailing "#<n>" is always a part number)."""
    return re.sub(r"#\d+$", "", doc_id)


@dataclass(frozen=True)
class Span:
    """A half-open character range [start, end) in some text."""

    start: int
    end: int


@dataclass(frozen=True)
class Metadata:
    title: str
    date: str  # ISO yyyy-mm-dd, or "" when the document gives none
    source: str
    places: tuple[str, ...]
    kind: str  # interview | work_plan | briefing | news
    issuer: str = ""  # the body that issued the document (发文机关), "" when the text names none


@dataclass(frozen=True)
class CleanText:
    """Cleaned text plus, for every cleaned character, the offset of the original character it came from."""

    text: str
    to_original: tuple[int, ...]
    garbled: tuple[Span, ...]  # original spans of mojibake runs (repaired or dropped): never quoted
    captions: tuple[Span, ...]  # cleaned spans that are photo captions (▲ lines)

    def original_span(self, start: int, end: int) -> Span:
        """The original span covering cleaned characters [start, end)."""
        return Span(self.to_original[start], self.to_original[end - 1] + 1)


@dataclass(frozen=True)
class Document:
    doc_id: str  # file name relative to the corpus folder
    original: str  # the text as read from the file: citations quote this
    clean: CleanText
    meta: Metadata
    content_hash: str


@dataclass(frozen=True)
class Sentence:
    """A sentence of a chunk, in cleaned-text offsets of its document."""

    start: int
    end: int
    caption: bool = False
    host: bool = False  # spoken by an interview's host: context for search, never an answer


@dataclass(frozen=True)
class Chunk:
    chunk_id: str  # "<doc_id>#<n>"
    doc_id: str
    ordinal: int  # position of the chunk in its document
    heading: str  # nearest section heading above the chunk, "" if none
    paragraph: int  # 1-based paragraph number (in cleaned text) where the chunk starts
    start: int  # cleaned-text span of the chunk
    end: int
    text: str  # cleaned text, in the document's own script
    search_text: str  # simplified text that is embedded and tokenised (heading and title included)
    sentences: tuple[Sentence, ...] = field(default=())
    question: str = ""  # in a transcript, the host's question this chunk answers


@dataclass(frozen=True)
class Hit:
    """A chunk found by search, with the evidence the scores came from."""

    chunk: Chunk
    score: float  # fused score, higher is better
    lexical: float  # BM25 score normalised to [0, 1] by the query's own best possible score
    dense: float  # cosine similarity of question and chunk embeddings
    document: float = 0.0  # the chunk's document's BM25 (knowledge/index/document_index.py), normalised like `lexical`


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    date: str
    quote: str  # exactly original[start:end]
    context: str  # the whole chunk the quote came from, as it stands in the original
    start: int
    end: int
    score: float
    text: str  # the cited sentence as cleaned and shown in the answer (question's script)
    heading: str
    paragraph: int
    # The chunk as cleaned, in the question's script, and where the cited sentence sits in it: what a reader
    # sees in the chat's citation card (the original, with its scrape noise, is behind 查看原文).
    passage: str = ""
    passage_start: int = 0
    passage_end: int = 0
    # "document": a sentence of an indexed document; "faq": a curated FAQ entry (knowledge/faq), whose doc_id is
    # "faq:<id>", title 常见问题 and its source, date the day it was last written, quote its answer as written,
    # context the curated question, heading its department.
    kind: str = "document"


FAQ_CITATION = "faq"  # Citation.kind of a curated FAQ entry


class Status(str, Enum):
    """How a question was met."""

    ANSWERED = "answered"
    NOT_STATED = "not_stated"  # the documents cover the topic but do not state the fact asked
    DECLINED = "declined"  # the documents do not cover the question
    NO_MORE = "no_more"  # "还有呢？" and every passage on the question was already given
    EMPTY = "empty"


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    confidence: float
    answer: str
    citations: tuple[Citation, ...]
    # The closest passages when the documents do not state what was asked: shown as 相关内容, never as the answer.
    related: tuple[Citation, ...] = ()
    status: Status = Status.ANSWERED

    @property
    def curated_entry(self) -> int | None:
        """The curated FAQ entry this answer was given from (its first citation is the entry), or None."""
        first = self.citations[0] if self.citations else None
        if first is None or first.kind != FAQ_CITATION:
            return None
        entry = first.doc_id.partition(":")[2]
        return int(entry) if entry.isdigit() else None

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "status": self.status.value,
            "confidence": round(self.confidence, 4),
            "answer": self.answer,
            "citations": [_citation_json(c) for c in self.citations],
            "related": [_citation_json(c) for c in self.related],
        }

    @classmethod
    def from_json(cls, row: dict, k: int | None = None) -> "Answer":
        """An Answer from its `ask --json` shape (what the action server puts in Rasa's custom payload); older
        payloads without status or related are read too. `k` caps the citations."""
        answered = bool(row.get("answered"))
        try:
            status = Status(row.get("status") or (Status.ANSWERED if answered else Status.DECLINED))
        except ValueError:
            status = Status.ANSWERED if answered else Status.DECLINED
        return cls(str(row.get("question", "")), answered, float(row.get("confidence") or 0.0), str(row.get("answer", "")),
                   tuple(_citation_from_json(c) for c in row.get("citations", [])[:k]),
                   tuple(_citation_from_json(c) for c in row.get("related", [])[:k]), status)


def _citation_json(c: Citation) -> dict:
    return {**asdict(c), "score": round(c.score, 4)}


def _citation_from_json(d: dict) -> Citation:
    def missing(f):
        return f.default if f.default is not MISSING else "" if f.type == "str" else 0

    return Citation(**{f.name: d.get(f.name) if d.get(f.name) is not None else missing(f) for f in fields(Citation)})

"""One document, or several at once, into what the index holds of it: chunks, their words and embeddings, and
the embedded answer sentences."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import Settings
from ..ingest.chunking import answer_sentences, chunk_document
from ..models import Chunk, Document
from ..text.script import to_simplified
from ..text.tokenizer import Tokenizer
from ..text.transcript import without_speaker
from .embedding import Spans, embed, embed_with_spans
from .store import Bundle


TextsEmbedder = Callable[[list[str]], np.ndarray]
# (texts, spans of each) -> (one vector per text, the vectors of each text's spans): embedding.embed_with_spans
SpansEmbedder = Callable[[list[str], list[Spans]], tuple[np.ndarray, list[np.ndarray]]]


def bundle_document(doc: Document, settings: Settings, tokenizer: Tokenizer, embed_texts: TextsEmbedder | None = None,
                    sentences: bool = True, on_progress: Callable[[float], None] | None = None,
                    embed_spans: SpansEmbedder | None = None) -> Bundle:
    """Everything indexed for one document: chunks, their words and embeddings, and (unless `sentences` is
    False, for retrieval-only use) the embedded answer sentences. `embed_texts` and `embed_spans` replace the
    model calls, e.g. by a cache; `on_progress` hears the share of the document's embedding done, batch by batch."""
    return bundle_documents([doc], settings, tokenizer, embed_texts, sentences, on_progress, embed_spans)[0]


def bundle_documents(docs: list[Document], settings: Settings, tokenizer: Tokenizer,
                     embed_texts: TextsEmbedder | None = None, sentences: bool = True,
                     on_progress: Callable[[float], None] | None = None,
                     embed_spans: SpansEmbedder | None = None) -> list[Bundle]:
    """`bundle_document` for several documents at once: their chunks are embedded together, each distinct chunk
    once, so that batches of similar lengths fill up across documents (short notices alone make small, badly
    padded batches). A sentence's vector is pooled from its chunk's pass (embedding.embed_with_spans): embedding
    every sentence again on its own took about as long as the chunks."""
    embed_texts = embed_texts or (lambda texts: embed(settings.model, texts, settings.embed_batch_size,
                                                      settings.embed_precision, settings.embed_runtime))
    embed_spans = embed_spans or (lambda texts, spans: embed_with_spans(
        settings.model, texts, spans, settings.embed_batch_size, settings.embed_precision, settings.embed_runtime))
    chunked = [chunk_document(doc, settings.chunk_size, settings.chunk_overlap) for doc in docs]
    spans = [answer_sentences(chunks) if sentences else [] for chunks in chunked]
    owned = [_owned_sentences(doc, chunks, doc_spans) for doc, chunks, doc_spans in zip(docs, chunked, spans)]
    # Each distinct chunk text, with the spans of the sentences read from it, is embedded once.
    work: dict[tuple[str, tuple[tuple[int, int], ...]], int] = {}
    for chunks, per_chunk in zip(chunked, owned):
        for c, own in zip(chunks, per_chunk):
            work.setdefault((c.search_text, tuple(local for _, local in own)), len(work))
    keys = list(work)
    if sentences:
        chunk_vectors, pooled = _embed_in_batches(
            lambda part: embed_spans([t for t, _ in part], [list(sp) for _, sp in part]), keys, on_progress)
    else:
        chunk_vectors, pooled = _embed_in_batches(lambda part: (embed_texts([t for t, _ in part]), [[] for _ in part]),
                                                  keys, on_progress)
    width = chunk_vectors.shape[1]
    bundles = []
    for doc, chunks, doc_spans, per_chunk in zip(docs, chunked, spans, owned):
        rows = [work[(c.search_text, tuple(local for _, local in own))] for c, own in zip(chunks, per_chunk)]
        found = {span: v for row, own in zip(rows, per_chunk) for (span, _), v in zip(own, pooled[row])}
        missing = [span for span in doc_spans if span not in found]
        if missing:  # a sentence whose text its chunk's search text does not hold as is: embedded alone
            found.update(zip(missing, embed_texts([_sentence_text(doc, *span) for span in missing])))
        bundles.append(Bundle(
            doc, chunks, [tokenizer.words(c.search_text) for c in chunks],
            chunk_vectors[rows] if rows else np.zeros((0, width), np.float32),
            np.array(doc_spans, dtype=np.int64).reshape(-1, 2),
            np.array([found[span] for span in doc_spans], np.float32).reshape(-1, width)))
    return bundles


def _sentence_text(doc: Document, start: int, end: int) -> str:
    """What a sentence's vector stands for: its simplified text without a speaker's label."""
    return to_simplified(without_speaker(doc.clean.text[start:end]))


def _owned_sentences(doc: Document, chunks: list[Chunk], doc_spans: list[tuple[int, int]]
                     ) -> list[list[tuple[tuple[int, int], tuple[int, int]]]]:
    """For each chunk, the sentences read from its pass: (span in the cleaned text, span in the chunk's search
    text). A sentence in two chunks (the overlap) is read from the first; one that the search text does not hold
    character for character (a script conversion that changed the length) from none."""
    out: list[list[tuple[tuple[int, int], tuple[int, int]]]] = [[] for _ in chunks]
    taken: set[tuple[int, int]] = set()
    wanted = set(doc_spans)
    for k, c in enumerate(chunks):
        body = to_simplified(c.text)
        offset = len(c.search_text) - len(body)
        if len(body) != c.end - c.start or not c.search_text.endswith(body):
            continue
        for sentence in c.sentences:
            span = (sentence.start, sentence.end)
            if span in taken or span not in wanted:
                continue
            raw = doc.clean.text[sentence.start:sentence.end]
            text = _sentence_text(doc, *span)
            lead = len(raw) - len(without_speaker(raw))  # the speaker's label is not the sentence's content
            local = (offset + sentence.start - c.start + lead, offset + sentence.end - c.start)
            if c.search_text[local[0]:local[1]] != text:
                continue
            out[k].append((span, local))
            taken.add(span)
    return out


Work = list[tuple[str, tuple[tuple[int, int], ...]]]


def _embed_in_batches(embed_part: Callable[[Work], tuple[np.ndarray, list[np.ndarray]]], work: Work,
                      on_progress: Callable[[float], None] | None, batch: int = 512) -> tuple[np.ndarray, list[np.ndarray]]:
    if on_progress is None or len(work) <= batch:
        out = embed_part(work)
        if on_progress:
            on_progress(1.0)
        return out
    total, done, vectors, pooled = sum(len(t) for t, _ in work) or 1, 0, [], []
    for i in range(0, len(work), batch):
        v, p = embed_part(work[i:i + batch])
        vectors.append(v)
        pooled.extend(p)
        done += sum(len(t) for t, _ in work[i:i + batch])
        on_progress(done / total)
    return np.vstack(vectors), pooled

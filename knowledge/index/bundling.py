"""One document, or several at once, into what the index holds of it: chunks, their words and embeddings, and
the embedded answer sentences."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..config import Settings
from ..ingest.chunking import answer_sentences, chunk_document
from ..models import Document
from ..text.script import to_simplified
from ..text.tokenizer import Tokenizer
from ..text.transcript import without_speaker
from .embedding import embed
from .store import Bundle


def bundle_document(doc: Document, settings: Settings, tokenizer: Tokenizer,
                    embed_texts: Callable[[list[str]], np.ndarray] | None = None, sentences: bool = True,
                    on_progress: Callable[[float], None] | None = None) -> Bundle:
    """Everything indexed for one document: chunks, their words and embeddings, and (unless `sentences` is
    False, for retrieval-only use) the embedded answer sentences. `embed_texts` replaces the model call, e.g.
    by a cache; `on_progress` hears the share of the document's embedding done, batch by batch."""
    return bundle_documents([doc], settings, tokenizer, embed_texts, sentences, on_progress)[0]


def bundle_documents(docs: list[Document], settings: Settings, tokenizer: Tokenizer,
                     embed_texts: Callable[[list[str]], np.ndarray] | None = None, sentences: bool = True,
                     on_progress: Callable[[float], None] | None = None) -> list[Bundle]:
    """`bundle_document` for several documents at once: their chunks and sentences are embedded together, each
    distinct text once, so that batches of similar lengths fill up across documents (short notices alone make
    small, badly padded batches)."""
    embed_texts = embed_texts or (lambda texts: embed(settings.model, texts, settings.embed_batch_size,
                                                      settings.embed_precision, settings.embed_runtime))
    chunked = [chunk_document(doc, settings.chunk_size, settings.chunk_overlap) for doc in docs]
    spans = [answer_sentences(chunks) if sentences else [] for chunks in chunked]
    texts = [[c.search_text for c in chunks] + [to_simplified(without_speaker(doc.clean.text[s:e])) for s, e in doc_spans]
             for doc, chunks, doc_spans in zip(docs, chunked, spans)]
    distinct = list(dict.fromkeys(t for doc_texts in texts for t in doc_texts))
    row = {t: i for i, t in enumerate(distinct)}
    embedded = _embed_in_batches(embed_texts, distinct, on_progress)
    bundles = []
    for doc, chunks, doc_spans, doc_texts in zip(docs, chunked, spans, texts):
        vectors = embedded[[row[t] for t in doc_texts]] if doc_texts else np.zeros((0, embedded.shape[1]), np.float32)
        bundles.append(Bundle(doc, chunks, [tokenizer.words(c.search_text) for c in chunks], vectors[:len(chunks)],
                              np.array(doc_spans, dtype=np.int64).reshape(-1, 2), vectors[len(chunks):]))
    return bundles


def _embed_in_batches(embed_texts: Callable[[list[str]], np.ndarray], texts: list[str],
                      on_progress: Callable[[float], None] | None, batch: int = 512) -> np.ndarray:
    if on_progress is None or len(texts) <= batch:
        out = embed_texts(texts)
        if on_progress:
            on_progress(1.0)
        return out
    total, done, parts = sum(map(len, texts)) or 1, 0, []
    for i in range(0, len(texts), batch):
        parts.append(embed_texts(texts[i:i + batch]))
        done += sum(map(len, texts[i:i + batch]))
        on_progress(done / total)
    return np.vstack(parts)

"""Build or update the index of a corpus folder: only new or changed documents are cleaned and embedded."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from tqdm import tqdm

from ..config import Settings
from ..ingest.chunking import answer_sentences, chunk_document
from ..ingest.corpus import CorpusFile, list_files, load_overrides, load_text, part_spans
from ..ingest.readers import UnreadableDocument, read_text
from ..models import Document, part_id
from ..text.script import to_simplified
from ..text.tokenizer import Tokenizer
from ..text.transcript import without_speaker
from .embedding import dimension, embed
from .staleness import fingerprint, stale_reason
from .store import Bundle, BuildWriter, current_build, locked, read_manifest


# A file this long, or indexed in parts, gets a progress bar of its own, in characters.
LARGE_FILE_CHARS = 200_000


@dataclass(frozen=True)
class FurnitureKept:
    """A document indexed with its page furniture, because removing it would have gutted the text."""

    doc_id: str
    reason: str  # what happened and what to do


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # doc_id -> why it could not be read
    furniture_kept: list[FurnitureKept] = field(default_factory=list)  # indexed with their page furniture
    chunks: int = 0
    rebuilt_all: str = ""  # why every document was re-embedded, if it was

    @property
    def touched(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt_all)


def build_index(settings: Settings, rebuild: bool = False, progress: bool = True) -> BuildReport:
    """Index new and changed documents, carry the others over, and make the new build live.

    Finished documents are committed as the build goes (every `settings.index_checkpoint_s` seconds), so an
    interrupted run keeps them and the next one resumes where it stopped; until then the previous build stays
    live. A file longer than `settings.max_document_chars` is indexed in parts ("name.txt#1", "#2", …), each
    a document of its own, so that memory stays bounded whatever the file's size."""
    report = BuildReport()
    overrides = load_overrides(settings.corpus_dir)
    files = list_files(settings.corpus_dir, overrides)
    with locked(settings.index_dir):
        manifest = read_manifest(settings.index_dir)
        old_build = current_build(settings.index_dir)
        reason = "rebuild requested" if rebuild else stale_reason(settings) if manifest else ""
        if manifest and reason:
            report.rebuilt_all = reason
        old_docs = {} if (manifest is None or reason) else manifest["documents"]
        same_corpus = manifest is not None and manifest.get("corpus") == str(settings.corpus_dir)
        if manifest and not same_corpus and not reason:
            old_docs = manifest["documents"]  # documents are keyed by content hash, so reuse is still safe
        old_by_file = _entries_by_file(old_docs)

        todo: list[CorpusFile] = []
        writer = BuildWriter(settings.index_dir)
        try:
            for f in files:
                entries = old_by_file.get(f.doc_id, {})
                if entries and old_build is not None and all(e["hash"] == f.content_hash for e in entries.values()):
                    for doc_id, entry in entries.items():
                        writer.reuse(old_build, doc_id, entry)
                        report.chunks += entry["chunks"]
                        if entry.get("furniture_kept"):  # still true of the file: said at every build until fixed
                            report.furniture_kept.append(FurnitureKept(doc_id, entry["furniture_kept"]))
                    report.unchanged.append(f.doc_id)
                else:
                    todo.append(f)
                    (report.changed if entries else report.added).append(f.doc_id)
            report.removed = sorted(set(old_by_file) - {f.doc_id for f in files})
            if not todo and not report.removed and manifest is not None and not reason and same_corpus:
                writer.abort()
                return report

            dim = manifest["dimensions"] if manifest and not todo and not reason else dimension(settings.model)
            tokenizer = Tokenizer(settings.user_dict)  # one for the build: jieba loads once
            bar = tqdm(total=len(todo), desc="indexing", unit="doc", disable=not progress, file=sys.stderr)
            last_commit = time.monotonic()
            for i, f in enumerate(todo):
                bar.set_postfix_str(f.doc_id[-30:])
                _index_file(f, settings, tokenizer, overrides, writer, report, progress)
                bar.update()
                remaining = todo[i + 1:]
                if remaining and time.monotonic() - last_commit >= settings.index_checkpoint_s:
                    writer = _checkpoint(writer, settings, dim, report, old_build, old_by_file, remaining)
                    old_build, last_commit = current_build(settings.index_dir), time.monotonic()
            bar.close()
            writer.commit(fingerprint(settings, dim), settings.corpus_dir, report.skipped)
        except BaseException:
            writer.abort()  # the last committed build (the previous one, or a checkpoint) stays live
            raise
    return report


def _entries_by_file(docs: dict[str, dict]) -> dict[str, dict[str, dict]]:
    """Manifest entries grouped by the file they came from (a large file has one entry per part)."""
    out: dict[str, dict[str, dict]] = {}
    for doc_id, entry in docs.items():
        out.setdefault(entry.get("file", doc_id), {})[doc_id] = entry
    return out


def _index_file(f: CorpusFile, settings: Settings, tokenizer: Tokenizer, overrides: dict, writer: BuildWriter,
                report: BuildReport, progress: bool) -> None:
    """Reads, cleans, chunks, embeds and writes one file (in parts when it is large), or reports it unreadable."""
    writer.forget_file(f.doc_id)  # a previous version carried over at a checkpoint, with however many parts it had
    try:
        original = read_text(f.path)
        spans = part_spans(original, settings.max_document_chars)
        large = len(original) >= LARGE_FILE_CHARS or len(spans) > 1
        # A large file gets a bar of its own, in characters: embedding it takes minutes.
        chars = tqdm(total=len(original), desc=f.doc_id[-30:], unit="char", unit_scale=True, leave=False,
                     disable=not (progress and large), file=sys.stderr)
        for k, (start, end) in enumerate(spans, start=1):
            part = part_id(f.doc_id, k) if len(spans) > 1 else None
            loaded = load_text(f, original[start:end], overrides, tokenizer, part)
            if loaded.furniture_kept:
                report.furniture_kept.append(FurnitureKept(loaded.doc.doc_id, loaded.furniture_kept))
            span = end - start
            bundle = bundle_document(loaded.doc, settings, tokenizer, on_progress=lambda share: chars.update(
                max(0, round(start + share * span) - chars.n)))
            writer.add(bundle, loaded.furniture_kept, file=f.doc_id if part else None)
            report.chunks += len(bundle.chunks)
        chars.close()
    except UnreadableDocument as exc:
        report.skipped[f.doc_id] = str(exc)
        tqdm.write(f"skipped: {exc}", file=sys.stderr)
        writer.forget_file(f.doc_id)
        _forget(report, f.doc_id)


def _checkpoint(writer: BuildWriter, settings: Settings, dim: int, report: BuildReport, old_build: Path | None,
                old_by_file: dict[str, dict[str, dict]], remaining: list[CorpusFile]) -> BuildWriter:
    """Makes the documents finished so far live, with the previous versions of those still to do (when the
    settings did not change), and returns a writer that goes on from there."""
    if old_build is not None and not report.rebuilt_all:
        for f in remaining:
            for doc_id, entry in old_by_file.get(f.doc_id, {}).items():
                writer.reuse(old_build, doc_id, entry)
    writer.commit(fingerprint(settings, dim), settings.corpus_dir, report.skipped)
    following = BuildWriter(settings.index_dir)
    for doc_id, entry in writer.docs.items():
        following.reuse(writer.path, doc_id, entry)
    return following


def bundle_document(doc: Document, settings: Settings, tokenizer: Tokenizer,
                    embed_texts: Callable[[list[str]], np.ndarray] | None = None, sentences: bool = True,
                    on_progress: Callable[[float], None] | None = None) -> Bundle:
    """Everything indexed for one document: chunks, their words and embeddings, and (unless `sentences` is
    False, for retrieval-only use) the embedded answer sentences. `embed_texts` replaces the model call, e.g.
    by a cache; `on_progress` hears the share of the document's embedding done, batch by batch."""
    embed_texts = embed_texts or (lambda texts: embed(settings.model, texts, settings.embed_batch_size))
    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    spans = answer_sentences(chunks) if sentences else []
    texts = [c.search_text for c in chunks] + [to_simplified(without_speaker(doc.clean.text[s:e])) for s, e in spans]
    embedded = _embed_in_batches(embed_texts, texts, on_progress)
    vectors = embedded[:len(chunks)]
    sentence_vectors = embedded[len(chunks):] if spans else np.zeros((0, vectors.shape[1]), dtype=np.float32)
    return Bundle(doc, chunks, [tokenizer.words(c.search_text) for c in chunks], vectors,
                  np.array(spans, dtype=np.int64).reshape(-1, 2), sentence_vectors)


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


def _forget(report: BuildReport, doc_id: str) -> None:
    for bucket in (report.added, report.changed):
        if doc_id in bucket:
            bucket.remove(doc_id)

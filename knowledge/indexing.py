"""Build or update the index of a corpus folder: only new or changed documents are cleaned and embedded."""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from tqdm import tqdm

from .chunking import answer_sentences, chunk_document, without_speaker
from .config import Settings
from .corpus import list_files, load_document, load_overrides
from .embedding import dimension, embed
from .models import Document
from .readers import UnreadableDocument
from .script import to_simplified
from .store import Bundle, BuildWriter, current_build, locked, read_manifest, settings_fingerprint
from .tokenize import tokens


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


def fingerprint(settings: Settings, dim: int | None = None) -> dict:
    return settings_fingerprint(settings.model, dim if dim is not None else -1, settings.chunk_size,
                                settings.chunk_overlap, settings.user_dict)


def _comparable(fp: dict) -> dict:
    return {k: v for k, v in fp.items() if k != "dimensions"}


def stale_reason(settings: Settings) -> str:
    """Why the index cannot serve these settings ("" when it can)."""
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        return f"no index in {settings.index_dir}"
    want, have = _comparable(fingerprint(settings)), _comparable(manifest)
    diffs = [f"{k}: index has {have.get(k)!r}, settings say {v!r}" for k, v in want.items() if have.get(k) != v]
    return "; ".join(diffs)


def build_index(settings: Settings, rebuild: bool = False, progress: bool = True) -> BuildReport:
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

        todo = []
        writer = BuildWriter(settings.index_dir)
        try:
            for f in files:
                entry = old_docs.get(f.doc_id)
                if entry and entry["hash"] == f.content_hash and old_build is not None:
                    writer.reuse(old_build, f.doc_id, entry)
                    report.unchanged.append(f.doc_id)
                    report.chunks += entry["chunks"]
                    if entry.get("furniture_kept"):  # still true of the file: said at every build until fixed
                        report.furniture_kept.append(FurnitureKept(f.doc_id, entry["furniture_kept"]))
                else:
                    todo.append(f)
                    (report.changed if entry else report.added).append(f.doc_id)
            report.removed = sorted(set(old_docs) - {f.doc_id for f in files})
            if not todo and not report.removed and manifest is not None and not reason and same_corpus:
                writer.abort()
                return report

            dim = manifest["dimensions"] if manifest and not todo and not reason else dimension(settings.model)
            bar = tqdm(total=len(todo), desc="indexing", unit="doc", disable=not progress, file=sys.stderr)
            for f in todo:
                bar.set_postfix_str(f.doc_id[-30:])
                try:
                    loaded = load_document(f, overrides, settings.user_dict)
                except UnreadableDocument as exc:
                    report.skipped[f.doc_id] = str(exc)
                    tqdm.write(f"skipped: {exc}", file=sys.stderr)
                    _forget(report, f.doc_id)
                    bar.update()
                    continue
                if loaded.furniture_kept:
                    report.furniture_kept.append(FurnitureKept(f.doc_id, loaded.furniture_kept))
                bundle = bundle_document(loaded.doc, settings)
                writer.add(bundle, loaded.furniture_kept)
                report.chunks += len(bundle.chunks)
                bar.update()
            bar.close()
            writer.commit(fingerprint(settings, dim), settings.corpus_dir, report.skipped)
        except BaseException:
            writer.abort()
            raise
    return report


def bundle_document(doc: Document, settings: Settings, embed_texts: Callable[[list[str]], np.ndarray] | None = None,
                    sentences: bool = True) -> Bundle:
    """Everything indexed for one document: chunks, their words and embeddings, and (unless `sentences` is
    False, for retrieval-only use) the embedded answer sentences. `embed_texts` replaces the model call, e.g.
    by a cache."""
    embed_texts = embed_texts or (lambda texts: embed(settings.model, texts, settings.embed_batch_size))
    chunks = chunk_document(doc, settings.chunk_size, settings.chunk_overlap)
    vectors = embed_texts([c.search_text for c in chunks])
    spans = answer_sentences(chunks) if sentences else []
    sentence_vectors = (embed_texts([to_simplified(without_speaker(doc.clean.text[s:e])) for s, e in spans])
                        if spans else np.zeros((0, vectors.shape[1]), dtype=np.float32))
    return Bundle(doc, chunks, [tokens(c.search_text, settings.user_dict) for c in chunks], vectors,
                  np.array(spans, dtype=np.int64).reshape(-1, 2), sentence_vectors)


def _forget(report: BuildReport, doc_id: str) -> None:
    for bucket in (report.added, report.changed):
        if doc_id in bucket:
            bucket.remove(doc_id)

"""Build or update the index of a corpus folder: only new or changed documents are cleaned and embedded."""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from tqdm import tqdm

from ..config import Settings
from ..ingest.corpus import CorpusFile, list_files, load_overrides, load_text, part_spans
from ..ingest.readers import UnreadableDocument, read_text
from ..models import part_id
from ..text.tokenizer import Tokenizer
from .bundling import bundle_document
from .embedding import dimension
from .staleness import fingerprint, stale_reason
from .store import Bundle, BuildWriter, current_build, locked, read_manifest
from .workers import FileOutcome, file_bytes, groups, in_workers, index_group, worker_count


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

            dims = _Dimensions(settings, manifest["dimensions"] if manifest and not reason else None)
            tokenizer = Tokenizer(settings.user_dict)  # one for the build: jieba loads once
            bar = tqdm(total=len(todo), desc="indexing", unit="doc", disable=not progress, file=sys.stderr)
            finished: set[str] = set()
            last_commit = time.monotonic()
            for outcomes in _grouped_outcomes(todo, settings, tokenizer, overrides):
                for o in outcomes:
                    bar.set_postfix_str(o.file.doc_id[-30:])
                    if o.too_large:
                        _index_file(o.file, settings, tokenizer, overrides, writer, report, progress, dims)
                    elif o.skipped:
                        _skip(writer, report, o.file.doc_id, o.skipped)
                    else:
                        writer.forget_file(o.file.doc_id)  # see _index_file
                        _add(writer, report, o.bundle, o.furniture_kept, dims)
                    finished.add(o.file.doc_id)
                    bar.update()
                if len(finished) < len(todo) and time.monotonic() - last_commit >= settings.index_checkpoint_s:
                    remaining = [f for f in todo if f.doc_id not in finished]
                    writer = _checkpoint(writer, settings, dims.value, report, old_build, old_by_file, remaining)
                    old_build, last_commit = current_build(settings.index_dir), time.monotonic()
            bar.close()
            writer.commit(fingerprint(settings, dims.value), settings.corpus_dir, report.skipped)
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


def _grouped_outcomes(todo: list[CorpusFile], settings: Settings, tokenizer: Tokenizer,
                      overrides: dict) -> Iterator[list[FileOutcome]]:
    """The files in groups embedded together: in worker processes for a large build, here for a small one."""
    batches = groups(todo)
    workers = worker_count(settings)
    if workers > 1 and len(batches) > 1 and sum(map(file_bytes, todo)) >= settings.index_parallel_min_bytes:
        yield from in_workers(batches, settings, overrides, workers)
    else:
        for batch in batches:
            yield index_group(batch, settings, tokenizer, overrides)


class _Dimensions:
    """The embeddings' width for the manifest: read off the first new bundle, so that a build whose embedding
    happens in workers never loads the model here."""

    def __init__(self, settings: Settings, known: int | None):
        self.settings, self.known = settings, known

    def see(self, bundle: Bundle) -> None:
        self.known = int(bundle.vectors.shape[1])

    @property
    def value(self) -> int:
        if self.known is None:  # nothing new was embedded, and the old build's width may not hold
            self.known = dimension(self.settings.model, self.settings.embed_runtime)
        return self.known


def _add(writer: BuildWriter, report: BuildReport, bundle: Bundle, furniture_kept: str, dims: _Dimensions,
         file: str | None = None) -> None:
    if furniture_kept:
        report.furniture_kept.append(FurnitureKept(bundle.doc.doc_id, furniture_kept))
    writer.add(bundle, furniture_kept, file=file)
    report.chunks += len(bundle.chunks)
    dims.see(bundle)


def _skip(writer: BuildWriter, report: BuildReport, doc_id: str, why: str) -> None:
    report.skipped[doc_id] = why
    tqdm.write(f"skipped: {why}", file=sys.stderr)
    writer.forget_file(doc_id)
    _forget(report, doc_id)


def _index_file(f: CorpusFile, settings: Settings, tokenizer: Tokenizer, overrides: dict, writer: BuildWriter,
                report: BuildReport, progress: bool, dims: _Dimensions) -> None:
    """Reads, cleans, chunks, embeds and writes one large file in parts, or reports it unreadable."""
    writer.forget_file(f.doc_id)  # a previous version carried over at a checkpoint, with however many parts it had
    try:
        original = read_text(f.path)
        spans = part_spans(original, settings.max_document_chars)
        # A large file gets a bar of its own, in characters: embedding it takes minutes.
        chars = tqdm(total=len(original), desc=f.doc_id[-30:], unit="char", unit_scale=True, leave=False,
                     disable=not progress, file=sys.stderr)
        for k, (start, end) in enumerate(spans, start=1):
            part = part_id(f.doc_id, k) if len(spans) > 1 else None
            loaded = load_text(f, original[start:end], overrides, tokenizer, part)
            span = end - start
            bundle = bundle_document(loaded.doc, settings, tokenizer, on_progress=lambda share: chars.update(
                max(0, round(start + share * span) - chars.n)))
            _add(writer, report, bundle, loaded.furniture_kept, dims, file=f.doc_id if part else None)
        chars.close()
    except UnreadableDocument as exc:
        _skip(writer, report, f.doc_id, str(exc))


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


def _forget(report: BuildReport, doc_id: str) -> None:
    for bucket in (report.added, report.changed):
        if doc_id in bucket:
            bucket.remove(doc_id)

"""The index on disk: a manifest, and per document its text, chunks, words and embeddings.

Layout: <index_dir>/CURRENT names the live build folder; a build is written in full into a new folder and
only then made live by replacing CURRENT, so a crash mid-build leaves the previous index untouched.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..models import Chunk, CleanText, Document, Metadata, Sentence, Span

FORMAT_VERSION = 2
# Bump when cleaning, chunking or tokenising changes what a build would contain: old indexes then rebuild.
# 7: a chunk's search text starts with its document's issuer and date too (a lone heading's with no header);
# a one-line notice's title is a paragraph of its own; furniture removed piece by piece.
# 8: a sentence's vector is pooled from its chunk's pass (the selector is fitted on such vectors).
# 9: a run-on sentence is cut at a comma or colon before an enumeration's 、.
# 10: a heading under a place's section heading carries it (湾里管理局“五项措施” · 推进……); a place label heads.
PIPELINE_VERSION = 10


class IndexUnavailable(RuntimeError):
    """The index is missing, broken or was built with other settings."""


@dataclass(frozen=True)
class Bundle:
    """Everything indexed for one document."""

    doc: Document
    chunks: list[Chunk]
    tokens: list[list[str]]
    vectors: np.ndarray  # one row per chunk
    sentence_spans: np.ndarray  # (n, 2) cleaned-text spans of the document's distinct answer sentences
    sentence_vectors: np.ndarray  # one row per sentence span


def settings_fingerprint(model: str, dim: int, chunk_size: int, chunk_overlap: int, user_dict: Path) -> dict:
    return {
        "format": FORMAT_VERSION,
        "pipeline": PIPELINE_VERSION,
        "model": model,
        "dimensions": dim,
        "chunk_size": chunk_size,
        "chunk_overlap": chunk_overlap,
        "user_dict_sha256": hashlib.sha256(user_dict.read_bytes()).hexdigest() if user_dict.exists() else "",
    }


def _key(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:20]


def current_build_name(index_dir: Path) -> str:
    """The live build's folder name ("" when there is none): a new name for every build, so a server reading
    it every few seconds knows when to load a new knowledge base (one small file read, no manifest parse)."""
    try:
        return (index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def current_build(index_dir: Path) -> Path | None:
    name = current_build_name(index_dir)
    if not name:
        return None
    build = index_dir / name
    return build if (build / "manifest.json").exists() else None


def read_manifest(index_dir: Path) -> dict | None:
    build = current_build(index_dir)
    return json.loads((build / "manifest.json").read_text(encoding="utf-8")) if build else None


@contextlib.contextmanager
def locked(index_dir: Path):
    """One writer at a time: a second `policybot index` waits for the first."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


class BuildWriter:
    """Writes a new build folder; `commit` makes it live and removes older builds."""

    def __init__(self, index_dir: Path):
        self.index_dir = index_dir
        # A unique folder: two builds within one second (an update right after a build) must not share one.
        self.path = Path(tempfile.mkdtemp(prefix=f"build-{time.strftime('%Y%m%d-%H%M%S')}-", dir=index_dir))
        self.path.chmod(0o755)  # mkdtemp's folder is private; servers running as another user read the index
        self.name = self.path.name
        (self.path / "docs").mkdir()
        self.docs: dict[str, dict] = {}

    def add(self, bundle: Bundle, furniture_kept: str = "", file: str | None = None) -> None:
        """`furniture_kept`: why the document was indexed with its page furniture, recorded in its entry;
        `file`: the file a part of a large file came from."""
        key = _key(bundle.doc.doc_id)
        payload = {"doc": _doc_to_json(bundle.doc), "chunks": [asdict(c) for c in bundle.chunks], "tokens": bundle.tokens}
        json_path, npz_path = self.path / "docs" / f"{key}.json", self.path / "docs" / f"{key}.npz"
        for path in (json_path, npz_path):
            # The folder may hold a hard link to a live build's file (an older version carried over at a
            # checkpoint): writing through it would change the live index, so the link goes first.
            path.unlink(missing_ok=True)
        json_path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        np.savez(npz_path, chunks=bundle.vectors.astype(np.float32), sentence_spans=bundle.sentence_spans.astype(np.int64),
                 sentences=bundle.sentence_vectors.astype(np.float32))
        entry = {"hash": bundle.doc.content_hash, "chunks": len(bundle.chunks), "key": key}
        if file:
            entry["file"] = file
        self.docs[bundle.doc.doc_id] = {**entry, "furniture_kept": furniture_kept} if furniture_kept else entry

    def forget_file(self, file: str) -> None:
        """Drops every entry of a file (its parts written before it turned out unreadable, or older versions)."""
        for doc_id in [d for d, e in self.docs.items() if e.get("file", d) == file]:
            del self.docs[doc_id]

    def reuse(self, old_build: Path, doc_id: str, entry: dict) -> None:
        """Carry an unchanged document over from the previous build without re-embedding it."""
        for suffix in (".json", ".npz"):
            src, dst = old_build / "docs" / f"{entry['key']}{suffix}", self.path / "docs" / f"{entry['key']}{suffix}"
            dst.unlink(missing_ok=True)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        self.docs[doc_id] = entry

    def commit(self, fingerprint: dict, corpus_dir: Path, skipped: dict[str, str]) -> None:
        manifest = {**fingerprint, "corpus": str(corpus_dir), "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "documents": self.docs, "skipped": skipped}
        keys = {e["key"] for e in self.docs.values()}
        for stale in (self.path / "docs").iterdir():  # parts a file no longer has, versions replaced since a checkpoint
            if stale.stem not in keys:
                stale.unlink(missing_ok=True)
        _write_atomic(self.path / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
        _write_atomic(self.index_dir / "CURRENT", self.name)
        # Safe while servers hold knowledge bases of older builds: loading reads every file into memory (no
        # memory maps, no lazy reads), and a load that loses its build half-way starts again (load_bundles).
        for old in self.index_dir.glob("build-*"):
            if old.name != self.name:
                shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def indexed_at(index_dir: Path, build: str, entry: dict) -> str:
    """When this version of a document was indexed: its file's time in the build, which later builds keep (they
    carry an unchanged document over as a hard link or a copy with its times, `reuse`); "" when it is gone."""
    try:
        seconds = (index_dir / build / "docs" / f"{entry['key']}.json").stat().st_mtime
    except (OSError, KeyError):
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(seconds))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


@dataclass(frozen=True)
class LoadedBuild:
    name: str  # the build's folder, as CURRENT names it
    manifest: dict
    bundles: list[Bundle]


def load_bundles(index_dir: Path, attempts: int = 3) -> LoadedBuild:
    """The live build, read wholly into memory. A `policybot index` that commits meanwhile removes the build
    being read: then the new one is read instead."""
    for attempt in range(attempts):
        build = current_build(index_dir)
        if build is None:
            raise IndexUnavailable(f"no index in {index_dir}: run `policybot index` (or `make run`) first")
        try:
            return LoadedBuild(build.name, *_read_build(build))
        except IndexUnavailable:
            if attempt + 1 == attempts or current_build_name(index_dir) == build.name:
                raise  # damaged, not replaced
    raise AssertionError("unreachable")


def _read_build(build: Path) -> tuple[dict, list[Bundle]]:
    try:
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"index {build} has no readable manifest: {exc}; run `policybot index --rebuild`") from exc
    bundles = []
    for doc_id, entry in sorted(manifest["documents"].items()):
        try:
            payload = json.loads((build / "docs" / f"{entry['key']}.json").read_text(encoding="utf-8"))
            with np.load(build / "docs" / f"{entry['key']}.npz") as arrays:  # closed: a removed build frees its space
                vectors, spans, sentences = arrays["chunks"], arrays["sentence_spans"], arrays["sentences"]
        except (OSError, ValueError, KeyError) as exc:
            raise IndexUnavailable(f"index {build} is damaged at {doc_id}: {exc}; run `policybot index --rebuild`") from exc
        bundles.append(Bundle(_doc_from_json(payload["doc"]), [_chunk_from_json(c) for c in payload["chunks"]],
                              payload["tokens"], vectors, spans, sentences))
    return manifest, bundles


def _doc_to_json(doc: Document) -> dict:
    return {
        "doc_id": doc.doc_id, "original": doc.original, "content_hash": doc.content_hash, "meta": asdict(doc.meta),
        "clean": {"text": doc.clean.text, "to_original": list(doc.clean.to_original),
                  "garbled": [asdict(s) for s in doc.clean.garbled], "captions": [asdict(s) for s in doc.clean.captions]},
    }


def _doc_from_json(d: dict) -> Document:
    c = d["clean"]
    clean = CleanText(c["text"], tuple(c["to_original"]), tuple(Span(**s) for s in c["garbled"]),
                      tuple(Span(**s) for s in c["captions"]))
    meta = Metadata(**{**d["meta"], "places": tuple(d["meta"]["places"])})
    return Document(d["doc_id"], d["original"], clean, meta, d["content_hash"])


def _chunk_from_json(d: dict) -> Chunk:
    return Chunk(**{**d, "sentences": tuple(Sentence(**s) for s in d["sentences"])})

"""Documents staff add or remove from the staff page: a file's name made safe for the corpus folder, its content
checked by the same reader the indexer uses (so that a file the index would skip is refused with the reason at
once), and written atomically; removal only of a file the corpus lists. Nothing is written outside the corpus
folder: every path is resolved and checked to sit directly inside it (or, for removal, under it)."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
MAX_FILES = 20  # per upload
MAX_NAME_CHARS = 100
# Kept in a name: letters and digits of any script (Chinese included), and - _ . ( ) （ ）; the rest becomes _.
_UNSAFE = re.compile(r"[^\w\-.()（）]+")
RESERVED = {"readme.md"}
T = TypeVar("T")  # the corpus folder's own notes, never indexed


class UploadRefused(ValueError):
    """Why one uploaded file was not added, for the page to show."""


@dataclass(frozen=True)
class Added:
    name: str  # as written into the corpus folder
    replaced: bool  # a document of that name was there before: this is its new version
    chars: int  # of text the reader found


def read_as_file(file_name: str, data: bytes, read: Callable[[Path], T]) -> T:
    """`read` of the bytes written to a private temporary file named `file_name` (readers work on files and
    judge them by their extension); the file is gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="policybot-upload-") as folder:
        path = Path(folder) / file_name
        path.write_bytes(data)
        return read(path)


def checked_suffix_name(uploaded: str, suffixes) -> str:
    """A fixed file name with the upload's extension when it is one of `suffixes` (else one no reader takes)."""
    suffix = Path(uploaded).suffix.lower()
    return f"upload{suffix if suffix in suffixes else '.unsupported'}"


def safe_name(uploaded: str) -> str:
    """The file name an upload is stored under: its last path component, NFC, no control characters, unsafe
    characters as _, no leading dots, at most MAX_NAME_CHARS with its suffix kept; the suffix lower-cased."""
    from knowledge.ingest.readers import SUPPORTED_SUFFIXES

    base = re.split(r"[\\/]", unicodedata.normalize("NFC", uploaded))[-1]
    base = "".join(c for c in base if c.isprintable())
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（没有扩展名）"
        raise UploadRefused(f"{uploaded[:80]}: 不支持 {shown} 文件，只收 {'、'.join(SUPPORTED_SUFFIXES)}。"
                            f" Only {', '.join(SUPPORTED_SUFFIXES)} files are indexed.")
    stem = _UNSAFE.sub("_", stem).strip("._ ")[:MAX_NAME_CHARS - len(suffix)] or "document"
    name = stem + suffix
    if name.lower() in RESERVED:
        name = "upload-" + name
    return name


def add(corpus_dir: Path, uploaded_name: str, data: bytes) -> Added:
    """Checks and writes one upload into the corpus folder; UploadRefused says why not."""
    from knowledge.ingest.readers import UnreadableDocument, read_text

    name = safe_name(uploaded_name)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UploadRefused(f"{name}: 文件太大（最大 {MAX_DOCUMENT_BYTES // 2**20} MB）。"
                            f" Larger than {MAX_DOCUMENT_BYTES // 2**20} MB.")
    target = _inside(corpus_dir, corpus_dir / name)
    try:
        text = read_as_file(name, data, read_text)
    except UnreadableDocument as exc:
        raise UploadRefused(f"{name}: {exc.reason}") from exc
    replaced = target.exists()
    # Written beside the target under a dot name (the corpus listing skips those), then renamed: the indexer
    # never sees half a file.
    part = target.with_name(f".{name}.{os.getpid()}.part")
    part.write_bytes(data)
    os.replace(part, target)
    return Added(name, replaced, len(text))


def remove(corpus_dir: Path, doc_id: str) -> Path:
    """Deletes the corpus file of `doc_id` (a path relative to the corpus folder, as the index names it)."""
    from knowledge.ingest.corpus import list_files

    listed = {f.doc_id: f.path for f in list_files(corpus_dir)}
    if doc_id not in listed:
        raise UploadRefused(f"{doc_id[:120]}: 文件夹里没有这份文件（可能已经删除）。 No such document in the corpus folder.")
    path = _inside(corpus_dir, listed[doc_id], directly=False)
    path.unlink()
    return path


def _inside(corpus_dir: Path, path: Path, directly: bool = True) -> Path:
    root, resolved = corpus_dir.resolve(), path.resolve()
    ok = resolved.parent == root if directly else root in resolved.parents
    if not ok:
        raise UploadRefused(f"{path.name}: 不在文档文件夹内，已拒绝。 Refused: outside the corpus folder.")
    return resolved

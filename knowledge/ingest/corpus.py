"""A folder of files -> Documents (read, cleaned, described), with a message for each file that could not be read."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..models import Document
from ..text.tokenizer import Tokenizer
from .cleaning import clean_document
from .metadata import extract_metadata
from .readers import SUPPORTED_SUFFIXES, UnreadableDocument

METADATA_FILE = "metadata.json"  # optional: {"<doc_id>": {"title", "date", "source", "issuer", "places", "kind"}}


@dataclass(frozen=True)
class CorpusFile:
    doc_id: str
    path: Path
    content_hash: str


def list_files(corpus_dir: Path, overrides: dict[str, dict] | None = None) -> list[CorpusFile]:
    """Supported files under the folder; a document's hash covers its metadata overrides too, so editing
    metadata.json re-indexes exactly the documents it changes."""
    if not corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus folder {corpus_dir} does not exist: pass --corpus DIR with your documents")
    files = []
    for path in sorted(p for p in corpus_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() in SUPPORTED_SUFFIXES and not path.name.startswith(".") and path.name != "README.md":
            doc_id = path.relative_to(corpus_dir).as_posix()
            extra = json.dumps((overrides or {}).get(doc_id), ensure_ascii=False, sort_keys=True).encode()
            files.append(CorpusFile(doc_id, path, _hash(path.read_bytes() + extra)))
    return files


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_overrides(corpus_dir: Path) -> dict[str, dict]:
    path = corpus_dir / METADATA_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); fix or remove the file") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected an object mapping file names to metadata")
    return data


@dataclass(frozen=True)
class LoadedDocument:
    doc: Document
    furniture_kept: str = ""  # what happened and what to do, when page furniture was left in its text


_FURNITURE_KEPT_ADVICE = ("indexed with the furniture left in, so nothing is lost: if the file is a listing or "
                          "navigation page, remove it from the corpus; if the quoted piece is the document's own "
                          "text, report it as a cleaning bug (knowledge/ingest/furniture.py)")


def load_text(file: CorpusFile, original: str, overrides: dict[str, dict], tokenizer: Tokenizer,
              doc_id: str | None = None) -> LoadedDocument:
    """A document from the text read from a file: the whole file, or one part of a large one (`doc_id`
    "name#2"). Raises UnreadableDocument naming the file when it holds no text."""
    cleaned = clean_document(original)
    if not cleaned.clean.text.strip():
        raise UnreadableDocument(file.path, "no text in it once invisible characters and mojibake are removed; "
                                            "check the file's content")
    meta = extract_metadata(doc_id or file.doc_id, original, cleaned.clean, tokenizer, overrides.get(file.doc_id))
    notice = f"{cleaned.furniture_kept}; {_FURNITURE_KEPT_ADVICE}" if cleaned.furniture_kept else ""
    return LoadedDocument(Document(doc_id or file.doc_id, original, cleaned.clean, meta, file.content_hash), notice)


def part_spans(text: str, max_chars: int) -> list[tuple[int, int]]:
    """[start, end) spans of at most max_chars characters that together cover the text, each ending at a
    line end (else a sentence end) near its limit, so that no paragraph is cut when one can be kept whole."""
    spans, start = [], 0
    while len(text) - start > max_chars:
        window = text[start + max_chars // 2:start + max_chars]
        cut = max(window.rfind("\n"), max(window.rfind(m) for m in "。！？；"))
        end = start + max_chars // 2 + cut + 1 if cut >= 0 else start + max_chars
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return spans

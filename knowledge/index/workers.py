"""Indexing files in groups, in this process or in worker processes side by side, one per core.

A group is read, cleaned and chunked, and all its texts are embedded in one call (`bundle_documents`). Workers
run torch on one thread each and also clean and segment their own files, so every core works all the time; torch's
own threads wait for each other, and on a busy machine one batch took 76 s on two threads against 15 s on one."""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
from dataclasses import dataclass
from typing import Iterator

from ..config import Settings
from ..ingest.corpus import CorpusFile, load_text
from ..ingest.readers import UnreadableDocument, read_text
from ..text.tokenizer import Tokenizer
from .bundling import bundle_documents
from .store import Bundle

# A file this long, or longer than settings.max_document_chars (it is then indexed in parts), is indexed on its
# own, with a progress bar of its own in characters, rather than in a group.
LARGE_FILE_CHARS = 200_000
# A group of about this many bytes of files (8,000 characters of Chinese): enough texts for full batches of
# similar lengths, few enough that finished documents reach the index (and its checkpoints) every few seconds.
GROUP_BYTES = 24_000


@dataclass
class FileOutcome:
    """What became of one file of a group: its bundle, why it could not be read, or that it is too large for a
    group (it is then indexed on its own, in parts, with a progress bar of its own)."""

    file: CorpusFile
    bundle: Bundle | None = None
    furniture_kept: str = ""
    skipped: str = ""
    too_large: bool = False


def index_group(files: list[CorpusFile], settings: Settings, tokenizer: Tokenizer, overrides: dict) -> list[FileOutcome]:
    outcomes, loaded = [], []
    for f in files:
        try:
            original = read_text(f.path)
            if len(original) >= LARGE_FILE_CHARS or len(original) > settings.max_document_chars:
                outcomes.append(FileOutcome(f, too_large=True))
                continue
            loaded.append((f, load_text(f, original, overrides, tokenizer)))
        except UnreadableDocument as exc:
            outcomes.append(FileOutcome(f, skipped=str(exc)))
    bundles = bundle_documents([doc.doc for _, doc in loaded], settings, tokenizer)
    outcomes += [FileOutcome(f, bundle, doc.furniture_kept) for (f, doc), bundle in zip(loaded, bundles)]
    return outcomes


def groups(files: list[CorpusFile], group_bytes: int = GROUP_BYTES) -> list[list[CorpusFile]]:
    """Consecutive files in groups of about `group_bytes`."""
    out: list[list[CorpusFile]] = []
    size = group_bytes
    for f in files:
        if size >= group_bytes:
            out.append([])
            size = 0
        out[-1].append(f)
        size += file_bytes(f)
    return out


def worker_count(settings: Settings) -> int:
    return settings.index_workers or len(os.sched_getaffinity(0))


def in_workers(batches: list[list[CorpusFile]], settings: Settings, overrides: dict,
               workers: int) -> Iterator[list[FileOutcome]]:
    """The outcomes of each group as soon as a worker has finished it (not in the groups' order). Leaving the
    iteration early (an error, Ctrl-C) ends the workers at once."""
    # spawn, not fork: a forked child would inherit torch's thread pools and whatever locks this process holds.
    context = multiprocessing.get_context("spawn")
    with context.Pool(min(workers, len(batches)), initializer=_start_worker,
                      initargs=(settings, overrides)) as pool:
        yield from pool.imap_unordered(_index_in_worker, batches)


# A worker's own settings, tokenizer and overrides, set once when it starts: a pool's tasks can only reach
# what their process holds, and jieba's dictionary should load once per worker, not once per group.
_worker: dict = {}


def _start_worker(settings: Settings, overrides: dict) -> None:
    # Ctrl-C reaches the whole process group: the indexing process alone handles it (and ends the workers).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import jieba
    import torch
    from transformers.utils import logging as transformers_logging

    jieba.setLogLevel(logging.WARNING)  # every worker would print jieba's and the model's loading lines
    transformers_logging.disable_progress_bar()
    torch.set_num_threads(1)
    _worker.update(settings=settings, overrides=overrides, tokenizer=Tokenizer(settings.user_dict))


def _index_in_worker(files: list[CorpusFile]) -> list[FileOutcome]:
    return index_group(files, _worker["settings"], _worker["tokenizer"], _worker["overrides"])


def file_bytes(f: CorpusFile) -> int:
    try:
        return f.path.stat().st_size
    except OSError:
        return 0  # gone since it was listed: reading it will say so

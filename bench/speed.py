"""Index build (chunks per second, peak memory) and answer latency in process."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from knowledge.answer.answering import answer_question
from knowledge.answer.knowledge_base import KnowledgeBase, answering_threads
from knowledge.config import PROJECT_ROOT, Settings
from knowledge.index.lexical import LexicalIndex
from knowledge.index.store import load_bundles
from knowledge.text.tokenizer import Tokenizer

from .datasets import Passage
from .timing import timing
from .replicate import replicate_bundles


def build_probe(corpus: Path, env: dict[str, str] | None = None) -> dict:
    """The product's full index build (chunk and sentence embeddings) of `corpus`, from scratch, in its own
    process so that its peak memory is its own; `env` sets POLICYBOT_* settings for that process."""
    with tempfile.TemporaryDirectory(prefix="bench-index-") as index_dir:
        return build_probe_into(corpus, Path(index_dir), env)


def build_probe_into(corpus: Path, index_dir: Path, env: dict[str, str] | None = None) -> dict:
    """build_probe, leaving the index in `index_dir`."""
    out = subprocess.run([sys.executable, "-m", "bench.build_probe", "--corpus", str(corpus), "--index-dir", str(index_dir)],
                         cwd=PROJECT_ROOT, capture_output=True, text=True,
                         env={**os.environ, "TOKENIZERS_PARALLELISM": "false", **(env or {})})
    if out.returncode != 0:
        raise RuntimeError(f"bench.build_probe failed on {corpus}: {out.stderr[-2000:]}")
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["chunks_per_s"] = round(row["chunks"] / row["build_s"], 2) if row["build_s"] else None
    return row


def pooled_build(passages: list[Passage]) -> dict:
    """`build_probe` on a folder of CMRC+DRCD passages written as .txt files."""
    with tempfile.TemporaryDirectory(prefix="bench-corpus-") as folder:
        for p in passages:
            Path(folder, f"{p.passage_id}.txt").write_text(p.text, encoding="utf-8")
        row = build_probe(Path(folder))
    row["passages"] = len(passages)
    return row


def bm25_build(texts: list[str], settings: Settings) -> dict:
    """The lexical side alone (jieba words + BM25 index), in process: the cost a BM25-only system pays."""
    tokenizer = Tokenizer(settings.user_dict)
    tokenizer.words("载入")  # jieba's dictionaries load outside the timing
    started = time.perf_counter()
    toks = [tokenizer.words(t) for t in texts]
    LexicalIndex(toks)
    seconds = time.perf_counter() - started
    return {"chunks": len(texts), "build_s": round(seconds, 2), "chunks_per_s": round(len(texts) / seconds, 1)}


def answer_latency(kb: KnowledgeBase, questions: list[str], repeats: int, desc: str) -> dict:
    """answer_question per question; the knowledge base's question-embedding cache is cleared before each call
    so that every repeat pays for embedding its question as a new question would."""
    answer_question(kb, questions[0])  # warm: model and dictionaries loaded
    seconds = []
    for _ in tqdm(range(repeats), desc=desc, leave=False):
        for q in questions:
            kb._embed_cached.cache_clear()
            started = time.perf_counter()
            answer_question(kb, q)
            seconds.append(time.perf_counter() - started)
    return timing(seconds)


def answer_latency_cached_question(kb: KnowledgeBase, questions: list[str], repeats: int) -> dict:
    """The same answers with every question's embedding already cached: what answering costs besides embedding
    the question."""
    for q in questions:
        answer_question(kb, q)
    seconds = []
    for _ in range(repeats):
        for q in questions:
            started = time.perf_counter()
            answer_question(kb, q)
            seconds.append(time.perf_counter() - started)
    return timing(seconds)


def question_embedding(model: str, questions: list[str]) -> dict:
    """Embedding one question, with torch's default intra-op threads and with one thread: on a busy machine
    the threads of one call wait for each other."""
    import torch

    from knowledge.index.embedding import embed

    default = torch.get_num_threads()
    out = {}
    try:
        for threads in (default, 1):
            torch.set_num_threads(threads)
            embed(model, [questions[0]])
            seconds = []
            for q in questions:
                started = time.perf_counter()
                embed(model, [q + "？"])  # not a text embedded before: no cache anywhere in the way
                seconds.append(time.perf_counter() - started)
            out[f"threads_{threads}"] = timing(seconds)
    finally:
        torch.set_num_threads(default)
    return out


def answer_probe(questions: Path, chunks: int, repeats: int, embedding: bool = False) -> dict:
    """`bench.answer_probe` in its own process: the default knowledge base (or its replica of `chunks` chunks)."""
    cmd = [sys.executable, "-m", "bench.answer_probe", "--questions", str(questions), "--chunks", str(chunks),
           "--repeats", str(repeats)] + (["--embedding"] if embedding else [])
    out = subprocess.run(cmd, cwd=PROJECT_ROOT, capture_output=True, text=True,
                         env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if out.returncode != 0:
        raise RuntimeError(f"bench.answer_probe --chunks {chunks} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def replicated_kb(settings: Settings, chunks: int) -> KnowledgeBase:
    """The default corpus's own index copied (vectors perturbed) to about `chunks` chunks: the same answering
    work as in production, on a knowledge base of that size."""
    bundles = load_bundles(settings.index_dir).bundles
    answering_threads()  # as KnowledgeBase.load does for the action server
    return KnowledgeBase(settings, replicate_bundles(bundles, chunks))

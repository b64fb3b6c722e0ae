"""Issue 12's corpora at scale: every real passage at hand as a document of its own (CMRC 2018 dev and trial,
DRCD dev and test, the Taipei FAQ answers: 4,935 documents) and 20,000 documents each made of two different
passages joined (no two documents the same pair). For each: the product's full index build from scratch (time,
peak memory, size on disk), then a process holding only that knowledge base answers dev-set questions (CMRC and
DRCD dev) about passages in it: latency, resident memory, and whether the first citation and the answer text
find the gold passage and span."""
from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

from knowledge.config import PROJECT_ROOT

from .datasets import load_dataset
from .speed import build_probe_into

REAL_SETS = ("cmrc2018", "cmrc2018_trial", "drcd", "drcd_test")
MEASURED_SETS = ("cmrc2018", "drcd")  # questions are asked from the dev sets only
FAQ_FILE = "taipei_faq/faq.jsonl"
JOINED_DOCUMENTS = 20_000
QUESTIONS_PER_SET = 100
KEPT = PROJECT_ROOT / "var" / "bench-scale"  # each corpus and its index, kept for answering_again


def real_documents(eval_dir: Path) -> dict[str, str]:
    """Document name -> text: each passage under its article's title, each Taipei answer under its department."""
    docs: dict[str, str] = {}
    for name in REAL_SETS:
        for p in load_dataset(eval_dir, name).passages:
            docs[_passage_doc(name, p.passage_id)] = f"{p.title}\n\n{p.text.strip()}\n" if p.title else p.text.strip() + "\n"
    for line in (eval_dir / FAQ_FILE).read_text(encoding="utf-8").splitlines():
        if line.strip():
            pair = json.loads(line)
            docs[f"taipei-{pair['id']}.txt"] = f"{pair['dept'].strip()}\n\n{pair['answer'].strip()}\n"
    return docs


def joined_documents(real: dict[str, str], count: int = JOINED_DOCUMENTS, seed: int = 0) -> tuple[dict[str, str], dict[str, list[str]]]:
    """`count` documents of two different real documents each, no pair twice; also which joined documents hold
    each real one (a question about a passage is answered by any of them)."""
    names = sorted(real)
    rng = random.Random(seed)
    pairs: set[tuple[int, int]] = set()
    if count > len(names) * (len(names) - 1):
        raise ValueError(f"{count} joined documents need more than {len(names)} passages")
    while len(pairs) < count:
        a, b = rng.randrange(len(names)), rng.randrange(len(names))
        if a != b:
            pairs.add((a, b))
    docs, holders = {}, {}
    for k, (a, b) in enumerate(sorted(pairs)):
        name = f"joined-{k:05d}.txt"
        docs[name] = real[names[a]].rstrip() + "\n\n" + real[names[b]]
        for part in (names[a], names[b]):
            holders.setdefault(part, []).append(name)
    return docs, holders


def questions(eval_dir: Path, seed: int = 0) -> list[dict]:
    """Dev questions with their passage's document name and the gold answer text."""
    out = []
    for name in MEASURED_SETS:
        data = load_dataset(eval_dir, name)
        picked = random.Random(seed).sample(data.questions, QUESTIONS_PER_SET)
        out += [{"question": q.text, "doc": _passage_doc(name, q.passage_id), "answer": q.answer, "set": name}
                for q in picked]
    return out


def at_scale(eval_dir: Path, joined: int = JOINED_DOCUMENTS) -> dict:
    real = real_documents(eval_dir)
    asked = questions(eval_dir)
    joined_docs, holders = joined_documents(real, joined)
    corpora = {"real": (real, {q["doc"]: [q["doc"]] for q in asked}),
               "joined": (joined_docs, {q["doc"]: holders.get(q["doc"], []) for q in asked})}
    out = {"questions": len(asked), "load_average_at_start": os.getloadavg()[0]}
    for label, (docs, gold) in corpora.items():
        out[label] = _measure(docs, [{**q, "gold": gold[q["doc"]]} for q in asked], KEPT / label)
        # Each corpus takes a long time: its figures are kept as soon as they are measured.
        (KEPT / label / "result.json").write_text(json.dumps(out[label], ensure_ascii=False, indent=1), encoding="utf-8")
    return out


def answering_again(label: str) -> dict:
    """The answering probe alone, on the corpus and index an earlier at_scale run kept under var/ (to measure
    latency again on a quieter machine without building again)."""
    folder = KEPT / label
    if not (folder / "index").is_dir():
        raise FileNotFoundError(f"{folder / 'index'} not found: run `python -m bench --only at_scale` first")
    return _probe(folder / "corpus", folder / "index", folder / "questions.json")


def _measure(docs: dict[str, str], asked: list[dict], folder: Path) -> dict:
    """Built from scratch in `folder` (kept afterwards, for answering_again)."""
    shutil.rmtree(folder, ignore_errors=True)
    corpus, index = folder / "corpus", folder / "index"
    corpus.mkdir(parents=True)
    for name, text in docs.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build = build_probe_into(corpus, index)
    size = sum(f.stat().st_size for f in index.rglob("*") if f.is_file())
    (folder / "questions.json").write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")
    answers = _probe(corpus, index, folder / "questions.json")
    chars = sum(map(len, docs.values()))
    return {"documents": len(docs), "chars": chars, "build": build,
            "chars_per_s": round(chars / build["build_s"]) if build["build_s"] else None,
            "index_mb_on_disk": round(size / 2**20, 1), "answering": answers}


def _probe(corpus: Path, index: Path, asked: Path) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.scale_probe", "--corpus", str(corpus), "--index-dir", str(index),
                          "--questions", str(asked)], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         env={**os.environ, "TOKENIZERS_PARALLELISM": "false"})
    if out.returncode != 0:
        raise RuntimeError(f"bench.scale_probe failed on {index}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _passage_doc(dataset: str, passage_id: str) -> str:
    return f"{dataset}-{passage_id}.txt"

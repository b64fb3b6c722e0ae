"""Run in a subprocess by bench.at_scale: a process holding only one knowledge base (as the action server does)
answers questions about it. Prints JSON: latency (each question embedded anew, and again with its embedding
cached), resident memory, and how often the first citation is a gold document and the answer text holds the
gold answer."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from knowledge.answer.answering import answer_question
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import load_settings

from .timing import timing


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index-dir", required=True)
    parser.add_argument("--questions", required=True, help="JSON list of {question, gold: [doc names], answer}")
    args = parser.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    settings = load_settings().replace(corpus_dir=Path(args.corpus), index_dir=Path(args.index_dir))
    started = time.perf_counter()
    kb = KnowledgeBase.load(settings)
    loaded_s = time.perf_counter() - started
    asked = json.loads(Path(args.questions).read_text(encoding="utf-8"))
    answer_question(kb, asked[0]["question"])  # warm: model and dictionaries loaded
    anew, cached, first_gold, holds, answered = [], [], 0, 0, 0
    for q in asked:
        kb._embed_cached.cache_clear()
        t0 = time.perf_counter()
        answer = answer_question(kb, q["question"])
        anew.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        answer_question(kb, q["question"])
        cached.append(time.perf_counter() - t0)
        answered += answer.answered
        first_gold += bool(answer.citations) and answer.citations[0].doc_id in q["gold"]
        holds += answer.answered and q["answer"] in answer.answer
    n = len(asked)
    print(json.dumps({"chunks": len(kb.chunks), "dense_index": kb.dense.kind, "load_s": round(loaded_s, 1),
                      "rss_mb": _rss_mb(), "question_embedded_anew": timing(anew), "question_embedding_cached": timing(cached),
                      "answered": round(answered / n, 3), "first_citation_gold": round(first_gold / n, 3),
                      "answer_holds_gold": round(holds / n, 3)}))
    return 0


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


if __name__ == "__main__":
    sys.exit(main())

"""Run in a subprocess by the benchmark: in-process answer latency in a process that holds only the knowledge
base, as the action server does (the benchmark's own process holds several other corpora, whose heap slows
Python's garbage collector and would inflate the figures). Prints JSON."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import load_settings
from knowledge.evaluation.expectations import load_expectations

from . import speed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", required=True, help="dev_questions.jsonl")
    parser.add_argument("--chunks", type=int, default=0, help="replicate the default index to this many (0: as is)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--embedding", action="store_true", help="also time embedding one question alone")
    args = parser.parse_args()
    import jieba

    jieba.setLogLevel(logging.WARNING)
    settings = load_settings()
    kb = speed.replicated_kb(settings, args.chunks) if args.chunks else KnowledgeBase.load(settings)
    questions = [e.question for e in load_expectations(Path(args.questions)) if e.doc is not None]
    out = {"chunks": len(kb.chunks), "dense_index": kb.dense.kind,
           "question_embedded_anew": speed.answer_latency(kb, questions, args.repeats, "answers"),
           "question_embedding_cached": speed.answer_latency_cached_question(kb, questions, args.repeats)}
    if args.embedding:
        out["question_embedding"] = speed.question_embedding(settings.model, questions)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

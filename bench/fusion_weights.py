"""python -m bench.fusion_weights: how `search.Fusion`'s weights were chosen, on the fitting sets only.

CMRC 2018 trial and DRCD test (never the dev sets the benchmark reports, never the Taipei FAQ), a fixed seeded
sample of each, their passages indexed twice: without titles (as the retrieval benchmark does) and with their
article's title as the document's title (documents that know what they are about, as policy notices do). Gold
is the chunk holding the answer span. Prints R@1 and MRR@10 of each weighting, best mean MRR@10 first."""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from knowledge.answer.knowledge_base import Fusion
from knowledge.config import PROJECT_ROOT, load_settings
from knowledge.index.document_index import DocumentIndex

from .cache import EmbeddingCache
from .datasets import load_dataset, sample
from .retrieval import evaluate
from .systems import PolicybotCorpus

FITTING = ("cmrc2018_trial", "drcd_test")
DOCUMENT = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
LEXICAL_SHARE = (0.5, 0.6, 0.7)  # of what the document weight leaves, the rest going to dense


def grid() -> list[Fusion]:
    return [Fusion(lexical=round((1 - d) * s, 4), dense=round((1 - d) * (1 - s), 4), document=d)
            for d in DOCUMENT for s in LEXICAL_SHARE]


def sweep(eval_dir: Path, cache_dir: Path, passages: int, questions: int) -> dict[Fusion, list[dict]]:
    settings = load_settings()
    cache = EmbeddingCache(cache_dir, settings.model, precision=settings.embed_precision)
    runs: dict[Fusion, list[dict]] = {f: [] for f in grid()}
    for name in FITTING:
        ds = sample(load_dataset(eval_dir, name), passages, questions)
        texts = [q.text for q in ds.questions]
        for titled in (False, True):
            corpus = PolicybotCorpus.of_passages(ds.passages, settings, cache, name, titled)
            for fusion in runs:
                corpus.kb.fusion = fusion
                runs[fusion].append(evaluate(corpus, ("fusion",), ds.questions, texts, True,
                                             f"{name} {fusion}")["fusion"])
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fusion_weights", description=__doc__)
    parser.add_argument("--eval-dir", default=os.environ.get("POLICYBOT_EVAL_DIR",
                                                             str(PROJECT_ROOT.parent / "shared" / "eval")))
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "bench-cache"), help="embedding cache")
    parser.add_argument("--passages", type=int, default=300)
    parser.add_argument("--questions", type=int, default=600)
    parser.add_argument("--document-k1", type=float, default=DocumentIndex.K1,
                        help="BM25 k1 of the document-level index (knowledge/index/document_index.py)")
    args = parser.parse_args(argv)
    DocumentIndex.K1 = args.document_k1
    import jieba

    jieba.setLogLevel(logging.WARNING)
    runs = sweep(Path(args.eval_dir), Path(args.cache_dir), args.passages, args.questions)
    header = [f"{n} {t}" for n in FITTING for t in ("plain", "titled")]
    print("| lexical | dense | document | mean R@1 | mean MRR@10 | " + " | ".join(f"{h} MRR@10" for h in header) + " |")
    print("|" + "---|" * (5 + len(header)))
    for fusion, rows in sorted(runs.items(), key=lambda fr: -sum(r["mrr@10"] for r in fr[1])):
        mean_r1 = sum(r["recall@1"] for r in rows) / len(rows)
        mean_mrr = sum(r["mrr@10"] for r in rows) / len(rows)
        shipped = " (shipped)" if fusion == Fusion() else ""
        print(f"| {fusion.lexical}{shipped} | {fusion.dense} | {fusion.document} | {mean_r1:.4f} | {mean_mrr:.4f} | "
              + " | ".join(f"{r['mrr@10']:.4f}" for r in rows) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The benchmark run: every measurement in one process (heavy parts in subprocesses), one results dict."""
from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import Settings
from knowledge.evaluation.expectations import load_expectations
from knowledge.index.building import build_index
from knowledge.text.script import to_simplified

from . import devset, multidoc, retrieval, scaling, speed
from .at_scale import at_scale
from .index_speed import index_speed
from .answers import answer_quality, fitting_figures
from .cache import EmbeddingCache
from .datasets import load_dataset, sample
from .systems import LABELS, ChatchatCorpus, PolicybotCorpus


@dataclass(frozen=True)
class Plan:
    """How much of everything one run measures."""

    passages: int | None  # per dataset, a fixed seeded sample; None: all
    questions: int | None  # per dataset
    off_topic: int  # CMRC and DRCD questions each, asked of the policy corpus for calibration
    pooled_build_passages: int  # per dataset, for the full index-build probe
    default_build: bool
    answer_repeats: int
    answer_sizes: tuple[int, ...]  # chunks of the replicated policy corpus for in-process answer latency
    scaling_sizes: tuple[int, ...]
    scaling_questions: int
    rasa: bool
    rasa_repeats: int
    faq_documents: int | None = None  # Taipei FAQ pairs for multi-document retrieval, a fixed seeded sample; None: all
    selection_passages: int | None = None  # per dataset, for answer-sentence accuracy (None: every dev passage)
    end_to_end_questions: int | None = 600  # per dataset, answered end to end with each selector
    faults: bool = True  # load and faults through the gateway (bench/faults.py); needs rasa
    index_speed: bool = True  # the full build of 515 real multi-paragraph documents (bench/index_speed.py), minutes
    at_scale: bool = True  # 4,935 and 20,000 documents built and asked (bench/at_scale.py): the better part of an hour


FULL = Plan(passages=300, questions=600, off_topic=150, pooled_build_passages=5, default_build=True, answer_repeats=2,
            answer_sizes=(10_000,), scaling_sizes=(1_000, 10_000, 100_000), scaling_questions=100, rasa=True,
            rasa_repeats=2, faq_documents=None)
QUICK = Plan(passages=20, questions=40, off_topic=15, pooled_build_passages=2, default_build=False, answer_repeats=1,
             answer_sizes=(1_000,), scaling_sizes=(1_000,), scaling_questions=20, rasa=False, rasa_repeats=0,
             faq_documents=300, selection_passages=20, end_to_end_questions=20, index_speed=False, at_scale=False)


def answers_section(plan: Plan, settings: Settings, eval_dir: Path, cache: EmbeddingCache) -> dict:
    return {"fitting": fitting_figures(), "datasets": {
        name: answer_quality(sample(load_dataset(eval_dir, name), plan.selection_passages, None), settings, cache,
                             plan.end_to_end_questions) for name in ("cmrc2018", "drcd")}}


def answer_latency(plan: Plan, dev_path: Path) -> dict:
    """In-process answer latency on the default knowledge base and its replicas, each in a process of its own."""
    probes = {"default": speed.answer_probe(dev_path, 0, plan.answer_repeats, embedding=True)}
    for size in plan.answer_sizes:
        probes[str(size)] = speed.answer_probe(dev_path, size, plan.answer_repeats)
    return {"answer_in_process": {k: {**p["question_embedded_anew"], "chunks": p["chunks"], "dense_index": p["dense_index"]}
                                  for k, p in probes.items()},
            "answer_in_process_question_embedded": {k: p["question_embedding_cached"] for k, p in probes.items()},
            "question_embedding": probes["default"]["question_embedding"]}


def run(plan: Plan, settings: Settings, eval_dir: Path, cache_dir: Path, quick: bool) -> dict:
    started = time.time()
    cache = EmbeddingCache(cache_dir, settings.model, precision=settings.embed_precision)
    results: dict = {"meta": {
        "date": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "load_average_at_start": os.getloadavg(), "python": platform.python_version(),
        "machine": platform.machine(), "model": settings.model, "mode": "quick" if quick else "full",
        "plan": plan.__dict__, "eval_dir": str(eval_dir), "systems": LABELS,
        "settings": {"chunk_size": settings.chunk_size, "chunk_overlap": settings.chunk_overlap,
                     "candidates": settings.candidates, "decline_below": settings.decline_below,
                     "dense_index": settings.dense_index}}}

    build_index(settings, progress=False)  # the default corpus, incremental: what answers and Rasa use
    kb = KnowledgeBase.load(settings)
    dev_path = eval_dir / "dev_questions.jsonl"
    if not dev_path.exists():
        raise FileNotFoundError(f"{dev_path} not found: pass --eval-dir pointing at shared/eval")

    cmrc = sample(load_dataset(eval_dir, "cmrc2018"), plan.passages, plan.questions)
    drcd = sample(load_dataset(eval_dir, "drcd"), plan.passages, plan.questions)
    corpora = {}
    for ds in (cmrc, drcd):
        corpora[ds.name] = (PolicybotCorpus.of_passages(ds.passages, settings, cache, ds.name),
                            ChatchatCorpus(ds.passages, settings, cache, ds.name))
    results["retrieval"] = {ds.name: retrieval.quality(ds, *corpora[ds.name]) for ds in (cmrc, drcd)}

    drcd_simplified = retrieval.converted_dataset(drcd, to_simplified)
    drcd_simplified_corpus = PolicybotCorpus.of_passages(drcd_simplified.passages, settings, cache, "drcd→simplified")
    results["cross_script"] = retrieval.cross_script(cmrc, *corpora["cmrc2018"], drcd_simplified, drcd_simplified_corpus)
    results["multidoc"] = {"taipei_faq": multidoc.taipei_faq(eval_dir, settings, cache, plan.faq_documents)}
    from .faq_match import faq_match

    results["faq_match"] = faq_match(eval_dir, cache.embed)

    results["answers"] = answers_section(plan, settings, eval_dir, cache)

    results["dev_questions"] = devset.dev_questions(kb, dev_path)
    off_topic = [q.text for q in cmrc.questions[:plan.off_topic]] + [q.text for q in drcd.questions[:plan.off_topic]]
    results["calibration"] = devset.calibration(kb, dev_path, off_topic)

    answerable = [e.question for e in load_expectations(dev_path) if e.doc is not None]
    pooled_texts = [c.search_text for name in corpora for c in corpora[name][0].kb.chunks]
    results["speed"] = {
        "index_build": {
            "default_corpus": speed.build_probe(settings.corpus_dir) if plan.default_build else None,
            "cmrc_drcd_pooled": speed.pooled_build(cmrc.passages[:plan.pooled_build_passages]
                                                   + drcd.passages[:plan.pooled_build_passages]),
            "bm25_only_cmrc_drcd_pooled": speed.bm25_build(pooled_texts, settings),
        },
    }
    results["index_speed"] = index_speed(eval_dir) if plan.index_speed else None
    results["at_scale"] = at_scale(eval_dir) if plan.at_scale else None
    results["speed"].update(answer_latency(plan, dev_path))
    questions = [q.text for q in (cmrc.questions + drcd.questions)][:plan.scaling_questions]
    results["scaling"] = scaling.scaling([corpora["cmrc2018"][0], corpora["drcd"][0]], questions, plan.scaling_sizes)

    if plan.rasa:
        from .rasa_latency import through_rasa

        results["rasa"] = through_rasa(answerable, plan.rasa_repeats)
    else:
        results["rasa"] = None
    if plan.rasa and plan.faults:
        from .faults import load_and_faults

        results["load_faults"] = load_and_faults()
    if plan.rasa:
        from .stack_memory import stack_memory

        results["stack_memory"] = stack_memory()
    from .targets import judge

    results["targets"] = judge(results)
    results["meta"]["run_s"] = round(time.time() - started, 1)
    results["meta"]["load_average_at_end"] = os.getloadavg()
    return results

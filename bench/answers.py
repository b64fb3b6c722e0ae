"""Does the answer state what was asked? Answer-sentence accuracy on CMRC 2018 dev and DRCD dev, with the gold
passage and as the product meets the question (pooled corpus, 5 best chunks), for the shipped selector and the
baselines side by side; and end to end, whether the answer text (not only a cited passage) holds the gold answer.

The selector was fitted on CMRC trial and DRCD test (bench/fit_selector.py); nothing here was fitted on."""
from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from knowledge.answer.answering import answer_query
from knowledge.answer.query import analyse
from knowledge.answer.selector import load_selector
from knowledge.answer.selector.model import training_figures
from knowledge.config import Settings
from knowledge.models import Citation
from knowledge.text.script import to_simplified

from .cache import EmbeddingCache
from .datasets import Dataset
from .selection import (BigramOverlap, PreviousHeuristic, RandomOfTopChunk, SentenceBM25, first_sentence_accuracy,
                        groups, passage_knowledge_base)

SHIPPED = "learned selector (as shipped)"


def selectors(settings: Settings) -> dict[str, object]:
    return {SHIPPED: load_selector(settings.selector_model), PreviousHeuristic.name: PreviousHeuristic(),
            SentenceBM25.name: SentenceBM25(), BigramOverlap.name: BigramOverlap(),
            RandomOfTopChunk.name: RandomOfTopChunk()}


def answer_quality(ds: Dataset, settings: Settings, cache: EmbeddingCache, end_to_end_questions: int | None) -> dict:
    """First-sentence accuracy (gold passage, pooled) for every selector over all of the dataset's questions,
    and end to end on a seeded sample of `end_to_end_questions`."""
    kb = passage_knowledge_base(ds.passages, settings, cache, ds.name)
    gs = groups(kb, ds, cache)
    out: dict = {"passages": len(ds.passages), "questions": len(ds.questions), "first_sentence": {}, "end_to_end": {}}
    answers = {q.question_id: to_simplified(q.answer) for q in ds.questions}
    for name, sel in selectors(settings).items():
        out["first_sentence"][name] = {mode: first_sentence_accuracy(kb, gs, sel, mode, answers) for mode in ("gold", "pooled")}
    sample = list(ds.questions)
    random.Random(3).shuffle(sample)
    sample = sample[:end_to_end_questions] if end_to_end_questions else sample
    vectors = cache.embed([q.text for q in sample], desc=f"embedding {ds.name} questions")
    queries = [analyse(kb, q.text, v) for q, v in zip(sample, vectors)]
    for name, sel in selectors(settings).items():
        kb.selector = sel
        held = first = answered = 0
        for q, query in tqdm(list(zip(sample, queries)), desc=f"{ds.name} end to end, {name}", leave=False):
            ans = answer_query(kb, query)
            answered += ans.answered
            gold = to_simplified(q.answer)
            held += gold in to_simplified(ans.answer)
            first += bool(ans.citations) and gold in to_simplified(first_sentence(ans.citations))
        n = max(len(sample), 1)
        out["end_to_end"][name] = {"answer_holds_gold": round(held / n, 4), "first_sentence_holds_gold": round(first / n, 4),
                                   "answered": round(answered / n, 4), "questions": len(sample)}
    kb.selector = load_selector(settings.selector_model)
    return out


def first_sentence(citations: Sequence[Citation]) -> str:
    """The text of the answer's first sentence: its first citation, with the pieces that complete it when it is a
    run-on sentence indexed in pieces (cited one after the other, each ending where the next begins)."""
    text = citations[0].text
    for before, after in zip(citations, citations[1:]):
        if after.doc_id != before.doc_id or after.start != before.end:
            break
        text += after.text
    return text


def fitting_figures(path: Path | None = None) -> dict:
    """What the shipped model was fitted on and how long it took (knowledge/answer/selector/training.json)."""
    figures = training_figures(path) if path else training_figures()
    keep = ("fitted", "data", "groups", "candidates", "positives", "rounds", "seconds", "lightgbm",
            "first_sentence_accuracy_3_fold_cv")
    return {k: figures.get(k) for k in keep}

"""Retrieval quality per dataset and system, and cross-script: gold is the chunk holding the answer span."""
from __future__ import annotations

from dataclasses import replace

from tqdm import tqdm

from knowledge.evaluation.ranks import first_gold_rank, recall_mrr
from knowledge.text.script import to_simplified, to_traditional

from .datasets import Dataset, Question
from .systems import SYSTEMS, ChatchatCorpus, ChunkRef, PolicybotCorpus


def gold_rows(refs: list[ChunkRef], questions: list[Question]) -> list[set[int]]:
    """Per question, the rows of the chunks holding its whole answer span (or, when the span straddles a chunk
    boundary, its first character)."""
    by_passage: dict[str, list[int]] = {}
    for row, r in enumerate(refs):
        by_passage.setdefault(r.passage_id, []).append(row)
    out = []
    for q in questions:
        rows = by_passage.get(q.passage_id, [])
        whole = {i for i in rows if refs[i].start <= q.answer_start and q.answer_end <= refs[i].end}
        out.append(whole or {i for i in rows if refs[i].start <= q.answer_start < refs[i].end})
    return out


def evaluate(corpus, systems: tuple[str, ...], questions: list[Question], texts: list[str], normalise: bool,
             desc: str) -> dict[str, dict]:
    gold = gold_rows(corpus.refs, questions)
    q_tokens, q_vecs = corpus.query(texts, normalise)
    ranks: dict[str, list] = {s: [] for s in systems}
    for i in tqdm(range(len(questions)), desc=desc, unit="q", leave=False):
        for s in systems:
            ranks[s].append(first_gold_rank(corpus.rank(s, q_tokens[i], q_vecs[i]), gold[i]))
    return {s: recall_mrr(r) for s, r in ranks.items()}


def quality(ds: Dataset, policybot: PolicybotCorpus, chatchat: ChatchatCorpus) -> dict:
    """Each system as it ships: policybot normalises script, the Chatchat-style pipeline does not."""
    texts = [q.text for q in ds.questions]
    out = evaluate(policybot, ("bm25", "dense", "fusion"), ds.questions, texts, True, f"{ds.name} policybot")
    out.update(evaluate(chatchat, ("chatchat",), ds.questions, texts, False, f"{ds.name} chatchat"))
    out["chunks"] = {"policybot": len(policybot.refs), "chatchat": len(chatchat.refs)}
    out["passages"] = len(ds.passages)
    return out


def converted_dataset(ds: Dataset, convert) -> Dataset:
    """The passages in the other script; questions whose answer moved (a conversion changed a length) are dropped."""
    passages = [replace(p, text=convert(p.text), title=convert(p.title)) for p in ds.passages]
    text = {p.passage_id: p.text for p in ds.passages}
    new = {p.passage_id: p.text for p in passages}
    questions = [q for q in ds.questions if len(text[q.passage_id]) == len(new[q.passage_id])
                 and convert(text[q.passage_id][q.answer_start:q.answer_end]) == new[q.passage_id][q.answer_start:q.answer_end]]
    return replace(ds, passages=passages, questions=questions, script="simplified")


def cross_script(cmrc: Dataset, cmrc_policybot: PolicybotCorpus, cmrc_chatchat: ChatchatCorpus,
                 drcd_simplified: Dataset, drcd_simplified_policybot: PolicybotCorpus) -> dict:
    """DRCD's traditional questions against DRCD converted to simplified; CMRC's questions converted to
    traditional against CMRC as it is; each with the question normalised to simplified (OpenCC t2s, what
    policybot ships) and without."""
    out = {}
    drcd_q = [q.text for q in drcd_simplified.questions]
    cmrc_q = [to_traditional(q.text) for q in cmrc.questions]
    for normalise in (True, False):
        key = "with_opencc" if normalise else "without_opencc"
        out[f"drcd_traditional_questions_vs_simplified_corpus/{key}"] = evaluate(
            drcd_simplified_policybot, ("bm25", "dense", "fusion"), drcd_simplified.questions, drcd_q, normalise,
            f"drcd→simplified {key}")
        cmrc_run = evaluate(cmrc_policybot, ("bm25", "dense", "fusion"), cmrc.questions, cmrc_q, normalise,
                            f"cmrc→traditional {key}")
        if not normalise:  # the Chatchat-style pipeline never normalises script
            cmrc_run.update(evaluate(cmrc_chatchat, ("chatchat",), cmrc.questions, cmrc_q, False,
                                     "cmrc→traditional chatchat"))
        out[f"cmrc_questions_in_traditional_vs_cmrc_corpus/{key}"] = cmrc_run
    return out


__all__ = ["quality", "cross_script", "converted_dataset", "SYSTEMS", "to_simplified"]

"""Multi-document retrieval on the Taipei city-government FAQ (taipei_faq/faq.jsonl): which document comes first.

Each FAQ answer is a document issued by its department (`Metadata.issuer` = dept; no title: the FAQ question as
title would make the task trivial); each FAQ question is a query whose gold is its own answer, and answers with
identical text count as one document. Systems: a plain whole-document BM25 over character bigrams (bm25s, the
dept on the first line, as policybot's header carries it), jieba BM25 over policybot's chunks (a document
scores its best chunk), and policybot as shipped (the documents of its hits, in order: R@1 is the document of
the first hit), plus policybot without its document-level evidence; recall@1/5/10 and MRR@10 over each system's
first 10 distinct documents. Each is run with the questions simplified and as asked (traditional): policybot
converts a question to simplified itself, the plain baselines do not."""
from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import bm25s
import numpy as np
from tqdm import tqdm

from knowledge.config import Settings
from knowledge.evaluation.ranks import first_gold_rank, recall_mrr
from knowledge.models import Metadata
from knowledge.text.script import to_simplified
from knowledge.text.tokenizer import bigrams

from .cache import EmbeddingCache
from .systems import PolicybotCorpus, text_document

FILE = "taipei_faq/faq.jsonl"
TOP = 10  # distinct documents ranked per question
HITS = 60  # chunks asked of policybot to find its first TOP distinct documents
SYSTEMS = ("bigram_bm25", "bigram_bm25_original_script", "chunk_bm25", "policybot_without_document", "policybot")
LABELS = {
    "bigram_bm25": "whole-document character-bigram BM25 (simplified text)",
    "bigram_bm25_original_script": "whole-document character-bigram BM25 (text as written, traditional)",
    "chunk_bm25": "jieba BM25 over policybot's chunks (best chunk per document)",
    "policybot_without_document": "policybot without document-level evidence (document weight 0)",
    "policybot": "policybot (as shipped)",
}
FORMS = ("simplified", "as_asked")


@dataclass(frozen=True)
class Faq:
    faq_id: str
    dept: str
    question: str
    answer: str


def load_faq(eval_dir: Path, limit: int | None = None, seed: int = 0) -> list[Faq]:
    """All pairs, or a fixed seeded sample of `limit` of them."""
    path = eval_dir / FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: pass --eval-dir pointing at shared/eval")
    faqs = [Faq(r["id"], r["dept"], r["question"], r["answer"])
            for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r.get("answer")]
    if limit:
        random.Random(seed).shuffle(faqs)
        faqs = sorted(faqs[:limit], key=lambda f: f.faq_id)
    return faqs


def gold(faqs: list[Faq]) -> list[set[str]]:
    """Per question, the documents that answer it: its own, and any other with the very same text."""
    same: dict[str, set[str]] = {}
    for f in faqs:
        same.setdefault(f.answer, set()).add(f.faq_id)
    return [same[f.answer] for f in faqs]


class BigramBaseline:
    """BM25 over character bigrams of each whole document, the dept on its first line."""

    def __init__(self, faqs: list[Faq], convert):
        self.ids = [f.faq_id for f in faqs]
        self.convert = convert
        self._bm25 = bm25s.BM25()
        self._bm25.index([bigrams(convert(f"{f.dept}\n{f.answer}")) for f in faqs], show_progress=False)

    def rank(self, question: str) -> list[str]:
        terms = [t for t in bigrams(question) if t in self._bm25.vocab_dict]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        return [self.ids[i] for i in np.argsort(-scores, kind="stable")[:TOP] if scores[i] > 0]


def _distinct(doc_ids) -> list[str]:
    out: list[str] = []
    for d in doc_ids:
        if d not in out:
            out.append(d)
            if len(out) == TOP:
                break
    return out


def taipei_faq(eval_dir: Path, settings: Settings, cache: EmbeddingCache, limit: int | None = None) -> dict:
    faqs = load_faq(eval_dir, limit)
    golds = gold(faqs)
    docs = [text_document(f.faq_id, f.answer, Metadata("", "", "", (), "news", f.dept)) for f in faqs]
    policybot = PolicybotCorpus(docs, settings, cache, "taipei faq")
    kb = policybot.kb
    plain = {"bigram_bm25": BigramBaseline(faqs, to_simplified),
             "bigram_bm25_original_script": BigramBaseline(faqs, str)}
    chunk_doc = [c.doc_id for c in kb.chunks]
    shipped = kb.fusion
    # policybot reads every question simplified, whatever its script: its ranking serves both forms.
    q_tokens, q_vecs = policybot.query([f.question for f in faqs], True)
    by_policybot: dict[str, list[list[str]]] = {}
    for name, fusion in (("policybot_without_document", replace(shipped, document=0.0)), ("policybot", shipped)):
        kb.fusion = fusion
        by_policybot[name] = [_distinct(h.chunk.doc_id for h in kb.rank(t, v, HITS))
                              for t, v in zip(q_tokens, tqdm(q_vecs, desc=f"taipei faq {name}", leave=False))]
    kb.fusion = shipped
    out: dict = {"documents": len(docs), "chunks": len(kb.chunks), "questions": len(faqs),
                 "same_answer_groups": sum(1 for g in {frozenset(g) for g in golds} if len(g) > 1),
                 "documents_in_same_answer_groups": sum(len(g) > 1 for g in golds), "fusion": asdict(shipped)}
    for form in FORMS:
        texts = [to_simplified(f.question) if form == "simplified" else f.question for f in faqs]
        ranked = {name: [baseline.rank(t) for t in texts] for name, baseline in plain.items()}
        ranked["chunk_bm25"] = []
        for t in texts:
            scores = kb.lexical.scores(kb.tokenizer.words(t))
            ranked["chunk_bm25"].append(_distinct(chunk_doc[r] for r in np.argsort(-scores, kind="stable")
                                                  if scores[r] > 0))
        ranked.update(by_policybot)
        out[form] = {s: recall_mrr([first_gold_rank(r, g) for r, g in zip(ranked[s], golds)]) for s in SYSTEMS}
    return out

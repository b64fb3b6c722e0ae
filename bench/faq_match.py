"""Curated FAQ matching on the Taipei FAQ: half of each department's pairs imported as curated entries, then
hand-written rewordings asked (bench/data/taipei_faq_paraphrases.jsonl, see bench/data/README.md): rewordings
of imported questions should match their own entry, rewordings of questions not imported should match none.

The blend weight and threshold are chosen on the calibration half of the rewordings (every other line of each
kind) and measured on the other half, and on all; the shipped `Matching` is measured too. The FAQ's own 1,831
questions are asked as well: each imported one must find its entry exactly, and how many of the questions not
imported match an imported entry is reported (some are near-duplicates across departments, so that count is
an upper bound on false matches, not a precision)."""
from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

import numpy as np

from knowledge.config import PROJECT_ROOT
from knowledge.faq.entry import Entry
from knowledge.faq.matcher import FaqMatcher, Matching, blend, second_or_none, top_two
from knowledge.faq.normalise import normalise
from knowledge.text.script import to_simplified

PARAPHRASES = PROJECT_ROOT / "bench" / "data" / "taipei_faq_paraphrases.jsonl"
MIN_PRECISION = 0.95  # a wrong curated answer is worse than the documents' answer: precision first
WEIGHTS = tuple(round(w, 2) for w in np.arange(0.0, 1.0001, 0.05))
MARGIN_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.40, 1.0001, 0.005))


def imported_half(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Every other pair of each department, in file order (a department of one pair has it imported)."""
    by_dept: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_dept[row["dept"]].append(row)
    imported, rest = [], []
    for pairs in by_dept.values():
        for i, row in enumerate(pairs):
            (imported if i % 2 == 0 else rest).append(row)
    return imported, rest


@dataclass(frozen=True)
class Asked:
    question: str
    gold: frozenset[int]  # the entries it should match (one, or several with the same question), empty for none
    exact: int | None  # the entry with the same normalised question, if any
    # per dense weight: the best entry, its blend and the next entry's blend (as the matcher computes them)
    tops: dict[float, tuple[int, float, float]]


def _asked(matcher: FaqMatcher, questions: list[str], golds: list[int | None], vectors: np.ndarray) -> list[Asked]:
    same: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(matcher.entries):
        same[normalise(e.question)].append(i)
    out = []
    for q, gold, v in zip(questions, golds, vectors):
        dense, lexical = matcher.components(q, v)
        tops = {}
        for w in {*WEIGHTS, Matching().dense_weight}:
            best, second = top_two(blend(dense, lexical, w))
            tops[w] = (best[0], *second_or_none(best, second))
        gold_set = frozenset(same[normalise(matcher.entries[gold].question)]) if gold is not None else frozenset()
        exact = same.get(normalise(q))
        out.append(Asked(q, gold_set, exact[0] if exact else None, tops))
    return out


def _predict(a: Asked, m: Matching) -> int | None:
    if a.exact is not None:
        return a.exact
    best, top, second = a.tops[m.dense_weight]
    return best if m.score(top, second) >= m.threshold else None


def scores(asked: list[Asked], m: Matching) -> dict:
    positives = [a for a in asked if a.gold]
    predicted = [(a, _predict(a, m)) for a in asked]
    right = sum(p is not None and p in a.gold for a, p in predicted)
    matched = sum(p is not None for _, p in predicted)
    wrong_entry = sum(p is not None and bool(a.gold) and p not in a.gold for a, p in predicted)
    false_match = sum(p is not None and not a.gold for a, p in predicted)
    return {"questions": len(asked), "should_match": len(positives), "should_not": len(asked) - len(positives),
            "matched": matched, "right_entry": right, "wrong_entry": wrong_entry, "matched_unseen": false_match,
            "precision": round(right / matched, 4) if matched else None,
            "recall": round(right / len(positives), 4) if positives else None}


def choose(asked: list[Asked]) -> Matching:
    """The weights and threshold with the best recall at precision ≥ MIN_PRECISION (then the best precision);
    of the settings tied at the best, those with the widest band of thresholds, and its middle threshold,
    which leaves the most room on both sides."""
    best_key, tied = None, []
    for w in WEIGHTS:
        for mw in MARGIN_WEIGHTS:
            for t in THRESHOLDS:
                s = scores(asked, Matching(w, mw, t))
                if s["precision"] is None or s["precision"] < MIN_PRECISION:
                    continue
                key = (s["recall"], s["precision"])
                if best_key is None or key > best_key:
                    best_key, tied = key, [(w, mw, t)]
                elif key == best_key:
                    tied.append((w, mw, t))
    if best_key is None:
        raise RuntimeError(f"no weight and threshold reach precision {MIN_PRECISION} on the calibration half")
    bands: dict[tuple[float, float], list[float]] = defaultdict(list)
    for w, mw, t in tied:
        bands[(w, mw)].append(t)
    w, mw = max(bands, key=lambda k: (len(bands[k]), -k[1], -abs(k[0] - 0.5)))
    band = sorted(bands[(w, mw)])
    return Matching(w, mw, band[len(band) // 2])


def faq_match(eval_dir: Path, embed) -> dict:
    """`embed`: texts → unit vectors (the benchmark's cache of the product's embedding)."""
    started = time.perf_counter()
    rows = [json.loads(line) for line in (eval_dir / "taipei_faq" / "faq.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    imported, rest = imported_half(rows)
    entries = [Entry(r["question"], r["answer"], "", r["dept"], id=i + 1) for i, r in enumerate(imported)]
    index_of = {r["id"]: i for i, r in enumerate(imported)}
    vectors = embed([to_simplified(r["question"]) for r in imported])
    matcher = FaqMatcher(entries, vectors)

    lines = [json.loads(line) for line in PARAPHRASES.read_text(encoding="utf-8").splitlines() if line.strip()]
    for line in lines:
        if line["match"] != (line["id"] in index_of):
            raise ValueError(f"{PARAPHRASES.name}: {line['id']} is {'not ' if line['match'] else ''}imported, "
                             f"but the line says match={line['match']}")
    golds = [index_of[line["id"]] if line["match"] else None for line in lines]
    asked = _asked(matcher, [line["q"] for line in lines], golds, embed([to_simplified(line["q"]) for line in lines]))
    # every other line of each kind calibrates; the rest is held out
    seen: dict[bool, int] = defaultdict(int)
    calibration, held_out = [], []
    for line, a in zip(lines, asked):
        (calibration if seen[line["match"]] % 2 == 0 else held_out).append(a)
        seen[line["match"]] += 1
    chosen = choose(calibration)
    shipped = Matching()

    originals = _asked(matcher, [r["question"] for r in imported], list(range(len(imported))), vectors)
    others = _asked(matcher, [r["question"] for r in rest], [None] * len(rest),
                    embed([to_simplified(r["question"]) for r in rest]))
    traditional = [a for line, a in zip(lines, asked) if to_simplified(line["q"]) != line["q"]]
    return {
        "pairs": len(rows), "imported": len(imported), "not_imported": len(rest), "paraphrases": len(lines),
        "min_precision": MIN_PRECISION,
        "chosen": {**asdict(chosen), "is_shipped": chosen == shipped},
        "at_chosen": {"calibration": scores(calibration, chosen), "held_out": scores(held_out, chosen),
                      "all": scores(asked, chosen), "traditional": scores(traditional, chosen),
                      "simplified": scores([a for a in asked if a not in traditional], chosen)},
        "shipped": {**asdict(shipped), "held_out": scores(held_out, shipped), "all": scores(asked, shipped)},
        "without_margin": _alone(calibration, held_out, lambda m: m.margin_weight == 0.0),
        "dense_only": _alone(calibration, held_out, lambda m: m.dense_weight == 1.0 and m.margin_weight == 0.0),
        "imported_questions_as_written": scores(originals, shipped),
        "not_imported_questions_as_written": scores(others, shipped),
        "today": date.today().isoformat(), "seconds": round(time.perf_counter() - started, 1),
    }


def _alone(calibration: list[Asked], held_out: list[Asked], allowed) -> dict:
    """The same choice among the settings `allowed` admits (no margin; the cosine alone), for comparison."""
    best = None
    for w in WEIGHTS:
        for mw in MARGIN_WEIGHTS:
            for t in THRESHOLDS:
                m = Matching(w, mw, t)
                if not allowed(m):
                    continue
                s = scores(calibration, m)
                if s["precision"] is not None and s["precision"] >= MIN_PRECISION and (best is None or s["recall"] > best[1]["recall"]):
                    best = (m, s)
    if best is None:
        return {}
    return {**asdict(best[0]), "calibration": best[1], "held_out": scores(held_out, best[0])}

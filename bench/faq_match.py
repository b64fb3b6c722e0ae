"""Curated FAQ matching on the Taipei FAQ: half of each department's pairs imported as curated entries, then
hand-written rewordings asked (bench/data/taipei_faq_paraphrases.jsonl, see bench/data/README.md): rewordings
of imported questions should match their own entry, rewordings of questions not imported should match none.

A second set asks what a small FAQ meets: for each department, its first question is curated among the other
departments' imported entries (so it is alone on its topic) and the department's other questions are asked; they
ask other things on the same topic (紅線 against 黃線禁止停車時間為何？) and should match none.

The blend weight, margin weight and cap and the threshold are chosen on the calibration halves (every other line
of each kind, every other lone-entry question) and measured on the other halves, and on all; the shipped
`Matching` is measured too. The FAQ's own 1,831
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
MARGIN_CAPS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 1.0)
THRESHOLDS = tuple(round(t, 3) for t in np.arange(0.40, 1.0001, 0.005))
MAX_LONE_MATCHED = 0.02  # a small FAQ must not answer its topic's other questions with its one entry


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


class _Grid:
    """One set of asked questions as arrays, to score every setting of the grid at once (the grid has some 70,000
    settings: one Python loop each would take minutes)."""

    def __init__(self, asked: list[Asked]):
        self.n = len(asked)
        self.positives = sum(bool(a.gold) for a in asked)
        self.exact = np.array([a.exact is not None for a in asked], dtype=bool)
        self.exact_right = np.array([a.exact is not None and a.exact in a.gold for a in asked], dtype=bool)
        self.tops = {w: (np.array([a.tops[w][0] in a.gold for a in asked], dtype=bool),
                         np.array([a.tops[w][1] for a in asked]), np.array([a.tops[w][2] for a in asked]))
                     for w in (asked[0].tops if asked else ())}

    def counts(self, w: float, mw: float, cap: float) -> tuple[np.ndarray, np.ndarray]:
        """(matched, right entry) at each of THRESHOLDS."""
        best_right, top, second = self.tops[w]
        above = (top + mw * np.minimum(top - second, cap))[None, :] >= np.array(THRESHOLDS)[:, None]
        fuzzy = above & ~self.exact[None, :]
        return (fuzzy.sum(1) + self.exact.sum(), (fuzzy & best_right[None, :]).sum(1) + self.exact_right.sum())


def choose(asked: list[Asked], lone: list[Asked], allowed=lambda w, mw, cap: True) -> Matching | None:
    """The setting with the best recall at precision ≥ MIN_PRECISION and at most MAX_LONE_MATCHED of the lone-entry
    questions matched (then the best precision); of the settings tied at the best, those with the widest band of
    thresholds, and its middle threshold, which leaves the most room on both sides. `allowed` narrows the grid."""
    grid, lone_grid = _Grid(asked), _Grid(lone)
    best_key, tied = None, []
    for w in WEIGHTS:
        for mw in MARGIN_WEIGHTS:
            for cap in MARGIN_CAPS:
                if not allowed(w, mw, cap):
                    continue
                matched, right = grid.counts(w, mw, cap)
                lone_matched, _ = lone_grid.counts(w, mw, cap)
                for t, m, r, lm in zip(THRESHOLDS, matched, right, lone_matched):
                    if not m or r / m < MIN_PRECISION or lm > MAX_LONE_MATCHED * max(lone_grid.n, 1):
                        continue
                    key = (r / grid.positives, r / m)
                    if best_key is None or key > best_key:
                        best_key, tied = key, [(w, mw, cap, t)]
                    elif key == best_key:
                        tied.append((w, mw, cap, t))
    if best_key is None:
        return None
    bands: dict[tuple[float, float, float], list[float]] = defaultdict(list)
    for w, mw, cap, t in tied:
        bands[(w, mw, cap)].append(t)
    w, mw, cap = max(bands, key=lambda k: (len(bands[k]), -k[1], -k[2], -abs(k[0] - 0.5)))
    band = sorted(bands[(w, mw, cap)])
    return Matching(w, mw, band[len(band) // 2], cap)


def lone_entries(rows: list[dict], imported: list[dict], vectors: dict[str, np.ndarray]) -> list[Asked]:
    """Each department's first question curated alone among the other departments' imported entries, and the
    department's other questions asked (those worded as some entry is are left out: an exact match is served)."""
    by_dept: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_dept[row["dept"]].append(row)
    out = []
    for dept, pairs in by_dept.items():
        if len(pairs) < 2:
            continue
        curated = [r for r in imported if r["dept"] != dept] + [pairs[0]]
        entries = [Entry(r["question"], r["answer"], "", r["dept"], id=i + 1) for i, r in enumerate(curated)]
        matcher = FaqMatcher(entries, np.vstack([vectors[r["id"]] for r in curated]))
        worded = {normalise(r["question"]) for r in curated}
        asked = [r for r in pairs[1:] if normalise(r["question"]) not in worded]
        out += _asked(matcher, [r["question"] for r in asked], [None] * len(asked),
                      np.vstack([vectors[r["id"]] for r in asked]) if asked else np.zeros((0, 1)))
    return out


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
    vector_of = dict(zip((r["id"] for r in imported), vectors))
    vector_of.update(zip((r["id"] for r in rest), embed([to_simplified(r["question"]) for r in rest])))
    lone = lone_entries(rows, imported, vector_of)
    lone_calibration, lone_held_out = lone[::2], lone[1::2]
    chosen = choose(calibration, lone_calibration)
    if chosen is None:
        raise RuntimeError(f"no setting reaches precision {MIN_PRECISION} with at most {MAX_LONE_MATCHED:.0%} of "
                           "the lone-entry questions matched on the calibration halves")
    shipped = Matching()

    originals = _asked(matcher, [r["question"] for r in imported], list(range(len(imported))), vectors)
    others = _asked(matcher, [r["question"] for r in rest], [None] * len(rest),
                    np.vstack([vector_of[r["id"]] for r in rest]))
    traditional = [a for line, a in zip(lines, asked) if to_simplified(line["q"]) != line["q"]]
    return {
        "pairs": len(rows), "imported": len(imported), "not_imported": len(rest), "paraphrases": len(lines),
        "lone_entry_questions": len(lone), "min_precision": MIN_PRECISION, "max_lone_matched": MAX_LONE_MATCHED,
        "chosen": {**asdict(chosen), "is_shipped": chosen == shipped},
        "at_chosen": {"calibration": scores(calibration, chosen), "held_out": scores(held_out, chosen),
                      "all": scores(asked, chosen), "traditional": scores(traditional, chosen),
                      "simplified": scores([a for a in asked if a not in traditional], chosen),
                      "lone_calibration": scores(lone_calibration, chosen),
                      "lone_held_out": scores(lone_held_out, chosen)},
        "shipped": {**asdict(shipped), "held_out": scores(held_out, shipped), "all": scores(asked, shipped),
                    "lone_held_out": scores(lone_held_out, shipped)},
        "uncapped": _alone(calibration, lone_calibration, held_out, lone_held_out, lambda w, mw, cap: cap == 1.0),
        "without_margin": _alone(calibration, lone_calibration, held_out, lone_held_out, lambda w, mw, cap: mw == 0.0),
        "dense_only": _alone(calibration, lone_calibration, held_out, lone_held_out,
                             lambda w, mw, cap: w == 1.0 and mw == 0.0),
        "imported_questions_as_written": scores(originals, shipped),
        "not_imported_questions_as_written": scores(others, shipped),
        "today": date.today().isoformat(), "seconds": round(time.perf_counter() - started, 1),
    }


def _alone(calibration: list[Asked], lone: list[Asked], held_out: list[Asked], lone_held_out: list[Asked],
           allowed) -> dict:
    """The same choice among the settings `allowed` admits (no margin; the cosine alone), for comparison."""
    m = choose(calibration, lone, allowed)
    if m is None:
        return {}
    return {**asdict(m), "calibration": scores(calibration, m), "held_out": scores(held_out, m),
            "lone_held_out": scores(lone_held_out, m)}

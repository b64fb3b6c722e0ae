"""Fit the answer-sentence selector: `python -m bench.fit_selector` (or `make selector`).

Fitted on CMRC 2018 trial and DRCD test only (the dev sets are for measuring, in `make bench`): each question's
candidate sentences, with its gold passage and as the product meets them in a pooled index, features from
knowledge/answer/selector/features.py, a LightGBM ranking model (lambdarank over each question's candidates). Writes
knowledge/answer/selector/selector.txt and training.json (the data, the parameters, the time and the figures).
A few minutes on 2 cores with a warm embedding cache (var/bench-cache); the first run embeds ~30k sentences.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

FIT_SETS = ("cmrc2018_trial", "drcd_test")
PARAMS = {
    "objective": "lambdarank", "learning_rate": 0.03, "num_leaves": 31, "min_data_in_leaf": 40,
    "feature_fraction": 0.8, "bagging_fraction": 0.8, "bagging_freq": 1, "lambdarank_truncation_level": 3,
    "seed": 7, "deterministic": True, "force_row_wise": True, "num_threads": 2, "verbose": -1,
}
ROUNDS = 600
FOLDS = 3


def main(argv: list[str] | None = None) -> int:
    from knowledge.config import PROJECT_ROOT, load_settings

    parser = argparse.ArgumentParser(prog="python -m bench.fit_selector", description=__doc__.split("\n\n")[0])
    parser.add_argument("--eval-dir", default=os.environ.get("POLICYBOT_EVAL_DIR", str(PROJECT_ROOT.parent / "shared" / "eval")))
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "bench-cache"))
    parser.add_argument("--out", default=str(PROJECT_ROOT / "knowledge" / "answer" / "selector"), help="folder for selector.txt and training.json")
    parser.add_argument("--no-cv", action="store_true", help=f"skip the {FOLDS}-fold cross-validation figures")
    parser.add_argument("--passages", type=int, default=None, help="a seeded sample of this many passages per data set (default: all)")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"boosting rounds (default {ROUNDS})")
    # On cores busy with other work, LightGBM's two OpenMP threads wait on each other for minutes: 1 is faster.
    parser.add_argument("--threads", type=int, default=PARAMS["num_threads"], help="LightGBM threads (deterministic either way)")
    args = parser.parse_args(argv)

    import lightgbm

    from knowledge.answer.selector import FEATURES, features
    from knowledge.answer.selector.features import KIND_FEATURE

    from .cache import EmbeddingCache
    from .datasets import load_dataset, sample
    from .selection import group_accuracy, groups, passage_knowledge_base

    started = time.time()
    params = {**PARAMS, "num_threads": args.threads}
    settings = load_settings()
    cache = EmbeddingCache(Path(args.cache_dir), settings.model, precision=settings.embed_precision)
    blocks, sizes, labels, origin, asked_by = [], [], [], [], []
    counts = {}
    for name in FIT_SETS:
        ds = sample(load_dataset(Path(args.eval_dir), name), args.passages, None)
        kb = passage_knowledge_base(ds.passages, settings, cache, name)
        for g in groups(kb, ds, cache):
            if not g.labels.any() or len(g.options) < 2:
                continue  # nothing to rank: no candidate holds the answer, or only one candidate
            blocks.append(features(g.query.as_question(), [o.candidate for o in g.options], kb.lexical.idf))
            sizes.append(len(g.options))
            labels.append(g.labels)
            origin.append(f"{name}/{g.mode}")
            asked_by.append(f"{name}/{g.question_id}")
            counts.setdefault(f"{name}/{g.mode}", {"questions": 0, "candidates": 0})
            counts[f"{name}/{g.mode}"]["questions"] += 1
            counts[f"{name}/{g.mode}"]["candidates"] += len(g.options)
        counts[name] = {"passages": len(ds.passages), "questions": len(ds.questions)}
    prepared = time.time()
    X, y, sizes_a = np.vstack(blocks), np.concatenate(labels), np.array(sizes)
    print(f"{len(sizes)} groups, {len(y)} candidates, {int(y.sum())} holding the answer; fitting", file=sys.stderr)

    def fit(rows: np.ndarray) -> lightgbm.Booster:
        starts = np.concatenate([[0], np.cumsum(sizes_a)])
        idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in rows])
        data = lightgbm.Dataset(X[idx], y[idx], group=sizes_a[rows], feature_name=list(FEATURES),
                                categorical_feature=[KIND_FEATURE], free_raw_data=False)
        return lightgbm.train(params, data, num_boost_round=args.rounds)

    def accuracy(booster: lightgbm.Booster, rows: np.ndarray) -> dict:
        starts = np.concatenate([[0], np.cumsum(sizes_a)])
        out = {}
        for key in sorted(set(origin)):
            sel = [i for i in rows if origin[i] == key]
            idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in sel])
            out[key] = round(group_accuracy(lambda m: booster.predict(m, num_threads=args.threads), X[idx], y[idx], sizes_a[sel]), 4)
        return out

    all_rows = np.arange(len(sizes))
    cv = None
    if not args.no_cv:
        # By question: its gold and pooled groups share sentences, so they are held out together.
        order = {q: i for i, q in enumerate(dict.fromkeys(asked_by))}
        fold = np.array([order[q] % FOLDS for q in asked_by])
        parts = [accuracy(fit(all_rows[fold != f]), all_rows[fold == f]) for f in range(FOLDS)]
        cv = {key: round(float(np.mean([p[key] for p in parts])), 4) for key in parts[0]}
    booster = fit(all_rows)
    fitted = time.time()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(out / "selector.txt"))
    gain = booster.feature_importance("gain")
    figures = {
        "fitted": time.strftime("%Y-%m-%d %H:%M"), "data": list(FIT_SETS), "counts": counts,
        "groups": len(sizes), "candidates": int(len(y)), "positives": int(y.sum()),
        "features": list(FEATURES), "params": params, "rounds": args.rounds, "passages_per_set": args.passages or "all",
        "lightgbm": lightgbm.__version__, "python": platform.python_version(), "cores": os.cpu_count(),
        "seconds": {"candidates_and_features": round(prepared - started, 1), "fit_with_cv": round(fitted - prepared, 1)},
        "first_sentence_accuracy_in_sample": accuracy(booster, all_rows),
        f"first_sentence_accuracy_{FOLDS}_fold_cv": cv,
        "feature_gain_share": {f: round(float(g / gain.sum()), 4) for f, g in sorted(zip(FEATURES, gain), key=lambda x: -x[1])},
        "note": "measured on CMRC 2018 dev and DRCD dev by `make bench` (docs/benchmarks.md), never on this data",
    }
    (out / "training.json").write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {out / 'selector.txt'} and training.json in {time.time() - started:.0f} s; "
          f"cross-validated first-sentence accuracy {cv}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""python -m bench [--quick] [--out docs/]: measure, then write benchmarks.md and benchmarks.json."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main(argv: list[str] | None = None) -> int:
    from knowledge.config import PROJECT_ROOT, load_settings

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small samples, no Rasa, 1k scaling only (about a minute)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "docs"), help="folder for benchmarks.md and benchmarks.json")
    parser.add_argument("--eval-dir", default=os.environ.get("POLICYBOT_EVAL_DIR", str(PROJECT_ROOT.parent / "shared" / "eval")),
                        help="shared/eval with dev_questions.jsonl, cmrc2018/, drcd/ and taipei_faq/")
    parser.add_argument("--cache-dir", default=str(PROJECT_ROOT / "var" / "bench-cache"), help="embedding cache")
    parser.add_argument("--passages", type=int, default=None, help="passages per dataset (0: all)")
    parser.add_argument("--no-rasa", action="store_true", help="skip the Rasa latency and cold-start figures")
    parser.add_argument("--from-json", metavar="FILE", help="only re-write benchmarks.md from an earlier benchmarks.json")
    parser.add_argument("--only", choices=sorted(ONLY), help="measure this section alone and put it into the "
                        "benchmarks.json already in --out (the rest kept), then write benchmarks.md from it")
    args = parser.parse_args(argv)

    import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    from dataclasses import replace

    from .report import write_report
    from .run import FULL, QUICK, run
    from .targets import judge

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.from_json or args.only:
        results = json.loads(Path(args.from_json or out / "benchmarks.json").read_text(encoding="utf-8"))
        if args.only:
            key, measure = ONLY[args.only]
            measured = measure(Path(args.eval_dir), Path(args.cache_dir))
            results[key] = _merged(results.get(key) or {}, measured, MERGED[key]) if key in MERGED else measured
            results["meta"].setdefault("carried_over", {})[key] = time.strftime("%Y-%m-%d %H:%M") + ", --only " + args.only
        results["targets"] = judge(results)
        (out / "benchmarks.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        (out / "benchmarks.md").write_text(write_report(results), encoding="utf-8")
        print(f"wrote {out / 'benchmarks.md'} from {args.from_json or out / 'benchmarks.json'}")
        return 0
    plan = QUICK if args.quick else FULL
    if args.passages is not None:
        plan = replace(plan, passages=args.passages or None)
    if args.no_rasa:
        plan = replace(plan, rasa=False)
    results = run(plan, load_settings(), Path(args.eval_dir), Path(args.cache_dir), args.quick)
    (out / "benchmarks.json").write_text(json.dumps(results, ensure_ascii=False, indent=1, default=_plain),
                                         encoding="utf-8")
    (out / "benchmarks.md").write_text(write_report(results), encoding="utf-8")
    print(f"wrote {out / 'benchmarks.md'} and {out / 'benchmarks.json'} in {results['meta']['run_s']:.0f} s")
    return 0


def _faults(eval_dir: Path, cache_dir: Path) -> dict:
    from .faults import load_and_faults

    return load_and_faults()


def _answers(eval_dir: Path, cache_dir: Path) -> dict:
    """Answer-sentence accuracy alone (after `make selector`), as the full run measures it."""
    from knowledge.config import load_settings

    from .cache import EmbeddingCache
    from .run import FULL, answers_section

    settings = load_settings()
    return answers_section(FULL, settings, eval_dir, EmbeddingCache(cache_dir, settings.model, precision=settings.embed_precision))


def _stack(eval_dir: Path, cache_dir: Path) -> dict:
    from .stack_memory import stack_memory

    return stack_memory()


def _scale_out(eval_dir: Path, cache_dir: Path) -> dict:
    from .scale_out import scale_out

    return scale_out()


def _index_speed(eval_dir: Path, cache_dir: Path) -> dict:
    from .index_speed import index_speed

    return index_speed(eval_dir)


def _at_scale(eval_dir: Path, cache_dir: Path) -> dict:
    from .at_scale import at_scale

    return at_scale(eval_dir)


def _at_scale_answering(eval_dir: Path, cache_dir: Path) -> dict:
    """Only the answering of the kept at-scale indexes again; the build figures stay."""
    from .at_scale import answering_again

    return {label: {"answering": answering_again(label)} for label in ("real", "joined")}


def _rasa(eval_dir: Path, cache_dir: Path) -> dict:
    from knowledge.evaluation.expectations import load_expectations

    from .rasa_latency import through_rasa
    from .run import FULL

    answerable = [e.question for e in load_expectations(eval_dir / "dev_questions.jsonl") if e.doc is not None]
    return through_rasa(answerable, FULL.rasa_repeats)


def _answer_latency(eval_dir: Path, cache_dir: Path) -> dict:
    from .run import FULL, answer_latency

    return answer_latency(FULL, eval_dir / "dev_questions.jsonl")


def _faq_match(eval_dir: Path, cache_dir: Path) -> dict:
    from knowledge.config import load_settings

    from .cache import EmbeddingCache
    from .faq_match import faq_match

    settings = load_settings()
    cache = EmbeddingCache(cache_dir, settings.model, precision=settings.embed_precision)
    return faq_match(eval_dir, cache.embed)


# Sections that can be measured alone (--only NAME): the results key and the function measuring it.
ONLY = {"answer_latency": ("speed", _answer_latency), "rasa": ("rasa", _rasa), "faults": ("load_faults", _faults),
        "answers": ("answers", _answers), "index_speed": ("index_speed", _index_speed), "stack": ("stack_memory", _stack),
        "at_scale": ("at_scale", _at_scale), "at_scale_answering": ("at_scale", _at_scale_answering),
        "faq_match": ("faq_match", _faq_match), "scale_out": ("scale_out", _scale_out)}


# Sections that a part of them replaces (the answer latency of "speed", the answering of "at_scale"), and how
# many levels deep the part's keys replace the earlier ones.
MERGED = {"speed": 1, "at_scale": 2}


def _merged(earlier: dict, part: dict, depth: int) -> dict:
    if depth <= 1:
        return {**earlier, **part}
    return {**earlier, **{k: _merged(earlier.get(k) or {}, v, depth - 1) if isinstance(v, dict) else v
                          for k, v in part.items()}}


def _plain(value):
    """numpy scalars (counts, flags) as plain JSON numbers."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


if __name__ == "__main__":
    sys.exit(main())

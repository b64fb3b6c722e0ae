"""The issue's targets, judged on the measured figures: met or missed, by how much."""
from __future__ import annotations

FUSION_METRICS = ("recall@5", "mrr@10")
IN_PROCESS_P95_MS = 100
RASA_P95_MS = 250
# Answer-sentence accuracy with the gold passage (issue: the bigram-overlap sentence holds the answer for 0.72/0.84).
FIRST_SENTENCE_TARGETS = {"cmrc2018": 0.85, "drcd": 0.92}
# The speed corpus (bench/index_speed.py) indexed by the build before workers, cross-document batches and bfloat16
# (commit 1dded32, one process, torch on both cores), measured with the same probe on the machine the benchmark runs
# on, with nothing else running: machines differ (2026-12-02, another machine: 2,103 chars/s; 2026-12-04, this one,
# load 1.7 from the previous probe: 864 s, 1,353 chars/s). The target is 4× the quiet figure.
INDEX_SPEED_BEFORE = {"commit": "1dded32", "chars_per_s": 1353, "build_s": 864.1, "cpu_s": 1604.1, "load": 1.7}
INDEX_SPEEDUP_TARGET = 4.0


def judge(results: dict) -> list[dict]:
    out = []
    for name, run in results["retrieval"].items():
        for metric in FUSION_METRICS:
            best = max(("bm25", "dense", "chatchat"), key=lambda s: run[s][metric])
            margin = round(run["fusion"][metric] - run[best][metric], 4)
            out.append({"target": f"fusion >= best baseline, {metric}, {name}", "met": margin >= 0,
                        "value": run["fusion"][metric], "against": f"{best} {run[best][metric]}", "margin": margin})
    same = []  # fusion against BM25 with the same question handling, in every run
    for name, run in list(results["retrieval"].items()) + list(results["cross_script"].items()):
        same.append((round(run["fusion"]["mrr@10"] - run["bm25"]["mrr@10"], 4), name))
    best_margin, where = max(same)
    out.append({"target": "fusion beats BM25 alone, same question handling, best run (MRR@10)",
                "met": best_margin > 0, "value": best_margin, "against": where, "margin": best_margin})
    shipped = []  # as shipped (OpenCC) against a plain BM25 that takes the question as written
    for name, run in results["cross_script"].items():
        if name.endswith("with_opencc"):
            plain = results["cross_script"][name.replace("with_opencc", "without_opencc")]["bm25"]
            shipped.append((round(run["fusion"]["mrr@10"] - plain["mrr@10"], 4), name.split("/")[0]))
    margin, where = min(shipped)
    out.append({"target": "cross-script: fusion as shipped beats plain BM25 (no script normalisation), worst run (MRR@10)",
                "met": margin > 0, "value": margin, "against": where, "margin": margin})
    answers = (results.get("answers") or {}).get("datasets", {})
    for name, target in FIRST_SENTENCE_TARGETS.items():
        if name in answers:
            value = answers[name]["first_sentence"]["learned selector (as shipped)"]["gold"]["accuracy"]
            out.append({"target": f"answer-sentence accuracy with the gold passage >= {target} ({name} dev)",
                        "met": value >= target, "value": value, "against": str(target), "margin": round(value - target, 4)})
    dev = results.get("dev_questions", {}).get("summary")
    if dev:
        oos = dev["out_of_scope_declined"].split("/")
        out.append({"target": "dev set: no answerable question declined, every out-of-scope one declined",
                    "met": dev["answerable_declined"] == 0 and oos[0] == oos[1],
                    "value": f"{dev['answerable_declined']} answerable declined, {dev['out_of_scope_declined']} out of scope declined",
                    "against": "0, all", "margin": None})
    latency = results["speed"]["answer_in_process"].get("10000")
    if latency:
        out.append({"target": f"in-process answer p95 <= {IN_PROCESS_P95_MS} ms at 10k chunks",
                    "met": latency["p95_ms"] <= IN_PROCESS_P95_MS, "value": latency["p95_ms"],
                    "against": f"{IN_PROCESS_P95_MS} ms", "margin": round(IN_PROCESS_P95_MS - latency["p95_ms"], 2)})
    out += _multidoc_targets(results)
    speed = results.get("index_speed")
    if speed and INDEX_SPEED_BEFORE["chars_per_s"]:
        gain = round(speed["chars_per_s"] / INDEX_SPEED_BEFORE["chars_per_s"], 2)
        out.append({"target": f"index speed >= {INDEX_SPEEDUP_TARGET:.0f}× the build of {INDEX_SPEED_BEFORE['commit']} "
                              f"({speed['corpus_documents']} real multi-paragraph documents)",
                    "met": gain >= INDEX_SPEEDUP_TARGET, "value": f"{speed['chars_per_s']} chars/s, {gain}×",
                    "against": f"{INDEX_SPEED_BEFORE['chars_per_s']} chars/s", "margin": round(gain - INDEX_SPEEDUP_TARGET, 2)})
    rasa = results.get("rasa") or {}
    for c in ("concurrency_1", "concurrency_8"):
        if c in rasa:
            out.append({"target": f"answer through Rasa p95 <= {RASA_P95_MS} ms ({c.replace('_', ' ')})",
                        "met": rasa[c]["p95_ms"] <= RASA_P95_MS, "value": rasa[c]["p95_ms"],
                        "against": f"{RASA_P95_MS} ms", "margin": round(RASA_P95_MS - rasa[c]["p95_ms"], 2)})
    return out + load_fault_targets(results) + stack_memory_targets(results) + at_scale_targets(results)


def at_scale_targets(results: dict) -> list[dict]:
    scale = results.get("at_scale")
    if not scale:
        return []
    joined = scale["joined"]
    p95 = joined["answering"]["question_embedded_anew"]["p95_ms"]
    return [{"target": f"in-process answer p95 <= {IN_PROCESS_P95_MS} ms at {joined['documents']:,} documents",
             "met": p95 <= IN_PROCESS_P95_MS, "value": p95, "against": f"{IN_PROCESS_P95_MS} ms",
             "margin": round(IN_PROCESS_P95_MS - p95, 2)}]


def stack_memory_targets(results: dict) -> list[dict]:
    sm = results.get("stack_memory")
    if not sm:
        return []
    holders = sorted(name for name, part in sm["parts"].items() if part["holds_torch"])
    return [{"target": f"whole stack resident <= {sm['target_mb']} MB (default corpus)", "met": sm["total_mb"] <= sm["target_mb"],
             "value": sm["total_mb"], "against": f"{sm['target_mb']} MB", "margin": round(sm["target_mb"] - sm["total_mb"], 1)},
            {"target": "only the action server holds the model", "met": holders == ["actions"],
             "value": ", ".join(holders) or "none", "against": "actions", "margin": None}]


RESTART_S = {"actions": 30, "rasa": 60}  # the targets for the killed part to answer again


def load_fault_targets(results: dict) -> list[dict]:
    lf = results.get("load_faults")
    if not lf:
        return []
    steady = lf["steady"]
    out = [{"target": "load: 500 messages at concurrency 20 from 10 addresses, 0 errors", "met": steady["errors"] == 0,
            "value": f"{steady['answered']}/{steady['messages']} answered", "against": "0 errors", "margin": None}]
    for child, limit in RESTART_S.items():
        run = lf.get(f"kill_{child}")
        if not run:
            continue
        f, h = run["fault"], run["history"]
        mid_run = f["killed_after_answers_actually"] < run["messages"]  # else nothing was measured
        kept = (mid_run and run["errors"] == 0 and f["before_window"]["answered"] == f["before_window"]["messages"]
                and f["after_window"]["answered_first_time"] == f["after_window"]["messages"]
                and h["histories_changed_before_the_kill_point"] == 0 and h["answered_questions_missing"] == 0)
        out.append({"target": f"load with the {child} child killed: every message answered, none lost from history",
                    "met": kept and f["restarted"], "value": f"{run['answered']}/{run['messages']} answered, "
                    f"{h['histories_changed_before_the_kill_point'] + h['answered_questions_missing']} history losses",
                    "against": "all, 0", "margin": None})
        back = f["first_cited_answer_after_kill_s"]
        out.append({"target": f"load with the {child} child killed: answers again < {limit} s",
                    "met": back is not None and back < limit, "value": back, "against": f"{limit} s",
                    "margin": round(limit - back, 1) if back is not None else None})
    return out


def _multidoc_targets(results: dict) -> list[dict]:
    """policybot ranks the right document first more often than a plain whole-document bigram BM25 (the better
    of its two scripts), with the questions simplified and as asked."""
    run = (results.get("multidoc") or {}).get("taipei_faq")
    if not run:
        return []
    out = []
    for form in ("simplified", "as_asked"):
        systems = run[form]
        best = max(("bigram_bm25", "bigram_bm25_original_script"), key=lambda s: systems[s]["recall@1"])
        margin = round(systems["policybot"]["recall@1"] - systems[best]["recall@1"], 4)
        out.append({"target": f"policybot beats whole-document bigram BM25, document R@1, Taipei FAQ, questions "
                              f"{form.replace('_', ' ')}", "met": margin > 0, "value": systems["policybot"]["recall@1"],
                    "against": f"{best} {systems[best]['recall@1']}", "margin": margin})
    return out

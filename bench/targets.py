"""The issue's targets, judged on the measured figures: met or missed, by how much."""
from __future__ import annotations

FUSION_METRICS = ("recall@5", "mrr@10")
IN_PROCESS_P95_MS = 100
RASA_P95_MS = 250


def judge(results: dict) -> list[dict]:
    out = []
    for name, run in results["retrieval"].items():
        for metric in FUSION_METRICS:
            best = max(("bm25", "dense", "chatchat"), key=lambda s: run[s][metric])
            margin = round(run["fusion"][metric] - run[best][metric], 4)
            out.append({"target": f"fusion >= best baseline, {metric}, {name}", "met": margin >= 0,
                        "value": run["fusion"][metric], "against": f"{best} {run[best][metric]}", "margin": margin})
    margins = []
    for name, run in results["cross_script"].items():
        if name.endswith("with_opencc"):
            margins.append((round(run["fusion"]["mrr@10"] - run["bm25"]["mrr@10"], 4), name))
    for name, run in results["retrieval"].items():
        margins.append((round(run["fusion"]["mrr@10"] - run["bm25"]["mrr@10"], 4), name))
    best_margin, where = max(margins)
    out.append({"target": "fusion beats BM25 alone (same script handling) somewhere that matters, MRR@10",
                "met": best_margin > 0, "value": best_margin, "against": where, "margin": best_margin})
    latency = results["speed"]["answer_in_process"].get("10000")
    if latency:
        out.append({"target": f"in-process answer p95 <= {IN_PROCESS_P95_MS} ms at 10k chunks",
                    "met": latency["p95_ms"] <= IN_PROCESS_P95_MS, "value": latency["p95_ms"],
                    "against": f"{IN_PROCESS_P95_MS} ms", "margin": round(IN_PROCESS_P95_MS - latency["p95_ms"], 2)})
    rasa = results.get("rasa") or {}
    for c in ("concurrency_1", "concurrency_8"):
        if c in rasa:
            out.append({"target": f"answer through Rasa p95 <= {RASA_P95_MS} ms ({c.replace('_', ' ')})",
                        "met": rasa[c]["p95_ms"] <= RASA_P95_MS, "value": rasa[c]["p95_ms"],
                        "against": f"{RASA_P95_MS} ms", "margin": round(RASA_P95_MS - rasa[c]["p95_ms"], 2)})
    return out

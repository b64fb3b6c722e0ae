"""The at-scale benchmark's corpora: joined documents are two different passages each, no pair twice, and every
passage's holders are the documents that contain it; its report section and target read the figures it writes."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bench.at_scale import joined_documents
from bench.report import _at_scale_section
from bench.targets import at_scale_targets


@settings(max_examples=50, deadline=None)
@given(n=st.integers(min_value=2, max_value=12), count=st.integers(min_value=1, max_value=40), seed=st.integers(0, 99))
def test_joined_documents_are_distinct_pairs_of_different_passages(n, count, seed):
    real = {f"p{i:02d}.txt": f"第{i}段。\n" for i in range(n)}
    count = min(count, n * (n - 1))
    docs, holders = joined_documents(real, count, seed)
    assert len(docs) == count and len(set(docs.values())) == count
    for name, text in docs.items():
        parts = [p for p, t in real.items() if t.strip() in text]
        assert len(parts) == 2
        assert all(name in holders[p] for p in parts)


def _corpus(documents: int, p95: float) -> dict:
    timing = {"n": 200, "median_ms": p95 / 2, "p95_ms": p95, "mean_ms": p95 / 2}
    return {"documents": documents, "chars": documents * 700, "chars_per_s": 5000, "index_mb_on_disk": 100.0,
            "build": {"chunks": documents * 3, "build_s": 100.0, "peak_rss_mb": 900.0, "worker_peak_rss_mb": 1100.0},
            "answering": {"dense_index": "flat", "rss_mb": 1200.0, "question_embedded_anew": timing,
                          "question_embedding_cached": timing, "first_citation_gold": 0.8, "answer_holds_gold": 0.6}}


def test_the_report_and_the_target_read_the_figures():
    results = {"at_scale": {"questions": 200, "load_average_at_start": 1.0, "real": _corpus(4935, 40.0),
                            "joined": _corpus(20000, 120.0)}}
    text = "\n".join(_at_scale_section(results))
    assert "## At scale" in text and "20,000" in text and "4,935" in text
    [target] = at_scale_targets(results)
    assert not target["met"] and target["value"] == 120.0 and "20,000 documents" in target["target"]
    assert at_scale_targets({"at_scale": None}) == []

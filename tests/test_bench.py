"""The benchmark suite's smoke run (`python -m bench --quick`) and the parts it is built from."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bench.retrieval import gold_rows
from bench.splitter import split_spans
from bench.systems import ChunkRef
from knowledge.config import PROJECT_ROOT, load_settings
from knowledge.evaluation.ranks import recall_mrr
from knowledge.index.dense import APPROXIMATE, DENSE_EXACT_UP_TO, DenseIndex, choose_kind

SECTIONS = ("meta", "retrieval", "cross_script", "multidoc", "dev_questions", "calibration", "speed", "scaling", "rasa",
            "targets")


def test_splitter_keeps_chunks_within_size_and_overlapping():
    text = "政策规定了补贴标准。" * 40 + "\n" + "没有句号的长段落" * 50
    spans = split_spans(text, 250, 50)
    assert all(0 < e - s <= 250 for s, e in spans)
    assert spans[1][0] < spans[0][1]  # consecutive sentence-packed chunks overlap
    covered = {i for s, e in spans for i in range(s, e)}
    assert covered >= {i for i, ch in enumerate(text) if not ch.isspace()}


def test_gold_is_the_chunk_holding_the_whole_answer_span():
    from bench.datasets import Question

    refs = [ChunkRef("p1", 0, 100), ChunkRef("p1", 90, 200), ChunkRef("p2", 0, 100)]
    qs = [Question("a", "p1", "?", 95, 99), Question("b", "p1", "?", 150, 160), Question("c", "p1", "?", 98, 105)]
    assert gold_rows(refs, qs) == [{0, 1}, {1}, {1}]
    assert recall_mrr([1, 3, None, 12]) == {"recall@1": 0.25, "recall@5": 0.5, "recall@10": 0.5,
                                           "mrr@10": round((1 + 1 / 3) / 4, 4), "questions": 4}


def test_dense_index_kind_is_chosen_by_size_and_overridable():
    assert choose_kind("auto", 1000) == "flat"
    assert choose_kind("auto", DENSE_EXACT_UP_TO) == "flat"
    assert choose_kind("auto", DENSE_EXACT_UP_TO + 1) == APPROXIMATE != "flat"
    assert choose_kind("ivf", 10) == "ivf"
    with pytest.raises(ValueError, match="POLICYBOT_DENSE_INDEX"):
        choose_kind("annoy", 10)
    assert load_settings({"POLICYBOT_DENSE_INDEX": "hnsw"}).dense_index == "hnsw"


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_every_dense_index_kind_finds_a_stored_vector_first(kind):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(2000, 64)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = DenseIndex(vectors, kind)
    scores, rows = index.search(vectors[123], 5)
    assert index.kind == kind and rows[0] == 123 and scores[0] == pytest.approx(1.0, abs=1e-4)


def test_exact_search_is_every_cosine_sorted():
    rng = np.random.default_rng(2)
    vectors = rng.normal(size=(500, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[7] = vectors[3]  # a tie: the lower row first
    index, query = DenseIndex(vectors, "flat"), vectors[3]
    cosines = vectors @ query
    expected = np.lexsort((np.arange(500), -cosines))
    for k in (1, 10, 500, 600):
        scores, rows = index.search(query, k)
        assert rows.tolist() == expected[:k].tolist() and np.allclose(scores, cosines[rows])
    assert rows[:2].tolist() == [3, 7]
    assert DenseIndex(vectors[:0], "flat").search(query, 5)[1].size == 0


def test_quick_benchmark_writes_every_section_with_sane_values(tmp_path, dev_questions, corpus_settings):
    env = {**os.environ, **corpus_settings.to_env()}
    subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path),
                    "--eval-dir", str(dev_questions.parent)], cwd=PROJECT_ROOT, env=env, check=True, timeout=900)
    results = json.loads((tmp_path / "benchmarks.json").read_text(encoding="utf-8"))
    assert set(SECTIONS) <= set(results)
    runs = list(results["retrieval"].values()) + list(results["cross_script"].values())
    assert set(results["retrieval"]) == {"cmrc2018", "drcd"} and len(results["cross_script"]) == 4
    for run in runs:
        for system in ("bm25", "dense", "fusion"):
            m = run[system]
            assert 0 <= m["recall@1"] <= m["recall@5"] <= m["recall@10"] <= 1 and 0 <= m["mrr@10"] <= 1
            assert m["recall@1"] <= m["mrr@10"] <= m["recall@10"]
    assert 0 < results["retrieval"]["cmrc2018"]["fusion"]["recall@10"]
    cal = results["calibration"]
    assert cal["shipped_threshold"] == load_settings().decline_below
    assert all(0 <= (row["answered_recall"] or 0) <= 1 for row in cal["sweep"])
    latency = results["speed"]["answer_in_process"]["default"]
    assert 0 < latency["median_ms"] <= latency["p95_ms"]
    assert results["speed"]["index_build"]["cmrc_drcd_pooled"]["chunks"] > 0
    assert results["scaling"]["sizes"]["1000"]["dense"]["flat"]["recall@10_vs_flat"] == 1.0
    md = (tmp_path / "benchmarks.md").read_text(encoding="utf-8")
    assert f"on {os.cpu_count()} cores" in md and "## Targets" in md

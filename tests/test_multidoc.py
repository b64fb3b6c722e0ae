"""The multi-document benchmark (bench/multidoc.py) on a small sample of the Taipei FAQ: real model, real indexes."""
from __future__ import annotations

import pytest

from bench.cache import EmbeddingCache
from bench.multidoc import SYSTEMS, BigramBaseline, Faq, gold, load_faq, taipei_faq
from knowledge.config import load_settings
from knowledge.text.script import to_simplified

from tests.conftest import SHARED_EVAL


@pytest.fixture(scope="module")
def eval_dir():
    if not (SHARED_EVAL / "taipei_faq" / "faq.jsonl").exists():
        pytest.skip(f"{SHARED_EVAL}/taipei_faq/faq.jsonl not found: put shared/ beside the repository or set POLICYBOT_EVAL_DIR")
    return SHARED_EVAL


def test_answers_with_the_same_text_are_the_same_document_and_the_baseline_finds_shared_words():
    faqs = [Faq("a", "臺北市政府社會局", "老人津貼怎麼申請？", "請向戶籍地區公所申請中低收入老人生活津貼。"),
            Faq("b", "臺北市政府社會局", "津貼在哪裡辦？", "請向戶籍地區公所申請中低收入老人生活津貼。"),
            Faq("c", "臺北市政府體育局", "運動中心幾點開門？", "各區運動中心每日上午六時開放至晚間十時。")]
    assert gold(faqs) == [{"a", "b"}, {"a", "b"}, {"c"}]
    baseline = BigramBaseline(faqs, to_simplified)
    assert baseline.rank(to_simplified("運動中心開放時間"))[0] == "c"
    assert baseline.rank(to_simplified("體育局"))[0] == "c"  # the dept is part of each document, as policybot's header


def test_the_benchmark_reports_every_system_in_both_question_forms(eval_dir, tmp_path):
    settings = load_settings()
    run = taipei_faq(eval_dir, settings, EmbeddingCache(tmp_path, settings.model), limit=40)
    assert run["documents"] == run["questions"] == 40 == len(load_faq(eval_dir, 40))
    assert run["chunks"] >= run["documents"] and run["fusion"]["document"] > 0
    for form in ("simplified", "as_asked"):
        assert set(run[form]) == set(SYSTEMS)
        for m in run[form].values():
            assert 0 <= m["recall@1"] <= m["recall@5"] <= 1 and m["questions"] == 40
    # policybot converts a question to simplified itself: the two forms are the same to it, not to the baselines
    assert run["simplified"]["policybot"] == run["as_asked"]["policybot"]
    assert run["simplified"]["policybot"]["recall@5"] > 0.5  # 40 documents: the right one is rarely beyond 5

"""The learned answer-sentence selector: the shipped model matches the features the product computes, features
stay finite whatever the sentences, and the fitting script in the repository runs and gives a working model."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from knowledge.answer.selector import FEATURES, Candidate, Question, Selector, features, load_selector
from knowledge.answer.selector.features import _numbers, number_agreement, slot
from knowledge.answer.selector.model import FIGURES_FILE, MODEL_FILE
from knowledge.config import PROJECT_ROOT
from knowledge.text.answer_types import asked
from conftest import SHARED_EVAL


def test_the_shipped_model_is_fitted_on_these_features_and_documented():
    selector = load_selector(MODEL_FILE)
    assert tuple(selector.booster.feature_name()) == FEATURES
    figures = json.loads(FIGURES_FILE.read_text(encoding="utf-8"))
    assert figures["data"] == ["cmrc2018_trial", "drcd_test"]  # the fitting sets, never the dev sets
    assert figures["features"] == list(FEATURES) and figures["groups"] > 1000


def test_the_slot_is_what_stands_where_the_question_asks():
    """哪一张专辑 restated as 这张专辑: the sentence names the album elsewhere; 《爱情万岁》 in the slot answers."""
    left, right = "五月天的", "专辑得到了第十二届金曲奖"
    restated = slot(left, right, "五月天也以这张专辑获得第十二届金曲奖的最佳乐团奖")
    assert restated.aligned == 2 and "这" in restated.filler
    assert slot("南加大和", "学校在大学足球的竞争上", "两校在大学足球的竞争上堪称是全国最激烈的").filler.endswith("两")
    answering = slot(left, right, "乐团推出第二张专辑《爱情万岁》")
    assert answering.aligned == 1 and "这" not in answering.filler and "第二" in answering.filler
    assert slot(left, right, "乐团于2000年推出新唱片").aligned == 0


def test_a_dated_question_matches_its_date_and_not_another():
    asked_numbers = _numbers("在1991年，杨丽音有什么活动？")
    assert number_agreement(asked_numbers, "1991年曾与邰智源、许效舜合组三口组") == (1.0, 0.0)
    assert number_agreement(asked_numbers, "杨丽音于1981年时毕业于国光艺校") == (0.0, 1.0)
    assert number_agreement(set(), "1981年") == (0.0, 0.0)


def _candidate(text: str, rank: int, vec: np.ndarray) -> Candidate:
    return Candidate(text, tuple(text[i:i + 2] for i in range(0, len(text) - 1, 2)), vec, "", "", 0.5, 1.0 - rank / 10, rank, 0.7)


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet="临川区不动产登记一般5个工作日之前三个部门现在只需要跑一个，。；“”、以下措施一是", max_size=60),
                min_size=1, max_size=12),
       st.text(alphabet="临川区不动产登记要多长时间几个部门怎么？", min_size=1, max_size=20))
def test_features_and_scores_are_finite_for_any_sentences(texts, question):
    rng = np.random.default_rng(len(texts))
    vecs = rng.normal(size=(len(texts) + 1, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    q = Question(question, tuple(question[i:i + 2] for i in range(0, len(question) - 1, 2)), vecs[-1], asked(question))
    cands = [_candidate(t, i, vecs[i]) for i, t in enumerate(texts)]
    matrix = features(q, cands, lambda w: 3.0)
    assert matrix.shape == (len(texts), len(FEATURES)) and np.isfinite(matrix).all()
    scores = load_selector(MODEL_FILE).scores(q, cands, lambda w: 3.0)
    assert scores.shape == (len(texts),) and np.isfinite(scores).all()
    assert np.array_equal(scores, load_selector(MODEL_FILE).scores(q, cands, lambda w: 3.0))


def test_the_fitting_script_fits_a_model_that_ranks(tmp_path):
    if not (SHARED_EVAL / "cmrc2018" / "cmrc2018_trial.json").exists():
        import pytest

        pytest.skip(f"{SHARED_EVAL} has no CMRC trial set")
    out = tmp_path / "selector"
    done = subprocess.run([sys.executable, "-m", "bench.fit_selector", "--eval-dir", str(SHARED_EVAL), "--cache-dir",
                           str(PROJECT_ROOT / "var" / "bench-cache"), "--out", str(out), "--passages", "12",
                           "--rounds", "40", "--no-cv"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = json.loads((out / "training.json").read_text(encoding="utf-8"))
    assert figures["rounds"] == 40 and figures["passages_per_set"] == 12
    # In sample, a fitted ranker finds the answer sentence far more often than chance.
    accuracy = figures["first_sentence_accuracy_in_sample"]
    assert min(accuracy.values()) > 0.5, accuracy
    Selector(out / "selector.txt")  # loads, with the product's feature names

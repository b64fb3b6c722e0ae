"""The fitted answer-sentence selector: a LightGBM ranking model over knowledge/answer/selector/features.py, fitted by
bench/fit_selector.py (`make selector`) and shipped as a text file beside this module."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .features import FEATURES, Candidate, Question, features

MODEL_FILE = Path(__file__).with_name("selector.txt")
FIGURES_FILE = Path(__file__).with_name("training.json")


class SelectorUnavailable(RuntimeError):
    pass


class Selector:
    """Scores candidate sentences of one question: higher is a better first sentence of the answer."""

    def __init__(self, path: Path = MODEL_FILE):
        import lightgbm

        if not path.exists():
            raise SelectorUnavailable(f"no answer-selector model at {path}: run `make selector` to fit it")
        self.booster = lightgbm.Booster(model_file=str(path))
        names = tuple(self.booster.feature_name())
        if names != FEATURES:
            raise SelectorUnavailable(
                f"the answer-selector model {path} was fitted on other features ({len(names)} vs {len(FEATURES)} "
                "in knowledge/answer/selector/features.py): run `make selector` to fit it again")

    def scores(self, question: Question, candidates: Sequence[Candidate], idf: Callable[[str], float]) -> np.ndarray:
        if not candidates:
            return np.zeros(0, np.float32)
        return self.score_matrix(features(question, candidates, idf))

    def score_matrix(self, matrix: np.ndarray) -> np.ndarray:
        # One thread: a question has a few dozen candidates, and the action server answers several at once.
        return np.asarray(self.booster.predict(matrix, num_threads=1), dtype=np.float32)


def load_selector(path: Path = MODEL_FILE) -> Selector:
    """The model in `path`, read afresh (20 ms): each knowledge base loads its own, so one loaded after
    `make selector` gets the model fitted again."""
    return Selector(path)


def training_figures(path: Path = FIGURES_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

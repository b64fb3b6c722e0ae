"""The learned answer-sentence selector: features of a candidate sentence and the model that ranks them."""
from .features import FEATURES, Candidate, Question, features
from .model import Selector, SelectorUnavailable, load_selector

__all__ = ["FEATURES", "Candidate", "Question", "Selector", "SelectorUnavailable", "features", "load_selector"]

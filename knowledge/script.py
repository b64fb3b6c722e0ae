"""Simplified and traditional Chinese: index in simplified, answer in the script of the question."""
from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=None)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def to_simplified(text: str) -> str:
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def is_traditional(text: str) -> bool:
    """True when the text uses more traditional-only than simplified-only characters."""
    t2s, s2t = _converter("t2s"), _converter("s2t")
    traditional = sum(1 for ch in text if t2s.convert(ch) != ch)
    simplified = sum(1 for ch in text if s2t.convert(ch) != ch)
    return traditional > simplified


def in_script_of(text: str, question: str) -> str:
    """Text converted to the script the question was written in."""
    return to_traditional(text) if is_traditional(question) else to_simplified(text)

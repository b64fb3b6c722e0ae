"""Simplified and traditional Chinese: index in simplified, answer in the script of the question."""
from __future__ import annotations

from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=None)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def to_simplified(text: str) -> str:
    # Whole documents are converted once, at indexing: only sentence-sized texts are worth remembering.
    return _to_simplified_cached(text) if len(text) <= 1000 else _converter("t2s").convert(text)


# Sentences recur from question to question and the pure-Python converter takes ~0.3 ms a sentence. These caches
# are module-level: a text's conversion is the same whatever the index or knowledge base.
@lru_cache(maxsize=65536)
def _to_simplified_cached(text: str) -> str:
    return _converter("t2s").convert(text)


def to_traditional(text: str) -> str:
    return _converter("s2t").convert(text)


def is_traditional(text: str) -> bool:
    """True when the text uses more traditional-only than simplified-only characters."""
    traditional = sum(1 for ch in text if _script_of_char(ch) == "t")
    simplified = sum(1 for ch in text if _script_of_char(ch) == "s")
    return traditional > simplified


@lru_cache(maxsize=None)
def _script_of_char(ch: str) -> str:
    """"t" for a traditional-only character, "s" for a simplified-only one, "" for either."""
    if _converter("t2s").convert(ch) != ch:
        return "t"
    return "s" if _converter("s2t").convert(ch) != ch else ""


def in_script_of(text: str, question: str) -> str:
    """Text converted to the script the question was written in."""
    return to_traditional(text) if is_traditional(question) else to_simplified(text)


def simplified_chars(text: str) -> str:
    """Simplified text of the same length, converted character by character, so that an offset found in it
    holds in `text` (whole-text conversion may turn a phrase into one of another length)."""
    return "".join(_simplified_char(ch) for ch in text)


@lru_cache(maxsize=None)
def _simplified_char(ch: str) -> str:
    converted = _converter("t2s").convert(ch)
    return converted if len(converted) == 1 else ch

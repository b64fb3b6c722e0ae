"""A question reduced to what makes two wordings the same question: simplified script, full-width folded,
case folded, punctuation, symbols and spaces removed."""
from __future__ import annotations

import unicodedata

from ..text.script import to_simplified


def normalise(question: str) -> str:
    text = to_simplified(unicodedata.normalize("NFKC", question)).casefold()
    # Categories P (punctuation), S (symbols), Z (separators) and C (controls): "？" and "?" alike, "Q&A" stays "qa".
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def bigrams(normalised: str) -> frozenset[str]:
    """Character bigrams (a one-character text is its own): Chinese needs no segmentation for these, so
    wordings that jieba would cut differently still share them."""
    if len(normalised) < 2:
        return frozenset({normalised}) if normalised else frozenset()
    return frozenset(normalised[i:i + 2] for i in range(len(normalised) - 1))

"""Which Chinese characters are common: mojibake is made of rare ones."""
from __future__ import annotations

import collections
from functools import lru_cache
from pathlib import Path

import jieba

from .script import to_simplified

COMMON_RANK = 3000  # characters ranked by frequency in jieba's dictionary; mojibake ranks far below


# jieba's own dictionary, which never changes while running: counted once per process.
@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    counts: collections.Counter[str] = collections.Counter()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as fh:
        for line in fh:
            word, freq, *_ = line.split(" ")
            for ch in word:
                counts[ch] += int(freq)
    return frozenset(ch for ch, _ in counts.most_common(COMMON_RANK))


def is_common_char(ch: str) -> bool:
    return ch in _common() or to_simplified(ch) in _common()

"""Chinese word segmentation for BM25 and for matching questions to sentences, with the domain dictionary."""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.posseg

_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9.%]+")
_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)*%?")
_STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")


class Tokenizer:
    """jieba with a domain dictionary (or none): search words, place names, and the places the dictionary knows.

    One belongs to each knowledge base and one to each index build, and the segmentations it remembers go with
    it: a knowledge base loaded with another dictionary starts afresh. jieba itself is loaded on first use (a
    second or so), so that an index build with nothing to do never pays for it."""

    def __init__(self, user_dict: Path | None):
        self.user_dict = user_dict
        self._lock = threading.Lock()
        self._jieba: jieba.Tokenizer | None = None
        self._pos: jieba.posseg.POSTokenizer | None = None
        # Sentences recur from question to question: their words are segmented once.
        self._words = lru_cache(maxsize=65536)(self._segment)
        self._entries = _entries(user_dict)  # read once: the gazetteer, the terms and the tagger's tags
        # Place names of the domain dictionary: the places the product knows to be real.
        self.gazetteer = frozenset(parts[0] for parts in self._entries if parts and parts[-1] == "ns")
        self._terms = frozenset(parts[0] for parts in self._entries if parts)

    def words(self, text: str) -> list[str]:
        """Search-mode words of a simplified text, without punctuation or stop words.

        Search mode also emits the parts of long words (不动产登记 -> 不动产, 登记), so a question and a passage that
        segment a compound differently still share terms.
        """
        return list(self._words(text))

    def places(self, text: str) -> list[str]:
        """Place names (jieba's ns tag) in a simplified text, in order of appearance."""
        return places_of(self.tagged(text))

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """Every word of a simplified text, punctuation included, in order, with its jieba part-of-speech tag."""
        return [(p.word, p.flag) for p in self._tagger().cut(text)]

    def frequency(self, word: str) -> int:
        """The word's count in jieba's dictionary (everyday Chinese, with the domain words); 0 if it has none."""
        return self._segmenter().FREQ.get(word, 0)

    def is_term(self, word: str) -> bool:
        """A word of the domain dictionary (好差评), or one jieba's dictionary does not know (物管, found by its
        model): a named thing, not everyday wording (今年, 抓好)."""
        return word in self._terms or self.frequency(word) == 0

    def _segment(self, text: str) -> tuple[str, ...]:
        stop = stopwords()
        return tuple(w for w in self._segmenter().cut_for_search(text) if _WORD.fullmatch(w) and w not in stop)

    def _segmenter(self) -> jieba.Tokenizer:
        with self._lock:
            if self._jieba is None:
                tok = jieba.Tokenizer()
                tok.initialize()
                if self.user_dict:
                    tok.load_userdict(str(self.user_dict))
                self._jieba = tok
            return self._jieba

    def _tagger(self) -> jieba.posseg.POSTokenizer:
        segmenter = self._segmenter()
        with self._lock:
            if self._pos is None:
                pos = jieba.posseg.POSTokenizer(segmenter)
                # POSTokenizer reads tags from the main dictionary only: add the domain dictionary's (its places are ns).
                for parts in self._entries:
                    if len(parts) == 3:
                        pos.word_tag_tab[parts[0]] = parts[2]
                self._pos = pos
            return self._pos


def places_of(tagged: list[tuple[str, str]]) -> list[str]:
    """The place names among tagged words (see Tokenizer.tagged)."""
    return [word for word, tag in tagged if tag == "ns" and len(word) >= 2]


def _entries(user_dict: Path | None) -> list[list[str]]:
    """The dictionary's lines as (word, frequency, tag) parts; none without a dictionary."""
    if not user_dict or not user_dict.exists():
        return []
    return [line.split() for line in user_dict.read_text(encoding="utf-8").splitlines()]


# The stop-word list ships with the package and never changes while running: read once per process.
@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(_STOPWORDS_FILE.read_text(encoding="utf-8").split())


def bigrams(text: str) -> list[str]:
    """Overlapping character pairs of each run of Chinese characters (a lone character as it is), and Latin words
    and numbers whole, lower-cased.

    They need no segmentation, so a question and a document that jieba splits differently (a department's name,
    a compound it does not know) still share terms: what a document-level index wants.
    """
    out: list[str] = []
    for m in _RUN.finditer(text.lower()):
        run = m.group()
        if len(run) > 1 and "\u3400" <= run[0] <= "\u9fff":
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out

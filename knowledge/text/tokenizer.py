"""Chinese word segmentation for BM25 and for matching questions to sentences."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.posseg

_WORD = re.compile(r"[\u3400-\u9fffA-Za-z0-9.%]+")
_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+(?:\.[0-9]+)*%?")
_STOPWORDS_FILE = Path(__file__).with_name("stopwords.txt")


@lru_cache(maxsize=None)
def _tokenizer(user_dict: str) -> jieba.Tokenizer:
    tok = jieba.Tokenizer()
    tok.initialize()
    if user_dict:
        tok.load_userdict(user_dict)
    return tok


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return frozenset(_STOPWORDS_FILE.read_text(encoding="utf-8").split())


def tokens(text: str, user_dict: Path | None) -> list[str]:
    """Search-mode words of a simplified text, without punctuation or stop words.

    Search mode also emits the parts of long words (不动产登记 -> 不动产, 登记), so a question and a passage that
    segment a compound differently still share terms.
    """
    return list(_tokens(text, str(user_dict or "")))


@lru_cache(maxsize=65536)  # sentences recur from question to question
def _tokens(text: str, user_dict: str) -> tuple[str, ...]:
    stop = stopwords()
    return tuple(w for w in _tokenizer(user_dict).cut_for_search(text) if _WORD.fullmatch(w) and w not in stop)


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


@lru_cache(maxsize=None)
def _pos_tokenizer(user_dict: str) -> jieba.posseg.POSTokenizer:
    pos = jieba.posseg.POSTokenizer(_tokenizer(user_dict))
    # POSTokenizer reads tags from the main dictionary only: add the domain dictionary's (its places are ns).
    if user_dict:
        for line in Path(user_dict).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 3:
                pos.word_tag_tab[parts[0]] = parts[2]
    return pos


def places(text: str, user_dict: Path | None) -> list[str]:
    """Place names (jieba's ns tag) in a simplified text, in order of appearance."""
    pos = _pos_tokenizer(str(user_dict or ""))
    return [p.word for p in pos.cut(text) if p.flag == "ns" and len(p.word) >= 2]


@lru_cache(maxsize=4)
def gazetteer(user_dict: Path) -> frozenset[str]:
    """Place names of the domain dictionary: the places the product knows to be real."""
    lines = user_dict.read_text(encoding="utf-8").splitlines() if user_dict.exists() else []
    return frozenset(ln.split()[0] for ln in lines if ln.strip().endswith(" ns"))

"""The features of a candidate answer sentence: what the learned selector sees.

One function computes them for the product and for fitting (bench/fit_selector.py), so that the model is
fitted on exactly what it will be given. The candidates of one question are scored together: several
features compare a sentence with the others (a word every candidate shares is the topic, not the answer).
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ...text.answer_types import (QUESTION_WORDS, Asked, Kind, about_past, about_present, announces_list, is_item, leans_back,
                            points_back, states, states_unit)

_PUNCT = re.compile(r"[\s，。、；：？！“”‘’（）《》「」『』【】,.;:?!()\"'\-—…·~～/]")
KINDS = tuple(Kind)


@dataclass(frozen=True)
class Question:
    """The question as the features need it: simplified text, its words, its embedding and its asked type."""

    text: str
    tokens: tuple[str, ...]
    vector: np.ndarray = field(repr=False)
    asked: Asked


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer, with where it stands: its neighbours in the document and the chunk it was
    found in."""

    text: str  # simplified, speaker label removed
    tokens: tuple[str, ...]
    vector: np.ndarray = field(repr=False)
    previous: str  # the document's sentence before it ("" for the first)
    following: str
    position: float  # index among the document's sentences / their count
    chunk_score: float  # the fused retrieval score of its chunk
    chunk_rank: int  # 0 for the best chunk
    chunk_dense: float  # cosine of question and chunk


FEATURES = (
    "bigram_share", "bigram_local", "bigram_local_rel", "bigram_local_rank", "char_local", "char_local_rel",
    "word_idf", "word_idf_rel", "word_local", "word_local_rel", "proximity", "proximity_rel", "proximity_rank",
    "focus_left", "focus_right", "previous_local", "following_local", "window_local", "novelty",
    "cosine", "cosine_rel", "cosine_rank", "chunk_score", "chunk_score_rel", "chunk_rank", "chunk_dense",
    "position", "length", "question_length", "kind", "states_kind", "states_unit", "category",
    "has_digit", "has_date", "has_money", "has_ratio", "has_duration", "has_quote", "has_enumeration",
    "has_definition", "has_reason", "past", "present", "past_asked", "announces", "item", "is_question",
    "leans_back", "points_back", "previous_states_kind", "following_states_kind", "following_points_back",
    "following_leans_back", "states_form",
    "trigram_local", "trigram_local_rel", "longest_match", "longest_match_rel", "coverage_runs",
    "numbers_matched", "numbers_conflict",
    "slot_aligned", "slot_refers_back", "slot_new", "slot_length", "previous_slot_refers_back", "following_slot_refers_back",
)
KIND_FEATURE = FEATURES.index("kind")  # categorical


# Candidates recur from question to question. Module-level: a text's bigrams and characters depend on no index.
@lru_cache(maxsize=131072)
def _grams(text: str, n: int) -> frozenset[str]:
    """The text's character n-grams, punctuation removed."""
    t = _PUNCT.sub("", text)
    return frozenset(t[i:i + n] for i in range(len(t) - n + 1))


def _bigrams(text: str) -> frozenset[str]:
    return _grams(text, 2)


@lru_cache(maxsize=65536)
def _chars(text: str) -> frozenset[str]:
    return frozenset(_PUNCT.sub("", text))


_QUOTE = re.compile(r"[“「《『]")
# The form of the asked fact that the question's own words call for: 哪一年 is answered by a year, 几月 by a month.
_FORMS = ((re.compile(r"哪一?年|何年|几年|什么年|那一年"), re.compile(r"\d{2,4}\s*年|[〇零一二三四五六七八九]{4}年|[一二三四五六七八九十百]+年(?:前|后|间)?")),
          (re.compile(r"几月|哪个?月|什么月"), re.compile(r"\d{1,2}\s*月|[一二三四五六七八九十]+月")),
          (re.compile(r"哪一?天|几号|几日|哪日"), re.compile(r"\d{1,2}\s*[日号]|[一二三四五六七八九十]+[日号]")),
          (re.compile(r"哪个朝代|什么朝代|哪一?朝"), re.compile(r"[\u4e00-\u9fff][朝代]|王朝")),
          (re.compile(r"哪个?国家?|哪一?国"), re.compile(r"[\u4e00-\u9fff]{1,6}(?:国|共和国|王国|帝国)")),
          (re.compile(r"哪个?城市|哪座城市|哪一?市"), re.compile(r"[\u4e00-\u9fff]{1,6}市|城")),
          (re.compile(r"百分之几|多少%|比例"), re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之|分之")))


def states_form(question: str, sentence: str) -> bool:
    """Whether the sentence holds, outside the question's own words, the form the question asks for."""
    for asked, form in _FORMS:
        if asked.search(question):
            return any(m.group(0) not in question for m in form.finditer(sentence))
    return False
_DIGIT = re.compile(r"\d|[一二三四五六七八九十两]+[个项家户名条件种次座所位]")


def _question_parts(q: Question) -> tuple[set[str], set[str], str, str, list[tuple[int, str]]]:
    """The question's content bigrams and characters (question words removed), the two characters on either
    side of the asking words, and each content bigram with its position."""
    content = QUESTION_WORDS.sub(" ", q.text)
    bigrams = _spaced_grams(content, 2)
    chars = set(_PUNCT.sub("", content.replace(" ", "")))
    before, after = _cue_context(q)
    left, right = _strip_function(before)[-2:], _strip_function(after)[:2]
    positioned = [(i, q.text[i:i + 2]) for i in range(len(q.text) - 1) if q.text[i:i + 2] in bigrams]
    return bigrams, chars, left if len(left) == 2 else "", right if len(right) == 2 else "", positioned


def _cue_context(q: Question) -> tuple[str, str]:
    """The question's wording before and after its asking words, question words and punctuation removed."""
    if q.asked.cue_start < 0:
        return "", ""
    return (_PUNCT.sub("", QUESTION_WORDS.sub("", q.text[:q.asked.cue_start])),
            _PUNCT.sub("", QUESTION_WORDS.sub("", q.text[q.asked.cue_end:])))


def _spaced_grams(text: str, n: int) -> set[str]:
    """Character n-grams that do not cross a removed question word (marked by a space) or punctuation."""
    return {part[i:i + n] for part in re.split(r"\s+", _PUNCT.sub(" ", text)) for i in range(len(part) - n + 1)}


def _local_weights(keys, df: Counter, n: int) -> dict[str, float]:
    """Candidate-local rarity of each key among n candidates: a bigram most candidates share names the topic,
    one few share tells them apart."""
    return {k: math.log((n + 1) / (df.get(k, 0) + 0.5)) for k in keys}


_FUNCTION = re.compile(r"^[是的了在有为被把给对和与及要能会将]+|[是的了在有为被把给对和与及要能会将]+$")


def _strip_function(text: str) -> str:
    return _FUNCTION.sub("", text)


def _longest_common(content: str, text: str) -> int:
    """Length of the longest run of the question's content that the sentence holds as is (a common substring grows
    one character at a time, so the first length with none ends the search)."""
    k = 0
    while k < len(content) and any(content[i:i + k + 1] in text for i in range(len(content) - k)):
        k += 1
    return k


def _covered_by_runs(content: str, text: str) -> float:
    """The share of the question's content characters inside a bigram the sentence holds: words matched in runs,
    not characters scattered."""
    covered = [False] * len(content)
    for i in range(len(content) - 1):
        if content[i:i + 2] in text:
            covered[i] = covered[i + 1] = True
    return sum(covered) / max(len(content), 1)


# A number with its unit: the question's 1991年 or 23岁 picks out one sentence of a biography among many dated ones.
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|[〇零一二三四五六七八九十百千万两]{2,})\s*([年月日号岁届次个名位%％]?)")


def _numbers(text: str) -> set[tuple[str, str]]:
    return {(m.group(1), m.group(2)) for m in _NUMBER.finditer(text)}


def number_agreement(asked: set[tuple[str, str]], text: str) -> tuple[float, float]:
    """The share of the question's numbers the sentence holds, and whether it holds another number with the same
    unit instead (1981年 where 1991年 is asked)."""
    if not asked:
        return 0.0, 0.0
    found = _numbers(text)
    matched = asked & found
    units = {u for _, u in asked - matched if u}
    conflict = any(u in units for _, u in found - asked)
    return len(matched) / len(asked), float(conflict)


# A back-reference where the question has its asking words: 五月天也以这张专辑获得…… restates 哪一张专辑获得…… and
# names the album in another sentence.
_REFERS_BACK = re.compile(r"这|此|该|其|两|二者|他们?|她们?|它们?|牠们?|本[书片剧曲鱼种]")
_ANCHOR = 6  # the longest run of the question's wording looked for on either side of the asking words


@dataclass(frozen=True)
class Slot:
    """Where the question's wording around its asking words stands in a sentence, and what fills the gap."""

    aligned: int  # 0: neither side found, 1: one side, 2: both
    filler: str


def _anchor(context: str, text: str, from_end: bool) -> tuple[int, int] | None:
    """The longest run (2.._ANCHOR characters) of `context` next to the asking words that the text holds, as
    (start, end) in the text; runs a few characters away from the asking words are tried next."""
    for skip in range(0, 3):
        part = context[:len(context) - skip] if from_end else context[skip:]
        for n in range(min(_ANCHOR, len(part)), 1, -1):
            run = part[-n:] if from_end else part[:n]
            at = text.rfind(run) if from_end else text.find(run)
            if at >= 0:
                return at, at + n
    return None


def slot(left: str, right: str, text: str) -> Slot:
    """What the sentence has where the question has its asking words, between the question's wording on the
    left and on the right (four characters beside one side when only one is found)."""
    lo = _anchor(left, text, True) if left else None
    ro = _anchor(right, text, False) if right else None
    if lo and ro and lo[1] <= ro[0]:
        return Slot(2, text[lo[1]:ro[0]][:12])
    if lo:
        return Slot(1, text[lo[1]:lo[1] + 4])
    if ro:
        return Slot(1, text[max(0, ro[0] - 4):ro[0]])
    return Slot(0, "")


def _rel(values: np.ndarray) -> np.ndarray:
    return values - values.max() if len(values) else values


def _rank(values: np.ndarray) -> np.ndarray:
    return (-values).argsort(kind="stable").argsort(kind="stable").astype(np.float32)


def features(q: Question, candidates: Sequence[Candidate], idf: Callable[[str], float]) -> np.ndarray:
    """One row per candidate, columns in FEATURES order. `idf` weighs a word by how rare it is in the corpus."""
    n = len(candidates)
    if not n:
        return np.zeros((0, len(FEATURES)), np.float32)
    q_bigrams, q_chars, left, right, positioned = _question_parts(q)
    s_bigrams = [_bigrams(c.text) for c in candidates]
    s_chars = [_chars(c.text) for c in candidates]
    local = _local_weights(q_bigrams, Counter(b for sb in s_bigrams for b in sb & q_bigrams), n)
    local_total = sum(local.values()) or 1.0
    char_w = _local_weights(q_chars, Counter(ch for sc in s_chars for ch in sc & q_chars), n)
    char_total = sum(char_w.values()) or 1.0
    words = [t for t in dict.fromkeys(q.tokens) if not QUESTION_WORDS.fullmatch(t)]
    word_idf = {t: idf(t) for t in words}
    idf_total = sum(word_idf.values()) or 1.0
    s_tokens = [set(c.tokens) for c in candidates]
    word_df = Counter(t for st in s_tokens for t in st if t in word_idf)
    word_local = {t: word_idf[t] * w for t, w in _local_weights(words, word_df, n).items()}
    word_local_total = sum(word_local.values()) or 1.0
    # Words next to the asking words say what is asked (集双高速的"起点"是哪里): they weigh more.
    cue = q.asked.cue_start if q.asked.cue_start >= 0 else len(q.text)
    prox: dict[str, float] = {}
    for i, b in positioned:
        prox[b] = max(prox.get(b, 0.0), local[b] / (1 + abs(i - cue) / 4))
    prox_total = sum(prox.values()) or 1.0

    # Trigrams weighted as bigrams are: longer runs of the question's wording.
    q_trigrams = _spaced_grams(QUESTION_WORDS.sub(" ", q.text), 3)
    s_trigrams = [_grams(c.text, 3) & q_trigrams for c in candidates]
    tri_w = _local_weights(q_trigrams, Counter(g for st in s_trigrams for g in st), n)
    tri_total = sum(tri_w.values()) or 1.0
    tl = np.array([sum(tri_w[g] for g in st) / tri_total for st in s_trigrams], np.float32)
    content = _PUNCT.sub("", QUESTION_WORDS.sub("", q.text))
    plain = [_PUNCT.sub("", c.text) for c in candidates]
    before, after = _cue_context(q)

    def slot_of(text: str) -> Slot:
        return slot(before, after, _PUNCT.sub("", text)) if text and (before or after) else Slot(0, "")

    asked_numbers = _numbers(q.text)

    def refers_back(sl: Slot) -> float:
        return float(bool(sl.filler) and bool(_REFERS_BACK.search(sl.filler)))
    lm = np.array([_longest_common(content, t) / max(len(content), 1) for t in plain], np.float32)

    def bigram_local(text: str) -> float:
        return sum(local[b] for b in q_bigrams & _bigrams(text)) / local_total if text else 0.0

    share = np.array([len(q_bigrams & sb) / max(len(q_bigrams), 1) for sb in s_bigrams], np.float32)
    bl = np.array([sum(local[b] for b in q_bigrams & sb) / local_total for sb in s_bigrams], np.float32)
    cl = np.array([sum(char_w[ch] for ch in q_chars & sc) / char_total for sc in s_chars], np.float32)
    wi = np.array([sum(v for t, v in word_idf.items() if t in st) / idf_total for st in s_tokens], np.float32)
    wl = np.array([sum(v for t, v in word_local.items() if t in st) / word_local_total for st in s_tokens], np.float32)
    pr = np.array([sum(v for b, v in prox.items() if b in sb) / prox_total for sb in s_bigrams], np.float32)
    prev_l = np.array([bigram_local(c.previous) for c in candidates], np.float32)
    next_l = np.array([bigram_local(c.following) for c in candidates], np.float32)
    cos = np.array([float(c.vector @ q.vector) for c in candidates], np.float32)
    chunk = np.array([c.chunk_score for c in candidates], np.float32)
    kind = float(KINDS.index(q.asked.kind))
    past_asked = float(q.asked.past)
    rows = []
    bl_rank, pr_rank, cos_rank = _rank(bl), _rank(pr), _rank(cos)
    bl_rel, cl_rel, wi_rel, wl_rel, pr_rel, cos_rel, chunk_rel = (_rel(v) for v in (bl, cl, wi, wl, pr, cos, chunk))
    for i, c in enumerate(candidates):
        t = c.text
        novelty = len(s_bigrams[i] - q_bigrams) / max(len(s_bigrams[i]), 1)
        sl = slot_of(t)
        rows.append((
            share[i], bl[i], bl_rel[i], bl_rank[i], cl[i], cl_rel[i], wi[i], wi_rel[i], wl[i], wl_rel[i],
            pr[i], pr_rel[i], pr_rank[i],
            float(bool(left) and left in t), float(bool(right) and right in t), prev_l[i], next_l[i],
            max(bl[i], (bl[i] + prev_l[i]) / 1.5), novelty,
            cos[i], cos_rel[i], cos_rank[i], chunk[i], chunk_rel[i], float(c.chunk_rank), c.chunk_dense,
            c.position, float(len(t)), float(len(q.text)), kind,
            float(states(q.asked.kind, t, q.text)), float(states_unit(q.asked, t, q.text)),
            float(bool(q.asked.category) and q.asked.category in t),
            float(bool(_DIGIT.search(t))), float(states(Kind.DATE, t, q.text)), float(states(Kind.MONEY, t, q.text)),
            float(states(Kind.RATIO, t, q.text)), float(states(Kind.DURATION, t, q.text)), float(bool(_QUOTE.search(t))),
            float(states(Kind.LIST, t)), float(states(Kind.DEFINITION, t)), float(states(Kind.REASON, t)),
            float(about_past(t)), float(about_present(t)), past_asked, float(announces_list(t)), float(is_item(t)),
            float(t.rstrip().endswith(("？", "?"))),
            float(leans_back(t)), float(points_back(t)),
            float(bool(c.previous) and states(q.asked.kind, c.previous, q.text)),
            float(bool(c.following) and states(q.asked.kind, c.following, q.text)),
            float(points_back(c.following)), float(leans_back(c.following)),
            float(states_form(q.text, t)),
            tl[i], tl[i] - tl.max(), lm[i], lm[i] - lm.max(), _covered_by_runs(content, plain[i]),
            *number_agreement(asked_numbers, t),
            float(sl.aligned), refers_back(sl), sum(ch not in q.text for ch in sl.filler) / max(len(sl.filler), 1),
            float(len(sl.filler)), refers_back(slot_of(c.previous)), refers_back(slot_of(c.following)),
        ))
    return np.asarray(rows, dtype=np.float32)

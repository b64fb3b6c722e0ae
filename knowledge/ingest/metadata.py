"""Title, date, source, issuer, places and kind of a document, read from its text (a corpus may override them)."""
from __future__ import annotations

import collections
import re
from pathlib import Path

from ..models import CleanText, Metadata
from ..text.places import is_place
from ..text.script import simplified_chars, to_simplified
from ..text.tokenizer import Tokenizer
from .cleaning import strip_pinyin
from .furniture import FIELD_VALUE
from .notice import iso_date, leading_title, signature, title_issuer

# The date a document bears at its signature (notice.signature) is its own; a site may post it days or years
# later. Without one, the page's dates: a labelled one, then a dateline with a time of day; then any the text gives.
_PAGE_DATES = (
    re.compile(r"(?:发布日期|发布时间|日期)[:：]\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*\d{1,2}:\d{2}"),
)
_TEXT_DATES = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
_ISSUER_FIELD = re.compile(rf"(?:发文机关|发布机构|发文机构|发文单位|发布单位)[:：]\s*({FIELD_VALUE})")
_SOURCE_PATTERNS = (
    re.compile(r"来源[:：]\s*([^\s\]】|]{2,30})"),
    re.compile(r"欢迎访问([^,，。\s]{2,30}?网站)"),
    re.compile(r"用微信扫一扫([^\s]{2,20}?网)"),
)
# The breadcrumb's last step, when it is a title: in a notice scraped as one line, the body follows it.
_LOCATION_LINE = re.compile(r"(?:您当前所在位置|当前位置)[:：][^\n]{0,80}>\s*([^\n>]{2,100})$", re.M)
_ORIGINAL_TITLE = re.compile(r"^原标题[:：]\s*(.+)$", re.M)
# A title line holds no sentence: none ends inside it (headlines may exclaim mid-line: 赛马争先”!三亚…).
_NOT_A_TITLE = re.compile(r"[。；;]|[！？!?]$")
_PLACE_SUFFIX = re.compile(r"..+[省市区县州镇乡]$")


def extract_metadata(doc_id: str, original: str, clean: CleanText, tokenizer: Tokenizer,
                     overrides: dict | None = None) -> Metadata:
    simplified = to_simplified(strip_pinyin(original))
    simplified_clean = to_simplified(clean.text)
    kind = _kind(simplified_clean)
    places = _places(simplified_clean, tokenizer)
    signed_by, signed_on = signature(simplified_clean)
    title = _title(doc_id, simplified, clean.text, kind, places)
    meta = {
        "title": title,
        "date": _date(simplified, signed_on),
        "source": _source(simplified),
        "issuer": _issuer(simplified, signed_by, to_simplified(title)),
        "places": places,
        "kind": kind,
    }
    for key, value in (overrides or {}).items():
        if key in meta:
            meta[key] = tuple(value) if key == "places" else str(value)
    return Metadata(**meta)


def _title(doc_id: str, simplified: str, clean: str, kind: str, places: tuple[str, ...]) -> str:
    located = _LOCATION_LINE.search(simplified) or _ORIGINAL_TITLE.search(simplified)
    if located:
        return located.group(1).strip()
    first = clean.split("\n", 1)[0].strip()
    if 4 <= len(first) <= 60 and not _NOT_A_TITLE.search(first):
        return first
    leading = leading_title(simplified_chars(first))
    if leading:
        return first[leading[0]:leading[1]]
    # No title line (an interview transcript or a plan without its heading): name it by its subject.
    topic = re.search(r"就(“[^”]{1,12}”[^，,。与]{0,12}?)(?:工作)?(?:这个话题|与我们|进行交流)", to_simplified(clean))
    subject = places[:1]
    label = {"interview": "在线访谈", "work_plan": "工作方案", "briefing": "简报", "news": "报道"}[kind]
    parts = [p for p in (subject[0] if subject else "", topic.group(1) if topic else "", label) if p]
    return "".join(parts) if len(parts) > 1 else Path(doc_id).stem


def _date(simplified: str, signed_on: str) -> str:
    return signed_on or _first_date(simplified, _PAGE_DATES) or _first_date(simplified, _TEXT_DATES)


def _first_date(simplified: str, patterns: tuple[re.Pattern[str], ...]) -> str:
    for pattern in patterns:
        m = pattern.search(simplified)
        if m and (date := iso_date(*m.groups())):
            return date
    return ""


def _issuer(simplified: str, signed_by: str, simplified_title: str) -> str:
    """发文机关: a field that names it, else the signature's organisations, else the title's X关于…."""
    field = _ISSUER_FIELD.search(simplified)
    return field.group(1) if field else signed_by or title_issuer(simplified_title)


def _source(simplified: str) -> str:
    for pattern in _SOURCE_PATTERNS:
        m = pattern.search(simplified)
        if m:
            return m.group(1).strip()
    return ""


# Part-of-speech tagging runs at ~14k characters a second: the places a document is about are named in its
# opening stretch, and tagging all of a 2-million-character document would take minutes.
PLACES_SAMPLE_CHARS = 50_000


def _places(simplified_clean: str, tokenizer: Tokenizer) -> tuple[str, ...]:
    known = tokenizer.gazetteer
    counts = collections.Counter(p for p in tokenizer.places(simplified_clean[:PLACES_SAMPLE_CHARS])
                                 if is_place(p) and (p in known or _PLACE_SUFFIX.match(p)))
    return tuple(p for p, n in counts.most_common(6) if n >= 2)


def _kind(simplified_clean: str) -> str:
    lines = [ln for ln in simplified_clean.split("\n") if ln.strip()]
    questions = sum(1 for ln in lines if re.search(r"[?？]$", ln) or ln.startswith("主持人"))
    if "主持人" in simplified_clean and questions >= 3:
        return "interview"
    if "简报" in simplified_clean[:200] or "编者按" in simplified_clean[:400]:
        return "briefing"
    numbered = sum(1 for ln in lines if re.match(r"^\d{1,2}[.、]", ln))
    if numbered >= 5:
        return "work_plan"
    return "news"

"""Figures in a sentence: a number with its unit, and the phrase the number quantifies ("综合受理窗口 6个")."""
from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d+(?:\.\d+)?(?:\s*[-—~]\s*\d+(?:\.\d+)?)?"
_MAGNITUDE = r"(?:余|多)?(?:万|亿|千)?(?:余|多)?"
# Longest units first, so that 个工作日 wins over 个 and 户次 over 户.
_UNITS = ("个工作日", "工作日", "个百分点", "个月", "周岁", "小时", "分钟", "公里", "平方米", "户次", "人次",
          "亿元", "万元", "元", "户", "人", "家", "个", "项", "件", "所", "条", "台", "起", "期", "块", "天",
          "年", "倍", "%", "％", "名", "套", "次", "处", "座", "批", "类", "种", "张", "亩", "辆", "只")
_UNIT = "|".join(re.escape(u) for u in _UNITS)
_AMOUNT = rf"{_NUMBER}\s*{_MAGNITUDE}(?:{_UNIT})"
# "由3个月缩短至10个工作日" is one figure: the change is what a host quotes.
_CHANGE = rf"由[^，,。；;\d]{{0,4}}?{_AMOUNT}\s*(?:缩短|压缩|提升|提高|降低|减少|增加|增长|扩大|下降)(?:至|到了?|为)\s*{_AMOUNT}"
_REACH = rf"(?:(?:缩短|压缩|提升|提高|降低|减少|增加|扩大|下降|增)(?:至|到)|达到|达)?\s*{_AMOUNT}"
_FIGURE = re.compile(rf"(?<![\d.第])(?:{_CHANGE}|{_REACH})")
_LAST_AMOUNT = re.compile(rf"({_NUMBER}\s*{_MAGNITUDE})({_UNIT})$")
_YEAR = re.compile(r"^(?:19|20)\d\d年$")
_STOP = re.compile(r"[，,。；;：:、（()）“”‘’\"「」『』《》【】\[\]！!？?\n]")
_LEAD = re.compile(r"^(?:以来|来|等|其中|并且|同时|目前|已经|今年以来|今年|全年|此外|比如|例如|如|共|累计|总计|合计|我区|我市|全区|全市|"
                   r"已经实现|实现|已|还|并|为|对|向|给|将|把|约|近|超过|都|均|就|这)+")
_EARLIER = re.compile(rf"\d[\d.]*\s*{_MAGNITUDE}(?:{_UNIT})?")
_CLASSIFIERS = set("个家户项件所条台名套座处块张批类种亩辆只")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class FoundFigure:
    """A figure at [start, end) of the sentence it was found in."""

    value: str  # as written: "6个", "3.305亿元", "压缩至5个工作日", "由3个月缩短至10个工作日"
    number: str  # "6", "3.305", "6.5万余"
    unit: str  # "个", "亿元", "个工作日"
    measures: str  # the phrase the number quantifies: "综合受理窗口", "审批时限"
    start: int
    end: int


def find_figures(sentence: str) -> list[FoundFigure]:
    """Figures of a (cleaned) sentence that say what they measure; bare years, ordinals (第59期), item
    numbers (1.) and names in quotes (“省28条”) are not figures."""
    out = []
    for m in _FIGURE.finditer(sentence):
        value = m.group().strip()
        last = _LAST_AMOUNT.search(value)
        if not last or _YEAR.match(value) or _quoted_name(sentence, m.start(), m.end()):
            continue
        number, unit = last.group(1).strip(), last.group(2)
        if unit == "年" and not sentence[:m.start()].endswith("连续"):
            continue  # "2019年", "近3年来" are dates; "连续14年" is a record
        if unit == "元" and number[-1] in "万亿":
            number, unit = number[:-1], number[-1] + unit  # 3.305亿元: the magnitude belongs to the unit
        measures = _measured_phrase(sentence, m.start(), m.end(), unit)
        if len(_CJK.findall(measures)) >= 2:
            out.append(FoundFigure(value, number, unit, measures, m.start(), m.end()))
    return out


def _quoted_name(sentence: str, start: int, end: int) -> bool:
    return end < len(sentence) and sentence[end] in "”’」" and "“" in sentence[max(0, start - 3):start]


def _measured_phrase(sentence: str, start: int, end: int, unit: str) -> str:
    """The words before the figure back to the clause mark ("新引进项目39个" -> 新引进项目); when those are
    only a verb ("为36户企业") or the unit is a classifier followed by its noun ("新建1-2所城区学校"),
    the noun after the figure joins them."""
    before = _STOP.split(sentence[:start])[-1]
    before = _EARLIER.split(before)[-1]  # another figure earlier in the clause ends the phrase
    before = _LEAD.sub("", before.strip())
    if len(before) > 14:  # keep the last whole phrase: "技改资金及贷款贴息补助等企业发展扶持资金" -> 企业发展扶持资金
        before = (re.split(r"[的等及和与]", before[:-2])[-1] + before[-2:])[-14:]
    after = _STOP.split(sentence[end:])[0]
    after = re.split(r"\d", after)[0].lstrip("的")[:10]
    noun_after = unit in _CLASSIFIERS and bool(after) and bool(_CJK.match(after))
    if len(before) <= 2 and after:
        return (after + before).strip() if before and not noun_after else after.strip()
    if noun_after:
        return (before + after).strip()
    return before.strip()


_DATE = re.compile(r"((?:19|20)\d\d)\s*年(?:\s*(\d{1,2})\s*月(?:份)?)?(?:\s*(\d{1,2})\s*日)?")


def date_in(sentence: str) -> str:
    """The first absolute date a sentence names ("2019年9月"), or ""."""
    m = _DATE.search(sentence)
    if not m:
        return ""
    y, mo, d = m.groups()
    return f"{y}年" + (f"{int(mo)}月" if mo else "") + (f"{int(d)}日" if mo and d else "")


_RELATIVE = re.compile(r"(?:今年|去年|前年|本年|上半年|下半年)(?:\d{1,2}\s*(?:[-—~至到]\s*\d{1,2}\s*)?月份?)?(?:以来|底|初|末)?"
                       r"|近\d+年(?:来)?|\d{1,2}\s*(?:[-—~至到]\s*\d{1,2}\s*)?月份?(?:以来|底|初)?")


def relative_date_in(sentence: str) -> str:
    """A date relative to when the document was written ("今年1-11月份"), for documents that give no date."""
    m = _RELATIVE.search(sentence)
    return m.group().strip() if m else ""

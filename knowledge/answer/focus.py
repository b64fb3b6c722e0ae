"""What the asked fact is about: the words of the question's asking clause ("登记费" of "临川办不动产登记，登记费
要交多少钱？"), which a sentence must share to state that fact, and the phrase that names it when the documents
do not ("文件中没有说明登记费的具体金额。")."""
from __future__ import annotations

import re

from ..text.answer_types import HOURS_ASKED, OFFICES, QUESTION_WORDS, Asked, Kind
from ..text.places import place_stem
from ..text.tokenizer import Tokenizer

_CLAUSE = re.compile(r"[，,；;。！!？?：:]")
_LEAD = re.compile(r"^(?:请问|我?想(?:问|咨询|请教)(?:一?下)?|(?:问|咨询|请教)一?下|我想知道|我想了解|请告诉我|那么|那|还有|另外|"
                   r"如果|在)+")
# Verbs and particles between the subject and the asking words: "登记费要交多少钱" -> 登记费, "办理登记要准备什么材料"
# -> 办理登记.
_TRAIL = re.compile(r"(?:的|要|需要|需|得|应该|应当|能|可以|会|是|有|为|在|被|交|缴纳|缴|付|准备|提交|提供|携带|达到|达|一般|大概|大约|约|都|又|还|"
                    r"具体|多少|几)+$")

_OFFICE = re.compile(OFFICES)
_DATED_EVENT = re.compile(r"(?:正式)?(成立|建成|开通|召开|启动|开始|发布|公布|实施|出台|举办|举行)")
_COUNTED_END = re.compile(r"[？?。！!]+$|(?:呢|啊|呀|吗)+$")

_MISSING = {
    Kind.MONEY: "文件中没有说明{}的具体金额。",
    Kind.DURATION: "文件中没有说明{}需要多长时间。",
    Kind.DATE: "文件中没有说明{}的具体时间。",
    Kind.RATIO: "文件中没有给出{}的具体比例。",
    Kind.COUNT: "文件中没有给出{}的具体数量。",
    Kind.ADDRESS: "文件中没有写明{}的地址。",
    Kind.CONTACT: "文件中没有写明{}的联系方式。",
    Kind.MATERIALS: "文件中没有列出{}需要的材料。",
    Kind.DEFINITION: "文件中没有说明{}是什么。",
    Kind.REASON: "文件中没有说明{}的原因。",
}
_MISSING_NO_SUBJECT = {
    Kind.MONEY: "文件中没有说明具体金额。",
    Kind.DURATION: "文件中没有说明需要多长时间。",
    Kind.DATE: "文件中没有说明具体时间。",
    Kind.RATIO: "文件中没有给出具体比例。",
    Kind.COUNT: "文件中没有给出具体数量。",
    Kind.ADDRESS: "文件中没有写明地址。",
    Kind.CONTACT: "文件中没有写明联系方式。",
    Kind.MATERIALS: "文件中没有列出需要的材料。",
    Kind.DEFINITION: "文件中没有说明它是什么。",
    Kind.REASON: "文件中没有说明原因。",
}
MISSING_KINDS = frozenset(_MISSING)  # the asked kinds whose absence missing_sentence can word
# What a 为什么 question asks the reason for is said after the asking words: 办事处为什么要撤销 -> 办事处撤销.
_REASON_PREDICATE = re.compile(r"(?:要|会|能|还要|需要)?([\u4e00-\u9fff]{2,8})")
_DONE_AFTER_CUE = {Kind.DATE: _DATED_EVENT, Kind.REASON: _REASON_PREDICATE}


def asking_clause(simplified: str, asked: Asked) -> tuple[str, int]:
    """The clause holding the asking words, and where they start in it."""
    if asked.cue_start < 0:
        return simplified, len(simplified)
    start = max((m.end() for m in _CLAUSE.finditer(simplified, 0, asked.cue_start)), default=0)
    return simplified[start:], asked.cue_start - start


def subject(simplified: str, asked: Asked) -> str:
    """What the asked fact is about, from the asking clause without lead-ins and joining verbs:
    "登记费要交多少钱" -> 登记费, "临川区不动产登记中心的地址在哪里" -> 临川区不动产登记中心, and for a count the
    thing counted: "吉阳区设置了几个综合受理窗口" -> 吉阳区设置的综合受理窗口."""
    clause, cue = asking_clause(simplified, asked)
    head = _LEAD.sub("", clause[:cue].strip())
    if asked.kind is Kind.DEFINITION and not head and clause.startswith("什么是", cue):  # the subject follows
        return re.sub(r"\s+", "", _COUNTED_END.sub("", clause[cue + (asked.cue_end - asked.cue_start):]).strip())
    if asked.kind == Kind.ADDRESS:  # "政务服务中心在哪里": the asking words open on the office asked about
        office = _OFFICE.match(clause, cue)
        head += office.group(0) if office else ""
    counted = _COUNTED_END.sub("", clause[cue + (asked.cue_end - asked.cue_start):]).strip() if asked.kind == Kind.COUNT else ""
    counted = counted[len(asked.measure):] if asked.measure and counted.startswith(asked.measure) else counted
    if counted and (len(counted) > 8 or re.search(r"[了过着是为把被的]", counted) or QUESTION_WORDS.search(counted)):
        return "“" + _COUNTED_END.sub("", clause).strip() + "”"  # "为多少家企业建立了信用档案": quoted whole
    if counted:
        return re.sub(r"\s+", "", f"{re.sub(r'(?:[拥共还]有|一共有|总共有|有|[了过着])$', '', head)}的{counted}" if head else counted)
    while True:
        shorter = _TRAIL.sub("", head).strip()
        if shorter == head:
            break
        head = shorter
    return re.sub(r"\s+", "", head)


def focus_tokens(simplified: str, asked: Asked, places: tuple[str, ...], tokenizer: Tokenizer) -> frozenset[str]:
    """Content words of the asking clause (places, question words and single characters left out): a
    sentence that states the asked fact about this subject shares at least one of them."""
    clause, _ = asking_clause(simplified, asked)
    stems = {place_stem(p) for p in places} | set(places)
    words = {w for w in tokenizer.words(clause) if len(w) > 1 and not QUESTION_WORDS.fullmatch(w)}
    return frozenset(w for w in words if not any(w in s or s in w for s in stems))


def missing_sentence(simplified: str, asked: Asked) -> str:
    """The honest reply when the topic is covered but the fact is not: what the documents do not say."""
    name = subject(simplified, asked)
    if asked.kind is Kind.DATE and HOURS_ASKED.search(simplified[asked.cue_start:asked.cue_end] if asked.cue_start >= 0 else ""):
        return f"文件中没有写明{name}的办公时间。" if len(name) >= 2 else "文件中没有写明办公时间。"
    if asked.kind not in _MISSING:
        raise ValueError(f"no 'not stated' wording for the asked kind {asked.kind.value!r}")
    if len(name) < 2:
        return _MISSING_NO_SUBJECT[asked.kind]
    # What is done, said after the asking words: 审批服务局是什么时候成立的 asks the date of its founding
    # (审批服务局成立的具体时间), not of the office; 办事处为什么要撤销 the reason for 办事处撤销.
    done = _DONE_AFTER_CUE.get(asked.kind)
    found = done.match(simplified, asked.cue_end) if done else None
    return _MISSING[asked.kind].format(name + (found.group(1) if found else ""))


def not_mentioned(quoted: tuple[str, ...], places: tuple[str, ...] = ()) -> str:
    """The honest reply when no passage found is about the term the question quotes: "文件中没有提到“好差评”。", or
    with the place asked about when other places' documents mention it ("文件中没有提到南昌市的“好差评”。")."""
    terms = "、".join(f"“{t}”" for t in quoted)
    return f"文件中没有提到{places[0]}的{terms}。" if places else f"文件中没有提到{terms}。"


def not_covered_at(places: tuple[str, ...]) -> str:
    """The honest reply when the documents cover the topic, but only other places' documents do."""
    return f"文件中没有{'、'.join(places)}这方面的内容，下面的相关内容来自其他地区。"

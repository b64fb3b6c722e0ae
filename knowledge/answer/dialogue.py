"""Follow-up questions in the context of the previous turn: "那需要多长时间？" after a property-registration
question asks how long property registration takes; "那新余呢？" asks the previous question about 新余."""
from __future__ import annotations

import re

from ..text.answer_types import Kind
from ..text.places import place_stem
from ..text.script import in_script_of, to_simplified
from .knowledge_base import KnowledgeBase
from .query import Reading, read

_MORE = re.compile(r"还有|别的|其他|其它|更多|另外|再说说|继续")
_OPENER = re.compile(r"^(?:那么|那如果|那|然后|再问一下|请问|如果是|如果)+")
_CLOSER = re.compile(r"(?:呢|啊|呀|吧)?[？?。！!\s]*$")


def asks_for_more(follow_up: str) -> bool:
    """"还有呢？" "还有别的吗": more on the same question, not the same answer again."""
    return bool(_MORE.search(to_simplified(follow_up)))


_MATERIAL_WORDS = ("材料", "资料", "证件")  # what 需要带什么材料 asks for


def topic_of(kb: KnowledgeBase, question: Reading, keep: int = 3) -> str:
    """The question's most specific words that the corpus uses (highest IDF first), in question order,
    without what it asked for (部门 of 几个部门 is the asked fact, not the topic). A Query is a Reading: the
    question just answered is not read again."""
    a = question.asked
    cue = question.simplified[a.cue_start:a.cue_end] if a.cue_start >= 0 else ""
    # Single characters (家 of 多少家企业, 个, 项) are measure words and particles, not topics; 材料 of 需要带什么材料
    # was the asked thing, not what the next question is about.
    words = [w for w in dict.fromkeys(question.tokens)
             if len(w) > 1 and kb.lexical.idf(w) < kb.lexical.unseen_idf and w not in (a.unit, a.category)
             and not (cue and w in cue) and not (a.kind is Kind.MATERIALS and w in _MATERIAL_WORDS)]
    # Search-mode segmentation also yields the parts of compounds (不动, 不动产 of 不动产登记): keep the whole.
    whole = [w for w in words if not any(w != o and w in o for o in words)]
    # The place stays whatever else is rarer: 可以网上办吗？ after 临川区……需要带什么材料？ is still about 临川区.
    places = {w for w in whole if w in question.places}
    best = places | set(sorted((w for w in whole if w not in places), key=lambda w: -kb.lexical.idf(w))[:keep])
    return " ".join(w for w in whole if w in best)


def contextualize(kb: KnowledgeBase, follow_up: str, previous: str | None) -> str:
    """The follow-up as a question that stands on its own, in the follow-up's script: a bare place asks the
    previous question about that place ("那新余呢？"); anything else asks its own question about the previous
    question's topic ("那一般需要多长时间？" -> "临川 不动产登记 一般需要多长时间？")."""
    if not previous:
        return follow_up
    follow, before = read(kb, follow_up), read(kb, previous)
    rest = _CLOSER.sub("", _OPENER.sub("", follow.simplified))
    new_places, old_places = list(follow.places), list(before.places)
    for p in new_places:
        rest = rest.replace(p, "")
    if new_places and not rest.strip():
        question = before.simplified
        if old_places:
            for old in sorted(old_places, key=len, reverse=True):
                question = question.replace(old, new_places[0]).replace(place_stem(old), place_stem(new_places[0]))
        else:
            question = new_places[0] + question
        return in_script_of(question, follow_up)
    topic = topic_of(kb, before)
    if new_places:  # "那新余要多久？": the new place takes the old one's role
        for old in old_places:
            topic = topic.replace(old, "").replace(place_stem(old), "")
        topic = " ".join(new_places + topic.split())
    # Words the follow-up says itself are not said twice: "那临川办理不动产登记要跑几个部门呢？" stands on its own.
    said = follow.simplified
    topic = " ".join(w for w in topic.split() if w not in said and place_stem(w) not in said)
    if not topic:
        return follow_up
    rest = rest.strip()
    if follow.asked.kind is Kind.OTHER and before.asked.cue_start >= 0:
        # "那全程网办率呢？" after 一次不跑率达到多少: the same thing asked of the new one (全程网办率多少).
        cue = before.simplified[before.asked.cue_start:before.asked.cue_end]
        rest += cue[1:] if cue[:1] in "率比" and rest.endswith(cue[0]) else cue
    return in_script_of(f"{topic} {rest}？".strip(), follow_up)

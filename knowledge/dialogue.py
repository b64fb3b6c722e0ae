"""Follow-up questions in the context of the previous turn ("那需要多长时间？" after a property-registration
question is about property registration)."""
from __future__ import annotations

import re

from .script import to_simplified
from .search import KnowledgeBase
from .tokenize import places, tokens


_MORE = re.compile(r"还有|别的|其他|其它|更多|另外|再说说|继续")


def asks_for_more(follow_up: str) -> bool:
    """"还有呢？" "还有别的吗": more on the same question, not the same answer again."""
    return bool(_MORE.search(to_simplified(follow_up)))


def topic_of(kb: KnowledgeBase, question: str, keep: int = 3) -> str:
    """The question's most specific words that the corpus uses (highest IDF first), in question order."""
    # Single characters (家 of 多少家企业, 个, 项) are measure words and particles, not topics.
    words = [w for w in dict.fromkeys(tokens(to_simplified(question), kb.settings.user_dict))
             if len(w) > 1 and kb.lexical.idf(w) < kb.lexical.unseen_idf]
    # Search-mode segmentation also yields the parts of compounds (不动, 不动产 of 不动产登记): keep the whole.
    whole = [w for w in words if not any(w != o and w in o for o in words)]
    best = sorted(whole, key=lambda w: -kb.lexical.idf(w))[:keep]
    return " ".join(w for w in whole if w in best)


def contextualize(kb: KnowledgeBase, follow_up: str, previous: str | None) -> str:
    """The follow-up as a question that stands on its own: the previous topic, with a newly named place
    taking the old place's role ("那新余呢？")."""
    if not previous:
        return follow_up
    dict_path = kb.settings.user_dict
    new_places = places(to_simplified(follow_up), dict_path)
    topic = topic_of(kb, previous)
    if new_places:
        for old in places(to_simplified(previous), dict_path):
            topic = topic.replace(old, "")
        return f"{' '.join(new_places)} {topic} {follow_up}".strip()
    return f"{topic} {follow_up}".strip()

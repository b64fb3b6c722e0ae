"""Suggested questions for the chat's welcome message, drawn from the corpus itself.

The best suggestions are questions people really asked: the hosts' and netizens' questions in interview
transcripts. Each is shortened to its asking clause and kept only if the knowledge base answers it, so a
tapped chip never ends in "not found". Section headings fill in when a corpus has no transcripts.
"""
from __future__ import annotations

import re

from ..text.script import to_simplified
from ..text.transcript import ASKING_SENTENCE, without_speaker
from .answering import answer_question
from .knowledge_base import KnowledgeBase

# Lead-ins that address an official or introduce a netizen: "请问李区长，" "这位网友问道："
_LEAD_IN = re.compile(r"^(?:.*?(?:问道|提问|网友问)[:：,，]\s*)?(?:那么)?(?:请问|请您谈谈?|请您介绍一下)?"
                      r"(?:[\u4e00-\u9fff]{1,4}(?:区长|市长|县长|书记|局长|主任|部长)[,，、]?)?(?:我们)?")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[.、]\s*|（[一二三四五六七八九十]+）)")
_MIN, _MAX = 8, 28


def asking_clause(turn: str) -> str:
    """The question a turn asks, short enough for a chip: its last asking sentence, without the lead-in,
    cut to its final clauses when long ("…手续麻烦，听说…，办理不动产登记也能比以前便利了吗？")."""
    asks = ASKING_SENTENCE.findall(without_speaker(to_simplified(turn).strip()))
    if not asks:
        return ""
    asked = asks[-1].strip()
    if len(asked) < 12 and len(asks) > 1:  # "…做了哪些探索？取得了怎样的成效？": the first one names the subject
        asked = asks[-2].strip()
    asked = _LEAD_IN.sub("", asked).replace("?", "？")
    while len(asked) > _MAX and re.search(r"[,，]", asked):
        asked = _LEAD_IN.sub("", re.split(r"[,，]", asked, maxsplit=1)[1].strip())
    return asked if _MIN <= len(asked) <= _MAX else ""


WELCOME = 4  # suggestions the chat's welcome message offers


def welcome_suggestions(kb: KnowledgeBase) -> list[str]:
    """The welcome message's suggestions, found once per knowledge base (each costs a few answers) and kept
    with it."""
    return list(kb.derived(_welcome))


def _welcome(kb: KnowledgeBase) -> list[str]:
    return suggest_questions(kb, WELCOME)


def suggest_questions(kb: KnowledgeBase, n: int = 4) -> list[str]:
    """Up to n questions the knowledge base answers confidently: people's questions first, one per document,
    then section headings of documents not yet represented, then more people's questions."""
    # Netizens' questions first: they are the ones citizens would ask too.
    turns = sorted((c for c in kb.chunks if c.question), key=lambda c: "网友" not in to_simplified(c.question))
    # Every chunk of a transcript unit or a section repeats its question or heading: each is tried once.
    asked = list(dict.fromkeys((c.doc_id, asking_clause(c.question)) for c in turns))
    headings = []
    for chunk in kb.chunks:
        heading = _NUMBERING.sub("", to_simplified(chunk.heading or "")).strip()
        if 4 <= len(heading) <= 16 and not re.search(r"[\s\d]", heading):
            headings.append((chunk.doc_id, f"{heading}有哪些举措？"))
    headings = list(dict.fromkeys(headings))
    chosen: list[str] = []
    docs_used: set[str] = set()
    for candidates, one_per_doc in ((asked, True), (headings, True), (asked, False)):
        for doc_id, question in candidates:
            if len(chosen) >= n:
                return chosen
            if not question or question in chosen or (one_per_doc and doc_id in docs_used):
                continue
            ans = answer_question(kb, question)
            if ans.answered and ans.confidence >= kb.settings.decline_below + 0.15:
                chosen.append(question)
                docs_used.add(doc_id)
    return chosen

"""A cited briefing on a topic for an interview host: likely questions, answer points, key figures."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .answering import answer_question
from .chunking import without_speaker
from .models import Answer, Citation
from .script import in_script_of, to_simplified
from .search import KnowledgeBase

# A figure is a number with a unit; a bare year (2019年) is a date, not a key figure.
_FIGURE = re.compile(r"(?<![\d.])(?!(?:19|20)\d\d年)\d[\d.,]*\s*(?:亿元|万元|元|万户|户|万人|人|家|个工作日|工作日|个|项|件|所|%|倍|天|小时|分钟)")
_LAST_ASK = re.compile(r"[^。！!；;]*[?？]\s*$")


@dataclass(frozen=True)
class BriefingItem:
    question: str  # a likely question: a host's question from a transcript, or a section of another document
    answer: Answer


@dataclass(frozen=True)
class Figure:
    value: str
    sentence: str
    citation: Citation


@dataclass(frozen=True)
class Briefing:
    topic: str
    items: tuple[BriefingItem, ...]
    figures: tuple[Figure, ...]


def prepare_briefing(kb: KnowledgeBase, topic: str, max_items: int = 5) -> Briefing:
    topic = topic.strip()
    items: list[BriefingItem] = []
    seen: set[str] = set()
    used: set[tuple[str, int]] = set()
    topic_words = set(kb.query_tokens(topic)) or {to_simplified(topic)}
    for hit in kb.search(topic, k=20):
        chunk = hit.chunk
        likely = in_script_of(_likely_question(to_simplified(chunk.question)) or chunk.heading, topic)
        if not likely or to_simplified(likely) in seen:
            continue
        seen.add(to_simplified(likely))
        ans = answer_question(kb, f"{topic} {likely}")
        new = [c for c in ans.citations if (c.doc_id, c.start) not in used
               and any(w in to_simplified(c.text) for w in topic_words)]
        if ans.answered and new:  # an item that only repeats earlier points adds nothing for the host
            used.update((c.doc_id, c.start) for c in new)
            items.append(BriefingItem(likely, ans))
        if len(items) >= max_items:
            break
    if not items:
        ans = answer_question(kb, topic)
        if ans.answered:
            items.append(BriefingItem(topic, ans))
    figures, found = [], set()
    for item in items:
        for c in item.answer.citations:
            for m in _FIGURE.finditer(c.text):
                if (c.doc_id, c.start, m.group()) not in found:
                    found.add((c.doc_id, c.start, m.group()))
                    figures.append(Figure(m.group(), c.text, c))
    return Briefing(topic, tuple(items), tuple(figures))


def _likely_question(host_turn: str) -> str:
    """The asking sentence of a host's turn, without the thanks and lead-in before it."""
    turn = without_speaker(host_turn.strip())
    m = _LAST_ASK.search(turn)
    asked = m.group().strip() if m else turn
    return re.sub(r"^.*(?:问道|提问|网友问)[:：,，]\s*", "", asked) or asked


def to_markdown(b: Briefing) -> str:
    if not b.items:
        return f"# 访谈准备：{b.topic}\n\n知识库中没有找到与“{b.topic}”相关的内容。"
    lines = [f"# 访谈准备：{b.topic}", "", "## 可能的问题与回答要点", ""]
    sources: dict[tuple[str, int, int], int] = {}

    def ref(c: Citation) -> str:
        key = (c.doc_id, c.start, c.end)
        sources.setdefault(key, len(sources) + 1)
        return f"[{sources[key]}]"

    cited: dict[int, Citation] = {}
    for i, item in enumerate(b.items, start=1):
        lines.append(f"{i}. **{item.question}**")
        for c in item.answer.citations:
            marker = ref(c)
            cited[sources[(c.doc_id, c.start, c.end)]] = c
            lines.append(f"   - {c.text}{marker}")
        lines.append("")
    if b.figures:
        lines += ["## 关键数据", "", "| 数据 | 出处句 | 来源 |", "|---|---|---|"]
        for f in b.figures:
            lines.append(f"| {f.value} | {f.sentence.replace('|', '｜')} | {ref(f.citation)} |")
        lines.append("")
    lines += ["## 来源", ""]
    for n, c in sorted(cited.items()):
        lines.append(f"[{n}] {c.title}{'（' + c.date + '）' if c.date else ''}，{c.doc_id} 第{c.paragraph}段，"
                     f"字符 {c.start}–{c.end}：“{c.quote}”")
    return "\n".join(lines)

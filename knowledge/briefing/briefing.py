"""A cited briefing on a topic for an interview host: the likely questions (the hosts' own questions in the
transcripts, and the sections of the other documents that bear on the topic), the answer points under each
with their figures, and a key-figures table, grouped by place and document. Nothing is generated: every point
is a sentence of a document, cited exactly."""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from ..answer.answering import cite_sentence
from ..answer.knowledge_base import KnowledgeBase
from ..index.embedding import embed, serving_runtime
from ..models import Chunk, Citation, Document, Sentence
from ..text.layout import is_heading, paragraphs
from ..text.places import is_place, place_stem
from ..text.script import in_script_of, to_simplified
from ..text.transcript import ASKING_SENTENCE, is_host_question, without_speaker
from .figures import FoundFigure, date_in, find_figures, relative_date_in

# Host turns that do not end in a question mark: "网友提问：……请问临川区怎么去化解这个问题。"
_ASKING = re.compile(r"请问|网友提问|网友问|问道|提问[:：]|介绍一下|我是主持人|做客")  # 做客: the host's welcome and farewell
_LEAD_IN = re.compile(r"^.*(?:问道|提问|网友问)[:：,，]\s*")
_DEICTIC = re.compile(r"这方面|这个问题|此项|这一|这项|上述|这些")
_QUOTES = re.compile(r"[“”‘’\"'「」『』《》]")
_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[章节部分条][、，\s]*|\d{1,2}[.、])\s*")
_NORMALIZE = re.compile(r"[\s，,。．.；;：:、！!？?“”‘’\"'（）()]")
MENTIONS = 0.5  # share of the topic's IDF mass a sentence must contain to count as being about the topic
# A sentence that only names the topic in passing (警示教育制度 for 教育, a list of ten policy areas) is less
# similar to the topic than the sentences about it: within this margin of the best one it stays. Relative,
# so that it holds for another embedding model; measured on 教育, 营商环境, 放管服 with m3e-small.
PASSING_MARGIN = 0.12


@dataclass(frozen=True)
class Figure:
    value: str  # as written: "6个", "压缩至5个工作日"
    number: str
    unit: str
    measures: str  # the phrase the number quantifies: "综合受理窗口"
    place: str
    when: str  # the date the sentence names, else the document's date, else ""
    citation: Citation  # the sentence the figure stands in


@dataclass(frozen=True)
class Point:
    citation: Citation
    figures: tuple[Figure, ...]


@dataclass(frozen=True)
class LikelyQuestion:
    text: str
    origin: str  # "host": a host's question in an interview; "section": a section of another document
    doc_id: str
    place: str
    asked: Citation | None  # the host's question as it stands in the transcript
    points: tuple[Point, ...]
    relevance: float  # in [0, 1]: half for a question about the topic, half its best point's similarity; for ordering


@dataclass(frozen=True)
class DocumentBrief:
    doc_id: str
    title: str
    date: str
    kind: str
    source: str
    questions: tuple[LikelyQuestion, ...]


@dataclass(frozen=True)
class PlaceBrief:
    place: str
    documents: tuple[DocumentBrief, ...]


@dataclass(frozen=True)
class Briefing:
    topic: str
    places: tuple[PlaceBrief, ...]
    figures: tuple[Figure, ...]

    @property
    def found(self) -> bool:
        return bool(self.places)

    def questions(self) -> list[LikelyQuestion]:
        return [q for p in self.places for d in p.documents for q in d.questions]


@dataclass(frozen=True)
class _Said:
    """A sentence that may become a point, with what every topic's ranking needs from it, computed once."""

    chunk: Chunk
    sentence: Sentence
    text: str  # cleaned, without the speaker label, in the document's script
    simple: str
    words: frozenset[str]
    figures: tuple[FoundFigure, ...]


@dataclass
class _Unit:
    """A stretch of one document that answers one likely question."""

    doc: Document
    question: str  # simplified; "" when the stretch has none (a preamble, an unnamed section)
    origin: str
    place: str
    asked: tuple[Chunk, Sentence] | None
    sentences: list[_Said]
    question_words: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Material:
    """What briefings on any topic are drawn from: the documents cut into question-and-answer stretches."""

    units: tuple[_Unit, ...]


def prepare_briefing(kb: KnowledgeBase, topic: str, max_questions: int = 8, max_points: int = 5) -> Briefing:
    topic = topic.strip()
    simple_topic = _QUOTES.sub("", to_simplified(topic))
    terms = kb.tokenizer.words(to_simplified(simple_topic))
    units = briefing_material(kb).units if terms else ()
    scored = _rank_units(kb, units, simple_topic, terms) if terms else []
    seen: set[str] = set()
    chosen: list[tuple[float, _Unit, list[Point]]] = []
    for relevance, unit, ranked in scored:
        picked = []
        for _, said in ranked:
            key = _NORMALIZE.sub("", said.simple)
            if key in seen or any(key in s or s in key for s in seen if len(s) > 12 and len(key) > 12):
                continue  # the same point in an overlapping chunk, or quoted again by another document
            seen.add(key)
            picked.append(said)
            if len(picked) >= max_points:
                break
        if picked:
            picked.sort(key=lambda p: p.sentence.start)  # the official's own order reads best
            points = [_point(kb, unit, said, topic) for said in picked]
            chosen.append((relevance, unit, points))
        if len(chosen) >= max_questions:
            break
    return _group(kb, topic, chosen)


def briefing_material(kb: KnowledgeBase) -> Material:
    """The knowledge base's documents cut into stretches once (about a second on the default corpus), kept with
    the knowledge base for every later briefing, as a chat or the host page prepares many."""
    return kb.derived(_material)


def _material(kb: KnowledgeBase) -> Material:
    return Material(tuple(_units(kb)))


def _rank_units(kb: KnowledgeBase, units: tuple[_Unit, ...], simple_topic: str, terms: list[str]):
    """(relevance, unit, its candidate points best first) for every unit with something on the topic."""
    topic_vec = kb.embed_query(simple_topic)
    naming = [s for u in units for s in u.sentences if kb.lexical.coverage(terms, s.words) >= MENTIONS]
    alone = _read_alone(kb, naming, topic_vec)
    floor = max((float(v @ topic_vec) for v in alone.values()), default=1.0) - PASSING_MARGIN
    on_topic = [bool(u.question) and kb.lexical.coverage(terms, u.question_words) >= MENTIONS for u in units]
    asked = [f"{simple_topic} {u.question}" for u, about in zip(units, on_topic) if about]
    # The questions about the topic are embedded in one batch: one model call, not one per question.
    asked_vecs = iter(embed(kb.settings.model, asked, precision=kb.settings.embed_precision,
                           runtime=serving_runtime(kb.settings.embed_runtime))) if asked else iter(())
    scored = []
    for unit, about in zip(units, on_topic):
        q_vec = next(asked_vecs) if about else topic_vec
        ranked, best_cos = [], 0.0
        for said in unit.sentences:
            cov = kb.lexical.coverage(terms, said.words)
            if not about:
                vec = alone.get(_key(said))
                if cov < MENTIONS or vec is None or float(vec @ q_vec) < floor:
                    continue  # outside a question about the topic, only sentences about it bear on it
                cos = float(vec @ q_vec)
            else:
                cos = float(kb.sentence_vector(said.chunk.doc_id, said.sentence) @ q_vec)
            best_cos = max(best_cos, cos)
            # Hosts quote figures: a sentence with one outranks a general statement of the same relevance.
            ranked.append((cos + 0.2 * cov + (0.35 if said.figures else 0.0), said))
        if ranked:
            ranked.sort(key=lambda r: -r[0])
            # A host's question about the topic outranks a passage that only mentions it.
            relevance = 0.5 * about + 0.5 * max(0.0, min(1.0, best_cos))
            scored.append((relevance, unit, ranked))
    scored.sort(key=lambda s: -s[0])
    return scored


# How many of the sentences naming a topic are read alone, the closest first by their indexed vectors: a briefing
# on a word a large corpus uses everywhere stays within a few seconds.
READ_ALONE = 400


def _read_alone(kb: KnowledgeBase, naming: list[_Said], topic_vec: np.ndarray) -> dict[tuple, np.ndarray]:
    """The sentences that name the topic, embedded on their own (by `_key`), kept with the knowledge
    base. The index's sentence vectors are read in their chunk's context (embedding.embed_with_spans): good to
    rank a chunk's sentences for a question, but a sentence naming the topic in passing (警示教育制度 for 教育, a
    list of ten policy areas) is then nearly as close to the topic as the sentences about it; read alone it is
    not (PASSING_MARGIN)."""
    if len(naming) > READ_ALONE:
        naming = sorted(naming, key=lambda s: -float(kb.sentence_vector(s.chunk.doc_id, s.sentence) @ topic_vec))[:READ_ALONE]
    known = kb.derived(_alone_vectors)
    todo = list({_key(s): s for s in naming if _key(s) not in known}.values())
    if todo:
        vectors = embed(kb.settings.model, [s.simple for s in todo], precision=kb.settings.embed_precision,
                        runtime=serving_runtime(kb.settings.embed_runtime))
        known.update((_key(s), v) for s, v in zip(todo, vectors))
    return {_key(s): known[_key(s)] for s in naming}


def _key(said: _Said) -> tuple[str, int, int]:
    return said.chunk.doc_id, said.sentence.start, said.sentence.end


def _alone_vectors(kb: KnowledgeBase) -> dict[tuple[str, int, int], np.ndarray]:
    return {}


def _group(kb: KnowledgeBase, topic: str, chosen: list[tuple[float, _Unit, list[Point]]]) -> Briefing:
    """Places in order of their best question; documents within a place likewise; questions in document order."""
    by_place: dict[str, dict[str, list[tuple[int, LikelyQuestion]]]] = {}
    for relevance, unit, points in chosen:
        doc = unit.doc
        asked = _cite_asked(unit, topic)
        question = LikelyQuestion(in_script_of(_question_text(unit, topic), topic), unit.origin, doc.doc_id,
                                  in_script_of(unit.place, topic), asked, tuple(points), round(relevance, 4))
        position = unit.asked[1].start if unit.asked else unit.sentences[0].sentence.start
        by_place.setdefault(unit.place, {}).setdefault(doc.doc_id, []).append((position, question))
    place_briefs, figures = [], []
    for place, docs in by_place.items():
        doc_briefs = []
        for doc_id, questions in docs.items():
            meta = kb.docs[doc_id].meta
            ordered = tuple(q for _, q in sorted(questions, key=lambda q: q[0]))
            doc_briefs.append(DocumentBrief(doc_id, in_script_of(meta.title, topic), meta.date, meta.kind,
                                            meta.source, ordered))
            figures.extend(f for q in ordered for p in q.points for f in p.figures)
        place_briefs.append(PlaceBrief(in_script_of(place, topic), tuple(doc_briefs)))
    return Briefing(topic, tuple(place_briefs), tuple(figures))


def _point(kb: KnowledgeBase, unit: _Unit, said: _Said, topic: str) -> Point:
    doc, simple = unit.doc, said.simple
    citation = replace(cite_sentence(doc, said.chunk, said.sentence, said.text, 0, topic),
                       paragraph=_paragraph_of(doc, said.sentence.start))
    figures = []
    for f in said.figures:
        place = _text_place(kb, doc, simple) or unit.place
        when = (date_in(simple) or doc.meta.date or date_in(to_simplified(doc.meta.title))
                or relative_date_in(simple))
        figures.append(Figure(in_script_of(f.value, topic), f.number, in_script_of(f.unit, topic),
                              in_script_of(f.measures, topic), in_script_of(place, topic), when, citation))
    return Point(citation, tuple(figures))


def _cite_asked(unit: _Unit, topic: str) -> Citation | None:
    if not unit.asked:
        return None
    chunk, sentence = unit.asked
    text = without_speaker(unit.doc.clean.text[sentence.start:sentence.end])
    return replace(cite_sentence(unit.doc, chunk, sentence, text, 0, topic),
                   paragraph=_paragraph_of(unit.doc, sentence.start))


def _question_text(unit: _Unit, topic: str) -> str:
    if unit.origin == "host" and unit.question:
        return unit.question
    where = unit.place or ""
    if unit.question:
        named = "「" + unit.question + "」" if "“" in unit.question else "“" + unit.question + "”"
        return f"关于{named}，{where}有哪些举措和成效？"
    return f"{where}在“{_QUOTES.sub('', to_simplified(topic))}”方面做了哪些工作、取得了哪些成效？"


def _words(kb: KnowledgeBase, simplified: str) -> frozenset[str]:
    # Quotes split compounds (“五型”政府 is not 五型政府 to jieba), so they go before segmenting.
    return frozenset(kb.tokenizer.words(_QUOTES.sub("", simplified)))


def _said(kb: KnowledgeBase, chunk: Chunk, sentence: Sentence, text: str) -> _Said:
    simple = to_simplified(text)
    return _Said(chunk, sentence, text, simple, _words(kb, simple), tuple(find_figures(simple)))


def _units(kb: KnowledgeBase) -> list[_Unit]:
    units: list[_Unit] = []
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in kb.chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    for doc in kb.docs.values():
        sentences = _distinct_sentences(doc, by_doc.get(doc.doc_id, []))
        if doc.meta.kind == "interview":
            units.extend(_interview_units(kb, doc, sentences))
        else:
            units.extend(_section_units(kb, doc, sentences))
    return units


def _distinct_sentences(doc: Document, chunks: list[Chunk]) -> list[tuple[Chunk, Sentence]]:
    """Each sentence once (chunks overlap), with the first chunk that holds it."""
    seen, out = set(), []
    for chunk in chunks:
        for s in chunk.sentences:
            if (s.start, s.end) not in seen:
                seen.add((s.start, s.end))
                out.append((chunk, s))
    return sorted(out, key=lambda cs: cs[1].start)


def _answer_text(doc: Document, sentence: Sentence) -> str | None:
    """The sentence as a point, or None for what is never a point: captions, headings, questions, fragments."""
    text = without_speaker(doc.clean.text[sentence.start:sentence.end]).strip()
    if sentence.caption or len(text) < 8 or re.search(r"[?？]$", text) or is_heading(text):
        return None
    return text


def _interview_units(kb: KnowledgeBase, doc: Document, sentences: list[tuple[Chunk, Sentence]]) -> list[_Unit]:
    """A transcript split at the host's turns: each turn's question, and the answer up to the next turn.

    The chunks' own question field misses host turns that end without a question mark, so the turns are
    found again here, on whole paragraphs."""
    paras = [p for p in paragraphs(doc.clean.text) if p.text.strip()]
    host = {p.number for p in paras if is_host_question(p.text) or _ASKING.search(to_simplified(p.text))}
    starts = [p.start for p in paras]
    doc_place = _doc_place(kb, doc)
    units: dict[int, _Unit] = {}
    for chunk, sentence in sentences:
        para = paras[bisect_right(starts, sentence.start) - 1]
        turn = max((n for n in host if n <= para.number), default=0)
        unit = units.get(turn)
        if unit is None:
            turn_text = next((p.text for p in paras if p.number == turn), "")
            question = _likely_question(to_simplified(turn_text)) if turn else ""
            unit = units[turn] = _Unit(doc, question, "host" if question else "section",
                                       _text_place(kb, doc, question) or doc_place, None, [])
        if para.number in host:
            # The asking sentence of the turn becomes the question's own citation.
            said = _NORMALIZE.sub("", without_speaker(to_simplified(doc.clean.text[sentence.start:sentence.end])))
            if said and unit.question and (said in _NORMALIZE.sub("", unit.question)
                                           or _NORMALIZE.sub("", unit.question) in said):
                unit.asked = unit.asked or (chunk, sentence)
            continue
        text = _answer_text(doc, sentence)
        if text:
            unit.sentences.append(_said(kb, chunk, sentence, text))
    return [replace(u, question_words=_words(kb, u.question)) for u in units.values() if u.sentences]


def _section_units(kb: KnowledgeBase, doc: Document, sentences: list[tuple[Chunk, Sentence]]) -> list[_Unit]:
    doc_place = _doc_place(kb, doc)
    title = to_simplified(doc.meta.title)
    units: dict[str, _Unit] = {}
    for chunk, sentence in sentences:
        heading = _NUMBERING.sub("", to_simplified(chunk.heading).strip())
        if len(re.findall(r"[\u3400-\u9fff]", heading)) < 4 or heading == title:
            heading = ""  # "01", or the title again: not a section a host could ask about
        unit = units.get(heading)
        if unit is None:
            unit = units[heading] = _Unit(doc, heading, "section", _text_place(kb, doc, heading) or doc_place, None, [])
        text = _answer_text(doc, sentence)
        if text:
            unit.sentences.append(_said(kb, chunk, sentence, text))
    return [replace(u, question_words=_words(kb, u.question), place=_body_place(kb, doc, u) or u.place)
            for u in units.values() if u.sentences]


def _body_place(kb: KnowledgeBase, doc: Document, unit: _Unit) -> str:
    """A section whose heading names no place but whose sentences keep naming one of the document's places
    other than its own (南昌's briefing has a section on 湾里) is about that place."""
    if _text_place(kb, doc, unit.question):
        return ""
    own = place_stem(_doc_place(kb, doc))
    named = Counter(p for s in unit.sentences for p in {_text_place(kb, doc, s.simple)} if p
                    and place_stem(p) != own)
    place, count = named.most_common(1)[0] if named else ("", 0)
    return place if count >= 2 else ""


def _likely_question(host_turn: str) -> str:
    """The asking part of a host's turn, without the thanks and lead-in before it."""
    turn = without_speaker(host_turn.strip())
    lead = _LEAD_IN.search(turn)
    if lead:
        return turn[lead.end():].strip()
    asks = list(ASKING_SENTENCE.finditer(turn))
    asked = asks[-1] if asks else re.search(r"[^。！!；;]*(?:请问|介绍一下)[^。！!；;]*[。！!；;]?", turn)
    if not asked:
        return ""
    if _DEICTIC.search(asked.group()):  # "在这方面有什么举措？" needs the sentence that says which aspect
        before = re.findall(r"[^。！!；;?？]*[。！!；;?？]", turn[:asked.start()])
        return ((before[-1] if before else "") + asked.group()).strip()
    return asked.group().strip()


def _paragraph_of(doc: Document, start: int) -> int:
    return doc.clean.text.count("\n", 0, start) + 1


def _expand(place: str, candidates: list[str], title: str = "") -> str:
    """临川 -> 临川区 when the document calls it that: the most specific spelling it uses."""
    stem = place_stem(place)
    longer = [c for c in candidates if c.startswith(stem)]
    in_title = re.search(re.escape(stem) + "[省市区县]", title)
    return max(longer + ([in_title.group()] if in_title else []), key=len) if longer or in_title else place


def _places_in(kb: KnowledgeBase, text: str, known: list[str]) -> list[str]:
    found = [p for p in kb.tokenizer.places(text) if is_place(p)]
    real = kb.tokenizer.gazetteer
    stems = {place_stem(k) for k in known}
    return [p for p in found if p in real or place_stem(p) in stems]


def _doc_place(kb: KnowledgeBase, doc: Document) -> str:
    """The place a document is about: the most specific one its title names, else its most named place."""
    title = to_simplified(doc.meta.title)
    named = _places_in(kb, title, list(doc.meta.places))
    if named:
        return _expand(named[-1], list(doc.meta.places), title)
    return _expand(doc.meta.places[0], list(doc.meta.places)) if doc.meta.places else ""


def _text_place(kb: KnowledgeBase, doc: Document, text: str) -> str:
    """A place of the document's own that a question or heading names ("推进新建区……"), or ""."""
    if not text:
        return ""
    named = [p for p in _places_in(kb, text, list(doc.meta.places))
             if place_stem(p) in {place_stem(q) for q in doc.meta.places}]
    return _expand(named[0], list(doc.meta.places)) if named else ""


_REQUEST_WORDS = re.compile(
    r"帮我|幫我|给我|給我|请|請|准备|準備|整理|策划|策劃|设计|設計|生成|出一份|出个|出個|写个|寫個|列几个|列幾個|擬個|拟个|"
    r"我要|下周要|下週要|要做|做一期|主持一期|主持|一期|一份|一下|围绕|圍繞|针对|針對|关于|關於|主题是|主題是|主题|主題|"
    r"线上|線上|在线|在線|网络|網絡|采访|採訪|访谈|訪談|提纲|提綱|简报|簡報|问题清单|問題清單|问题|問題|要点|要點|"
    r"背景材料|几个|幾個|建设的|建設的|的|吗|嗎|呢|吧|[，,。！!？?：:\s]")


def topic_of_request(request: str) -> str:
    """"帮我准备关于营商环境的访谈" -> 营商环境: the request without the words every such request uses."""
    return _REQUEST_WORDS.sub("", request).strip()

"""A question -> a short extractive answer with numbered citations; an honest "the documents do not say" when
the topic is covered but the asked fact is not; or a decline. No text is generated: every sentence of an
answer is a sentence of a document, and every citation quotes the original exactly."""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from ..models import Answer, Chunk, Citation, Document, Hit, Sentence, Status
from ..text.answer_types import (ITEM, OFFICES, TARGET_ASKED, Kind, abbreviates, about_past, about_present, announces_list,
                                 counts_other_things, defines_by_enumeration, enumerates, is_item, is_title, leans_back,
                                 asks_places, names_documents, points_back, runs_in, sets_target, states, states_reached,
                                 states_result, states_unit)
from ..text.layout import SECTION_JOINER, ends_sentence, is_heading
from ..text.script import in_script_of, is_traditional, to_simplified
from ..text.transcript import without_speaker
from .candidates import Option, citation_key, gather, option, quotable, quote_span
from .confidence import ConfidenceWeights, confidence_of, evidence_elsewhere
from .focus import MISSING_KINDS, missing_sentence, not_covered_at, not_mentioned
from .knowledge_base import KnowledgeBase
from .publication import publication_answer
from .query import Query, Reading, analyse
from .search import Retrieval

DECLINE = "知识库中没有找到相关内容，暂时无法回答这个问题。您可以换个说法，或写明地区和事项（例如“临川区不动产登记怎么办理”）再问。"
NOTHING_MORE = "关于这个问题，知识库中没有更多内容了。您可以换个角度再问。"
EMPTY = "请输入您想咨询的问题，例如“怎么办理不动产登记？”"

# Kinds whose answer may be a list the documents announce ("主要采取了以下三项措施。" and then 一是……二是……).
# An office's name ends in what kind of office it is (政务服务中心, 政务服务大厅): a citizen's name for it and the
# document's may differ in that ending alone.
_OFFICE_ENDING = re.compile(rf"(?:{OFFICES})$")
# Kinds whose best sentence tends to share the question's kind words (举措, 措施, 工作) rather than its subject.
_SUBJECT_KINDS = frozenset({Kind.MEASURES, Kind.LIST})
_LIST_KINDS = frozenset({Kind.MEASURES, Kind.LIST, Kind.PROCEDURE, Kind.MATERIALS, Kind.OTHER, Kind.WHICH})


@dataclass(frozen=True)
class Composition:
    """How the ranked sentences become an answer. The selector's scores are log-odds-like ranking scores."""

    chunks: int = 5  # the candidate sentences are those of this many best chunks (what the selector was fitted on)
    place_chunks: int = 2  # and of this many of each named place's own, when none of those is from its documents

    # A sentence joins the first one when it scores within this of it (e^-1.5: about a fifth as likely).
    support_margin: float = 1.5
    # A sentence opening on the past ("之前办理……要跑三个部门") loses this much when the present is asked:
    # encyclopedic fitting data has no then-and-now contrasts to learn it from, policy answers are full of them.
    past_penalty: float = 2.0
    # The best sentence a rule prefers (one stating the asked fact, a duration or a count; one listing the asked
    # items) answers when it scores within this of the best sentence; further down, the selector's choice answers
    # (the patterns miss forms it learned). 1.0 was the best of 99 (always the rule's), 3, 2 and 1 end to end on
    # CMRC trial and DRCD test.
    rule_margin: float = 1.0
    # A sentence stating the asked fact is about the asked subject when it holds the term the question quotes, if any
    # (for 宜春“一次不跑”事项占比达到多少 a 40% of 实名用户数 shares 事项 and 达到, not 一次不跑), and one of the
    # subject's rarest words or this share of its words' IDF. 0.4, not 0.6: at 0.6 DRCD dev had 22 answerable
    # questions of 600 told "not stated" (大部在海拔1000米以上 for 山地大多高达海拔多少米之上), at 0.4 10; CMRC 13 and 8.
    focus_share: float = 0.4
    # A word of the subject that no candidate sentence holds counts only when it is not everyday Chinese (jieba's
    # dictionary counts 开始 38139 times, 时候 31521, 达到 15471; 供暖 35; 一次不跑 not at all).
    everyday_count: int = 5000
    # A topic is taken as covered only at other places when, besides their holding the subject's rarest word, the
    # asked place's best passage is not this much closer to the question in meaning: 宜春's 2020 work plan is 0.09-0.11
    # closer to 宜春市今年有哪些重点工作 than 新余's 抓好四项改革 (which alone says 今年, 抓好), while 南昌's parking
    # passage and 新余's best are within 0.01 of each other for 新余市怎么规范停车管理.
    elsewhere_dense_margin: float = 0.04
    list_items: int = 8  # at most this many items of an announced list
    definition_chunks: int = 500  # a term's definition is looked for in at most this many passages naming it
    item_window: int = 40  # items are looked for this many sentences after their announcement


def answer_question(kb: KnowledgeBase, question: str, max_citations: int | None = None,
                    exclude: Collection[tuple[str, int]] = (), composition: Composition = Composition()) -> Answer:
    """The cited answer to a question. `exclude` holds (doc_id, start) of citations already given in this
    conversation, so that "还有呢？" gets new passages or hears that there are none."""
    if not question.strip():
        return Answer(question.strip(), False, 0.0, EMPTY, (), status=Status.EMPTY)
    return answer_query(kb, analyse(kb, question), max_citations, exclude, composition)


def answer_follow_up(kb: KnowledgeBase, query: Query, given: Collection[tuple[str, int]],
                     before: Reading | None = None) -> Answer:
    """A follow-up's answer, which is not the answer just given again (`given`: its citations' (doc_id, start);
    `before`: the question it answered): 红谷滩区物管城市是怎么做的？ then 效果怎么样？ found the same
    率先运行“物管城市”新模式 first. When the new question asks something else and has another answer, that one;
    the same question asked again (跑几个部门 twice) gets the same answer, not the next best (之前……三个部门)."""
    first = answer_query(kb, query)
    same = before is not None and (before.asked.kind, before.asked.unit) == (query.asked.kind, query.asked.unit) \
        and all(w in before.simplified for w in query.focus)
    cited = to_simplified(first.citations[0].text) if first.answered and first.citations else ""
    # 可办率是多少？ after 零跑动事项有多少项？: the sentence just cited (事项245项,可办率55%) states the new fact too;
    # 那全程网办率呢？ after 一次不跑率达到多少: it names the new thing (全程网办率达88.7%) beside the old one.
    restates = bool(cited) and before is not None and (
        query.asked.strict and before.asked.kind != query.asked.kind and states(query.asked.kind, cited, query.simplified)
        or any(kb.tokenizer.is_term(w) and w in cited and w not in before.simplified for w in query.focus))
    if same or restates or not (given and cited and (first.citations[0].doc_id, first.citations[0].start) in given):
        return first
    other = answer_query(kb, query, avoid=given)
    if other.answered and before is not None and _leaves_topic(kb, query, before, other):
        # 为什么要撤销？ after 新余撤销了哪几个办事处？: the next best sentence (撤销孔目江区) is about something else,
        # and the one just cited gives no reason. Say so, and show it again as the closest passage.
        return _not_stated_with(query, other.confidence, first.citations)
    return other if other.answered else first


def _leaves_topic(kb: KnowledgeBase, query: Query, before: Reading, answer: Answer) -> bool:
    """Whether the answer's first sentence, and its paragraph, leave out a word the follow-up carries over from the
    question before it (办事处 of 新余撤销了哪几个办事处？, beside the 撤销 it asks about again): an answer about
    another thing."""
    # A duration or a count asked states its fact whatever else it is about (一般登记5个工作日 for 那要多长时间？
    # after 一窗受理): a reason or a definition is what drifts to another thing.
    if query.asked.strict or query.asked.kind not in MISSING_KINDS:
        return False
    carried = [w for w in query.focus if len(w) > 1 and w in before.simplified and w not in query.places
               and not _GENERIC_ACTION.fullmatch(w)]
    carried = [w for w in carried if not any(w != o and w in o for o in carried)]  # 办事处, not its part 办事
    if not carried:
        return False
    cited = answer.citations[0]
    passage = to_simplified(cited.passage)
    start = passage.rfind("\n", 0, cited.passage_start) + 1
    end = passage.find("\n", cited.passage_end)
    paragraph = passage[start:end if end >= 0 else len(passage)]
    return not all(w in paragraph for w in carried)


def answer_query(kb: KnowledgeBase, query: Query, max_citations: int | None = None,
                 exclude: Collection[tuple[str, int]] = (), composition: Composition = Composition(),
                 weights: ConfidenceWeights = ConfidenceWeights(), avoid: Collection[tuple[str, int]] = ()) -> Answer:
    """answer_question for a question already analysed (a benchmark supplies cached embeddings this way). The
    question is searched once: its place's own passages are ranked from the same retrieval. `avoid`: sentences,
    as (doc_id, start) like `exclude`, that must not answer (answer_follow_up), the question being a new one."""
    limit = max(1, max_citations or kb.settings.max_citations)
    published = None if exclude or avoid else publication_answer(kb, query)
    if published is not None:  # 简报第59期是哪天发布的？: the page's date line, which no sentence of the text is
        return published
    retrieval = kb.retrieve(query)
    hits = retrieval.best(max(composition.chunks, weights.passages))
    own = _place_search(kb, retrieval, weights.passages)
    assessed = confidence_of(kb, query, hits, own, weights)
    confidence = assessed.score
    if not hits or confidence < kb.settings.decline_below:
        if query.places and assessed.anywhere >= kb.settings.decline_below and not exclude:
            # 新余市不动产登记, where only 临川's documents tell how registration goes: say so, and show those.
            elsewhere = gather(kb, hits[:composition.chunks])
            if elsewhere:
                return _not_stated(kb, query, confidence, _rank(kb, query, elsewhere, composition), limit,
                                   not_covered_at(query.places))
        if query.places and not query.quoted and not exclude and hits:
            # 宜春市怎么推进一次不跑？: 宜春's passages come first and never say 一次不跑; 湾里's, further down, do.
            wider = _covered_only_elsewhere(kb, query, _elsewhere(kb, query, retrieval, composition), own,
                                            composition, dense_margin=None)
            if wider and evidence_elsewhere(kb, query, wider, weights) >= kb.settings.decline_below:
                return _not_stated(kb, query, confidence, _rank(kb, query, gather(kb, wider), composition), limit,
                                   not_covered_at(query.places))
        return _declined(query, confidence)
    if not query.asked.strict and _unknown_object(kb, query):
        # 南昌市怎么办理护照？, 临川区怎么办理结婚登记？: no document names what is to be done, so a passage on doing
        # something else (不动产登记) does not answer. A strict kind's missing fact is told "not stated" instead.
        return _declined(query, confidence)
    sections = _place_sections(kb, query, hits[:composition.chunks]) if not exclude and asks_places(query.simplified) else []
    if sections:  # 南昌市有哪些地区参加了五型政府建设？: the briefing's sections, one per district
        return _composed(kb, query, confidence, sections)
    if assessed.unknown_place and not exclude and not _named_in_passages(kb, query.places + query.stems):
        # 广州市怎么办理不动产登记？ of Jiangxi's documents: 临川's registration is not 广州's.
        return _not_stated(kb, query, confidence, _rank(kb, query, gather(kb, hits[:composition.chunks]), composition),
                           limit, not_covered_at(query.places))
    if query.places and not query.quoted and not exclude:
        elsewhere = _covered_only_elsewhere(kb, query, retrieval.best(4 * composition.chunks), own, composition,
                                            dense_margin=composition.elsewhere_dense_margin)
        if elsewhere:  # 新余市怎么规范停车管理？: 南昌's documents have the parking rules, 新余's never say 停车
            return _not_stated(kb, query, confidence, _rank(kb, query, gather(kb, elsewhere), composition), limit,
                               not_covered_at(query.places))
    options = gather(kb, hits[:composition.chunks] + _hits_per_place(kb, query, hits, own, composition),
                     {*exclude, *avoid}, titles=query.asked.kind is Kind.PERSON)
    if not options:
        return (Answer(query.text, False, confidence, in_script_of(NOTHING_MORE, query.text), (), status=Status.NO_MORE)
                if exclude else _declined(query, confidence))
    ranked = _rank(kb, query, options, composition)
    stems = set(query.stems)
    on_place = [r for r in ranked if _about(kb, r[0], stems)] if stems else ranked
    pool = on_place or ranked  # a question about 新余 is answered from 新余 first
    if query.quoted and not exclude:  # "还有呢？" wants more on the topic
        on_subject = [r for r in pool if _holds_quoted(r[0], query.quoted)]
        if not on_subject:  # 南昌“好差评”, where only 宜春's documents have one: say so, and show those
            elsewhere = ([r for r in ranked if _holds_quoted(r[0], query.quoted)]
                         or _quoted_elsewhere(kb, query, retrieval, composition))
            return _not_stated(kb, query, confidence, elsewhere or pool, limit,
                               not_mentioned(query.quoted, query.places if elsewhere else ()))
        pool = on_subject
    if query.asked.kind is Kind.DEFINITION and not exclude:
        on_term = _on_term(kb, query, pool, options, composition)
        if not on_term:  # 宜春市企业一牌两卡是什么？: the plan only names the rules 《……“一牌两卡”实施管理办法》
            return _not_stated(kb, query, confidence, pool, limit)
        pool = on_term
    if query.asked.strict and not exclude:  # "还有呢？" wants more on the question, stated or not
        stating = _stating(kb, query, pool, options, composition)
        if (pool is not ranked and query.asked.unit and stating and not _with_unit(query, stating)
                and _counted_elsewhere(kb, query, ranked, retrieval, composition)):
            # 湾里区政务服务中心进驻了多少事项？: 湾里's figures count 件 (受理9908件); only 吉阳's count 进驻事项.
            stating = []
        if query.asked.unit and not _with_unit(query, stating):
            # 临川区有多少个大班额？: 这三所学校将整合为一所……学校 counts schools.
            stating = [r for r in stating if not counts_other_things(query.asked, r[0].candidate.text)]
        if (query.asked.unit and stating and not _with_unit(query, stating)
                and stating[0][1] < pool[0][1] - composition.rule_margin):
            # 南昌市有几个区参加了？: no sentence counts 区, and the best one with a figure (三次征求意见) is about
            # something else: not stated, rather than the best sentence, which has no figure at all.
            stating = []
        if not stating:
            return _not_stated(kb, query, confidence, pool, limit)
        best = _preferred(stating, pool, composition)
        also = _on_specific_word(kb, query, best, stating)
        reached = _reached_instead(query, best, stating)
        if reached is not None:  # what is, first; the goal after it
            best, also = reached, best[0]
    else:
        also = None
        if query.asked.kind in _SUBJECT_KINDS and not exclude:
            on_subject = _subject_filter(kb, query, options, composition)
            pool = on_subject(pool)
            if len(query.stems) <= 1:  # and the sentences beside it; with several places, each place's best
                ranked = on_subject(ranked)
        # "哪五型" is answered by the sentence that lists them, when one does; "什么是“三单”" by the one listing the
        # three things beside it.
        if query.asked.results and not exclude:  # 取得了哪些成效: what was achieved, not what was done
            listing = [r for r in pool if states_result(r[0].candidate.text)]
        elif query.asked.kind == Kind.LIST:
            listing = [r for r in pool if enumerates(query.asked, r[0].candidate.text)]
        elif query.asked.kind == Kind.DEFINITION and not exclude:
            # Quoted, as policy writing quotes its coinages (“三单”): 三国 or 四大发明 of an encyclopedia is no such term.
            terms = [t for t in query.quoted if abbreviates(t)]
            listing = [r for r in pool if any(defines_by_enumeration(t, r[0].candidate.text) for t in terms)]
            if terms and not listing:
                listing = _defined_anywhere(kb, query, terms, composition)
                if not listing:  # “四最”营商环境指的是什么？: the documents use the term and never list its four
                    return _not_stated(kb, query, confidence, pool, limit)
            elif not terms:
                # 什么是中介超市？: the item that names it (第三,建立中介超市。), which its body then follows.
                words = _topic_words(query)
                listing = [r for r in pool if words and is_title(r[0].candidate.text) and _holds_all(r[0].candidate.text, words)]
        else:
            listing = []
        # 出台了哪些制度: by the sentences issuing titled documents, which the selector, fitted on encyclopedic
        # articles, ranks below the summary 这些都是……开出的良方; the answer's other sentences are such, too.
        documents = [r for r in pool if names_documents(query.asked, r[0].candidate.text)] if not exclude else []
        # Named items (哪五型: every item ends in 型) are that list's own; any list of three (哪些) is only a hint.
        if listing and (len(query.asked.category) == 1 or query.asked.kind == Kind.DEFINITION):
            best = listing[0]
        elif documents:
            best, ranked = documents[0], documents
        else:
            best = _preferred(listing, pool, composition)
            whole = (_document_opening(kb, query, best[0], composition)
                     or _named_part(kb, query, best[0], composition)) if not (exclude or query.asked.results) else None
            if whole is not None:
                best = (whole, best[1])
            elif not (exclude or query.asked.results):
                answered = _interview_answer(kb, query, best[0], composition)
                if answered:
                    return _composed(kb, query, confidence, answered)
    chosen = _compose(kb, query, best, ranked, limit, composition, exclude, also)
    return _composed(kb, query, confidence, chosen, _section_named(kb, query, chosen[0]))


def _composed(kb: KnowledgeBase, query: Query, confidence: float, chosen: list[Option], lead: str = "") -> Answer:
    citations = tuple(_cite(kb.docs[o.hit.chunk.doc_id], o, n, query.text) for n, o in enumerate(chosen, start=1))
    text = "".join(f"{in_script_of(o.text, query.text)}[{n}]" for n, o in enumerate(chosen, start=1))
    return Answer(query.text, True, confidence, lead + text, citations)


# Asking how or where to get something done, and what: 怎么办理护照, 哪些地区可以办理护照, 在哪里申请低保.
_SERVICE_ASKED = re.compile(r"(?:怎么|怎样|如何|哪里|哪儿|在哪|可以|能|去哪)(?:才能|可以|能)?"
                            r"(?:办理|补办|申请|申领|领取|提取|报销|缴纳|预约|注销|变更|开具|办)([^，,。？?！!的呢吗]+)")


def _unknown_object(kb: KnowledgeBase, query: Query) -> bool:
    """Whether what the question asks to get done (护照 of 怎么办理护照, 结婚登记 of 怎么办理结婚登记) is a word no
    indexed document uses: the longest content word after the asked service verb, when it is a word of the dictionary
    (a named thing, not a made-up compound) and not a place."""
    asked = _SERVICE_ASKED.search(query.simplified)
    if asked is None:
        return False
    objects = [w for w in query.focus if len(w) >= 2 and w in asked.group(1) and not _asks(query, w)
               and not any(w in p or p in w for p in query.places)]
    longest = max(objects, key=len, default="")
    return bool(longest) and kb.tokenizer.frequency(longest) > 0 and kb.lexical.idf(longest) >= kb.lexical.unseen_idf


def _place_sections(kb: KnowledgeBase, query: Query, hits: list[Hit]) -> list[Option]:
    """The headings of the places' sections of the best passage's document, in its order, when it has two or more
    (南昌's briefing: 推进新建区“五型”政府建设走深走实, 红谷滩区:“物管城市”新创举, 湾里管理局“五项措施”) and is about
    the asked place, if any; else none."""
    if not hits:
        return []
    doc_id = hits[0].chunk.doc_id
    if query.stems and not any(doc_id in kb.place_index.docs_about(s) for s in query.stems):
        return []
    doc = kb.docs[doc_id]
    # What the places did must be in the document: 南昌市哪些地区可以办理护照？ is not answered by its districts.
    if not _holds_all(doc.clean.text, _topic_words(query)):
        return []
    anchor = next(iter(gather(kb, hits[:1])), None)
    if anchor is None:
        return []
    headings: list[Option] = []
    seen: set[str] = set()
    for chunk in kb.doc_chunks[doc_id]:
        heading = _section_heading(chunk)
        if not kb.place_index.section_of(chunk) or heading in seen:
            continue
        seen.add(heading)
        # The heading opens the section's first chunk, or is the sentence just before it.
        at = doc.clean.text.rfind(heading, 0, chunk.start + len(heading))
        sentence = _sentence_at(kb, doc_id, at, at + len(heading)) if at >= 0 else None
        if sentence is not None and not sentence.caption:
            headings.append(_beside(kb, doc, anchor, sentence, heading))
    return headings if len(headings) >= 2 else []


def _defined_anywhere(kb: KnowledgeBase, query: Query, terms: list[str],
                      composition: Composition) -> list[tuple[Option, float]]:
    """The sentences, in any passage about the asked places, that list what a counting term abbreviates: “五型” is
    defined once, in an editor's note, and every passage on 五型政府建设 ranks above it."""
    stems = set(query.stems)
    naming = (c for chunks in kb.doc_chunks.values() for c in chunks
              if any(t in c.search_text for t in terms) and (not stems or kb.place_index.chunk_stems(c) & stems))
    hits = [Hit(c, 0.0, 0.0, 0.0) for c in itertools.islice(naming, composition.definition_chunks)]
    options = [o for o in gather(kb, hits) if any(defines_by_enumeration(t, o.candidate.text) for t in terms)]
    return _rank(kb, query, options, composition) if options else []


def _section_named(kb: KnowledgeBase, query: Query, first: Option) -> str:
    """For 南昌市哪个区开展了转作风优环境活动？, answered by a sentence of 湾里's section that never names 湾里: the
    section's heading, as the document heads it (【湾里管理局“五项措施”】), before the sentence; else nothing."""
    places = kb.place_index.section_of(first.hit.chunk)
    if query.asked.kind is not Kind.PLACE or not places or any(p in first.candidate.text for p in places):
        return ""
    return f"【{in_script_of(_section_heading(first.hit.chunk), query.text)}】"


def _preferred(preferred: list[tuple[Option, float]], ranked: list[tuple[Option, float]],
               composition: Composition) -> tuple[Option, float]:
    """The best of the sentences a rule prefers when it scores close to the best of all, else the best of all."""
    if preferred and preferred[0][1] >= ranked[0][1] - composition.rule_margin:
        return preferred[0]
    return ranked[0]


def _declined(query: Query, confidence: float) -> Answer:
    return Answer(query.text, False, confidence, in_script_of(DECLINE, query.text), (), status=Status.DECLINED)


def _rank(kb: KnowledgeBase, query: Query, options: list[Option], composition: Composition) -> list[tuple[Option, float]]:
    scores = kb.selector.scores(query.as_question(), [o.candidate for o in options], kb.lexical.idf)
    scores = scores - composition.past_penalty * np.array(_superseded(query, options), np.float32)
    order = np.argsort(-scores, kind="stable")
    return [(options[i], float(scores[i])) for i in order]


def _superseded(query: Query, options: list[Option]) -> list[bool]:
    """Which sentences tell how things were (之前……要跑三个部门) beside their document's present state, when the
    present is asked. Only against the same document's present: a history with no "现在" has no then and now."""
    if query.asked.past:
        return [False] * len(options)
    present = {o.hit.chunk.doc_id for o in options if about_present(o.candidate.text)}
    return [about_past(o.candidate.text) and o.hit.chunk.doc_id in present for o in options]


def _asks(query: Query, w: str) -> bool:
    """Whether a focus word is part of the asking words: 时间段 of 什么时间段 overlaps 什么时间, so it asks, too."""
    cue = query.simplified[query.asked.cue_start:query.asked.cue_end] if query.asked.cue_start >= 0 else ""
    return bool(cue) and (cue in w or any(m.start() < query.asked.cue_end and m.end() > query.asked.cue_start
                                          for m in re.finditer(re.escape(w), query.simplified)))


def _stating(kb: KnowledgeBase, query: Query, ranked: list[tuple[Option, float]], options: list[Option],
             composition: Composition) -> list[tuple[Option, float]]:
    """The ranked sentences that state the asked fact about the asked subject: a figure of 部门 for 几个部门, a
    sum of money for 登记费要交多少钱, and not about something else (a loan of 3.3亿元). `options`: every candidate
    sentence, of any place."""
    weight = _subject_weights(kb, query, options, composition)
    total = sum(weight.values())
    rarest = _rarest(weight)

    def about_focus(o: Option) -> bool:
        # In the sentence or its passage (title and heading included): 一般登记5个工作日 is about 不动产登记 because
        # its passage says so.
        context = o.hit.chunk.search_text
        if not weight:
            return True
        held = {w for w in weight if _names(o.candidate.text, w) or _names(context, w)}
        return bool(rarest & held) or sum(weight[w] for w in held) >= composition.focus_share * total

    stating = [r for r in ranked if states(query.asked.kind, r[0].candidate.text, query.simplified) and about_focus(r[0])]
    event = _asked_event(query)
    if event:  # 审批服务局是什么时候成立的？: a date of its founding, not 今年以来 of the rules issued in its passage
        stating = [r for r in stating if event.search(r[0].candidate.text)]
    with_unit = [r for r in stating if states_unit(query.asked, r[0].candidate.text, query.simplified)]
    return with_unit or stating


# Events whose date is asked, each with the words a sentence dating it uses.
_EVENTS = {"成立": "成立|设立|组建|创立|创建|组成|挂牌", "建成": "建成|竣工|完工|落成|投入使用|投用",
           "开通": "开通|上线|运行", "召开": "召开|举行|举办|开幕", "启动": "启动|开始|开展|实施"}
_EVENT_ASKED = re.compile(rf"(?:什么时候|何时|哪一?年|哪一?天)(?:正式)?({'|'.join(_EVENTS)})的?|"
                          rf"({'|'.join(_EVENTS)})(?:于|在|是在|是)?(?:什么时候|何时|哪一?年|哪一?天)")


def _asked_event(query: Query) -> re.Pattern[str] | None:
    """For a date asked of an event (什么时候成立的, 哪一年建成), the words a sentence dating that event holds."""
    if query.asked.kind is not Kind.DATE:
        return None
    m = _EVENT_ASKED.search(query.simplified)
    return re.compile(_EVENTS[m.group(1) or m.group(2)]) if m else None


def _counted_elsewhere(kb: KnowledgeBase, query: Query, ranked: list[tuple[Option, float]], retrieval: Retrieval,
                       composition: Composition) -> bool:
    """Whether sentences of other places state the asked figure in the asked unit: among those the answer ranked,
    or among the best passages about none of the asked places (which the asked place's own sections, found first
    by their headings, may keep out of the answer's chunks)."""
    options = [o for o, _ in ranked]
    if _with_unit(query, _stating(kb, query, ranked, options, composition)):
        return True
    wider = gather(kb, _elsewhere(kb, query, retrieval, composition))
    return bool(wider) and _with_unit(query, _stating(kb, query, _rank(kb, query, wider, composition),
                                                     options + wider, composition))


def _with_unit(query: Query, rows: list[tuple[Option, float]]) -> bool:
    """Whether a sentence of `rows` states the asked figure in the asked unit (事项322项 for 多少事项)."""
    return any(states_unit(query.asked, o.candidate.text, query.simplified) for o, _ in rows)


def _subject_weights(kb: KnowledgeBase, query: Query, options: list[Option], composition: Composition,
                     asked_category: bool = True) -> dict[str, float]:
    """The words of the question that name its subject, with their IDF. The asking words (时间 of 多长时间) say
    what is asked, not about what, and so does the category of a list (举措 of 教育工作有哪些举措) when
    `asked_category` is False; an everyday word no candidate holds (开始 of 什么时候开始供暖, where the notice says
    供暖时间为) is how the question is put, not its subject. A term none holds (一次不跑 of 宜春的一次不跑事项占比)
    is a subject the passages do not cover, and stays."""
    held_somewhere = {w for w in query.focus if any(w in o.candidate.text for o in options)}
    kind_words = () if asked_category else (query.asked.category, query.asked.unit)
    words = {w for w in query.focus if not _asks(query, w) and w not in kind_words
             and (w in held_somewhere or kb.tokenizer.frequency(w) < composition.everyday_count)}
    # A word inside another (一次 of 一次不跑: jieba's search mode gives both) is counted with it, not again.
    return {w: kb.lexical.idf(w) for w in words if not any(w != v and w in v for v in words)}


def _rarest(weight: dict[str, float]) -> set[str]:
    top = max(weight.values(), default=0.0)
    return {w for w, v in weight.items() if v >= top - 1e-6}  # all of them on a tie: the set has no order


# Asking what a thing is, not what it is called (叫什么, 别名): only these are answered "not stated" when the thing is
# named only inside another document's title.
_WHAT_IS = re.compile(r"什么是|是什么|指什么|指的是什么|是指什么|怎么一?回事|什么意思|含义")
_DOCUMENT_TITLE = re.compile(r"《([^《》]*)》")
_QUOTE_MARKS = re.compile(r"[“”\"「」『』‘’]")


def _on_term(kb: KnowledgeBase, query: Query, pool: list[tuple[Option, float]], options: list[Option],
             composition: Composition) -> list[tuple[Option, float]]:
    """For 是什么: the ranked sentences without those that name the term asked about (its rarest word, “五型”政府
    naming 五型政府) only inside a longer 《title》; empty when no passage names it otherwise: 修订完善《宜春市企业
    “一牌两卡”实施管理办法》 says that rules exist, not what 一牌两卡 is. A sentence that does not name the term at all
    stays: one about the subject of its article often does not (又名㭴鸟、橿鸟 of 松鸦又可以叫什么, CMRC dev)."""
    rarest = _rarest(_subject_weights(kb, query, options, composition))
    if not rarest:
        return pool

    def named(text: str, inside_titles: bool) -> bool:
        text = _QUOTE_MARKS.sub("", text)
        if not inside_titles:
            # A title the question names (《大神一郎奋斗记》被认为是什么作品的外传游戏) is the term.
            text = _DOCUMENT_TITLE.sub(lambda m: m.group(0) if m.group(1) in rarest or m.group(0) in query.simplified
                                       else "《》", text)
        return any(_names(text, w) for w in rarest)

    # (anywhere, outside titles) for each sentence, and for each passage (title and heading included) once.
    judged = [(r, named(r[0].candidate.text, True), named(r[0].candidate.text, False)) for r in pool]
    passages = {o.hit.chunk.chunk_id: o.hit.chunk.search_text for o, _ in pool}
    passages_judged = [(named(t, True), named(t, False)) for t in passages.values()]
    anywhere = any(a for _, a, _ in judged) or any(a for a, _ in passages_judged)
    outside = any(u for _, _, u in judged) or any(u for _, u in passages_judged)
    if anywhere and not outside and _WHAT_IS.search(query.simplified):
        return []
    return [r for r, a, u in judged if u or not a] or pool


def _subject_filter(kb: KnowledgeBase, query: Query, options: list[Option],
                    composition: Composition) -> Callable[[list[tuple[Option, float]]], list[tuple[Option, float]]]:
    """For measures and lists: of ranked sentences, when some names the subject's rarest word and the asked
    action, if any (_asked_action; in itself, in the sentence that introduces it, _introduced_by, or in the host's
    question it answers), the answers to an interview's other questions are dropped. For 临川区教育工作有哪些举措
    the answer to the host's 五型 question (六项工作举措) shares 工作 and 举措, and its passage holds 教育 once, in
    警示教育制度, while the 大班额 answer says 教育. Only answers to a host's question: elsewhere a sentence is
    about what its article is about without naming it (本鱼分布于西北太平洋 of 膨趾膜鳕的分布区域是哪些, CMRC dev).
    The same holds in a document whose title does not name the subject (subtopic). A word named only as one item
    of a list (招商引资 of 疫情防控、生态文明、招商引资、项目建设等中心工作) is not what the sentence is about; when no
    sentence names the rarest word otherwise, its parts do (招商 of 精准招商)."""
    # A quoted term is the subject, whatever its parts' rarity: “大社会” (大 and 社会 to jieba) of 怎么推进“大社会”改革.
    rarest = set(query.quoted) or _rarest(_subject_weights(kb, query, options, composition, asked_category=False))
    action = _asked_action(query)
    # 怎么招商引资: the action is the subject, which its parts may name (以商招商、委托招商), not asked again whole.
    action = "" if rarest == {action} else action
    named: dict[tuple[tuple[str, int], frozenset[str]], bool] = {}  # each sentence judged once per set of words

    def naming(o: Option, words: frozenset[str]) -> bool:
        if (o.key, words) not in named:
            about = [o.candidate.text, to_simplified(o.hit.chunk.question), *_introduced_by(kb, o)]
            # 招商 of 招商引资 is listed where 招商引资 is: the whole words' list items go first.
            unlisted = [functools.reduce(_unlisted, sorted(rarest), text) for text in about]
            named[o.key, words] = (any(_names(_unlisted(text, w), w) for text in unlisted for w in words)
                                   and (not action or any(action in text for text in about)))
        return named[o.key, words]

    whole = frozenset(rarest)
    parts = frozenset(w for w in query.focus if len(w) > 1 and any(w != r and w in r for r in rarest))
    words = whole if not parts or any(naming(o, whole) for o in options) else parts

    def names(o: Option) -> bool:
        return naming(o, words)

    def keep(ranked: list[tuple[Option, float]]) -> list[tuple[Option, float]]:
        if not rarest or not any(names(o) for o, _ in ranked):
            return ranked
        return [r for r in ranked if names(r[0]) or not r[0].hit.chunk.question and not subtopic(r[0])]

    def subtopic(o: Option) -> bool:
        # A titled document whose title does not name the subject has it as one of its topics: 宜春's 五型 plan on
        # 作风, where 修订完善《……“一牌两卡”实施管理办法》 is about another. An untitled one (a CMRC article) may be
        # about it throughout.
        title = to_simplified(kb.docs[o.hit.chunk.doc_id].meta.title)
        return bool(title) and not any(w in title for w in words)

    return keep


def _asked_action(query: Query) -> str:
    """The verb that 怎么/如何 asks about (投诉 of 怎么投诉政府工作人员): what must be done is the subject as much
    as what it is done to (工作人员 of 安排专门工作人员……上门服务 answers no 怎么投诉)."""
    if query.asked.kind is not Kind.MEASURES or query.asked.cue_start < 0:
        return ""
    after = query.simplified[query.asked.cue_end:]
    action = max((w for w in query.focus if after.startswith(w) and len(w) > 1), key=len, default="")
    return "" if _GENERIC_ACTION.fullmatch(action) else action


# Verbs that any measure of a plan may do to its subject: 宜春市怎么加强作风建设？ is answered by 持续改进工作作风……
# 大力纠治……作风顽疾, which says neither 加强 nor 建设.
_HOW = re.compile(r"怎么|怎样|如何|怎么样|怎样才能|如何才能")
_GENERIC_ACTION = re.compile(r"加强|推进|推动|提升|提高|做好|抓好|开展|落实|完善|优化|深化|强化|促进|改进|改善|打造|建设|实现|推行|实行|实施|执行")


def _introduced_by(kb: KnowledgeBase, o: Option) -> list[str]:
    """The sentence before, simplified, when it introduces this one: the host's question it answers, the list it
    is announced by, or the subject it leans on."""
    doc = kb.docs[o.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, o.sentence)
    if index == 0:
        return []
    s, e = int(spans[index - 1][0]), int(spans[index - 1][1])
    sentence = _sentence_at(kb, doc.doc_id, s, e)
    text = to_simplified(without_speaker(doc.clean.text[s:e]))
    introduces = (sentence is not None and sentence.host) or announces_list(text) or leans_back(o.candidate.text)
    return ([text] if introduces else []) + _run_in_heading(doc, spans, index)


def _run_in_heading(doc: Document, spans: np.ndarray, index: int, reach: int = 8) -> list[str]:
    """The short sentence heading the stretch of its paragraph that sentence `index` is in (狠抓招商引资。 before
    253家生态总部企业相继入驻……), simplified, looked for this many sentences back; none at a paragraph's start."""
    for i in range(index - 1, max(index - 1 - reach, -1), -1):
        if _breaks_before(doc, spans, i + 1):
            return []
        text = without_speaker(doc.clean.text[int(spans[i][0]):int(spans[i][1])]).strip()
        if runs_in(text):
            return [to_simplified(text)]
    return []


_LIST_PREPOSITION = re.compile(r"(?:从|在|围绕|包括|涵盖|涉及|如|像|对|与|和)$")


def _unlisted(text: str, word: str) -> str:
    """The text without the places where the word is an item of a list (、招商引资、 or 、民生改善等): a list the
    sentence runs through, not what it is about. The first item is kept (its left edge is the verb before it:
    开展以商招商、委托招商), unless a preposition opens the list (从招商引资、项目推进等一线工作中提拔……干部)."""
    def listed(m: re.Match) -> bool:
        after = text[m.end():m.end() + 1] in ("、", "等")
        return after and (m.start() > 0 and text[m.start() - 1] == "、"
                          or text[m.end():m.end() + 1] == "、" and bool(_LIST_PREPOSITION.search(text[:m.start()])))

    return re.sub(re.escape(word), lambda m: "、" if listed(m) else m.group(0), text) if word in text else text


def _names(text: str, word: str) -> bool:
    """Whether a text holds a word of the question, an office by any of its kinds' names: 政务服务中心 is named by
    湾里政务服务大厅 (the document's name for the office the citizen asks about)."""
    if word in text:
        return True
    ending = _OFFICE_ENDING.search(word)
    return bool(ending) and ending.start() >= 2 and re.search(re.escape(word[:ending.start()]) + f"(?:{OFFICES})",
                                                             text) is not None


def _holds_quoted(o: Option, quoted: tuple[str, ...]) -> bool:
    """A term the question quotes (“一次不跑”, 《论自由》) names its subject: the sentence or its passage (title and
    heading included) holds it."""
    return any(_holds(o.candidate.text, t) or _holds(o.hit.chunk.search_text, t) for t in quoted)


# A quoted phrase longer than a name is a quotation, which a question words its own way (「婚姻是我們社群中……」 of
# a passage writing 婚姻「是我們社羣中……」): most of its bigrams are enough.
_NAME_CHARS = 6
_QUOTATION_SHARE = 0.7


def _holds(text: str, quoted: str) -> bool:
    if quoted in text:
        return True
    if len(quoted) <= _NAME_CHARS:
        return False
    bigrams = {quoted[i:i + 2] for i in range(len(quoted) - 1)}
    return sum(b in text for b in bigrams) >= _QUOTATION_SHARE * len(bigrams)


def _quoted_elsewhere(kb: KnowledgeBase, query: Query, retrieval: Retrieval,
                      composition: Composition) -> list[tuple[Option, float]]:
    """The sentences about the quoted term among more of the best chunks than an answer reads: what the
    documents do say about it, elsewhere than the place asked about."""
    wider = [h for h in retrieval.best(4 * composition.chunks) if any(_holds(h.chunk.search_text, t) for t in query.quoted)]
    return _rank(kb, query, gather(kb, wider[:composition.chunks]), composition)  # each passage holds the term


def _reached_instead(query: Query, best: tuple[Option, float],
                     stating: list[tuple[Option, float]]) -> tuple[Option, float] | None:
    """For 可办率是多少, when the best sentence sets a goal (确保2022年……可办率达65%以上): the sentence of the same
    document stating what has been reached (截至目前……可办率55%) with the word the question asks about (the one
    before its asking words), unless the goal is asked (目标是多少)."""
    if TARGET_ASKED.search(query.simplified) or not sets_target(best[0].candidate.text) or query.asked.cue_start < 0:
        return None
    before = query.simplified[:query.asked.cue_start]
    asked_about = max((w for w in query.focus if w in before), key=lambda w: before.rfind(w) + len(w), default=None)
    if asked_about is None:
        return None
    doc = best[0].hit.chunk.doc_id
    return next((r for r in stating if r[0].hit.chunk.doc_id == doc and r[0].key != best[0].key
                 and asked_about in r[0].candidate.text and states_reached(r[0].candidate.text)), None)


def _on_specific_word(kb: KnowledgeBase, query: Query, best: tuple[Option, float],
                      stating: list[tuple[Option, float]]) -> Option | None:
    """A sentence stating the asked fact with a word of the question rarer than any the best sentence shares
    with it: for 政务服务中心进驻了多少个事项, the best (零跑动事项245项) shares 政务/服务/事项, and 占进驻事项的98%
    is the one about 进驻. The selector weighs the common words' many matches above the one rare word."""
    text = best[0].candidate.text
    shared = [kb.lexical.idf(w) for w in query.focus if w in text]
    floor = max(shared, default=0.0)
    specific = [w for w in query.focus if w not in text and kb.lexical.idf(w) > floor]
    return next((o for o, _ in stating if o.key != best[0].key and any(w in o.candidate.text for w in specific)), None)


def _not_stated(kb: KnowledgeBase, query: Query, confidence: float, ranked: list[tuple[Option, float]],
                limit: int, missing: str | None = None) -> Answer:
    """`missing`: what the documents do not say, when not the asked fact (missing_sentence). How things are now comes
    before how they were (之前……三个部门 after 一般登记5个工作日), as in an answer."""
    past = _superseded(query, [o for o, _ in ranked])
    related = [o for (o, _), _ in sorted(zip(ranked, past), key=lambda r: r[1])][:limit]
    citations = tuple(_cite(kb.docs[o.hit.chunk.doc_id], o, n, query.text) for n, o in enumerate(related, start=1))
    return _not_stated_with(query, confidence, citations, missing)


def _not_stated_with(query: Query, confidence: float, related: tuple[Citation, ...], missing: str | None = None) -> Answer:
    missing = missing or missing_sentence(query.simplified, query.asked)
    return Answer(query.text, False, confidence, in_script_of(missing, query.text), (), related=related,
                  status=Status.NOT_STATED)


def _compose(kb: KnowledgeBase, query: Query, best: tuple[Option, float], ranked: list[tuple[Option, float]],
             limit: int, composition: Composition, exclude: Collection[tuple[str, int]] = (),
             also: Option | None = None) -> list[Option]:
    """`also`: a sentence that answers beside the best one whatever its score (_on_specific_word)."""
    first, best_score = best
    if query.asked.kind in _LIST_KINDS and announces_list(first.candidate.text):
        items = _items_after(kb, first, composition)
        if items:
            return [first] + items
    if ((query.asked.kind in (Kind.MEASURES, Kind.LIST) or query.asked.results) and not exclude
            and (_leads_section(kb, first) or is_heading(first.text) and is_item(first.text)
                 or runs_in(first.candidate.text))):
        # 湾里管理局推进五型政府建设有哪些措施？: the section's opening sentence says what it is for; its numbered
        # paragraphs (一、掀起三处热潮,打造“忠诚型”政府。……) are the measures. Likewise an item's title alone
        # (二是规范办学行为。) and its own items (一方面……另一方面……).
        items = _parts_after(kb, first, composition)
        if items:
            return [first] + items
    if query.asked.kind in (Kind.MEASURES, Kind.LIST) and not exclude and limit > 1:
        # 一是实行“一对一”帮扶。 before the body sentence that was found: the item's title first, then its body.
        first = _title_before(kb, query, first) or first
    chosen = opening(kb, first, exclude, query.focus) if limit > 1 else [first]
    if query.asked.kind in _LIST_KINDS and len(chosen) == 2 and chosen[0] is first and runs_in(first.candidate.text):
        # An item's title and its body answer: sentences from elsewhere would be about something else.
        return chosen + _body_rest(kb, first, chosen[1], exclude, composition.list_items - 2)
    seen = {o.key for o in chosen}
    if also is not None and also.key not in seen and len(chosen) < limit:
        chosen.append(also)
        seen.add(also.key)
    length = sum(len(o.text) for o in chosen)
    stems = set(query.stems)
    # A question naming several places gets the best sentence about each of them.
    for stem in query.stems:
        if any(_about(kb, c, {stem}) for c in chosen):
            continue
        for o, _ in ranked:
            if o.key not in seen and stem in kb.place_index.chunk_stems(o.hit.chunk):
                chosen.append(o)
                seen.add(o.key)
                length += len(o.text)
                break
    superseded = _superseded(query, [o for o, _ in ranked])
    for (o, score), past in zip(ranked, superseded):
        if len(chosen) >= limit:
            break
        if o.key in seen or past or (stems and not _about(kb, o, stems)):
            continue  # a question about 吉阳区 is not answered from 南昌's documents, nor "now" by how it was
        if score >= best_score - composition.support_margin and length + len(o.text) <= kb.settings.answer_chars:
            chosen.append(o)
            seen.add(o.key)
            length += len(o.text)
    return chosen[:max(limit, len(query.places), 1)]


def opening(kb: KnowledgeBase, first: Option, exclude: Collection[tuple[str, int]] = (),
            focus: frozenset[str] = frozenset()) -> list[Option]:
    """The answer's opening: its first sentence, after the sentence it leans on for its subject ("尼日共和国……。"
    before "面积……，是世界上最低度开发国家。") and before the one that names what it described ("这种书体，被称为……"),
    each only from the same paragraph and not already cited (`exclude`, as in answer_question). Read alone, such
    a sentence does not say what the citizen asked. Likewise the next sentence when it leans on the first and holds
    words of the asking clause (`focus`) that the first lacks: 尼日共和国…… answers 哪个国家, and the sentence after
    it says that it is the least developed."""
    doc = kb.docs[first.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, first.sentence)
    out = [first]
    # A run-on sentence is indexed in pieces cut at a comma: the answer quotes the whole sentence.
    before = _piece_before(kb, doc, first, spans, index, exclude)
    after = _piece_after(kb, doc, first, spans, index, exclude)
    if before is not None or after is not None:
        return [o for o in (before, first, after) if o is not None]
    if leans_back(first.candidate.text) and index > 0:
        before = _neighbour(kb, doc, first, spans, index - 1, exclude)
        # "之前……要跑三个部门" is not the context of "现在只需跑一个部门": the present answers alone.
        if before is not None and not about_past(before.candidate.text):
            out.insert(0, before)
    if index + 1 < len(spans):
        after = _neighbour(kb, doc, first, spans, index + 1, exclude)
        # An item's title alone ("10.完善延时错时预约服务。") says what is done, not how: its body follows it.
        if after is not None and (points_back(after.candidate.text)
                                  or runs_in(first.candidate.text) and not is_item(after.candidate.text)
                                  or leans_back(after.candidate.text) and any(
                                      w in after.candidate.text and w not in first.candidate.text for w in focus)):
            out.append(after)
    return out


def _title_before(kb: KnowledgeBase, query: Query, first: Option) -> Option | None:
    """The numbered item's title just before the sentence, in its paragraph, when it names the question's subject
    (一是实行“一对一”帮扶。 for 怎么帮扶; not 12.优化政务服务环境。 for the “好差评” sentence under it)."""
    if is_title(first.candidate.text):
        return None
    doc = kb.docs[first.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, first.sentence)
    before = _neighbour(kb, doc, first, spans, index - 1, ()) if index > 0 else None
    if before is None or not is_title(before.candidate.text):
        return None
    return before if any(w in before.candidate.text for w in _topic_words(query)) else None


def _body_rest(kb: KnowledgeBase, title: Option, body: Option, exclude: Collection[tuple[str, int]],
               most: int) -> list[Option]:
    """The rest of an item's body after its first sentence, in the same paragraph and within the answer's length, up
    to the next item or run-in heading: for 4.强化服务企业手段。 its 一企一议 mechanism, then 营商专员, then the
    惠企政策汇编 (each cut at a ；); for 多方联动,破解难题“面对面”。 its body, not 继续权力下移…… after it."""
    doc = kb.docs[title.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, body.sentence)
    out: list[Option] = []
    length = len(title.text) + len(body.text)
    for i in range(index + 1, min(index + 1 + max(most, 0), len(spans))):
        o = _neighbour(kb, doc, title, spans, i, exclude)
        if (o is None or is_item(o.candidate.text) or runs_in(o.candidate.text)
                or length + len(o.text) > kb.settings.answer_chars):
            break
        out.append(o)
        length += len(o.text)
    return out


def _piece_before(kb: KnowledgeBase, doc: Document, first: Option, spans: np.ndarray, index: int,
                  exclude: Collection[tuple[str, int]]) -> Option | None:
    """The piece of the same run-on sentence that `first` continues, if it is one."""
    if index == 0 or int(spans[index - 1][1]) != first.sentence.start:
        return None
    before = _neighbour(kb, doc, first, spans, index - 1, exclude)
    return before if before is not None and not ends_sentence(before.text) else None


def _piece_after(kb: KnowledgeBase, doc: Document, first: Option, spans: np.ndarray, index: int,
                 exclude: Collection[tuple[str, int]]) -> Option | None:
    """The piece that completes `first`, when `first` is a run-on sentence cut at a comma."""
    if ends_sentence(first.text) or index + 1 >= len(spans) or int(spans[index + 1][0]) != first.sentence.end:
        return None
    return _neighbour(kb, doc, first, spans, index + 1, exclude)


def _neighbour(kb: KnowledgeBase, doc: Document, first: Option, spans: np.ndarray, i: int,
               exclude: Collection[tuple[str, int]]) -> Option | None:
    """The i-th sentence of the document as an Option beside `first`, when it is quotable, in its paragraph and
    not in `exclude`."""
    s, e = int(spans[i][0]), int(spans[i][1])
    lo, hi = min(s, first.sentence.start), max(e, first.sentence.end)
    sentence = _sentence_at(kb, doc.doc_id, s, e)
    text = without_speaker(doc.clean.text[s:e]).strip()
    if (sentence is None or "\n" in doc.clean.text[lo:hi] or not quotable(doc, sentence, text)
            or exclude and citation_key(doc, sentence) in exclude):
        return None
    return _beside(kb, doc, first, sentence, text)


def _beside(kb: KnowledgeBase, doc: Document, anchor: Option, sentence: Sentence, text: str) -> Option:
    """A sentence of the anchor's document, wherever its chunk, as an Option cited with the anchor's scores."""
    hit = Hit(_chunk_of(kb, doc.doc_id, sentence), anchor.hit.score, anchor.hit.lexical, anchor.hit.dense)
    return option(kb, doc, hit, anchor.candidate.chunk_rank, sentence, text)


def _items_after(kb: KnowledgeBase, announcement: Option, composition: Composition,
                 paragraphs: bool = False) -> list[Option]:
    """The items that follow a list's announcement in its document: the opening sentence of each 一是/二是
    (or 首先/其次, （一）, 1.) up to the next heading, host question or announcement. With `paragraphs`, the items
    that open a paragraph, numbered as the first one is (一、 not the 一是 inside it), up to the next heading."""
    doc = kb.docs[announcement.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, announcement.sentence)
    items: list[Option] = []
    marker = ""
    own = _numbering(announcement.text)  # a numbered part's heading or an item's title
    # A section's numbered paragraphs may run long, and end at the next heading; an announcement's items are near it.
    window = index + 1 + composition.item_window * (10 if paragraphs else 1)
    for s, e in spans[index + 1:window]:
        text = without_speaker(doc.clean.text[int(s):int(e)]).strip()
        if own and _numbering(text) == own:  # the next part (二、 after 一、), or the item's sibling (三是 after 二是)
            break
        # A numbered paragraph's title (一、掀起三处热潮,打造“忠诚型”政府。) reads as a heading, and is an item here,
        # unless numbered otherwise than the items (the next part's 五、 after the items 10. 11. 12. of 四、).
        numbered = paragraphs and is_item(text) and _numbering(text) == (marker or _numbering(text))
        if is_heading(text) and not numbered or announces_list(text) and not paragraphs:
            break
        if paragraphs and not (numbered and _opens_paragraph(doc.clean.text, int(s))):
            continue  # looked up only when it may be an item: a long section has hundreds of sentences
        sentence = _sentence_at(kb, doc.doc_id, int(s), int(e))
        if sentence is None or sentence.host:
            break
        if marker and is_item(text) and _numbering(text) != marker:
            continue  # an item's own items (一方面 inside 二是), or an aside (此外): not the list's
        if is_item(text) and (quotable(doc, sentence, text) or paragraphs and not sentence.caption):
            marker = marker or _numbering(text)
            items.append(_beside(kb, doc, announcement, sentence, text))
            if len(items) >= composition.list_items:
                break
    return items


def _leads_section(kb: KnowledgeBase, first: Option) -> bool:
    """Whether the sentence opens its section or its document: the document's sentence before it, if any, is a
    heading."""
    doc = kb.docs[first.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, first.sentence)
    return index == 0 or is_heading(doc.clean.text[int(spans[index - 1][0]):int(spans[index - 1][1])])


def _document_opening(kb: KnowledgeBase, query: Query, best: Option, composition: Composition) -> Option | None:
    """For 宜春市怎么推进五型政府建设？, a question about the whole of its best sentence's document (every word of it
    but a generic verb is in the title, 宜春市2020年“五型”政府建设工作方案) or of the place's section it is in
    (红谷滩区:“物管城市”新创举 for 红谷滩区的物管城市是怎么做的): the opening sentence of that document or
    section, when numbered parts follow it (一、持续深化思想认识……), which answering then lists; else None."""
    if query.asked.kind not in (Kind.MEASURES, Kind.LIST):
        return None
    words = _subject_words(query)
    if not words:
        return None
    doc = kb.docs[best.hit.chunk.doc_id]
    _, spans = kb.sentence_order(doc.doc_id, best.sentence)
    if _holds_all(doc.meta.title, words):
        start = 0
    elif kb.place_index.section_of(best.hit.chunk) and _holds_all(section := _section_heading(best.hit.chunk), words):
        at = doc.clean.text.rfind(section, 0, best.sentence.start + 1)
        start = int(np.searchsorted(spans[:, 0], at)) if at >= 0 else len(spans)
    else:
        return None
    for s, e in spans[start:start + 3]:
        text = without_speaker(doc.clean.text[int(s):int(e)]).strip()
        if is_heading(text):
            continue
        sentence = _sentence_at(kb, doc.doc_id, int(s), int(e))
        if sentence is not None and quotable(doc, sentence, text):
            opening_ = _beside(kb, doc, best, sentence, text)
            if _leads_section(kb, opening_) and _parts_after(kb, opening_, composition):
                return opening_
        return None
    return None


def _holds_all(title: str, words: list[str]) -> bool:
    plain = re.sub(r"\W", "", to_simplified(title))  # 五型政府 is in 宜春市2020年“五型”政府……
    return all(w in plain for w in words)


def _section_heading(chunk: Chunk) -> str:
    """The heading of the place's section a chunk is in (红谷滩区:“物管城市”新创举), as the document writes it."""
    return chunk.heading.partition(SECTION_JOINER)[0]


def _interview_answer(kb: KnowledgeBase, query: Query, best: Option, composition: Composition) -> list[Option]:
    """For 临川区如何化解大班额问题？, when the best sentence is in the guest's answer to the host's question on that
    subject (……还存在“大班额”情况,请问临川区怎么去化解这个问题): the sentence before that answer's first numbered item
    and the items (一是加大政府投入。二是规范办学行为。三是多渠道化解大班额。); else none."""
    if query.asked.kind not in (Kind.MEASURES, Kind.LIST) or not best.hit.chunk.question:
        return []
    words = _topic_words(query)
    if not words or not _holds_all(best.hit.chunk.question, words):
        return []
    doc = kb.docs[best.hit.chunk.doc_id]
    index, spans = kb.sentence_order(doc.doc_id, best.sentence)
    start = index
    while start > 0 and not _breaks_before(doc, spans, start):
        start -= 1
    for i in range(start, min(len(spans), start + composition.item_window)):
        if i > start and _breaks_before(doc, spans, i):
            break
        if is_item(without_speaker(doc.clean.text[int(spans[i][0]):int(spans[i][1])]).strip()):
            intro = _neighbour(kb, doc, best, spans, i - 1, ()) if i > start else None
            items = _parts_after(kb, intro, composition) if intro is not None else []
            return [intro] + items if items else []
    return []


def _named_part(kb: KnowledgeBase, query: Query, best: Option, composition: Composition) -> Option | None:
    """For 宜春市怎样提升服务效能？, a question whose every word but a generic verb a numbered heading of its best
    sentence's document holds (四、全面提升服务效能): that heading, which its numbered items then follow; else None."""
    if query.asked.kind not in (Kind.MEASURES, Kind.LIST):
        return None
    section = kb.place_index.section_of(best.hit.chunk)
    doc = kb.docs[best.hit.chunk.doc_id]
    # The place a section or a document is about is in the section's heading or the title, not the part's: 新建区怎么
    # 优化营商环境？ is answered by 新建区's 四、优化营商环境淬炼“服务”成色。, 宜春怎么打造赣服通升级版？ by the 宜春 plan's
    # 9.打造“赣服通”升级版。
    about_place = section or query.places and all(p in doc.meta.title for p in query.places)
    words = _topic_words(query) if about_place else _subject_words(query)
    if not words:
        return None
    _, spans = kb.sentence_order(doc.doc_id, best.sentence)
    for i, (s, e) in enumerate(spans):
        text = without_speaker(doc.clean.text[int(s):int(e)]).strip()
        if (is_heading(text) and is_item(text) or _plan_title(text)) and _holds_all(text, words):
            sentence = _sentence_at(kb, doc.doc_id, int(s), int(e))
            if sentence is None:
                return None
            part = _beside(kb, doc, best, sentence, text)
            if kb.place_index.section_of(part.hit.chunk) != section:  # 新建区's 五、 is not 湾里's
                continue
            # Its items follow it, or its body does, in the same paragraph (answering quotes it after the title).
            inline = i + 1 < len(spans) and not _breaks_before(doc, spans, i + 1)
            return part if _parts_after(kb, part, composition) or inline and runs_in(text) else None
    return None


def _plan_title(text: str) -> bool:
    """A plan's numbered item title (9.打造“赣服通”升级版。, （一）……。), not a speaker's 一是/第三, which names one point
    of an answer (一是推进了“小政府”改革。 is one of 哪四个方面的改革)."""
    return is_title(text) and bool(re.search(r"1|[（(]", _numbering(text)))


def _parts_after(kb: KnowledgeBase, first: Option, composition: Composition) -> list[Option]:
    """The numbered paragraphs after an opening sentence or a part's heading, or when there are none, the items
    inside its paragraph (五、强化三大方面,打造“过硬型”政府。 then 一是……二是……); none unless two or more."""
    for paragraphs in (True, False):
        # _items_after stops at a sibling: 10. and 11. after 9.打造“赣服通”升级版。 are not its parts.
        items = _items_after(kb, first, composition, paragraphs=paragraphs)
        if len(items) >= 2:
            return items
    return []


def _subject_words(query: Query) -> list[str]:
    """The question's words that name what it is about: not the asking words, the asked category (措施 of 有哪些措施)
    or a generic verb (推进, 提升)."""
    return [w for w in query.focus if len(w) >= 2 and not _asks(query, w) and w != query.asked.category
            and not _GENERIC_ACTION.fullmatch(w)]


def _topic_words(query: Query) -> list[str]:
    """The subject words without the question's places: what a passage must be about, wherever the place is said."""
    return [w for w in _subject_words(query) if not any(w in p or p in w for p in query.places)]


def _breaks_before(doc: Document, spans: np.ndarray, i: int) -> bool:
    """Whether a paragraph ends between the document's sentences i - 1 and i."""
    return "\n" in doc.clean.text[int(spans[i - 1][1]):int(spans[i][0])]


def _opens_paragraph(text: str, start: int) -> bool:
    return start == 0 or not text[text.rfind("\n", 0, start) + 1:start].strip()


def _numbering(item: str) -> str:
    """How an item is numbered, whatever its number: 一、 -> 一、 style, （二） -> （一） style, 3. -> 1. style."""
    m = ITEM.match(item)
    if not m:
        return ""
    marker = m.group(0).strip()
    if marker in _SEQUENCE_WORDS:
        return "首先"
    return re.sub(r"[一二三四五六七八九十]+", "一", re.sub(r"\d+", "1", marker))


_SEQUENCE_WORDS = frozenset({"首先", "其次", "再次", "最后", "另外", "此外", "一方面", "另一方面", "再一方面"})


def _sentence_at(kb: KnowledgeBase, doc_id: str, start: int, end: int) -> Sentence | None:
    for chunk in kb.doc_chunks[doc_id]:
        for s in chunk.sentences:
            if s.start == start and s.end == end:
                return s
    return None


def _chunk_of(kb: KnowledgeBase, doc_id: str, sentence: Sentence) -> Chunk:
    return next(c for c in kb.doc_chunks[doc_id] if c.start <= sentence.start and sentence.end <= c.end)


def _place_search(kb: KnowledgeBase, retrieval: Retrieval, k: int) -> Callable[[str], list[Hit]]:
    """The question's best passages in the documents about a place stem, ranked at most once per stem and
    answer from the question's one retrieval: the confidence and the per-place citations both need them."""
    ranked: dict[str, list[Hit]] = {}

    def own(stem: str) -> list[Hit]:
        if stem not in ranked:
            ranked[stem] = retrieval.best(k, rows=kb.place_rows([stem]))
        return ranked[stem]

    return own


def _named_in_passages(kb: KnowledgeBase, names: tuple[str, ...]) -> bool:
    """Whether any passage holds one of the names as text: a word taken for a place (楢崎 of 楢崎龙是谁的妻子, 香港地
    of 香港地区) may be split otherwise in the passages that do name it. Read only for a place no word of the
    index is, once the question is not declined."""
    return any(n in c.search_text for c in kb.chunks for n in names)


def _elsewhere(kb: KnowledgeBase, query: Query, retrieval: Retrieval, composition: Composition) -> list[Hit]:
    """The best passages about none of the asked places (of their documents, or of other places' sections): a
    place's own rank first among them all (宜春's every passage before 湾里's one on 一次不跑)."""
    return retrieval.best(composition.chunks, rows=kb.place_rows(query.stems, about=False))


def _covered_only_elsewhere(kb: KnowledgeBase, query: Query, hits: list[Hit], own: Callable[[str], list[Hit]],
                            composition: Composition, *, dense_margin: float | None) -> list[Hit]:
    """The best passages of other places' documents when they hold the subject's rarest word, which no document
    about the asked places ever uses, and cover the question better than those documents' own best passages do:
    the topic is covered, but not for this place (新余市怎么规范停车管理？: only 南昌's documents say 停车; 新余's best
    passage, 在规范“用人”方面……, shares only 规范). Else none. A word that is not the subject (办完 of
    临川区不动产登记要多长时间能办完, 中心 of 吉阳区政务服务中心进驻了多少个事项) does not count, nor an everyday
    word when the place's own passages are clearly closer in meaning (今年 of 宜春市今年有哪些重点工作: 宜春's plan
    never says it): by `dense_margin` (Composition.elsewhere_dense_margin; None where the question would be declined
    otherwise)."""
    stems = [s for s in query.stems if kb.place_index.docs_about(s)]
    focus = [w for w in query.focus if len(w) >= 2]
    # The subject's rarest word, a whole word (中心, not 政务服务中心 whose parts may be named otherwise) that does not
    # ask (几点 and 上班 of 几点上班 say what is asked): 停车 of 怎么规范停车管理, not 规范.
    words = [w for w in focus if not _asks(query, w) and not any(v != w and v in w for v in focus)]
    if not stems or not words:
        return []
    # The verb the asking word governs (推行 of 吉阳区怎么推行物管城市) is the asked action, not the subject: 管城 is,
    # however often other places' sections repeat 物管城市 in their headings.
    start, end = query.asked.cue_start, query.asked.cue_end
    if start >= 0 and _HOW.fullmatch(query.simplified[start:end]):
        words = [w for w in words if not query.simplified.startswith(w, end)] or words
    top = max(kb.lexical.idf(w) for w in words)
    rarest = [w for w in words if kb.lexical.idf(w) >= top - 1e-6]
    at_place = set(kb.place_rows(stems).tolist())
    others = [h for h in hits if kb.chunk_row[h.chunk.chunk_id] not in at_place]
    own_hits = [h for s in stems for h in own(s)]
    if not others or not own_hits:
        return []

    def covered(h: Hit) -> float:
        return kb.lexical.coverage(focus, kb.chunk_tokens[kb.chunk_row[h.chunk.chunk_id]])

    best_other = max(others, key=covered)
    if covered(best_other) <= max(covered(h) for h in own_hits):
        return []
    held = kb.chunk_tokens[kb.chunk_row[best_other.chunk.chunk_id]]
    unused = [w for w in rarest if w in held and not any(w in kb.chunk_tokens[r] for r in at_place)]
    if not unused:
        return []
    # Everyday words (今年, 抓好) may be how the question is put; a term (好差评 of 南昌市好差评制度是怎么回事？) never is,
    # however close the place's own passages are in meaning.
    if (dense_margin is not None and not any(kb.tokenizer.is_term(w) for w in unused)
            and max(h.dense for h in own_hits) >= max(h.dense for h in others) + dense_margin):
        return []
    # What the documents say on it: the passages that use the word (吉阳's 零跑动 is not 湾里's 一次不跑).
    return sorted((h for h in others if any(w in h.chunk.search_text for w in unused)),
                  key=lambda h: -covered(h))


def _hits_per_place(kb: KnowledgeBase, query: Query, hits: list[Hit], own: Callable[[str], list[Hit]],
                    composition: Composition) -> list[Hit]:
    """For a question naming several places, the best passages of each place's documents, so that every
    place gets an answer even when one place dominates the overall ranking."""
    if len(query.places) < 2:
        return []
    extra = []
    for stem in query.stems:
        if (kb.place_index.docs_about(stem)
                and not any(stem in kb.place_index.chunk_stems(h.chunk) for h in hits[:composition.chunks])):
            extra.extend(own(stem)[:composition.place_chunks])
    return extra


def _about(kb: KnowledgeBase, o: Option, stems: set[str]) -> bool:
    """A sentence answers for these places when its document (or its section of a document about several) is about
    one of them, names one, or is about no place in particular."""
    about = kb.place_index.chunk_stems(o.hit.chunk)
    return not about or bool(stems & about) or any(s in o.candidate.text for s in stems)


def _cite(doc: Document, option: Option, n: int, question: str) -> Citation:
    return _citation(doc, option.hit.chunk, option.sentence, option.text, option.hit.score, n, question)


def _citation(doc: Document, chunk: Chunk, sentence: Sentence, text: str, score: float, n: int, question: str) -> Citation:
    start, end = quote_span(doc, sentence)
    span = doc.clean.original_span(start, end)
    whole = doc.clean.original_span(chunk.start, chunk.end)
    # Converted in three parts so that the cited sentence's offsets in the passage stay exact.
    before, cited, after = (in_script_of(doc.clean.text[a:b], question) for a, b in (
        (chunk.start, sentence.start), (sentence.start, sentence.end), (sentence.end, chunk.end)))
    return Citation(
        n=n, doc_id=doc.doc_id, title=in_script_of(doc.meta.title, question) if is_traditional(question) else doc.meta.title,
        date=doc.meta.date, quote=doc.original[span.start:span.end], context=doc.original[whole.start:whole.end],
        start=span.start, end=span.end, score=round(score, 4),
        text=in_script_of(text, question), heading=chunk.heading, paragraph=chunk.paragraph,
        passage=before + cited + after, passage_start=len(before), passage_end=len(before) + len(cited),
    )


def cite_sentence(doc: Document, chunk: Chunk, sentence: Sentence, text: str, n: int, question: str) -> Citation:
    """A citation of one sentence of a chunk, made exactly as answers make theirs (briefings use it)."""
    return _citation(doc, chunk, sentence, text, 0.0, n, question)

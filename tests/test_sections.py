"""A document about several places, a section each (南昌's briefing: 新建区, 红谷滩区, 湾里管理局): its chunks carry
their section's heading, are placed by it, and one place's figures never answer for another. Real model, real
index of the shipped corpus, and a briefing written here."""
from __future__ import annotations

import pytest

from knowledge.answer.answering import answer_question
from knowledge.answer.place_index import PlaceIndex
from knowledge.ingest.chunking import chunk_document
from knowledge.models import CleanText, Document, Metadata, Status
from knowledge.text.layout import SECTION_JOINER, is_heading
from knowledge.text.script import to_simplified

_BRIEFING = ("南昌市工作简报\n编者按:\n各地围绕目标全面发力。\n"
             "东湖区“三项措施”\n推进政府建设走深走实\n一是优化服务。东湖区政务服务事项网上可办率达100%。\n"
             "西湖区:“物管城市”新创举\n推动政府建设走深走实\n一是规范停车。西湖区沿街商户出资约60万元。\n")


def _briefing() -> Document:
    meta = Metadata("南昌市工作简报", "2023-01-11", "", ("南昌", "南昌市", "东湖区", "西湖区"), "news", "")
    return Document("brief.txt", _BRIEFING, CleanText(_BRIEFING, tuple(range(len(_BRIEFING))), (), ()), meta, "")


@pytest.mark.parametrize("line, heads", [
    ("红谷滩区:“物管城市”新创举   ", True), ("湾里管理局“五项措施”", True),
    ("地址：临川区赣东大道", False), ("电话：0794-123", False), ("来源: 南昌市人民政府", False),
    ("临川区:电话0794-8888", False), ("新建区：", False)])
def test_a_place_label_heads_a_section_and_a_field_label_does_not(line, heads):
    assert is_heading(line) is heads


def test_headings_under_a_places_section_heading_carry_it():
    chunks = chunk_document(_briefing(), 300, 1)
    by_text = {c.text.split("\n")[-1]: c for c in chunks}
    east = next(c for t, c in by_text.items() if "网上可办率" in t)
    west = next(c for t, c in by_text.items() if "出资约60万元" in t)
    assert east.heading == f"东湖区“三项措施”{SECTION_JOINER}推进政府建设走深走实"
    assert west.heading == f"西湖区:“物管城市”新创举{SECTION_JOINER}推动政府建设走深走实"
    assert "东湖区“三项措施”" in east.search_text and "西湖区" not in east.search_text
    # The editor's note, before any section, is the whole briefing's.
    note = next(c for c in chunks if "各地围绕目标全面发力" in c.text)
    assert SECTION_JOINER not in note.heading


def test_a_section_is_about_its_place_and_not_the_other_sections():
    doc = _briefing()
    chunks = chunk_document(doc, 300, 1)
    places = PlaceIndex.of([doc], {doc.doc_id: chunks})
    east = next(c for c in chunks if "网上可办率" in c.text)
    west = next(c for c in chunks if "出资约60万元" in c.text)
    note = next(c for c in chunks if "各地围绕目标全面发力" in c.text)
    assert places.chunk_stems(east) == {"南昌", "东湖"} and places.chunk_stems(west) == {"南昌", "西湖"}
    assert places.chunk_stems(note) == places.stems(doc.doc_id) == {"南昌", "东湖", "西湖"}
    assert west.chunk_id in places.outside_of(["东湖"]) and east.chunk_id not in places.outside_of(["东湖"])
    assert places.outside_of(["南昌"]) == frozenset()  # the city's briefing is all about the city


@pytest.mark.parametrize("question, foreign", [
    ("红谷滩区12345热线受理了多少诉求？", "6.5万"),  # 新建区's hotline
    ("新建区免费为新开办企业刻制了多少户公章？", "953"),  # 湾里's seals
    ("红谷滩区政务服务网上可办率是多少？", "88.7"),  # 湾里's online services
])
def test_one_districts_figures_do_not_answer_for_another(kb, question, foreign):
    ans = answer_question(kb, question)
    assert ans.status == Status.NOT_STATED and foreign not in ans.answer and ans.related, ans.answer


@pytest.mark.parametrize("question, fact, section", [
    ("湾里免费为新开办企业刻制了多少户公章？", "953户", "湾里管理局"),
    ("红谷滩区沿街商户出资多少？", "60万元", "红谷滩区"),
    ("新建区12345热线受理了多少诉求？", "6.5万", "新建区"),
])
def test_a_districts_own_section_answers_and_its_citation_names_it(kb, question, fact, section):
    ans = answer_question(kb, question)
    assert ans.answered and fact in ans.answer and not ans.answer.startswith("【"), ans.answer  # no place asked
    assert section in to_simplified(ans.citations[0].heading), ans.citations[0].heading


@pytest.mark.parametrize("question, section", [
    ("南昌市哪个区开展了转作风优环境活动？", "湾里管理局"),  # the sentence never names 湾里
    ("南昌市哪個區推行了物管城市？", "紅谷灘區"),  # asked in traditional: so is the section's name
])
def test_which_district_is_answered_with_the_section_that_says_it(kb, question, section):
    ans = answer_question(kb, question)
    assert ans.answered and ans.answer.startswith(f"【{section}"), ans.answer
    assert section not in ans.citations[0].text



@pytest.mark.parametrize("question, items", [
    ("湾里管理局推进五型政府建设有哪些措施？", ["一、掀起三处热潮", "二、狠抓四点内容", "三、聚焦三项工作", "四、提升三个服务",
                                   "五、强化三大方面"]),
    ("新建区怎么推进五型政府建设？", ["一、提升政治素养", "二、聚焦机制改革", "三、狠抓工作落实", "四、优化营商环境",
                             "五、加强全面从严治党"]),
])
def test_a_sections_opening_is_followed_by_its_numbered_paragraphs(kb, question, items):
    """The section's first sentence only says what it is for (为持续推进……); the measures are its numbered
    paragraphs, each cited by its title, not the 一是/二是 inside them."""
    ans = answer_question(kb, question)
    texts = [to_simplified(c.text) for c in ans.citations]
    assert ans.answered and [next(i for i, t in enumerate(texts) if t.startswith(item)) for item in items] == list(
        range(1, 6)), texts
    assert not any(t.startswith("一是") for t in texts)
    for c in ans.citations:
        assert kb.docs[c.doc_id].original[c.start:c.end] == c.quote

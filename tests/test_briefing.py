"""Interview briefings for hosts (`policybot prep`), on the real index of the shipped corpus."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.briefing.briefing import prepare_briefing
from knowledge.briefing.figures import find_figures
from knowledge.briefing.render import FIGURE_COLUMNS, to_chat, to_docx, to_html, to_markdown, to_payload
from knowledge.text.script import is_traditional, to_simplified

LINCHUAN = "000_1a45194fc899ac1e.txt"  # 临川区 online interview (see knowledge/corpus/README.md)
TOPICS = ["营商环境", "不动产登记", "教育", "放管服", "五型政府", "政务服务", "招商引资", "減稅降費", "營商環境", "信用"]


def _citations(b):
    for q in b.questions():
        if q.asked:
            yield q.asked
        for p in q.points:
            yield p.citation
    for f in b.figures:
        yield f.citation


@pytest.fixture(scope="module")
def property_briefing(kb):
    return prepare_briefing(kb, "不动产登记")


def test_property_registration_briefing_cites_the_linchuan_interview(kb, property_briefing):
    b = property_briefing
    assert b.found
    host = [q for q in b.questions() if q.doc_id == LINCHUAN and q.origin == "host"]
    assert host, [q.text for q in b.questions()]
    q = host[0]
    # The likely question is the netizen's question the host read out, cited where it stands.
    assert "不动产登记" in q.text and q.asked is not None and q.asked.doc_id == LINCHUAN
    assert q.place == "临川区"
    assert any("一窗受理" in p.citation.text for p in q.points)
    five_days = [f for f in b.figures if f.value == "5个工作日"]
    assert five_days and "一般登记" in five_days[0].measures
    assert five_days[0].place == "临川区" and five_days[0].when == "2019年9月"


def test_markdown_groups_by_place_and_document_with_a_figures_table(kb):
    md = to_markdown(prepare_briefing(kb, "教育"))
    assert md.startswith("# 访谈准备：教育")
    place = md.index("### 临川区")
    assert md.index("#### 临川“五型”政府建设在线访谈", place) > place
    table = md[md.index("## 二、关键数据"):md.index("## 三、来源")]
    assert re.search(r"\| 临川区 \| 临川“五型”政府建设在线访谈 \| 1\.2万个 \| 新增学位 \| [^|]+ \| \[\d+\] \|", table)
    n = re.search(r"1\.2万个 \| 新增学位 \| [^|]+ \| \[(\d+)\]", table).group(1)
    # The figure's source number points at the sentence that states it.
    source = next(line for line in md.splitlines() if line.startswith(f"[{n}] "))
    assert "1.2萬個" in source


def test_points_bear_on_the_topic_and_are_not_repeated(kb):
    for topic in ("营商环境", "放管服", "教育"):
        b = prepare_briefing(kb, topic)
        texts = [to_simplified(p.citation.text) for q in b.questions() for p in q.points]
        assert len(texts) == len(set(texts)), topic
        for q in b.questions():
            named = topic in to_simplified(q.text) or any(topic in to_simplified(p.citation.text) for p in q.points)
            assert named, (topic, q.text)
    # 警示教育制度 names 教育 in passing: not a point of an education briefing.
    education = [p.citation.text for q in prepare_briefing(kb, "教育").questions() for p in q.points]
    assert not any("警示教育" in to_simplified(t) for t in education)


@pytest.mark.parametrize("topic", ["航天", "量子计算机"])
def test_a_topic_the_corpus_does_not_cover_gets_the_nothing_found_briefing(kb, topic):
    b = prepare_briefing(kb, topic)
    assert not b.found and not b.questions() and not b.figures
    md = to_markdown(b)
    assert "没有找到" in md and "[1]" not in md
    assert "没有找到" in to_chat(b) and to_payload(b)["briefing"]["found"] is False


def test_a_traditional_topic_gets_a_traditional_briefing(kb):
    b = prepare_briefing(kb, "營商環境")
    assert b.found
    md = to_markdown(b)
    assert md.startswith("# 訪談準備：營商環境") and is_traditional(md)
    assert all(is_traditional(q.text) for q in b.questions() if len(q.text) > 10)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(topic=st.sampled_from(TOPICS) | st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5),
                                               min_size=1, max_size=4))
def test_every_citation_quotes_the_original_and_every_figure_is_whole(kb, topic):
    b = prepare_briefing(kb, topic)
    for c in _citations(b):
        assert kb.docs[c.doc_id].original[c.start:c.end] == c.quote
    for f in b.figures:
        assert f.unit and f.number and re.search(r"\d", f.number)
        assert len(re.findall(r"[\u4e00-\u9fff]", f.measures)) >= 2, f
        # The figure stands in its cited sentence, and what it measures is said there too.
        said = to_simplified(f.citation.text)
        assert to_simplified(f.value) in said and all(ch in said for ch in to_simplified(f.measures)), f


def test_figures_say_what_they_measure():
    found = {(f.value, f.measures) for f in find_figures("吉阳区设置综合受理窗口6个，审批时限由3个月缩短至10个工作日，"
                                                          "发放贷款3.305亿元、惠及企业574家，2019年完成第59期简报。")}
    assert found == {("6个", "吉阳区设置综合受理窗口"), ("由3个月缩短至10个工作日", "审批时限"), ("3.305亿元", "发放贷款"),
                     ("574家", "惠及企业")}
    units = {f.value: f.unit for f in find_figures("发放贷款3.305亿元，办结率达99.5%，一般登记5个工作日。")}
    assert units == {"3.305亿元": "亿元", "达99.5%": "%", "5个工作日": "个工作日"}


def test_docx_reads_back_with_the_questions_and_the_figures_table(kb, tmp_path):
    b = prepare_briefing(kb, "营商环境")
    path = tmp_path / "briefing.docx"
    to_docx(b, path)
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "访谈准备：营商环境" in text
    for q in b.questions():
        assert q.text in text
    table = document.tables[0]
    assert tuple(c.text for c in table.rows[0].cells) == FIGURE_COLUMNS
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == len(b.figures) >= 3
    assert ["临川区", "临川“五型”政府建设在线访谈", "3.305亿元", "发放贷款"] == rows[0][:4]


def test_html_is_well_formed_self_contained_and_escapes_document_text(kb):
    b = prepare_briefing(kb, "营商环境")
    page = to_html(b)
    root = ET.fromstring(page.split("\n", 1)[1])  # well-formed as XML once the doctype is off
    assert root.tag == "html" and root.find("body/table") is not None
    assert "<script" not in page and "src=" not in page and 'href="http' not in page and "<link" not in page
    # Text from documents cannot inject markup.
    q = b.places[0].documents[0].questions[0]
    evil = replace(q.points[0], citation=replace(q.points[0].citation, text="<script>alert('x')</script>&",
                                                 quote="</li><b>"))
    doc = replace(b.places[0].documents[0], title="<i>T</i>", questions=(replace(q, points=(evil,)),))
    poisoned = replace(b, places=(replace(b.places[0], documents=(doc,)),))
    page = to_html(poisoned)
    ET.fromstring(page.split("\n", 1)[1])
    assert "<script>" not in page and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;&amp;" in page
    assert "<i>T</i>" not in page and "&lt;/li&gt;&lt;b&gt;" in page


def test_chat_version_is_short_and_cited(kb):
    b = prepare_briefing(kb, "营商环境")
    text = to_chat(b)
    assert text.startswith("访谈准备：营商环境") and "[1]" in text and "policybot prep" in text
    assert len(text) < len(to_markdown(b)) / 2
    payload = to_payload(b)["briefing"]
    item = payload["items"][0]
    assert set(item) >= {"question", "answered", "confidence", "answer", "citations"}
    assert item["citations"][0]["n"] == 1 and payload["figures"][0]["unit"]


def _prep(settings, *args):
    env = {**os.environ, **settings.to_env()}
    return subprocess.run([sys.executable, "-m", "bot.cli", "prep", *args], capture_output=True, text=True,
                          env=env, timeout=600)


def test_cli_prep_formats_and_exit_codes(corpus_settings, tmp_path):
    out = _prep(corpus_settings, "不动产登记")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("# 访谈准备：不动产登记") and LINCHUAN in out.stdout

    target = tmp_path / "b.docx"
    out = _prep(corpus_settings, "不动产登记", "--format", "docx", "--out", str(target))
    assert out.returncode == 0, out.stderr
    assert "5个工作日" in [c.text for c in docx.Document(str(target)).tables[0].columns[2].cells]

    bad = _prep(corpus_settings, "不动产登记", "--format", "pdf")
    assert bad.returncode == 2 and "invalid choice: 'pdf'" in bad.stderr

    nowhere = _prep(corpus_settings, "不动产登记", "--format", "html", "--out", str(tmp_path / "no" / "such" / "b.html"))
    assert nowhere.returncode == 1 and "cannot write" in nowhere.stderr and "no/such/b.html" in nowhere.stderr

    missing = _prep(corpus_settings, "不动产登记", "--format", "docx")
    assert missing.returncode == 2 and "--out" in missing.stderr


def test_host_page_serves_the_briefing_as_html_docx_and_markdown(stack, stack_settings):
    from fastapi.testclient import TestClient

    from bot.web import create_app

    with TestClient(create_app(stack_settings, stack.rasa_url, stack.actions_url)) as client:
        form = client.get("/host")
        assert form.status_code == 200 and 'name="topic"' in form.text
        page = client.get("/host", params={"topic": "不动产登记"})
        assert page.status_code == 200 and "访谈准备：不动产登记" in page.text and LINCHUAN in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        word = client.get("/host", params={"topic": "不动产登记", "format": "docx"})
        assert word.status_code == 200 and word.content[:2] == b"PK"
        md = client.get("/host", params={"topic": "航天", "format": "md"})
        assert md.status_code == 200 and "没有找到" in md.text
        bad = client.get("/host", params={"topic": "<b>教育</b>", "format": "pdf"})
        assert bad.status_code == 400 and "<b>教育</b>" not in bad.text and "&lt;b&gt;" in bad.text
    # Prepared by the action server: while it is away, the page says so.
    with TestClient(create_app(stack_settings, stack.rasa_url, "http://127.0.0.1:9")) as client:
        away = client.get("/host", params={"topic": "不动产登记"})
    assert away.status_code == 503 and "知识库暂时不可用" in away.text

"""Building, updating and refusing indexes; unreadable files; an empty corpus."""
from __future__ import annotations


import numpy as np
import pytest

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.query import analyse
from knowledge.config import Settings
from knowledge.index.building import build_index
from knowledge.index.store import load_bundles
from knowledge.index.store import IndexUnavailable, read_manifest
from knowledge.text.script import to_simplified
from knowledge.text.transcript import without_speaker


def _settings(corpus, tmp_path, **kw) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", **kw)


def _vectors(settings):
    from knowledge.index.store import load_bundles

    return {b.doc.doc_id: b.vectors for b in load_bundles(settings.index_dir).bundles}


def test_incremental_update_reembeds_only_the_changed_document(small_corpus, tmp_path, monkeypatch):
    settings = _settings(small_corpus, tmp_path)
    first = build_index(settings, progress=False)
    assert sorted(first.added) == ["001_3bffe2b40b3aca62.txt", "004_7877965d32ecbab8.txt"]

    again = build_index(settings, progress=False)
    assert not again.touched and len(again.unchanged) == 2

    embedded: list[str] = []
    import knowledge.index.bundling as bundling
    real_embed, real_spans = bundling.embed, bundling.embed_with_spans
    monkeypatch.setattr(bundling, "embed", lambda *a, **k: embedded.extend(a[1]) or real_embed(*a, **k))
    monkeypatch.setattr(bundling, "embed_with_spans", lambda *a, **k: embedded.extend(a[1]) or real_spans(*a, **k))
    before = _vectors(settings)
    target = small_corpus / "004_7877965d32ecbab8.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n新余市新设立企业开办一日办结窗口。\n", encoding="utf-8")
    (small_corpus / "new.md").write_text("# 新文件\n临川区试行不动产登记延时服务。", encoding="utf-8")
    (small_corpus / "001_3bffe2b40b3aca62.txt").unlink()
    report = build_index(settings, progress=False)
    assert report.changed == ["004_7877965d32ecbab8.txt"]
    assert report.added == ["new.md"]
    assert report.removed == ["001_3bffe2b40b3aca62.txt"]
    # The chunks of the changed document and the new one, each distinct text once, nothing else: their sentences'
    # vectors come from the chunks' own pass.
    new = [b for b in load_bundles(settings.index_dir).bundles if b.doc.doc_id in ("004_7877965d32ecbab8.txt", "new.md")]
    assert sorted(embedded) == sorted({c.search_text for b in new for c in b.chunks})
    assert all(len(b.sentence_vectors) == len(b.sentence_spans) > 0 for b in new)
    after = _vectors(settings)
    assert set(after) == {"004_7877965d32ecbab8.txt", "new.md"}
    assert after["004_7877965d32ecbab8.txt"].shape[0] >= before["004_7877965d32ecbab8.txt"].shape[0]

    kb = KnowledgeBase.load(settings)
    hits = kb.search(analyse(kb, "企业开办一日办结"), 3)
    assert hits[0].chunk.doc_id == "004_7877965d32ecbab8.txt"


def test_unreadable_file_is_reported_and_the_rest_indexed(small_corpus, tmp_path):
    (small_corpus / "broken.docx").write_bytes(b"this is not a zip archive")
    (small_corpus / "empty.txt").write_bytes(b"")
    settings = _settings(small_corpus, tmp_path)
    report = build_index(settings, progress=False)
    assert set(report.skipped) == {"broken.docx", "empty.txt"}
    assert "broken.docx" in report.skipped["broken.docx"]
    assert len(read_manifest(settings.index_dir)["documents"]) == 2


def test_empty_corpus_gives_an_empty_index_that_declines(tmp_path):
    corpus = tmp_path / "empty"
    corpus.mkdir()
    settings = _settings(corpus, tmp_path)
    report = build_index(settings, progress=False)
    assert report.chunks == 0
    from knowledge.answer.answering import answer_question

    ans = answer_question(KnowledgeBase.load(settings), "怎么办理不动产登记？")
    assert not ans.answered and not ans.citations


def test_index_built_with_other_settings_is_refused_then_rebuilt(small_corpus, tmp_path):
    settings = _settings(small_corpus, tmp_path)
    build_index(settings, progress=False)
    other = settings.replace(chunk_size=200)
    with pytest.raises(IndexUnavailable, match="chunk_size"):
        KnowledgeBase.load(other)
    report = build_index(other, progress=False)
    assert "chunk_size" in report.rebuilt_all
    assert KnowledgeBase.load(other).chunks


def test_a_crash_during_a_build_leaves_the_previous_index(small_corpus, tmp_path, monkeypatch):
    settings = _settings(small_corpus, tmp_path)
    build_index(settings, progress=False)
    manifest = read_manifest(settings.index_dir)
    (small_corpus / "extra.txt").write_text("新余市推行企业开办一日办结。", encoding="utf-8")
    import knowledge.index.bundling as bundling

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(bundling, "embed", crash)
    monkeypatch.setattr(bundling, "embed_with_spans", crash)
    with pytest.raises(KeyboardInterrupt):
        build_index(settings, progress=False)
    assert read_manifest(settings.index_dir) == manifest
    assert len(list(settings.index_dir.glob("build-*"))) == 1
    assert KnowledgeBase.load(settings).chunks


def test_metadata_of_the_shipped_corpus(kb):
    briefing = kb.docs["002_dbf7095373e82926.txt"].meta
    assert briefing.date == "2023-01-11" and briefing.source == "南昌市人民政府" and briefing.kind == "briefing"
    assert briefing.title.startswith("南昌市“五型”政府建设领导小组办公室简报")
    news = kb.docs["004_7877965d32ecbab8.txt"].meta
    assert news.date == "2015-03-10" and news.source == "新华网" and news.kind == "interview"
    assert "新余市" in news.places or "新余" in news.places
    assert kb.docs["000_1a45194fc899ac1e.txt"].meta.kind == "interview"
    assert kb.docs["001_3bffe2b40b3aca62.txt"].meta.kind == "work_plan"
    assert any(p.startswith("吉阳") for p in kb.docs["003_bcdb5700d7b60944.txt"].meta.places)


def test_every_sentence_vector_is_read_from_its_chunks_pass(kb):
    """No sentence of the shipped corpus (transcripts with speakers' labels, traditional script) needs a pass of
    its own, and each pooled vector stands for its sentence: a sentence read alone is nearest its own."""
    from knowledge.ingest.chunking import chunk_document
    from knowledge.index.bundling import bundle_documents
    from knowledge.index.embedding import embed

    def forbidden(texts):
        raise AssertionError(f"embedded alone: {texts[:3]}")

    docs = [kb.docs[d] for d in sorted(kb.docs)]
    bundles = bundle_documents(docs, kb.settings, kb.tokenizer, embed_texts=forbidden)
    for b in bundles:
        assert b.sentence_vectors.shape == (len(b.sentence_spans), b.vectors.shape[1])
        assert np.allclose(np.linalg.norm(b.sentence_vectors, axis=1), 1.0, atol=1e-3)
        assert len(b.chunks) == len(chunk_document(b.doc, kb.settings.chunk_size, kb.settings.chunk_overlap))
    first = bundles[0]
    alone = embed(kb.settings.model, [to_simplified(without_speaker(first.doc.clean.text[s:e])) for s, e in first.sentence_spans])
    nearest = (first.sentence_vectors @ alone.T).argmax(axis=0)
    # Among the document's 107 sentences (chance 1%): 73% measured, the rest nearest a neighbour sharing its context.
    assert (nearest == np.arange(len(alone))).mean() > 0.6


def test_chunks_never_split_numbers_and_keep_host_questions(kb):
    for chunk in kb.chunks:
        for s in chunk.sentences:
            text = kb.docs[chunk.doc_id].clean.text
            assert not (s.start > 0 and text[s.start - 1].isdigit() and text[s.start].isdigit())
            assert not (text[s.end - 1] == "." and s.end < len(text) and text[s.end].isdigit())
    linchuan = [c for c in kb.chunks if c.doc_id.startswith("000") and "一窗受理" in c.text]
    assert linchuan and all("不動產登記也能比以前便利了嗎" in c.search_text or "不动产登记也能比以前便利了吗" in c.search_text
                            for c in linchuan)
    assert any("3.305亿元" in c.search_text for c in kb.chunks)


def test_a_run_on_sentence_is_cut_at_a_comma_not_inside_an_enumeration():
    from knowledge.ingest.chunking import split_sentences
    text = ("自今年4月份开展大讨论活动以来,临川区严格按照活动要求,以深化理论学习为基础,以深入调查研究为载体,以深刻检视问题为"
            "契机,以狠抓整改落实为驱动,对标对表5个方面22种表现形式,切实采取有效措施,将组织领导、动员发动、学习教育、宣传引导、"
            "专题调研、检视问题、专题党课、以案为鉴、整改落实等环节工作有机融合起来,统筹推进,取得了明显的活动成效。")
    pieces = split_sentences(text, 0, len(text))
    assert len(pieces) > 1 and "".join(text[p.start:p.end] for p in pieces) == text
    assert all(text[p.end - 1] in ",。" for p in pieces)  # never after 、
    # an enumeration with no comma at all is still cut, at its 、
    listing = "、".join(["组织领导", "动员发动", "学习教育", "宣传引导", "专题调研"] * 10) + "。"
    assert all(listing[p.end - 1] in "、。" for p in split_sentences(listing, 0, len(listing)))


# A notice as one government site serves it: one line, furniture around it, and a body that itself speaks of
# 来源, 责任编辑 and 访问量. Cleaning by whole lines used to drop all of it.
_NOTICE_TITLE = "北京市怀柔区城市管理委员会关于做好2023—2024年采暖季供暖保障工作的通知"
_NOTICE_BODY = (
    "各镇乡人民政府、各街道办事处，区属各供热单位：为确保我区2023—2024年采暖季供暖工作平稳有序，保障群众温暖过冬，"
    "现将有关事项通知如下。一、供暖时间。本采暖季供暖时间为2023年11月15日至2024年3月15日，各供热单位应于11月1日前"
    "完成冷运行调试，11月10日前完成热运行调试。遇极端天气，区城管委将视情况提前或延长供暖。二、工作要求。各供热单位要"
    "全面排查锅炉、管网、换热站等设施设备，及时消除安全隐患；要足额储备燃料，确保供热稳定；要公开报修电话，实行24小时"
    "值守，接到报修后2小时内到达现场。各镇乡、街道要摸清辖区内老旧小区、独居老人等重点对象底数，做好走访帮扶。"
    "三、室温标准。居民住宅卧室、起居室室温不得低于18℃，达不到标准的，供热单位应当按规定退还相应的采暖费。"
    "四、信息公开。各单位在政府网站发布供暖信息时，应注明信息来源和责任编辑，并按月统计栏目访问量，于每月5日前报区城管委。"
    "五、投诉处理。群众可拨打12345市民服务热线反映供暖问题，区城管委对投诉集中的供热单位进行约谈，情节严重的依法处理。"
    "六、联系方式。区城管委供热科，联系电话：69641234。特此通知。")
_NOTICE_SIGNATURE = "北京市怀柔区城市管理委员会 2023年10月20日"
_NOTICE_PAGE = (f"首页 > 政务公开 > 通知公告 {_NOTICE_TITLE} 来源：怀柔区城管委 | 发布时间：2023-10-23 09:30 | 访问量：1234 "
                f"{_NOTICE_BODY} {_NOTICE_SIGNATURE} 责任编辑：张三 【打印】【关闭】")
# A page of the usual shape, one part a line, with its furniture lines.
_PAGE = ("当前位置：首页 > 政务公开 > 通知公告\n北京市怀柔区应急管理局关于开展冬季安全检查的通知\n"
         "来源：怀柔区应急管理局  发布时间：2023-11-01  浏览次数：56\n【字体：大 中 小】\n各镇乡人民政府：\n"
         "为防范冬季火灾事故，区应急管理局定于11月开展安全检查，重点检查人员密集场所的消防通道和取暖设施。\n"
         "[责任编辑: 李四]\n打印本页 关闭窗口\n用微信扫一扫")
# A page that is nothing but furniture: cleaning would leave no text.
_STUB = "当前位置：首页 > 政务公开 > 通知公告\n来源：怀柔区城管委　发布时间：2023-10-23　访问量：35\n【打印】【关闭】"


@pytest.fixture(scope="module")
def notices(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("notices")
    (corpus / "notice.txt").write_text(_NOTICE_PAGE, encoding="utf-8")
    (corpus / "page.txt").write_text(_PAGE, encoding="utf-8")
    (corpus / "stub.txt").write_text(_STUB, encoding="utf-8")
    (corpus / "metadata.json").write_text('{"page.txt": {"issuer": "怀柔区应急管理局"}}', encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("index"))
    return settings, build_index(settings, progress=False), KnowledgeBase.load(settings)


def test_a_one_line_notice_is_indexed_without_its_furniture(notices):
    settings, report, kb = notices
    assert "notice.txt" in report.added and not report.skipped
    doc = kb.docs["notice.txt"]
    assert doc.clean.text == f"{_NOTICE_TITLE}\n{_NOTICE_BODY} {_NOTICE_SIGNATURE}"  # the dateline was a break
    assert (doc.meta.title, doc.meta.date, doc.meta.issuer) == (_NOTICE_TITLE, "2023-10-20", "北京市怀柔区城市管理委员会")


def test_a_one_line_notice_is_chunked_by_sentences(notices):
    settings, _, kb = notices
    text = kb.docs["notice.txt"].clean.text
    chunks = [c for c in kb.chunks if c.doc_id == "notice.txt"]
    assert len(chunks) >= len(text) // settings.chunk_size
    ends = {s.end for c in chunks for s in c.sentences}
    assert all(i + 1 in ends for i, ch in enumerate(text) if ch in "。；")  # every sentence ends where it should
    assert all(sum(s.end - s.start for s in c.sentences) <= settings.chunk_size for c in chunks)


def test_a_question_about_a_one_line_notice_is_answered_from_it(notices):
    from knowledge.answer.answering import answer_question

    _, _, kb = notices
    original = kb.docs["notice.txt"].original
    for question, said in (("怀柔区什么时候开始供暖？", "2023年11月15日"), ("发布供暖信息时要注明什么？", "信息来源和责任编辑")):
        ans = answer_question(kb, question)
        assert ans.answered and {c.doc_id for c in ans.citations} == {"notice.txt"}, ans.answer
        assert all(original[c.start:c.end] == c.quote for c in ans.citations)
        assert any(said in c.quote for c in ans.citations), ans.answer
        assert not any("访问量：1234" in c.quote or "责任编辑：张三" in c.quote for c in ans.citations)


def test_a_page_still_loses_its_furniture_lines(notices):
    _, _, kb = notices
    doc = kb.docs["page.txt"]
    assert doc.clean.text == ("北京市怀柔区应急管理局关于开展冬季安全检查的通知\n各镇乡人民政府：\n为防范冬季火灾事故，区应急管理局定于"
                              "11月开展安全检查，重点检查人员密集场所的消防通道和取暖设施。")
    assert doc.meta.issuer == "怀柔区应急管理局"  # from metadata.json, over the title's 北京市怀柔区应急管理局


def test_a_document_cleaning_would_empty_is_kept_and_reported(notices):
    settings, report, kb = notices
    assert [k.doc_id for k in report.furniture_kept] == ["stub.txt"]
    reason = report.furniture_kept[0].reason
    assert "would leave no text" in reason and "remove it from the corpus" in reason
    assert kb.docs["stub.txt"].clean.text == _STUB.replace("　", " ")  # kept whole, widths still fixed
    assert read_manifest(settings.index_dir)["documents"]["stub.txt"]["furniture_kept"] == reason
    again = build_index(settings, progress=False)  # nothing changed: still said, from the manifest
    assert not again.touched and again.furniture_kept == report.furniture_kept


def test_two_builds_within_one_second_do_not_collide(tmp_path, monkeypatch):
    import knowledge.index.store as store

    monkeypatch.setattr(store.time, "strftime", lambda *_: "20260101-000000")  # both builds in the same second
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("新余市推行企业开办一日办结。", encoding="utf-8")
    (corpus / "b.txt").write_text("临川区试行不动产登记延时服务。", encoding="utf-8")
    settings = _settings(corpus, tmp_path)
    build_index(settings, progress=False)
    (corpus / "a.txt").unlink()
    assert build_index(settings, progress=False).removed == ["a.txt"]
    assert list(KnowledgeBase.load(settings).docs) == ["b.txt"]


@pytest.mark.parametrize("line, signs_off, dateline", [
    ("北京市怀柔区城市管理委员会 2023年10月20日", True, False),
    ("临川区人民政府办公室 二〇二二年五月二十三日", True, False),
    ("怀柔区城管委 发布时间：2023-10-23 访问量：35", False, True),
    ("本采暖季供暖时间为2023年11月15日至2024年3月15日。", False, False),
    ("各单位发布供暖信息时，应注明信息来源和责任编辑，并按月统计栏目访问量。", False, False),
])
def test_sign_offs_and_datelines_are_told_from_sentences(line, signs_off, dateline):
    from knowledge.text.layout import is_dateline, is_signature

    assert is_signature(line) == signs_off and is_dateline(line) == dateline

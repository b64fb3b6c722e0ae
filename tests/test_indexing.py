"""Building, updating and refusing indexes; unreadable files; an empty corpus."""
from __future__ import annotations


import pytest

from knowledge.config import Settings
from knowledge.indexing import build_index
from knowledge.search import KnowledgeBase
from knowledge.store import IndexUnavailable, read_manifest


def _settings(corpus, tmp_path, **kw) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", **kw)


def _vectors(settings):
    from knowledge.store import load_bundles

    return {b.doc.doc_id: b.vectors for b in load_bundles(settings.index_dir)[1]}


def test_incremental_update_reembeds_only_the_changed_document(small_corpus, tmp_path, monkeypatch):
    settings = _settings(small_corpus, tmp_path)
    first = build_index(settings, progress=False)
    assert sorted(first.added) == ["001_3bffe2b40b3aca62.txt", "004_7877965d32ecbab8.txt"]

    again = build_index(settings, progress=False)
    assert not again.touched and len(again.unchanged) == 2

    embedded: list[int] = []
    import knowledge.indexing as indexing
    real_embed = indexing.embed
    monkeypatch.setattr(indexing, "embed", lambda *a, **k: embedded.append(len(a[1])) or real_embed(*a, **k))
    before = _vectors(settings)
    target = small_corpus / "004_7877965d32ecbab8.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n新余市新设立企业开办一日办结窗口。\n", encoding="utf-8")
    (small_corpus / "new.md").write_text("# 新文件\n临川区试行不动产登记延时服务。", encoding="utf-8")
    (small_corpus / "001_3bffe2b40b3aca62.txt").unlink()
    report = build_index(settings, progress=False)
    assert report.changed == ["004_7877965d32ecbab8.txt"]
    assert report.added == ["new.md"]
    assert report.removed == ["001_3bffe2b40b3aca62.txt"]
    assert len(embedded) == 4  # chunks and sentences of the changed document and of the new one, nothing else
    after = _vectors(settings)
    assert set(after) == {"004_7877965d32ecbab8.txt", "new.md"}
    assert after["004_7877965d32ecbab8.txt"].shape[0] >= before["004_7877965d32ecbab8.txt"].shape[0]

    kb = KnowledgeBase.load(settings)
    hits = kb.search("企业开办一日办结", 3)
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
    from knowledge.answering import answer_question

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
    import knowledge.indexing as indexing

    def crash(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(indexing, "embed", crash)
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

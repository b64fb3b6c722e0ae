"""A loaded knowledge base owns what answering derives from its index: loading another one replaces all of it."""
from __future__ import annotations

from knowledge.answer.dialogue import topic_of
from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.answer.query import analyse, read
from knowledge.answer.suggestions import welcome_suggestions
from knowledge.briefing.briefing import briefing_material

LINCHUAN = "000_1a45194fc899ac1e.txt"


def test_what_a_knowledge_base_derives_stays_with_it(kb, corpus_settings):
    other = KnowledgeBase.load(corpus_settings)
    assert other.tokenizer is not kb.tokenizer and other.place_index == kb.place_index
    assert briefing_material(kb) is briefing_material(kb) is not briefing_material(other)
    built = []

    def build(base: KnowledgeBase) -> int:
        built.append(base)
        return len(built)

    assert kb.derived(build) == kb.derived(build) == 1 and other.derived(build) == 2
    assert welcome_suggestions(kb) == welcome_suggestions(other) and welcome_suggestions(kb)


def test_the_place_index_knows_which_documents_are_about_a_place(kb):
    assert LINCHUAN in kb.place_index.docs_about("临川") and "临川" in kb.place_index.stems(LINCHUAN)
    assert kb.place_index.docs_about("广州") == frozenset()


def test_a_question_is_read_once_for_its_answer_and_its_topic(kb):
    query = analyse(kb, "  临川区不动产登记一般需要多长时间？ ")
    assert query.text == "临川区不动产登记一般需要多长时间？" and query.stems == ("临川",)
    assert query.focus and query.vector.shape == kb.vectors[0].shape
    assert topic_of(kb, query) == topic_of(kb, read(kb, query.text)) != ""


def test_a_process_that_loaded_a_knowledge_base_runs_blas_on_one_thread(kb):
    from threadpoolctl import threadpool_info

    blas = [lib for lib in threadpool_info() if lib["user_api"] == "blas"]
    assert blas and all(lib["num_threads"] == 1 for lib in blas)


def test_ranking_within_some_documents_is_the_whole_ranking_kept_to_them(kb):
    retrieval = kb.retrieve(analyse(kb, "临川区不动产登记一般需要多长时间？"))
    docs = {LINCHUAN, next(d for d in kb.docs if d != LINCHUAN)}
    within = retrieval.best(len(kb.chunks), only_docs=docs)
    assert {h.chunk.doc_id for h in within} == docs
    assert len(within) == sum(len(kb.doc_chunks[d]) for d in docs)
    assert retrieval.best(5, only_docs={"no-such-document.txt"}) == []
    # The candidates of the whole ranking are found once per question, and ranking again gives the same.
    assert retrieval.best(10) == retrieval.best(10) and retrieval.candidates() is retrieval.candidates()

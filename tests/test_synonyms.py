"""The synonym table: what people say, rewritten in the documents' words."""
import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from knowledge.config import Settings
from knowledge.text.synonyms import Synonyms, SynonymsFileError, load_synonyms


def _table(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "synonyms.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_table_loads_and_rewrites_the_everyday_words():
    table = load_synonyms(Settings().synonyms)
    assert table.rewrite("办房产证要多久？") == "办理不动产登记要多久？"
    assert table.rewrite("房产证丢了怎么补办？") == "不动产权证书丢了怎么补办？"


def test_longer_sayings_win_and_the_documents_own_term_is_left_alone(tmp_path):
    table = load_synonyms(_table(tmp_path, "# comment\n社会保障卡: 社保卡\n社会保险：社保  # full-width colon\n住房公积金: 公积金\n"))
    assert table.rewrite("社保卡丢了，社保怎么交？") == "社会保障卡丢了，社会保险怎么交？"
    assert table.rewrite("住房公积金和公积金") == "住房公积金和住房公积金"


def test_a_term_the_documents_never_use_keeps_its_sayings_whole(tmp_path):
    """社保卡 stays 社保卡 when the documents never say 社会保障卡: 社保 must not turn it into 社会保险卡."""
    table = load_synonyms(_table(tmp_path, "社会保障卡: 社保卡\n社会保险: 社保\n")).only(lambda term: term == "社会保险")
    assert table.rewrite("社保卡丢了，社保怎么交？") == "社保卡丢了，社会保险怎么交？"


@pytest.mark.parametrize("line, says", [("社保卡", "expected `文件用语: 说法 说法`"), ("社会保障卡:", "expected"),
                                        ("甲: 乙\n丙: 乙", "乙 already stands for 甲")])
def test_a_malformed_line_is_named_with_its_file_and_line(tmp_path, line, says):
    path = _table(tmp_path, line + "\n")
    with pytest.raises(SynonymsFileError, match=says) as raised:
        load_synonyms(path)
    assert f"{path}:" in str(raised.value)


def test_no_file_means_no_rewriting(tmp_path):
    assert load_synonyms(tmp_path / "missing.txt").rewrite("办房产证要多久？") == "办房产证要多久？"


@given(st.text(alphabet="办房产证社保卡要多久？住公积金", max_size=30))
def test_text_without_a_saying_is_unchanged_and_rewriting_twice_changes_nothing_more(text):
    table = Synonyms({"房产证": "不动产权证书", "社保卡": "社会保障卡", "公积金": "住房公积金"})
    once = table.rewrite(text)
    assert table.rewrite(once) == once
    if not any(alias in text for alias in table.terms):
        assert once == text


def test_every_file_in_rasas_dictionary_folder_is_a_jieba_dictionary():
    """Rasa's JiebaTokenizer loads every file of knowledge/dictionary as `word [freq] [tag]` lines: the synonym
    table there would add each of its lines, spaces and all, as one word."""
    folder = Settings().user_dict.parent
    for path in folder.iterdir():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            parts = line.split()
            assert 1 <= len(parts) <= 3 and (len(parts) < 2 or parts[1].isdigit()), f"{path}:{number}: {line!r}"
    assert Settings().synonyms.parent != folder


def test_a_knowledge_base_with_a_malformed_table_says_which_line(tmp_path):
    from knowledge.answer.knowledge_base import KnowledgeBase

    settings = dataclasses.replace(Settings(), synonyms=_table(tmp_path, "办理不动产登记: 办房产证\n房产证\n"))
    with pytest.raises(SynonymsFileError, match=r"synonyms.txt:2: expected"):
        KnowledgeBase(settings, []).synonyms

"""Title, date and issuer of official notices in the shapes sites publish them: one line with the title at the
start, with or without spaces between title, addressee, body and signature; or one part a line. Each is a real
file, indexed by the real pipeline."""
from __future__ import annotations

import json

import pytest

from knowledge.answer.knowledge_base import KnowledgeBase
from knowledge.config import Settings
from knowledge.index.building import build_index

_HUAIROU = "北京市怀柔区城市管理委员会"
_SIGNED = f"{_HUAIROU}关于做好供暖工作的通知 各镇乡：请做好供暖工作。 {_HUAIROU} 2023年10月20日"

# file name: (text, title, date, issuer)
_SHAPES = {
    # One line, parts separated by spaces; the body names a later date than the signature's.
    "one-line.txt": (
        f"{_HUAIROU}关于做好2023年冬季供暖工作的通知 各镇乡人民政府、各街道办事处：为确保群众温暖过冬，本区自2023年11月15日起"
        f"供暖。特此通知。 {_HUAIROU} 2023年10月20日",
        f"{_HUAIROU}关于做好2023年冬季供暖工作的通知", "2023-10-20", _HUAIROU),
    # One line with no spaces at all; 计划 inside the title is not its end.
    "no-spaces.txt": (
        f"{_HUAIROU}关于开展计划生育宣传工作的通知各镇乡人民政府、各街道办事处：为做好宣传工作，现将有关事项通知如下。特此通知。"
        f"{_HUAIROU}2023年10月20日",
        f"{_HUAIROU}关于开展计划生育宣传工作的通知", "2023-10-20", _HUAIROU),
    # A forwarding notice: the title names no issuer, the signature does; a note follows the date.
    "forwarding.txt": (
        "关于印发《怀柔区供暖保障实施方案》的通知 各有关单位：现将《怀柔区供暖保障实施方案》印发给你们，请认真贯彻执行。"
        " 北京市怀柔区人民政府办公室 2023年9月1日（此件公开发布）",
        "关于印发《怀柔区供暖保障实施方案》的通知", "2023-09-01", "北京市怀柔区人民政府办公室"),
    # Two issuers named in the title and no signature: the first date of the text.
    "joint.txt": (
        "北京市财政局 北京市教育委员会关于调整学生资助标准的通知 各区财政局、教委：根据有关规定，自2024年1月1日起调整资助标准。",
        "北京市财政局 北京市教育委员会关于调整学生资助标准的通知", "2024-01-01", "北京市财政局、北京市教育委员会"),
    # An explicit 发布机构 field comes before the signature; the signature's date before the page's.
    "issuer-field.txt": (
        "发布机构：北京市发展和改革委员会 发文日期：2023-05-06 北京市发展和改革委员会关于2023年能源工作的意见 "
        "各区发展改革委：为推进能源工作，提出如下意见。 北京市发展和改革委员会办公室 2023年5月4日",
        "北京市发展和改革委员会关于2023年能源工作的意见", "2023-05-04", "北京市发展和改革委员会"),
    # Without a signature, the page's labelled date.
    "page-date.txt": (
        f"发布日期：2023-05-06 {_HUAIROU}关于做好供暖工作的通知 各镇乡：自2023年11月15日起供暖。",
        f"{_HUAIROU}关于做好供暖工作的通知", "2023-05-06", _HUAIROU),
    # The red header and the document number come before the title.
    "numbered.txt": (
        f"{_HUAIROU}文件 京怀城管发〔2023〕12号 {_HUAIROU}关于加强冬季除雪工作的通知 各镇乡：为做好除雪工作，请提前备足物资。"
        f"特此通知。 {_HUAIROU} 2023年11月2日",
        f"{_HUAIROU}关于加强冬季除雪工作的通知", "2023-11-02", _HUAIROU),
    # One part a line: the title line, then the signature's two lines.
    "lines.txt": (
        f"{_HUAIROU}关于做好2023年冬季供暖工作的通知\n各镇乡人民政府：\n本区自2023年11月15日起供暖。\n{_HUAIROU}\n2023年10月20日\n",
        f"{_HUAIROU}关于做好2023年冬季供暖工作的通知", "2023-10-20", _HUAIROU),
    # Not a notice: a title before the first space, no signature, no issuer.
    "not-a-notice.txt": (
        "2023年怀柔区供暖工作安排 今年供暖于2023年11月15日开始。请各单位做好准备。",
        "2023年怀柔区供暖工作安排", "2023-11-15", ""),
    # The words before 关于 are not a body that issues documents.
    "no-issuer.txt": (
        "2023年度关于做好供暖工作的通知 各镇乡：请做好供暖工作。", "2023年度关于做好供暖工作的通知", "", ""),
    # No title at all: the whole line is never taken for one; the file's name stands in.
    "untitled.txt": (
        "各镇乡人民政府、各街道办事处：为确保群众温暖过冬，本区自2023年11月15日起供暖。特此通知。" * 3, "untitled", "2023-11-15", ""),
    # metadata.json sets the issuer over the signature's.
    "overridden.txt": (_SIGNED, f"{_HUAIROU}关于做好供暖工作的通知", "2023-10-20", "北京市怀柔区人民政府"),
}


@pytest.fixture(scope="module")
def kb(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("shapes")
    for name, (text, *_) in _SHAPES.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "metadata.json").write_text(json.dumps({"overridden.txt": {"issuer": "北京市怀柔区人民政府"}}),
                                          encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("index"))
    assert not build_index(settings, progress=False).skipped
    return KnowledgeBase.load(settings)


@pytest.mark.parametrize("name", list(_SHAPES))
def test_title_date_and_issuer(kb, name):
    _, title, date, issuer = _SHAPES[name]
    meta = kb.docs[name].meta
    assert (meta.title, meta.date, meta.issuer) == (title, date, issuer)

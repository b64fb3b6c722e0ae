"""Title, date and issuer of official notices in the shapes sites publish them: one line with the title at the
start, with or without spaces between title, addressee, body and signature; or one part a line."""
from __future__ import annotations

import pytest

from knowledge.cleaning import clean_text
from knowledge.config import Settings
from knowledge.metadata import extract_metadata

_HUAIROU = "北京市怀柔区城市管理委员会"


def _meta(text: str, overrides: dict | None = None):
    return extract_metadata("notice.txt", text, clean_text(text), Settings().user_dict, overrides)


@pytest.mark.parametrize("text, title, date, issuer", [
    # One line, parts separated by spaces; the body names a later date than the signature's.
    (f"{_HUAIROU}关于做好2023年冬季供暖工作的通知 各镇乡人民政府、各街道办事处：为确保群众温暖过冬，本区自2023年11月15日起"
     f"供暖。特此通知。 {_HUAIROU} 2023年10月20日",
     f"{_HUAIROU}关于做好2023年冬季供暖工作的通知", "2023-10-20", _HUAIROU),
    # One line with no spaces at all; 计划 inside the title is not its end.
    (f"{_HUAIROU}关于开展计划生育宣传工作的通知各镇乡人民政府、各街道办事处：为做好宣传工作，现将有关事项通知如下。特此通知。"
     f"{_HUAIROU}2023年10月20日",
     f"{_HUAIROU}关于开展计划生育宣传工作的通知", "2023-10-20", _HUAIROU),
    # A forwarding notice: the title names no issuer, the signature does; a note follows the date.
    ("关于印发《怀柔区供暖保障实施方案》的通知 各有关单位：现将《怀柔区供暖保障实施方案》印发给你们，请认真贯彻执行。"
     " 北京市怀柔区人民政府办公室 2023年9月1日（此件公开发布）",
     "关于印发《怀柔区供暖保障实施方案》的通知", "2023-09-01", "北京市怀柔区人民政府办公室"),
    # Two issuers named in the title and no signature: the first date of the text.
    ("北京市财政局 北京市教育委员会关于调整学生资助标准的通知 各区财政局、教委：根据有关规定，自2024年1月1日起调整资助标准。",
     "北京市财政局 北京市教育委员会关于调整学生资助标准的通知", "2024-01-01", "北京市财政局、北京市教育委员会"),
    # An explicit 发布机构 field comes before the signature; a labelled date before the signature date.
    ("发布机构：北京市发展和改革委员会 发文日期：2023-05-06 北京市发展和改革委员会关于2023年能源工作的意见 "
     "各区发展改革委：为推进能源工作，提出如下意见。 北京市发展和改革委员会办公室 2023年5月4日",
     "北京市发展和改革委员会关于2023年能源工作的意见", "2023-05-06", "北京市发展和改革委员会"),
    # The red header and the document number come before the title.
    (f"{_HUAIROU}文件 京怀城管发〔2023〕12号 {_HUAIROU}关于加强冬季除雪工作的通知 各镇乡：为做好除雪工作，请提前备足物资。"
     f"特此通知。 {_HUAIROU} 2023年11月2日",
     f"{_HUAIROU}关于加强冬季除雪工作的通知", "2023-11-02", _HUAIROU),
    # One part a line: the title line, then the signature's two lines.
    (f"{_HUAIROU}关于做好2023年冬季供暖工作的通知\n各镇乡人民政府：\n本区自2023年11月15日起供暖。\n{_HUAIROU}\n2023年10月20日\n",
     f"{_HUAIROU}关于做好2023年冬季供暖工作的通知", "2023-10-20", _HUAIROU),
    # Not a notice: a title before the first space, no signature, no issuer.
    ("2023年怀柔区供暖工作安排 今年供暖于2023年11月15日开始。请各单位做好准备。",
     "2023年怀柔区供暖工作安排", "2023-11-15", ""),
    # A title whose words before 关于 are not a body that issues documents.
    ("2023年度关于做好供暖工作的通知 各镇乡：请做好供暖工作。", "2023年度关于做好供暖工作的通知", "", ""),
], ids=["one line", "one line without spaces", "forwarding", "two issuers in the title", "issuer field",
        "document number", "one part a line", "not a notice", "no issuer before 关于"])
def test_notice_shapes(text, title, date, issuer):
    meta = _meta(text)
    assert (meta.title, meta.date, meta.issuer) == (title, date, issuer)


def test_the_whole_line_is_never_the_title():
    text = "各镇乡人民政府、各街道办事处：为确保群众温暖过冬，本区自2023年11月15日起供暖。特此通知。" * 3
    assert _meta(text).title == "notice"  # no title in the text: the file's name


def test_metadata_json_sets_the_issuer():
    text = f"{_HUAIROU}关于做好供暖工作的通知 各镇乡：请做好供暖工作。 {_HUAIROU} 2023年10月20日"
    assert _meta(text, {"issuer": "北京市怀柔区人民政府"}).issuer == "北京市怀柔区人民政府"
    assert _meta(text).issuer == _HUAIROU

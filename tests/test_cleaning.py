"""Cleaning on the real noise of the shipped corpus: pinyin, mojibake, boilerplate, captions, offsets."""
from __future__ import annotations

from hypothesis import given, settings as hsettings, strategies as st

from knowledge.cleaning import clean_text
from tests.conftest import CORPUS


def _doc(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_pinyin_after_traditional_characters_is_stripped():
    clean = clean_text("各位網(wǎng)友,大家好。臨川區(qū)委常委")
    assert clean.text == "各位網友,大家好。臨川區委常委"


def test_pinyin_strip_keeps_ordinary_brackets():
    line = "服務重點工業企業(項目)工作專班，採用PPP(ppp)模式和(ABC)"
    assert clean_text(line).text == line


def test_mojibake_repaired_where_bytes_survive():
    # 確保活動取得實實在在的效果 read one byte out of step: most of it can be re-decoded
    clean = clean_text("跟蹤問效,確?;顒尤〉脤崒嵲谠诘男Ч?\n下一行。")
    assert "活動取得實實在在的效" in clean.text
    assert "顒" not in clean.text and "?" not in clean.text
    assert len(clean.garbled) == 1


def test_mojibake_dropped_where_bytes_are_lost():
    clean = clean_text("充分彰顯了新時代應(yīng)有的新?lián)?dāng)新作為。")
    assert clean.text == "充分彰顯了新時代應有的新新作為。"
    assert "lián" not in clean.text


def test_real_question_mark_mid_line_is_kept():
    line = "新余在改革创新方面做了哪些探索?取得了怎样的成效?"
    assert clean_text(line).text == line


def test_no_mojibake_or_pinyin_survives_in_the_shipped_corpus():
    for path in sorted(CORPUS.glob("*.txt")):
        text = clean_text(path.read_text(encoding="utf-8")).text
        for junk in ("(wǎng)", "(qū)", "?lián", "顒尤", "臐夂", "勎覅", "</p>"):
            assert junk not in text, f"{path.name} still has {junk}"


def test_boilerplate_lines_are_removed_and_body_kept():
    text = clean_text(_doc("002_dbf7095373e82926.txt")).text
    assert "您当前所在位置" not in text and "访问量" not in text
    assert text.startswith("南昌市“五型”政府建设领导小组办公室简报(第59期)")
    tail = clean_text(_doc("003_bcdb5700d7b60944.txt")).text
    for junk in ("責任編輯", "用微信掃一掃", "原標題", "點擊查看"):
        assert junk not in tail
    news = clean_text(_doc("004_7877965d32ecbab8.txt")).text
    assert "010020021570000000000000011109181275652871" not in news and "责任编辑" not in news
    assert "\ufffd" not in news


def test_captions_are_marked():
    clean = clean_text(_doc("003_bcdb5700d7b60944.txt"))
    captions = [clean.text[c.start:c.end] for c in clean.captions]
    assert "行政審批加速度,群眾辦事更暖心。" in captions
    assert all(not c.startswith("▲") for c in captions)


def test_full_width_and_whitespace_noise():
    clean = clean_text("　　办税时长压缩８０％以上，   共计　１２项。\r\n\n\n下一段")
    assert clean.text == "办税时长压缩80%以上， 共计 12项。\n下一段"


def test_every_kept_character_maps_back_to_itself_in_the_shipped_corpus():
    for path in sorted(CORPUS.glob("*.txt")):
        original = path.read_text(encoding="utf-8")
        clean = clean_text(original)
        garbled = clean.garbled
        for i, ch in enumerate(clean.text):
            o = clean.to_original[i]
            if ch == "\n" or any(g.start <= o < g.end for g in garbled):
                continue
            assert original[o] == ch or (ch == " " and original[o].isspace()), (path.name, i, ch, original[o])


_noise = st.sampled_from(["(wǎng)", "\u3000", "  ", "\n\n", "▲", "，", "。", "?", "１２", "访问量:", "\ufeff"])
_text = st.lists(st.one_of(st.sampled_from(list("臨川區不動產登記一窗受理办税时长压缩了多少")), _noise), max_size=60).map("".join)


@hsettings(max_examples=300, deadline=None)
@given(_text)
def test_offsets_are_monotonic_and_in_range(raw):
    clean = clean_text(raw)
    assert len(clean.to_original) == len(clean.text)
    assert all(0 <= o < len(raw) for o in clean.to_original)
    assert list(clean.to_original) == sorted(clean.to_original)

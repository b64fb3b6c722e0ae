"""Place names: which words jieba tags as places are no places, and how a place is named without its suffix."""
from __future__ import annotations

import re

_NOT_PLACES = {"城市", "文明城市", "湖区", "社区", "园区", "景区", "城区", "市区", "山区", "辖区", "片区", "中国", "全国", "全省", "全市", "全区", "中央", "国家", "我省", "我市", "我区", "本市", "本省"}


def place_stem(place: str) -> str:
    """临川区 -> 临川, 新余市 -> 新余: how a place is named with and without its administrative suffix."""
    return re.sub(r"(?<=..)[省市区县]$", "", place)


def is_place(word: str) -> bool:
    return word not in _NOT_PLACES

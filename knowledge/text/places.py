"""Place names: which words jieba tags as places are no places, how a place is named without its suffix, and which
places a section heading names."""
from __future__ import annotations

import re
from collections.abc import Iterable

from .script import to_simplified

_NOT_PLACES = {"城市", "文明城市", "湖区", "社区", "园区", "景区", "城区", "市区", "山区", "辖区", "片区", "中国", "全国", "全省", "全市", "全区", "中央", "国家", "我省", "我市", "我区", "本市", "本省"}


def place_stem(place: str) -> str:
    """临川区 -> 临川, 新余市 -> 新余: how a place is named with and without its administrative suffix."""
    return re.sub(r"(?<=..)[省市区县]$", "", place)


def is_place(word: str) -> bool:
    return word not in _NOT_PLACES


def section_places(heading: str, title: str, places: Iterable[str]) -> list[str]:
    """The document's places (simplified) that a heading names and its title does not: the places of the section it
    opens (湾里管理局 of 湾里管理局“五项措施” in 南昌's briefing on its districts)."""
    line, title = to_simplified(heading), to_simplified(title)
    return [p for p in map(to_simplified, places) if p in line and p not in title]

"""The layout of a cleaned text: its paragraphs (one a line) and which lines are headings."""
from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|第[一二三四五六七八九十\d]+[章节部分条])")


@dataclass(frozen=True)
class Paragraph:
    number: int  # 1-based, counting every line
    start: int
    end: int
    text: str


def paragraphs(text: str) -> list[Paragraph]:
    out, pos = [], 0
    for n, line in enumerate(text.split("\n"), start=1):
        out.append(Paragraph(n, pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def is_heading(line: str) -> bool:
    line = line.strip()
    if _HEADING.match(line) and len(line) <= 40 and not re.search(r"[。！？!?]", line[:-1]):
        return True
    return 0 < len(line) <= 24 and not re.search(r"[。！？!?；;，,:：]$", line) and not re.match(r"\S{1,6}[:：]", line)

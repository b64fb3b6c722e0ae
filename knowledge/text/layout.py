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


# What ends a sentence: Chinese or ASCII terminal punctuation, with any closing quotes after it.
SENTENCE_END = r"(?:[。！？!?；;]|……|…)[”’」』）)]*"
_ENDS = re.compile(SENTENCE_END + r"\s*$")


def ends_sentence(text: str) -> bool:
    """Whether the text ends as a sentence does; a run-on sentence cut at a comma (see chunking) does not."""
    return bool(_ENDS.search(text))


def paragraphs(text: str) -> list[Paragraph]:
    out, pos = [], 0
    for n, line in enumerate(text.split("\n"), start=1):
        out.append(Paragraph(n, pos, pos + len(line), line))
        pos += len(line) + 1
    return out


# A compiled briefing heads each district's section with the district as a label (红谷滩区:“物管城市”新创举); a
# label of anything else (地址：, 电话：, 来源：) starts a field, not a heading.
_PLACE_LABEL = re.compile(r"[\u4e00-\u9fff]{1,8}(?:区|县|市|镇|乡|街道|管理局|新区|开发区)\s*[:：]\s*(?=\D*$)")


SECTION_JOINER = " · "  # between a place's section heading and a heading under it (ingest.chunking.opens_section)


def is_heading(line: str) -> bool:
    line = line.strip()
    if _HEADING.match(line) and len(line) <= 40 and not re.search(r"[。！？!?]", line[:-1]):
        return True
    return (0 < len(line) <= 24 and not re.search(r"[。！？!?；;，,:：]$", line)
            and (not re.match(r"\S{1,6}[:：]", line) or bool(_PLACE_LABEL.match(line))))


# An official document's sign-off (落款): the issuing body and the date it was written, nothing else.
_SIGNATURE = re.compile(r"[\u4e00-\u9fff（）()·]{2,40}\s*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
                        r"\s*[\d一二三四五六七八九十]{1,3}\s*日")


def is_signature(line: str) -> bool:
    """A line that only signs a document off (北京市怀柔区城市管理委员会 2023年10月20日): what it tells (who issued
    it, when) is the document's metadata, and it answers no question as a sentence."""
    return bool(_SIGNATURE.fullmatch(line.strip()))


# A page's dateline fields (发布时间：2023-10-23 访问量：35): a label with a colon, as prose never writes them.
_DATELINE_FIELD = re.compile(r"(?:(?:发布|发文|更新|印发)(?:时间|日期)|访问量|浏览量|浏览次数|阅读量|阅读次数|点击量|点击数)\s*[:：]")


def is_dateline(line: str) -> bool:
    """A short line holding a page's dateline fields: what was left of a page that cleaning kept whole because
    nothing else was on it. It is about the page, not the policy."""
    line = line.strip()
    return len(line) <= 80 and bool(_DATELINE_FIELD.search(line))

"""Which parts of a line of a scraped page are site furniture: breadcrumbs, datelines, editor credits, share
and print buttons, page ids.

Cleaning removes exactly these parts, never a document's body. Many sites publish a notice as one long line,
and a notice may itself speak of 来源, 访问量 or 责任编辑, so a furniture word never condemns the line it is in:

- a whole line goes only when it is furniture-sized (at most FURNITURE_LINE_MAX characters) and starts like
  furniture (您当前所在位置, 原标题：, 来源：, 责任编辑, 用微信扫一扫, a page id …);
- in any line, only the furniture pieces themselves go, where pages put them: a breadcrumb or a dateline at
  the start; an editor credit, a scan prompt, share or print buttons or a page id at the end; and anywhere
  only what prose never looks like: bracketed buttons (【打印】), a bracketed credit ([责任编辑: 李春]) and a
  dateline of two fields or more (来源：XX 发布时间：2023-01-01 访问量：123).

Patterns see the simplified form of a line, character for character (script.simplified_chars), so that the
spans they return hold in the line as written.
"""
from __future__ import annotations

import re

# A furniture line is a label plus at most a title (titles run to about 80 characters): the longest in the
# shipped corpus is 39. A longer line that starts like furniture is a document scraped as one line, and only
# its furniture pieces are removed.
FURNITURE_LINE_MAX = 100

_SEPARATOR = r"[>›»＞→]+"
_CRUMB_ITEM = r"[^\s>›»＞→]{1,12}"
_CRUMB_STEP = rf"{_CRUMB_ITEM}\s*{_SEPARATOR}\s*"
_LOCATION_LABEL = r"(?:您当前所在位置|您现在的位置|当前位置|您的位置|所在位置)"
# 首页 > 政务公开 > 通知公告: each step is short and followed by a separator; the last one is taken only when
# it is short and a space follows it, since after it the title may start with no space.
_BREADCRUMB = (rf"(?:{_LOCATION_LABEL}[:：]?\s*(?:{_CRUMB_STEP})+|首页\s*{_SEPARATOR}\s*(?:{_CRUMB_STEP})*)"
               rf"(?:[^\s>›»＞→]{{1,10}}(?=\s|$))?")

_VIEWS = r"(?:访问量|浏览量|浏览次数|阅读量|阅读次数|点击量|点击数|点击率)"
_NAMED_FIELD = r"(?:(?:信息|文章)?来源|作者|发布机构|发文机关|发文单位|发布单位)"
# Bare 时间： is left alone: in a notice it is an event's time (时间：10月20日 地点：…), not a dateline.
_DATED_FIELD = r"(?:(?:发布|发文|成文|更新|印发)(?:时间|日期)|日期)"
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?"
_VIEWS_FIELD = rf"{_VIEWS}[:：]\s*(?:\d+\s*次?|(?=\s|$))"  # 访问量：123, or a counter the scraper left empty
# A dated field ends with its date (发布日期：2023年10月20日前 is a deadline in prose).
_DATED = rf"{_DATED_FIELD}[:：]\s*{_DATE}(?:\s*{_TIME})?(?![\u4e00-\u9fff\d:])"
# A field's value runs to a space, a separator or the next field: never into the text after it.
FIELD_VALUE = rf"[^\s:：，,、。；;！？!?|｜【】\[\]]{{1,30}}?(?=\s|[|｜【\[]|$|{_DATED}|{_VIEWS_FIELD})"
_FIELD = (rf"(?:{_NAMED_FIELD}[:：]\s*{FIELD_VALUE}"
          rf"|{_DATED}"
          rf"|{_DATE}\s*{_TIME}(?![\d:])"
          rf"|{_VIEWS_FIELD}"
          rf"|[【\[]?(?:字号|字体)[:：]?\s*(?:[【\[]?[大中小][】\]]?\s*){{2,3}}[】\]]?)")
_FIELD_GAP = r"\s*[|｜]?\s*"
_DATELINE = rf"{_FIELD}(?:{_FIELD_GAP}{_FIELD})*(?:\s*[|｜])?"
_TWO_FIELD_DATELINE = rf"{_FIELD}(?:{_FIELD_GAP}{_FIELD})+(?:\s*[|｜])?"

_BUTTON = (r"(?:打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|加入收藏|收藏本页|收藏|返回顶部|返回首页|返回"
           r"|保存本页|纠错|分享到?[:：]?(?:\s*(?:微信|微博|QQ空间|QQ|朋友圈|新浪微博|腾讯微博|豆瓣))*)")
# What starts a trailing piece: the line's start, a space or a sentence's end, never the middle of a word.
_AFTER_BREAK = r"(?:^|(?<=\s)|(?<=[。！？!?]))"

# Whole furniture-sized lines, by how they start; a line holding a full stop or a semicolon is prose all the same.
_FURNITURE_LINE = re.compile(
    rf"^▲?\s*(?:{_LOCATION_LABEL}|首页\s*{_SEPARATOR}|[\[【（(]?\s*责任编辑|原标题\s*[:：]|(?:信息|文章)?来源\s*[:：]"
    r"|分享到|点击查看|(?:用?(?:微信|微博|手机))?扫一扫[^，,。！？；;]*$|\d{15,}$)"
)
# Pieces of any line, wherever they stand.
_ANYWHERE = re.compile(
    rf"[【\[]\s*(?:{_BUTTON}|(?:字体|字号)[:：]?[大中小\s]*)\s*[】\]]"
    r"|[【\[（(]\s*责任编辑\s*[:：]\s*[^】\]）)]{1,15}[】\]）)]"
    rf"|{_TWO_FIELD_DATELINE}"
)
# Pieces at the start of a line (after any removed before them).
_LEADING = re.compile(rf"\s*(?:{_BREADCRUMB}|{_DATELINE})")
# Pieces at the end of a line. Their words run to the line's end with no punctuation of prose in them: what
# follows a credit or a scan prompt there is a name, never a sentence. (原标题 is left to whole lines: at the
# end of a long one, nothing tells the old title from the sentence after it.)
_TRAILING = re.compile(
    rf"{_AFTER_BREAK}(?:责任编辑\s*[:：]\s*[^\s，,、。；;：:！？!?]{{1,20}}"
    r"|(?:用?(?:微信|微博|手机))?扫一扫[^\s，,、。；;：:！？!?]{0,12}"
    rf"|{_BUTTON}"
    r"|(?<![\d.])\d{15,})\s*$"
)
_PROSE = re.compile(r"[。；;]")
_LEFTOVER = re.compile(r"[\s|｜/·•\-—]*")  # what a line that held only furniture may keep between its pieces


def furniture_spans(line: str) -> list[tuple[int, int]]:
    """The [start, end) spans of `line` (simplified, as script.simplified_chars gives it) that are furniture,
    in order and not overlapping; [(0, len(line))] when the whole line is."""
    stripped = line.strip()
    if len(stripped) <= FURNITURE_LINE_MAX and _FURNITURE_LINE.match(stripped) and not _PROSE.search(stripped):
        return [(0, len(line))]
    spans: list[tuple[int, int]] = []
    work = line  # removed pieces are blanked to spaces, so that offsets stay put and anchors see past them

    def take(start: int, end: int) -> None:
        nonlocal work
        spans.append((start, end))
        work = work[:start] + " " * (end - start) + work[end:]

    for m in _ANYWHERE.finditer(line):
        take(m.start(), m.end())
    while True:
        lead = _LEADING.match(work)
        if lead and lead.end() > len(work) - len(work.lstrip()):
            take(len(work) - len(work.lstrip()), lead.end())
            continue
        tail = _TRAILING.search(work)
        if tail and work[tail.start():tail.end()].strip():
            take(tail.start(), len(work.rstrip()))
            continue
        break
    if spans and _LEFTOVER.fullmatch(work):
        return [(0, len(line))]
    return _merged(spans)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(end, out[-1][1]))
        else:
            out.append((start, end))
    return out

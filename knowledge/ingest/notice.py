"""The parts of an official document (公文) that its conventions place: the title before the addressee, the
signature (issuing bodies, then the date) at the end, and the issuer a title names (X关于…的通知).

All functions take simplified text (for the title, script.simplified_chars of it, so offsets hold in the text
as written).
"""
from __future__ import annotations

import re

# The document types of GB/T 9704 titles and those local governments add.
_DOC_TYPE = (r"(?:通知|意见|办法|方案|决定|公告|通报|通告|规定|细则|批复|报告|规划|计划|要点|决议|纪要|指引|指南|条例"
             r"|公报|请示|函)")
# What follows a title when a page runs it into the body: an addressee (各镇乡人民政府、各街道办事处：) or an opening.
_AFTER_TITLE = re.compile(r"\s|$|[^，,。；;：:\s]{1,40}[：:]|(?:为|根据|按照|现将|经|近日|近期|各|有关)")
# A document number, maybe after the red header: 北京市怀柔区城市管理委员会文件 京怀城管发〔2023〕12号
_DOC_NUMBER = re.compile(r"(?:\S{2,30}文件\s+)?\S{1,12}[〔\[［（(]\d{4}[〕\]］）)]\s*\d+\s*号\s*")
_NOT_IN_TITLE = re.compile(r"[。！？!?；;：:，,]")
_TITLE_MAX = 100

_ORG_SUFFIX = (r"(?:人民政府|政府|办公厅|办公室|委员会|管委会|领导小组|指挥部|中心|总局|局|厅|委|办|部|院|署|会|处|所|站|队"
               r"|公司|集团|银行|协会|联合会|党委|党组|办事处|街道|学校|大学)")
_ORG = re.compile(rf"[\u4e00-\u9fff（）()·]{{1,40}}{_ORG_SUFFIX}")
_DATE = r"(\d{4})年(\d{1,2})月(\d{1,2})日"
# The signature date ends the document, maybe followed by a note such as （此件公开发布）.
_SIGNATURE_DATE = re.compile(rf"{_DATE}\s*(?:[（(][^（()）\n]{{1,30}}[)）]\s*)?$")
_TITLE_ISSUER = re.compile(rf"^(.{{2,60}}?)(?:关于|印发|转发).*{_DOC_TYPE}(?:[（(][^（()）]{{1,12}}[)）])?$")


def leading_title(line: str) -> tuple[int, int] | None:
    """Where the title is in a first line that runs on into the body, or None. A title ends with a document
    type (…的通知) that a space, an addressee (各镇乡人民政府：) or the body's opening (为做好…) follows; without
    such an ending, the text before the first space is taken if it looks like a title."""
    number = _DOC_NUMBER.match(line)
    start = number.end() if number else 0
    head = line[:start + _TITLE_MAX + 1]
    ends = [m for m in re.finditer(_DOC_TYPE, head) if _balanced(head[start:m.end()])
            and _AFTER_TITLE.match(head, m.end()) and _title_span(head, start, m.end())]
    # With no space after the title, a document type inside it (计划生育) may look like its end: 的通知 is surer,
    # and an addressee's colon or a sentence's end bounds how far the title can run.
    spaced = [m for m in ends if m.end() == len(head) or head[m.end()].isspace()]
    closing = [m for m in ends if head[m.start() - 1] == "的"]
    best = spaced[:1] or closing[-1:] or ends[:1]
    if best:
        return start, best[0].end()
    space = re.search(r"\s", head[start:])
    return _title_span(head, start, start + space.start()) if space else None


def _title_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    title = text[start:end]
    return (start, end) if 6 <= len(title) <= _TITLE_MAX and not _NOT_IN_TITLE.search(title) else None


def _balanced(text: str) -> bool:
    """A document type inside 《…》 or （…） names the document a notice forwards, not the notice."""
    return all(text.count(a) == text.count(b) for a, b in ("《》", "（）", "()", "“”"))


def signature(text: str) -> tuple[str, str]:
    """(issuers, ISO date) of the signature that ends a document: the organisations named just before its
    final date, joined by 、 (empty when none is); ("", "") when the document does not end with a date."""
    m = _SIGNATURE_DATE.search(text.rstrip())
    if not m:
        return "", ""
    date = iso_date(*m.groups())
    orgs: list[str] = []
    for piece in reversed(re.split(r"[\s。！？!?；;，,]+", text[:m.start()].rstrip())[-6:]):
        if not _ORG.fullmatch(piece):
            break
        orgs.insert(0, piece)
    return "、".join(orgs), date


def title_issuer(title: str) -> str:
    """The issuing bodies a title names before 关于 (北京市财政局 北京市教育委员会关于…的通知), or ""."""
    m = _TITLE_ISSUER.match(title.strip())
    if not m:
        return ""
    pieces = m.group(1).replace("、", " ").split()
    return "、".join(pieces) if all(_ORG.fullmatch(p) for p in pieces) else ""


def iso_date(year: str, month: str, day: str) -> str:
    """yyyy-mm-dd, or "" when the numbers cannot be a date of a document."""
    y, mo, d = int(year), int(month), int(day)
    return f"{y:04d}-{mo:02d}-{d:02d}" if 1949 <= y <= 2100 and 1 <= mo <= 12 and 1 <= d <= 31 else ""

"""Raw document text -> cleaned text, with a map from every cleaned character back to the original.

The edits are regex substitutions that carry character offsets along; no library tracks offsets through
substitutions, so `_Mapped` does it by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .charfreq import is_common_char
from .models import CleanText, Span
from .script import to_simplified

# Pinyin that some sites insert after traditional characters: 網(wǎng)友, 區(qū). A tone mark is required so that
# ordinary bracketed Latin text such as (PPP) or (ok) survives.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff?])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")

# Lines that are web-page furniture, matched on the simplified form of the line.
_BOILERPLATE = re.compile(
    r"^(您当前所在位置|当前位置|首页\s*>|\[?责任编辑|原标题|来源[:：]|打印|关闭|分享到)"
    r"|访问量|用微信扫一扫|用微博扫一扫|扫一扫|点击查看|【(打印|关闭|字体)"
    r"|^\s*\d{15,}\s*$"  # trailing page ids such as 0100200215700000...
    r"|^\s*\d{4}年\d{1,2}月\d{1,2}日\s*[\d:]*\s*来源[:：]"  # dateline: kept in metadata, not in the body
)

# Full-width letters, digits and percent signs, and odd spaces; Chinese punctuation stays as it is.
_WIDTH = {**{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}, **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)},
          **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)}, 0xFF05: "%", 0x3000: " ", 0x00A0: " ", 0x2002: " ",
          0x2003: " ", 0x2009: " "}
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\ufffd]")  # U+FFFD: a character cut in half by a scraper

# A mojibake run starts with the "?" that replaced a lost byte (e.g. 確?;顒尤〉脤崒嵲谠诘男Ч?): the following
# double-byte characters were decoded one byte out of step.
_JUNK_CHARS = set("()?!;^/<>" + _TONED) | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_FULLWIDTH_BACK = str.maketrans({";": "；", "!": "！", ",": "，", ":": "：", "?": "？"})


@dataclass
class _Mapped:
    text: str
    idx: list[int]

    def sub(self, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> "_Mapped":
        out, idx, pos = [], [], 0
        for m in pattern.finditer(self.text):
            out.append(self.text[pos:m.start()])
            idx.extend(self.idx[pos:m.start()])
            new = repl(m)
            out.append(new)
            idx.extend(_spread(self.idx[m.start():m.end()], len(new), self.idx[m.start()] if m.end() > m.start() else 0))
            pos = m.end()
        out.append(self.text[pos:])
        idx.extend(self.idx[pos:])
        return _Mapped("".join(out), idx)

    def translate(self, table: dict) -> "_Mapped":
        new = self.text.translate(table)
        assert len(new) == len(self.text), "width table must map one character to one"
        return _Mapped(new, self.idx)


def _spread(source: list[int], n: int, fallback: int) -> list[int]:
    """Original offsets for n replacement characters standing where `source` characters stood."""
    if not source:
        return [fallback] * n
    return [source[min(len(source) - 1, i * len(source) // max(n, 1))] for i in range(n)]


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


def clean_text(original: str) -> CleanText:
    m = _Mapped(original, list(range(len(original))))
    m = m.sub(_INVISIBLE, lambda _: "").translate(_WIDTH)
    m = m.sub(re.compile(r"(?m)^\?+"), lambda _: "")  # a lost BOM or byte at a line start
    garbled: list[Span] = []
    m = _repair_mojibake(m, garbled)
    m = m.sub(_PINYIN, lambda _: "")
    m = m.sub(re.compile(r"</?[a-z]{1,6}>"), lambda _: "")  # stray tags such as </p> left by scrapers
    m, captions = _clean_lines(m)
    return CleanText(m.text, tuple(m.idx), tuple(garbled), tuple(captions))


def _clean_lines(m: _Mapped) -> tuple[_Mapped, list[Span]]:
    """Drop boilerplate and empty lines, trim whitespace, mark ▲ captions; lines are joined with one newline."""
    text, idx = [], []
    captions: list[Span] = []
    pos = 0
    for raw in m.text.split("\n"):
        line_start = pos
        pos += len(raw) + 1
        line = raw
        lead = len(line) - len(line.lstrip())
        line = line.strip()
        if not line or _BOILERPLATE.search(to_simplified(line)):
            continue
        start = line_start + lead
        is_caption = line.startswith("▲")
        if is_caption:
            line, start = line[1:].lstrip(), start + 1 + (len(line[1:]) - len(line[1:].lstrip()))
        collapsed = _Mapped(line, m.idx[start:start + len(line)]).sub(re.compile(r"\s{2,}"), lambda _: " ")
        if text:
            text.append("\n")
            idx.append(m.idx[line_start - 1] if line_start else 0)
        if is_caption:
            offset = sum(len(t) for t in text)
            captions.append(Span(offset, offset + len(collapsed.text)))
        text.append(collapsed.text)
        idx.extend(collapsed.idx)
    return _Mapped("".join(text), idx), captions


def _repair_mojibake(m: _Mapped, garbled: list[Span]) -> _Mapped:
    text = m.text
    out, idx, pos = [], [], 0
    for q in (i for i, ch in enumerate(text) if ch == "?"):
        if q < pos:
            continue
        end = _garbled_run_end(text, q)
        if end == q + 1:
            continue  # a real question mark
        out.append(text[pos:q])
        idx.extend(m.idx[pos:q])
        repaired = _repair(text[q:end])
        out.append(repaired)
        idx.extend(_spread(m.idx[q:end], len(repaired), m.idx[q]))
        garbled.append(Span(m.idx[q], m.idx[end - 1] + 1))
        pos = end
    out.append(text[pos:])
    idx.extend(m.idx[pos:])
    return _Mapped("".join(out), idx)


def _is_bad(ch: str) -> bool:
    if ch in _JUNK_CHARS:
        return True
    if "\u3400" <= ch <= "\u9fff":
        return not is_common_char(ch)
    return not (ch.isascii() or ch in "，。、；：！？“”‘’（）《》「」『』…—·%")


def _garbled_run_end(text: str, q: int) -> int:
    """End of the mojibake run that starts at the "?" at q; q + 1 when the "?" is a real question mark."""
    last_bad, good_streak = q, 0
    for i in range(q + 1, len(text)):
        ch = text[i]
        if ch == "\n":
            break
        if _is_bad(ch):
            last_bad, good_streak = i, 0
        else:
            good_streak += 1
            if good_streak >= 4:
                break
    return last_bad + 1


def _repair(run: str) -> str:
    """Re-decode a run read one byte out of step, when enough of it survives; otherwise drop it."""
    body = re.sub(rf"^[?()a-zA-Z{_TONED}]+", "", run)
    body = re.sub(rf"\([a-zü{_TONED}]*\)?$|[?]+$", "", body).translate(_FULLWIDTH_BACK)
    try:
        raw = body.encode("gbk")
    except UnicodeEncodeError:
        return ""
    decoded = raw[1:].decode("gbk", errors="replace")
    good = 0
    for ch in decoded:
        if ch == "\ufffd" or _is_bad(ch):
            break
        good += 1
    if good >= 2 and good >= 0.6 * len(body):
        return decoded[:good]
    return ""

"""Raw document text -> cleaned text, with a map from every cleaned character back to the original.

The edits are regex substitutions that carry character offsets along; no library tracks offsets through
substitutions, so `_Mapped` does it by hand.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..models import CleanText, Span
from ..text.charfreq import is_common_char
from ..text.script import simplified_chars
from .furniture import furniture_spans

# Pinyin that some sites insert after traditional characters: 網(wǎng)友, 區(qū). A tone mark is required so that
# ordinary bracketed Latin text such as (PPP) or (ok) survives.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN = re.compile(rf"(?<=[\u3400-\u9fff?])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")

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

    def between(self, spans: list[tuple[int, int]]) -> list[tuple[int, "_Mapped"]]:
        """The pieces of text around the given [start, end) spans (in order, not overlapping), each with the
        original offset of the span before it (-1 for the first piece)."""
        pieces, pos, before = [], 0, -1
        for start, end in spans + [(len(self.text), len(self.text))]:
            pieces.append((before, _Mapped(self.text[pos:start], self.idx[pos:start])))
            pos, before = end, self.idx[start] if start < len(self.text) else -1
        return pieces

    def strip(self) -> "_Mapped":
        start = len(self.text) - len(self.text.lstrip())
        end = len(self.text.rstrip())
        return _Mapped(self.text[start:end], self.idx[start:end]) if start < end else _Mapped("", [])


def _spread(source: list[int], n: int, fallback: int) -> list[int]:
    """Original offsets for n replacement characters standing where `source` characters stood."""
    if not source:
        return [fallback] * n
    return [source[min(len(source) - 1, i * len(source) // max(n, 1))] for i in range(n)]


def strip_pinyin(text: str) -> str:
    return _PINYIN.sub("", text)


# Above this share of a document's characters, removing "furniture" would gut it: the rules have more likely
# misread the document than found a page that is mostly navigation (furniture is at most 3.3% of a shipped
# document), so the document is kept with its furniture and reported.
MAX_FURNITURE_SHARE = 0.5


@dataclass(frozen=True)
class Cleaned:
    clean: CleanText
    furniture_kept: str  # why page furniture was left in the text ("" when it was removed)


def clean_document(original: str) -> Cleaned:
    """clean_text, unless removing page furniture would leave nothing or cut more than MAX_FURNITURE_SHARE of
    the text: then the text is kept with its furniture (widths, invisible characters, pinyin and mojibake are
    still fixed) and `furniture_kept` says what happened."""
    clean, removed = _clean(original, furniture=True)
    kept, cut = _visible(clean.text), sum(_visible(piece) for piece in removed)
    if not cut or (kept and cut <= MAX_FURNITURE_SHARE * (kept + cut)):
        return Cleaned(clean, "")
    what = ("removing page furniture would leave no text" if not kept else
            f"removing page furniture would cut {cut / (kept + cut):.0%} of its text")
    first = " ".join(removed[0].split())
    example = first if len(first) <= 40 else first[:39] + "…"
    return Cleaned(_clean(original, furniture=False)[0], f"{what} (first piece taken for furniture: “{example}”)")


def _visible(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace())


def clean_text(original: str, furniture: bool = True) -> CleanText:
    """The cleaned text and its map to the original; `furniture=False` leaves page furniture in."""
    return _clean(original, furniture)[0]


def _clean(original: str, furniture: bool) -> tuple[CleanText, list[str]]:
    """The cleaned text, and the pieces removed as page furniture."""
    m = _Mapped(original, list(range(len(original))))
    m = m.sub(_INVISIBLE, lambda _: "").translate(_WIDTH)
    m = m.sub(re.compile(r"(?m)^\?+"), lambda _: "")  # a lost BOM or byte at a line start
    garbled: list[Span] = []
    m = _repair_mojibake(m, garbled)
    m = m.sub(_PINYIN, lambda _: "")
    m = m.sub(re.compile(r"</?[a-z]{1,6}>"), lambda _: "")  # stray tags such as </p> left by scrapers
    m, captions, removed = _clean_lines(m, furniture)
    return CleanText(m.text, tuple(m.idx), tuple(garbled), tuple(captions)), removed


def _clean_lines(m: _Mapped, furniture: bool) -> tuple[_Mapped, list[Span], list[str]]:
    """Remove page furniture (furniture.py) and empty lines, trim whitespace, mark ▲ captions; lines are
    joined with one newline. Furniture inside a line (a dateline between a title and its body) breaks it in
    two, so that no sentence runs across it and no quote includes it. Also returns the removed pieces."""
    text, idx = [], []
    captions: list[Span] = []
    removed: list[str] = []
    pos = 0
    for raw in m.text.split("\n"):
        line = _Mapped(raw, m.idx[pos:pos + len(raw)]).strip()
        newline = m.idx[pos - 1] if pos else 0  # the original line break this line follows
        pos += len(raw) + 1
        spans = furniture_spans(simplified_chars(line.text)) if furniture and line.text else []
        removed.extend(line.text[s:e] for s, e in spans)
        started = False
        for furniture_at, part in line.between(spans):
            part = part.strip()
            if not part.text:
                continue
            is_caption = part.text.startswith("▲")
            if is_caption:
                part = _Mapped(part.text[1:], part.idx[1:]).strip()
            collapsed = part.sub(re.compile(r"\s{2,}"), lambda _: " ")
            if text:
                text.append("\n")
                # The first piece of a line follows its line break; a later one, the furniture before it.
                idx.append(furniture_at if started else newline)
            started = True
            if is_caption:
                offset = sum(len(t) for t in text)
                captions.append(Span(offset, offset + len(collapsed.text)))
            text.append(collapsed.text)
            idx.extend(collapsed.idx)
    return _Mapped("".join(text), idx), captions, removed


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

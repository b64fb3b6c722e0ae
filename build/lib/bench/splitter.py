"""The Langchain-Chatchat-style chunker: a recursive character splitter, sentence marks first, then newlines.

It follows langchain's RecursiveCharacterTextSplitter (keep_separator="end", merge with overlap) but works on
character spans, so that a chunk knows where it sits in its passage and gold chunks are found by offsets.
Written here rather than installed: langchain-text-splitters brings 16 packages (langchain-core, langsmith,
requests, websockets, ...) for these few lines.
"""
from __future__ import annotations

import re

SEPARATORS = (r"[。！？]", r"\n", "")


def split_spans(text: str, size: int = 250, overlap: int = 50, separators: tuple[str, ...] = SEPARATORS,
                start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """[start, end) spans of chunks of at most `size` characters, consecutive chunks sharing up to `overlap`."""
    end = len(text) if end is None else end
    sep_index = next((i for i, s in enumerate(separators) if s == "" or re.search(s, text[start:end])),
                     len(separators) - 1)
    pieces = _pieces(text, start, end, separators[sep_index])
    chunks: list[tuple[int, int]] = []
    good: list[tuple[int, int]] = []
    for s, e in pieces:
        if e - s <= size:
            good.append((s, e))
            continue
        chunks.extend(_merge(text, good, size, overlap))
        good = []
        if sep_index + 1 < len(separators):
            chunks.extend(split_spans(text, size, overlap, separators[sep_index + 1:], s, e))
        else:
            chunks.append((s, e))
    chunks.extend(_merge(text, good, size, overlap))
    return chunks


def _pieces(text: str, start: int, end: int, separator: str) -> list[tuple[int, int]]:
    """Spans between separators, each separator kept at the end of the piece before it."""
    if separator == "":
        return [(i, i + 1) for i in range(start, end)]
    cuts = [m.end() for m in re.finditer(separator, text[start:end])]
    bounds = [start] + [start + c for c in cuts if 0 < c < end - start] + [end]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _merge(text: str, pieces: list[tuple[int, int]], size: int, overlap: int) -> list[tuple[int, int]]:
    """langchain's _merge_splits on contiguous spans: fill up to `size`, then drop pieces from the front until
    at most `overlap` characters remain to repeat."""
    out: list[tuple[int, int]] = []
    current: list[tuple[int, int]] = []
    total = 0
    for s, e in pieces:
        n = e - s
        if current and total + n > size:
            out.append(_trim(text, current[0][0], current[-1][1]))
            while current and (total > overlap or (total + n > size and total > 0)):
                total -= current[0][1] - current[0][0]
                current.pop(0)
        current.append((s, e))
        total += n
    if current:
        out.append(_trim(text, current[0][0], current[-1][1]))
    return [span for span in out if span[1] > span[0]]


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e

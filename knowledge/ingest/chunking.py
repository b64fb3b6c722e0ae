"""Cleaned text -> sentence-aware chunks that know their document, heading, paragraph and span."""
from __future__ import annotations

import re
from dataclasses import replace

from ..models import Chunk, Document, Metadata, Sentence, Span
from ..text.layout import SECTION_JOINER, SENTENCE_END, Paragraph, is_heading, paragraphs
from ..text.places import section_places
from ..text.script import to_simplified
from ..text.transcript import is_host_question

# A sentence ends at Chinese or ASCII terminal punctuation (with any closing quotes after it) or at a line end.
# "." is not a terminator, so 3.305亿元 and item markers such as "1." never split.
_SENTENCE = re.compile(rf"[^\n]*?(?:{SENTENCE_END}|(?=\n)|$)")
_CLAUSE = re.compile(r"[，,：:]")
_ITEM_MARK = re.compile(r"、")  # inside an enumeration: a cut there only when the clause has no other mark


def answer_sentences(chunks: list[Chunk]) -> list[tuple[int, int]]:
    """The distinct sentence spans of a document's chunks, in order: what answers may quote."""
    return sorted({(s.start, s.end) for c in chunks for s in c.sentences})


def split_sentences(text: str, start: int, end: int, captions: tuple[Span, ...] = ()) -> list[Sentence]:
    """Sentences of text[start:end], trimmed of surrounding spaces, with long ones cut at clause marks."""
    out: list[Sentence] = []
    for m in _SENTENCE.finditer(text, start, end):
        s, e = m.start(), m.end()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            caption = any(c.start <= s < c.end for c in captions)
            out.extend(_cut_long(text, Sentence(s, e, caption)))
    return out


def _cut_long(text: str, sentence: Sentence, limit: int = 160) -> list[Sentence]:
    """A run-on sentence longer than `limit` is cut after the clause mark nearest the limit: a comma or colon, and
    an enumeration's 、 only when there is none (组织领导、|动员发动 would cut a list in two)."""
    pieces, s = [], sentence.start
    while sentence.end - s > limit:
        marks = ([m.end() for m in _CLAUSE.finditer(text, s + limit // 3, s + limit)]
                 or [m.end() for m in _ITEM_MARK.finditer(text, s + limit // 3, s + limit)])
        cut = marks[-1] if marks else s + limit
        if _inside_number(text, cut):
            cut += 1
        pieces.append(Sentence(s, cut, sentence.caption))
        s = cut
    pieces.append(Sentence(s, sentence.end, sentence.caption))
    return pieces


def _inside_number(text: str, i: int) -> bool:
    return 0 < i < len(text) and text[i - 1].isdigit() and (text[i].isdigit() or text[i] == ".")


def _title_apart(paras: list[Paragraph], title: str) -> list[Paragraph]:
    """A notice scraped as one line starts with its title ("…关于做好冬季供暖工作的通知 各镇乡人民政府：为做好……"):
    the title becomes a paragraph of its own, so that it heads the body and is never quoted as part of a sentence."""
    if not paras or len(title) < 4:
        return paras
    first = paras[0]
    lead = len(first.text) - len(first.text.lstrip())
    head = first.text[lead:lead + len(title)]
    if to_simplified(head) != to_simplified(title) or len(first.text) - lead - len(title) < 10:
        return paras
    cut = first.start + lead + len(title)
    return [Paragraph(first.number, first.start, cut, first.text[:lead + len(title)]),
            Paragraph(first.number, cut, first.end, first.text[lead + len(title):])] + paras[1:]


def opens_section(heading: str, meta: Metadata) -> bool:
    """Whether a heading names a place of the document that its title does not: it opens that place's section
    (湾里管理局“五项措施” in 南昌's briefing on its districts), and the headings under it, up to the next such one or the
    title, belong to that section: their chunks carry its heading, so they are found, cited and placed by it."""
    return bool(section_places(heading, meta.title, meta.places))


def document_header(meta: Metadata) -> list[str]:
    """What a document is about, in simplified Chinese, one line each: its title, its issuer (unless the title
    names it) and its date. Every chunk's search text starts with it, so that a chunk is found by what its
    document is about (a question naming the issuing body finds measures that never repeat its name)."""
    title = to_simplified(meta.title)
    issuer = to_simplified(meta.issuer)
    lines = [title, issuer if issuer not in title else "", _date_words(meta.date)]
    return [line for line in lines if line]


def _date_words(iso: str) -> str:
    """2022-05-23 -> 2022年5月23日: how a question names a date."""
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso)
    return f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日" if m else ""


def chunk_document(doc: Document, size: int, overlap: int) -> list[Chunk]:
    """Chunks of about `size` characters that never cross a heading; in a transcript the host's question
    is kept with the official's answer, so each chunk's search text carries both."""
    text = doc.clean.text
    units: list[tuple[str, str, list[Paragraph]]] = []  # (heading, question, paragraphs)
    heading, question, section = "", "", ""
    interview = doc.meta.kind == "interview"
    for para in _title_apart(paragraphs(text), doc.meta.title):
        if not para.text.strip():
            continue
        if interview and is_host_question(para.text):
            question = para.text
            units.append((heading, question, [para]))
            continue
        is_title = to_simplified(para.text.strip()) == to_simplified(doc.meta.title.strip())
        if is_heading(para.text) or is_title:
            line, question = para.text.strip(), ""
            section = "" if is_title else line if opens_section(line, doc.meta) else section
            heading = line if section in ("", line) else f"{section}{SECTION_JOINER}{line}"
            units.append((heading, "", [para]))
            continue
        if units and units[-1][0] == heading and units[-1][1] == question:
            units[-1][2].append(para)
        else:
            units.append((heading, question, [para]))

    chunks: list[Chunk] = []
    header = document_header(doc.meta)
    for heading, question, paras in units:
        sentences = [(p.number, replace(s, host=bool(question) and p.text == question))
                     for p in paras for s in split_sentences(text, p.start, p.end, doc.clean.captions)]
        for group in _group(sentences, size, overlap):
            start, end = group[0][1].start, group[-1][1].end
            body = text[start:end]
            # A chunk that is nothing but its heading (a signature, a date line) has nothing to quote; with the
            # document's header it would match every question about its document by the header alone.
            lone_heading = body.strip() == heading.rpartition(SECTION_JOINER)[2].strip()
            context = ([] if lone_heading else header) + (
                [to_simplified(heading)] if to_simplified(heading) not in header else [])
            if question and not body.startswith(question):
                context.append(to_simplified(question))
            chunks.append(Chunk(
                chunk_id=f"{doc.doc_id}#{len(chunks)}",
                doc_id=doc.doc_id,
                ordinal=len(chunks),
                heading=heading,
                paragraph=group[0][0],
                start=start,
                end=end,
                text=body,
                search_text="\n".join([c for c in context if c] + [to_simplified(body)]),
                sentences=tuple(s for _, s in group),
                question=question,
            ))
    return chunks


def _group(sentences: list[tuple[int, Sentence]], size: int, overlap: int) -> list[list[tuple[int, Sentence]]]:
    """Greedy packing of consecutive sentences up to `size` characters, repeating `overlap` sentences."""
    groups: list[list[tuple[int, Sentence]]] = []
    i = 0
    while i < len(sentences):
        group = [sentences[i]]
        length = sentences[i][1].end - sentences[i][1].start
        j = i + 1
        while j < len(sentences) and length + (sentences[j][1].end - sentences[j][1].start) <= size:
            length += sentences[j][1].end - sentences[j][1].start
            group.append(sentences[j])
            j += 1
        groups.append(group)
        if j >= len(sentences):
            break
        i = max(j - overlap, i + 1)
    return groups

"""A Briefing as Markdown, as a self-contained HTML page, as a Word document, or as a short chat message.

The Markdown, HTML and docx renderers number the sources the same way (in order of first use), so [3] means
the same quote in all three."""
from __future__ import annotations

import html
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ..models import Answer, Citation
from ..text.script import in_script_of, is_traditional
from .briefing import Briefing, Figure, LikelyQuestion

KINDS = {"interview": "在线访谈", "work_plan": "工作方案", "briefing": "简报", "news": "报道"}
FIGURE_COLUMNS = ("地点", "文件", "数据", "衡量的是", "时间", "来源")


@dataclass
class Sources:
    """Citation numbers in order of first use; the same quoted span always gets the same number."""

    numbers: dict[tuple[str, int, int], int] = field(default_factory=dict)
    cited: list[Citation] = field(default_factory=list)

    def ref(self, c: Citation) -> int:
        key = (c.doc_id, c.start, c.end)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers) + 1
            self.cited.append(c)
        return self.numbers[key]


def label(text: str, b: Briefing) -> str:
    """Fixed wording in the script of the topic (a traditional topic gets a traditional briefing)."""
    return in_script_of(text, b.topic)


def title_of(b: Briefing) -> str:
    return label("访谈准备：", b) + b.topic


def nothing_found(b: Briefing) -> str:
    return label(f"知识库中没有找到与“{b.topic}”相关的内容，无法为这个主题准备访谈简报。"
                 "可以换个说法（例如写出具体事项：不动产登记、营商环境），或把相关文件加入知识库后重新建立索引。", b)


def summary(b: Briefing) -> str:
    questions = b.questions()
    docs = {q.doc_id for q in questions}
    points = sum(len(q.points) for q in questions)
    return label(f"共 {len(questions)} 个可能的问题、{points} 条回答要点、{len(b.figures)} 项关键数据，"
                 f"来自 {len(docs)} 份文件、{len(b.places)} 个地方。每条要点后的 [n] 对应文末“来源”中的原文。", b)


def document_heading(b: Briefing, title: str, kind: str, date: str) -> str:
    return f"{title}（{label(KINDS.get(kind, kind), b)}，{date or label('未注明日期', b)}）"


def question_origin(b: Briefing, q: LikelyQuestion, sources: Sources) -> str:
    if q.asked:
        return label("主持人原问", b) + f" [{sources.ref(q.asked)}]"
    return label("据文件章节整理" if q.origin == "section" else "据文件内容整理", b)


def figure_text(b: Briefing, f: Figure) -> str:
    return f"{f.measures} {f.value}"


def figure_row(b: Briefing, f: Figure, sources: Sources) -> tuple[str, ...]:
    return (f.place or "—", f.citation.title, f.value, f.measures, f.when or label("未注明", b),
            f"[{sources.ref(f.citation)}]")


def source_line(b: Briefing, n: int, c: Citation) -> str:
    when = f"（{c.date}）" if c.date else ""
    return (f"[{n}] {c.title}{when}，{c.doc_id} " + label("第", b) + f"{c.paragraph}" + label("段", b)
            + label("，字符 ", b) + f"{c.start}–{c.end}：“{c.quote}”")


def walk(b: Briefing, sources: Sources):
    """Places, documents, questions and points in reading order, numbering sources as they appear (the
    renderers share this order, so their numbers agree)."""
    for place in b.places:
        yield "place", place
        for doc in place.documents:
            yield "document", doc
            for q in doc.questions:
                yield "question", q
                for p in q.points:
                    sources.ref(p.citation)
                    yield "point", p


def _md_cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def to_markdown(b: Briefing) -> str:
    lines = [f"# {title_of(b)}", ""]
    if not b.found:
        return "\n".join(lines + [nothing_found(b)])
    sources = Sources()
    lines += [f"> {summary(b)}", "", "## " + label("一、可能的问题与回答要点", b), ""]
    number = 0
    for kind, item in walk(b, sources):
        if kind in ("place", "document") and lines[-1]:
            lines.append("")
        if kind == "place":
            lines += [f"### {item.place or label('未注明地点', b)}", ""]
        elif kind == "document":
            lines += [f"#### {document_heading(b, item.title, item.kind, item.date)}", ""]
            number = 0
        elif kind == "question":
            if number:
                lines.append("")
            number += 1
            lines.append(f"{number}. **{item.text}**（{question_origin(b, item, sources)}）")
        else:
            lines.append(f"   - {item.citation.text} [{sources.ref(item.citation)}]")
            if item.figures:
                lines.append("     - " + label("数据：", b) + "；".join(figure_text(b, f) for f in item.figures))
    lines.append("")
    if b.figures:
        lines += ["## " + label("二、关键数据", b), "", "| " + " | ".join(label(c, b) for c in FIGURE_COLUMNS) + " |",
                  "|" + "---|" * len(FIGURE_COLUMNS)]
        for f in b.figures:
            lines.append("| " + " | ".join(_md_cell(c) for c in figure_row(b, f, sources)) + " |")
        lines.append("")
    lines += ["## " + label("三、来源" if b.figures else "二、来源", b), ""]
    lines += [source_line(b, n, c) for n, c in enumerate(sources.cited, start=1)]
    return "\n".join(lines) + "\n"


_CSS = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;max-width:60em;margin:2em auto;
padding:0 1em;line-height:1.6;color:#222}
h1{border-bottom:2px solid #b22;padding-bottom:.3em}h2{margin-top:2em;color:#b22}h3{margin-top:1.5em}
h4{color:#555;font-weight:normal;margin:.8em 0 .4em}
.summary{background:#f6f6f6;border-left:4px solid #b22;padding:.6em 1em}
ol.questions>li{margin:.6em 0}.q{font-weight:bold}.origin{color:#777;font-size:.9em}
ul.points li{margin:.2em 0}.figs{color:#0a5;font-size:.9em}sup a{text-decoration:none}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ccc;padding:.3em .5em;
vertical-align:top;text-align:left}th{background:#eee}
ol.sources{font-size:.88em;color:#444}ol.sources q{color:#000}
@media print{body{max-width:none}}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _ref_html(n: int) -> str:
    return f'<sup><a href="#src-{n}">[{n}]</a></sup>'


def to_html(b: Briefing) -> str:
    """One page that opens from disk: inline CSS, no scripts, no external resources; every string that came
    from a document is escaped."""
    head = (f'<!DOCTYPE html>\n<html lang="{"zh-Hant" if is_traditional(b.topic) else "zh-Hans"}">\n<head>\n'
            f'<meta charset="utf-8"/>\n<title>{_e(title_of(b))}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n'
            f"<h1>{_e(title_of(b))}</h1>\n")
    if not b.found:
        return head + f'<p class="summary">{_e(nothing_found(b))}</p>\n</body>\n</html>\n'
    sources = Sources()
    out = [head, f'<p class="summary">{_e(summary(b))}</p>\n', f"<h2>{_e(label('一、可能的问题与回答要点', b))}</h2>\n"]
    open_list = open_points = False
    for kind, item in walk(b, sources):
        if kind in ("place", "document", "question") and open_points:
            out.append("</ul></li>\n")
            open_points = False
        if kind in ("place", "document") and open_list:
            out.append("</ol>\n")
            open_list = False
        if kind == "place":
            out.append(f"<h3>{_e(item.place or label('未注明地点', b))}</h3>\n")
        elif kind == "document":
            out.append(f"<h4>{_e(document_heading(b, item.title, item.kind, item.date))}</h4>\n<ol class=\"questions\">\n")
            open_list = True
        elif kind == "question":
            origin = _e(question_origin(b, item, sources))
            if item.asked:
                n = sources.ref(item.asked)
                origin = _e(label("主持人原问", b)) + " " + _ref_html(n)
            out.append(f'<li><span class="q">{_e(item.text)}</span> <span class="origin">（{origin}）</span>'
                       f'\n<ul class="points">\n')
            open_points = True
        else:
            figs = ""
            if item.figures:
                figs = (f'<br/><span class="figs">{_e(label("数据：", b))}'
                        f'{_e("；".join(figure_text(b, f) for f in item.figures))}</span>')
            out.append(f"<li>{_e(item.citation.text)} {_ref_html(sources.ref(item.citation))}{figs}</li>\n")
    if open_points:
        out.append("</ul></li>\n")
    if open_list:
        out.append("</ol>\n")
    if b.figures:
        out.append(f"<h2>{_e(label('二、关键数据', b))}</h2>\n<table>\n<thead><tr>"
                   + "".join(f"<th>{_e(label(c, b))}</th>" for c in FIGURE_COLUMNS) + "</tr></thead>\n<tbody>\n")
        for f in b.figures:
            *cells, ref = figure_row(b, f, sources)
            out.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells)
                       + f"<td>{_ref_html(sources.ref(f.citation))}</td></tr>\n")
        out.append("</tbody>\n</table>\n")
    out.append(f"<h2>{_e(label('三、来源' if b.figures else '二、来源', b))}</h2>\n<ol class=\"sources\">\n")
    for n, c in enumerate(sources.cited, start=1):
        when = f"（{c.date}）" if c.date else ""
        where = f"{c.doc_id} " + label("第", b) + f"{c.paragraph}" + label("段", b) + label("，字符 ", b) + f"{c.start}–{c.end}"
        out.append(f'<li id="src-{n}">{_e(c.title + when)}，{_e(where)}：<q>{_e(c.quote)}</q></li>\n')
    out.append("</ol>\n</body>\n</html>\n")
    return "".join(out)


def to_docx(b: Briefing, path: Path | BinaryIO) -> None:
    """A Word document hosts can paste from: headings per place and document, numbered questions, bulleted
    points with their source numbers, the key-figures table, and the sources."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.size = Pt(11)
    # Without an East Asian font Word falls back to a Latin one and shows Chinese in a mismatched face.
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    document.add_heading(title_of(b), level=0)
    if not b.found:
        document.add_paragraph(nothing_found(b))
        document.save(_target(path))
        return
    sources = Sources()
    document.add_paragraph(summary(b))
    document.add_heading(label("一、可能的问题与回答要点", b), level=1)
    number = 0
    for kind, item in walk(b, sources):
        if kind == "place":
            document.add_heading(item.place or label("未注明地点", b), level=2)
        elif kind == "document":
            document.add_heading(document_heading(b, item.title, item.kind, item.date), level=3)
            number = 0
        elif kind == "question":
            number += 1
            para = document.add_paragraph()
            para.add_run(f"{number}. {item.text}").bold = True
            para.add_run(f"（{question_origin(b, item, sources)}）")
        else:
            para = document.add_paragraph(f"{item.citation.text} [{sources.ref(item.citation)}]", style="List Bullet")
            if item.figures:
                run = para.add_run("\n" + label("数据：", b) + "；".join(figure_text(b, f) for f in item.figures))
                run.italic = True
    if b.figures:
        document.add_heading(label("二、关键数据", b), level=1)
        table = document.add_table(rows=1, cols=len(FIGURE_COLUMNS))
        table.style = "Table Grid"
        for cell, name in zip(table.rows[0].cells, FIGURE_COLUMNS):
            cell.text = label(name, b)
            cell.paragraphs[0].runs[0].bold = True
        for f in b.figures:
            for cell, value in zip(table.add_row().cells, figure_row(b, f, sources)):
                cell.text = value
    document.add_heading(label("三、来源" if b.figures else "二、来源", b), level=1)
    for n, c in enumerate(sources.cited, start=1):
        document.add_paragraph(source_line(b, n, c))
    document.save(_target(path))


def _target(path: Path | BinaryIO):
    return path if hasattr(path, "write") else str(path)


def to_chat(b: Briefing, max_questions: int = 3, max_points: int = 2) -> str:
    """The briefing in a chat bubble: the top questions with their best points, cited; the full briefing
    (every place, the figures table) is one command away."""
    head = title_of(b)
    if not b.found:
        return f"{head}\n{nothing_found(b)}"
    top = sorted(b.questions(), key=lambda q: -q.relevance)[:max_questions]
    sources = Sources()
    lines = [head]
    for i, q in enumerate(top, start=1):
        lines.append(f"{i}. {q.text}")
        for p in _best_points(q, max_points):
            lines.append(f"   - {p.citation.text}[{sources.ref(p.citation)}]")
    figures = [f for q in top for p in _best_points(q, max_points) for f in p.figures][:4]
    if figures:
        lines.append(label("关键数据：", b) + "；".join(
            f"{f.measures} {f.value}（{f.place}）[{sources.ref(f.citation)}]" for f in figures))
    lines.append(label("来源：", b))
    for n, c in enumerate(sources.cited, start=1):
        lines.append(f"[{n}] {c.title}{'（' + c.date + '）' if c.date else ''} " + label("第", b) + f"{c.paragraph}"
                     + label("段", b))
    more = len(b.questions()) - len(top)
    lines.append(label(f"完整简报（{'另有 ' + str(more) + ' 个问题、' if more > 0 else ''}分地区分文件、含关键数据表）："
                       f"policybot prep \"{b.topic}\" --format docx --out 简报.docx", b))
    return "\n".join(lines)


def _best_points(q: LikelyQuestion, n: int):
    """Points with figures first: in a chat bubble the numbers are what a host will quote."""
    return sorted(q.points, key=lambda p: (not p.figures, q.points.index(p)))[:n]


def to_payload(b: Briefing) -> dict:
    """The briefing for a chat client: each question shaped like an answer (Answer.to_json, so clients render
    it as they render answers), plus where it came from, and the figures table."""
    items = []
    for q in b.questions():
        cites = tuple(replace(p.citation, n=n) for n, p in enumerate(q.points, start=1))
        answer = Answer(q.text, True, q.relevance, "".join(f"{c.text}[{c.n}]" for c in cites), cites)
        items.append({**answer.to_json(), "place": q.place, "doc_id": q.doc_id, "origin": q.origin})
    figures = [{"value": f.value, "number": f.number, "unit": f.unit, "measures": f.measures, "place": f.place,
                "when": f.when, "doc_id": f.citation.doc_id, "title": f.citation.title, "quote": f.citation.quote,
                "start": f.citation.start, "end": f.citation.end, "paragraph": f.citation.paragraph}
               for f in b.figures]
    return {"briefing": {"topic": b.topic, "found": b.found, "items": items, "figures": figures}}

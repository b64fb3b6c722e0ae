"""Tests for knowledge.ingest.readers: every fixture is written to tmp_path at test time."""

from __future__ import annotations

import os
import pathlib
import pickle

import docx
import pytest

from knowledge.ingest.readers import (
    SUPPORTED_SUFFIXES,
    UnreadableDocument,
    detect_encoding,
    read_text,
)

SIMPLIFIED = (
    "临川区不动产登记实行一窗受理，办理时限压缩到3个工作日。\n"
    "申请人可通过政务服务网预约办理，材料齐全的当场受理。\n"
    "企业开办全流程办理时间压缩至1个工作日以内。"
)
TRADITIONAL = "吉陽區設置綜合受理窗口6個，推動政務服務就近辦。\n群眾可在社區服務中心辦理戶籍與社會保險業務。"
SHORT_SIMPLIFIED = "临川区推行一窗受理，时限压缩。"  # 15 characters; also decodes as cp950


def write(tmp_path: pathlib.Path, name: str, data: bytes) -> pathlib.Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- plain text encodings -----------------------------------------------------


def test_gbk_text_with_crlf_line_endings(tmp_path):
    path = write(tmp_path, "gbk.txt", SIMPLIFIED.replace("\n", "\r\n").encode("gbk"))
    assert read_text(path) == SIMPLIFIED


@pytest.mark.parametrize("name, text, data", [
    ("big5.txt", TRADITIONAL, TRADITIONAL.encode("big5")),
    ("trad-gb.txt", TRADITIONAL, TRADITIONAL.encode("gb18030")),
    ("bom.txt", SIMPLIFIED, "\ufeff".encode() + SIMPLIFIED.encode("utf-8")),
    ("plain.txt", TRADITIONAL, TRADITIONAL.encode("utf-8")),
    ("notepad.txt", SIMPLIFIED, SIMPLIFIED.encode("utf-16")),
], ids=["big5", "traditional-as-gb18030", "utf8-bom-stripped", "utf8-no-bom", "utf16-bom"])
def test_encoding_is_detected(tmp_path, name, text, data):
    assert read_text(write(tmp_path, name, data)) == text


def test_short_gbk_text_is_not_mistaken_for_big5(tmp_path):
    data = SHORT_SIMPLIFIED.encode("gbk")
    data.decode("cp950")  # the hard case: the bytes are valid Big5 too
    assert detect_encoding(data) == "gb18030"
    assert read_text(write(tmp_path, "short.txt", data)) == SHORT_SIMPLIFIED


def test_lone_carriage_returns_become_newlines(tmp_path):
    path = write(tmp_path, "mac.txt", "第一行\r第二行\r\n第三行".encode("gbk"))
    assert read_text(path) == "第一行\n第二行\n第三行"


def test_markdown_is_read_verbatim(tmp_path):
    text = "# 不动产登记\n\n- 一窗受理\n- 时限压缩到**3个工作日**\n"
    path = write(tmp_path, "guide.md", text.encode("utf-8"))
    assert read_text(path) == text


def test_uppercase_suffix_is_accepted(tmp_path):
    path = write(tmp_path, "UPPER.TXT", SIMPLIFIED.encode("gbk"))
    assert read_text(path) == SIMPLIFIED


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "utf-8"),
        ("\ufeff办理".encode(), "utf-8-sig"),
        (SIMPLIFIED.encode("gbk"), "gb18030"),
        (TRADITIONAL.encode("big5"), "cp950"),
        ("社保".encode("gbk"), "gb18030"),  # decodes to valid common text either way: simplified wins
    ],
)
def test_detect_encoding(data, expected):
    assert detect_encoding(data) == expected


# --- HTML ---------------------------------------------------------------------

HTML_GBK = """<!DOCTYPE html>
<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>临川区政务服务指南</title>
<style>p { color: red; }</style>
<script>var tracker = "不应出现的脚本";</script>
</head>
<body>
<header>网站首页 | 政务公开</header>
<nav><a href="/">导航菜单</a></nav>
<h1>不动产登记</h1>
<div><p>临川区不动产登记实行一窗受理，
    办理时限压缩到3个工作日。</p>
<!-- 注释不应出现 -->
<p>咨询电话：0794-1234567<br>地址：<b>行政服务中心</b>二楼</p>
</div>
<table><tr><td>事项</td><td>时限</td></tr><tr><td>登记</td><td>3个工作日</td></tr></table>
<footer>版权所有</footer>
</body></html>
"""


def test_html_with_gbk_meta_charset(tmp_path):
    path = write(tmp_path, "page.html", HTML_GBK.encode("gbk"))
    text = read_text(path)
    assert text == (
        "临川区政务服务指南\n"
        "不动产登记\n"
        "临川区不动产登记实行一窗受理， 办理时限压缩到3个工作日。\n"
        "咨询电话：0794-1234567\n"
        "地址：行政服务中心二楼\n"
        "事项\t时限\n"
        "登记\t3个工作日"
    )
    for hidden in ("不应出现的脚本", "color", "导航菜单", "网站首页", "版权所有", "注释不应出现"):
        assert hidden not in text


def test_html_title_not_repeated_when_body_starts_with_it(tmp_path):
    html = "<html><head><title>吉陽區公告</title></head><body><h1>吉陽區公告</h1><p>推動政務服務就近辦。</p></body></html>"
    path = write(tmp_path, "notice.htm", html.encode("big5"))
    assert read_text(path) == "吉陽區公告\n推動政務服務就近辦。"


def test_html_with_stale_charset_declaration_saved_as_utf8(tmp_path):
    html = '<html><head><meta charset="gb2312"></head><body><p>办理时限压缩到3个工作日。</p></body></html>'
    path = write(tmp_path, "resaved.html", html.encode("utf-8"))
    assert read_text(path) == "办理时限压缩到3个工作日。"


# --- DOCX ---------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_document_order(tmp_path):
    document = docx.Document()
    document.add_paragraph("临川区不动产登记实行一窗受理。")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(table.rows, [("事项", "时限", "地点"), ("登记", "3个工作日", "一楼")]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    merged = document.add_table(rows=1, cols=3)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "合并单元格"
    merged.cell(0, 2).text = "末列"
    document.add_paragraph("办理时限压缩到3个工作日。")
    path = tmp_path / "guide.docx"
    document.save(path)

    assert read_text(path) == (
        "临川区不动产登记实行一窗受理。\n"
        "事项\t时限\t地点\n"
        "登记\t3个工作日\t一楼\n"
        "合并单元格\t末列\n"
        "办理时限压缩到3个工作日。"
    )


def test_corrupt_docx(tmp_path):
    path = write(tmp_path, "broken.docx", os.urandom(2048))
    with pytest.raises(UnreadableDocument) as info:
        read_text(path)
    message = str(info.value)
    assert "broken.docx" in message
    assert "not a valid .docx file" in message
    assert info.value.path == path


def test_empty_docx(tmp_path):
    path = tmp_path / "blank.docx"
    docx.Document().save(path)
    with pytest.raises(UnreadableDocument, match=r"blank\.docx: file is empty"):
        read_text(path)


# --- PDF ----------------------------------------------------------------------


def _make_pdf(path: pathlib.Path, pages: list[list[str]]) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    for lines in pages:
        if lines:
            pdf.setFont("STSong-Light", 14)
            for number, line in enumerate(lines):
                pdf.drawString(72, 750 - 24 * number, line)
        else:
            pdf.rect(72, 600, 200, 100, fill=1)  # an image-like page with no text
        pdf.showPage()
    pdf.save()


def test_pdf_with_chinese_text(tmp_path):
    pytest.importorskip("reportlab")
    path = tmp_path / "policy.pdf"
    _make_pdf(path, [["临川区不动产登记实行一窗受理，办理时限压缩到3个工作日。", "第二行"], ["第二页内容。"]])
    text = read_text(path)
    assert "临川区不动产登记实行一窗受理，办理时限压缩到3个工作日。\n第二行" in text
    assert "第二页内容。" in text
    assert text.index("第二行") < text.index("第二页内容。")


def test_pdf_without_text_layer_needs_ocr(tmp_path):
    pytest.importorskip("reportlab")
    path = tmp_path / "scan.pdf"
    _make_pdf(path, [[], []])
    with pytest.raises(UnreadableDocument) as info:
        read_text(path)
    assert "scan.pdf" in str(info.value)
    assert "no text layer" in str(info.value)
    assert "OCR" in str(info.value)


def test_corrupt_pdf(tmp_path):
    path = write(tmp_path, "broken.pdf", b"%PDF-1.4\n" + os.urandom(1024))
    with pytest.raises(UnreadableDocument, match=r"broken\.pdf: not a valid \.pdf file"):
        read_text(path)


# --- other failures -----------------------------------------------------------


@pytest.mark.parametrize("name", ["empty.txt", "empty.html", "empty.pdf", "empty.docx"])
def test_empty_file(tmp_path, name):
    path = write(tmp_path, name, b"")
    with pytest.raises(UnreadableDocument) as info:
        read_text(path)
    assert str(info.value) == f"{path}: {info.value.reason}"
    assert name in str(info.value)
    assert "file is empty" in info.value.reason


def test_whitespace_only_file_is_empty(tmp_path):
    path = write(tmp_path, "blank.txt", "  \r\n\t\n".encode())
    with pytest.raises(UnreadableDocument, match=r"blank\.txt: file is empty"):
        read_text(path)


def test_html_without_visible_text_is_empty(tmp_path):
    path = write(tmp_path, "shell.html", b"<html><body><script>var a = 1;</script></body></html>")
    with pytest.raises(UnreadableDocument, match=r"shell\.html: file is empty"):
        read_text(path)


@pytest.mark.parametrize("name", ["old.doc", "sheet.xlsx", "README"])
def test_unsupported_suffix(tmp_path, name):
    path = write(tmp_path, name, b"anything")
    with pytest.raises(UnreadableDocument) as info:
        read_text(path)
    assert name in str(info.value)
    assert "unsupported file type" in str(info.value)


def test_missing_file(tmp_path):
    path = tmp_path / "gone.txt"
    with pytest.raises(UnreadableDocument, match=r"gone\.txt: file does not exist"):
        read_text(path)


def test_binary_bytes_in_txt(tmp_path):
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10")
    with pytest.raises(UnreadableDocument) as info:
        read_text(path)
    assert "image.txt" in str(info.value)


def test_permission_denied(tmp_path, monkeypatch):
    path = write(tmp_path, "secret.txt", SIMPLIFIED.encode("gbk"))

    # Simulated, because the tests may run as root, which can read a chmod 000 file.
    def deny(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(pathlib.Path, "read_bytes", deny)
    with pytest.raises(UnreadableDocument, match=r"secret\.txt: permission denied"):
        read_text(path)


def test_exception_is_picklable(tmp_path):
    error = UnreadableDocument(tmp_path / "a.docx", "file is empty")
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error)
    assert copy.path == error.path and copy.reason == error.reason


def test_supported_suffixes():
    assert SUPPORTED_SUFFIXES == (".txt", ".md", ".html", ".htm", ".docx", ".pdf")

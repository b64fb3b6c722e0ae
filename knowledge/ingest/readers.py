"""Turn one corpus file into its text.

Only extraction lives here: callers keep character offsets into the returned
string for citations, so nothing beyond newline normalisation is done to
plain-text files.
"""

from __future__ import annotations

import codecs
import io
import pathlib
import re
from collections import Counter
from collections.abc import Callable

import charset_normalizer
import docx
import pypdf
from bs4 import BeautifulSoup, NavigableString
from docx.table import Table

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")

# Order matters: on a tie the first wins, and mainland (simplified) documents
# are the common case. gb18030 and cp950 are supersets of gbk/gb2312 and big5
# that Windows actually writes, so they decode more real files.
_CJK_CANDIDATES: tuple[str, ...] = ("gb18030", "cp950")

# Below this share of common characters neither CJK decoding looks like real
# Chinese, so the general-purpose detector gets a say.
_MIN_COMMON_SHARE = 0.6

# Labels pages declare that are narrower than what the page really contains.
_WIDER_CODEC = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950"}

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_DECLARED_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w.:]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([-\w.:]+)""",
    re.IGNORECASE,
)

_HTML_DROP = ("script", "style", "nav", "header", "footer", "noscript", "template", "head", "title")
_HTML_BLOCKS = (
    "p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
    "table", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "main", "aside", "form",
)
_HTML_CELLS = ("td", "th")
_WHITESPACE = re.compile(r"\s+")

_EMPTY_HINT = "remove it from the corpus or replace it with the full document"


class UnreadableDocument(Exception):
    """A corpus file that cannot be turned into text; the message says what to do."""

    def __init__(self, path: pathlib.Path, reason: str):
        # Passing both to Exception keeps the exception picklable for worker pools.
        super().__init__(path, reason)
        self.path = pathlib.Path(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


def read_text(path: pathlib.Path) -> str:
    """Return the text of `path`, or raise UnreadableDocument."""
    path = pathlib.Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UnreadableDocument(path, _unsupported_reason(suffix))
    data = _read_bytes(path)
    if not data.strip():
        raise UnreadableDocument(path, f"file is empty: {_EMPTY_HINT}")

    reader = _READERS[suffix]
    text = reader(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UnreadableDocument(path, f"file is empty (no text found in it): {_EMPTY_HINT}")
    return text


def detect_encoding(data: bytes) -> str:
    """Return the Python codec name that decodes `data`.

    Raises ValueError when no encoding decodes it.
    """
    bom_codec = _bom_codec(data)
    if bom_codec:
        return bom_codec
    # Multi-byte UTF-8 almost never validates by accident, so success is proof.
    if _decodes(data, "utf-8"):
        return "utf-8"

    # charset-normalizer misjudges short Chinese texts (GBK vs Big5 share a
    # byte layout), so decide between the two CJK families by which decoding
    # yields ordinary Chinese; the wrong one produces rare characters.
    scored = [
        (_common_share(text), codec)
        for codec in _CJK_CANDIDATES
        if (text := _decode_or_none(data, codec)) is not None
    ]
    best_cjk = max(scored, key=lambda item: item[0], default=None)
    if best_cjk is not None and best_cjk[0] >= _MIN_COMMON_SHARE:
        return best_cjk[1]

    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None and _decodes(data, guess.encoding):
        return guess.encoding
    if best_cjk is not None:
        return best_cjk[1]
    raise ValueError("no known encoding decodes these bytes")


# --- plain text ---------------------------------------------------------------


def _read_plain(path: pathlib.Path, data: bytes) -> str:
    try:
        codec = detect_encoding(data)
    except ValueError:
        raise UnreadableDocument(path, _undecodable_reason()) from None
    text = _decode_or_none(data, codec)
    if text is None:
        raise UnreadableDocument(path, _undecodable_reason())
    if "\x00" in text:
        raise UnreadableDocument(
            path,
            "looks like a binary file, not text: check it was not renamed from another format, "
            "then convert it to .txt, .docx or .pdf",
        )
    return text


# --- HTML ---------------------------------------------------------------------


def _read_html(path: pathlib.Path, data: bytes) -> str:
    codec = _html_codec(data)
    markup = _decode_or_none(data, codec) if codec else None
    if markup is None:
        raise UnreadableDocument(path, _undecodable_reason())

    soup = BeautifulSoup(markup, "lxml")
    title = _WHITESPACE.sub(" ", soup.title.get_text()).strip() if soup.title else ""
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()

    # Source line breaks and indentation are not visible on the page; collapse
    # them before adding the line breaks that blocks really produce.
    for string in list(soup.find_all(string=True)):
        # Comments, CDATA and doctypes are NavigableString subclasses and stay out of the text.
        if type(string) is NavigableString and string.find_parent("pre") is None:
            string.replace_with(_WHITESPACE.sub(" ", string))
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_HTML_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    for cell in soup.find_all(_HTML_CELLS):
        cell.insert_after("\t")

    lines = [line.strip() for line in soup.get_text().split("\n")]
    lines = [line for line in lines if line]
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return "\n".join(lines)


def _html_codec(data: bytes) -> str | None:
    bom_codec = _bom_codec(data)
    if bom_codec:
        return bom_codec
    # Pages re-saved by a browser or editor are often UTF-8 while still
    # carrying the original charset declaration, so valid UTF-8 wins.
    if _decodes(data, "utf-8"):
        return "utf-8"
    declared = _declared_codec(data[:8192])
    if declared and _decodes(data, declared):
        return declared
    try:
        return detect_encoding(data)
    except ValueError:
        return None


def _declared_codec(head: bytes) -> str | None:
    match = _DECLARED_CHARSET.search(head)
    if not match:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii", "ignore")
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _WIDER_CODEC.get(name, name)


# --- DOCX ---------------------------------------------------------------------


def _read_docx(path: pathlib.Path, data: bytes) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip, XML and package errors alike
        raise UnreadableDocument(
            path,
            f"not a valid .docx file ({_describe(exc)}; password-protected files and .doc files "
            "renamed to .docx look like this too): "
            "re-save it from Word as .docx or remove it from the corpus",
        ) from exc

    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_rows(block))
        else:
            lines.append(block.text)
    return "\n".join(lines)


def _table_rows(table: Table) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            # A horizontally merged cell is returned once per grid column it spans, as the same object.
            if cell is not previous:
                cells.append(cell.text)
            previous = cell
        rows.append("\t".join(cells))
    return rows


# --- PDF ----------------------------------------------------------------------


def _read_pdf(path: pathlib.Path, data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many "protected" PDFs only restrict printing and open with an empty password.
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(
                path, "PDF is password-protected: save an unprotected copy or remove it from the corpus"
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many error types on damaged files
        raise UnreadableDocument(
            path,
            f"not a valid .pdf file ({_describe(exc)}): re-export or re-download it, or remove it from the corpus",
        ) from exc

    text = "\n".join(pages)
    if not text.strip():
        raise UnreadableDocument(
            path,
            "PDF has no text layer (probably a scan): run OCR on it first "
            "and put the OCR'd PDF or text in the corpus instead",
        )
    return text


# --- helpers ------------------------------------------------------------------

_READERS: dict[str, Callable[[pathlib.Path, bytes], str]] = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".html": _read_html,
    ".htm": _read_html,
    ".docx": _read_docx,
    ".pdf": _read_pdf,
}


def _read_bytes(path: pathlib.Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        reason = "file does not exist: check the path or remove it from the corpus list"
    except IsADirectoryError:
        reason = "is a directory, not a file: point at the files inside it instead"
    except PermissionError:
        reason = "permission denied: grant the bot's user read access to the file or copy it somewhere readable"
    except OSError as exc:
        reason = f"cannot be read ({exc.strerror or exc}): check the disk or network share and try again"
    raise UnreadableDocument(path, reason)


def _unsupported_reason(suffix: str) -> str:
    supported = ", ".join(SUPPORTED_SUFFIXES)
    if suffix in (".doc", ".wps", ".rtf", ".odt"):
        hint = "open it in Word or WPS and save it as .docx"
    elif suffix in (".xls", ".xlsx", ".ppt", ".pptx"):
        hint = "export it to .pdf"
    else:
        hint = "convert it to one of those formats or remove it from the corpus"
    kind = repr(suffix) if suffix else "(no suffix)"
    return f"unsupported file type {kind} (supported: {supported}): {hint}"


def _undecodable_reason() -> str:
    return (
        "text encoding not recognised (not UTF-8, GBK/GB18030 or Big5): "
        "open it in a text editor and save it as UTF-8"
    )


def _describe(exc: Exception) -> str:
    detail = str(exc).strip()
    if not detail:
        return type(exc).__name__
    if "zip" in type(exc).__name__.lower() or "zip" in detail.lower():
        return "zip archive damaged"
    return detail if len(detail) <= 80 else detail[:77] + "..."


def _bom_codec(data: bytes) -> str | None:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return codec
    return None


def _decodes(data: bytes, codec: str) -> bool:
    return _decode_or_none(data, codec) is not None


def _decode_or_none(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _common_share(text: str) -> float:
    """Share of non-ASCII characters that ordinary Chinese text is made of."""
    counts = Counter(ch for ch in text if ord(ch) >= 0x80)
    total = sum(counts.values())
    if not total:
        return 0.0
    common = sum(n for ch, n in counts.items() if _is_common_chinese(ch))
    return common / total


def _is_common_chinese(ch: str) -> bool:
    # The level-1 tables of GB2312 and Big5 are each standard's list of
    # frequent characters; a wrong decoding lands mostly outside both.
    gb = _encode_or_none(ch, "gb2312")
    if gb is not None and len(gb) == 2 and 0xB0 <= gb[0] <= 0xD7:
        return True
    big5 = _encode_or_none(ch, "big5")
    if big5 is not None and len(big5) == 2 and 0xA440 <= int.from_bytes(big5, "big") <= 0xC67E:
        return True
    return _is_cjk_punctuation(ch)


def _is_cjk_punctuation(ch: str) -> bool:
    code = ord(ch)
    if 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:  # CJK symbols, fullwidth forms
        return True
    return ch in "—…‘’“”·"


def _encode_or_none(ch: str, codec: str) -> bytes | None:
    try:
        return ch.encode(codec)
    except UnicodeEncodeError:
        return None

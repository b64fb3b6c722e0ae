"""A list of questions staff want checked, read from .txt, .csv, .xlsx or .jsonl, with what they expect.

Errors are QuestionsFileError: the file, the line or row, what is wrong and what to do, because the
people who write these files are not programmers and edit them in Excel or Notepad.
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..ingest.readers import detect_encoding
from .expectations import Expectation, load_expectations

SUFFIXES = (".txt", ".csv", ".xlsx", ".jsonl")
QUESTION_COLUMNS = ("question", "questions", "q", "问题", "提问")
ANSWER_COLUMNS = ("expected_answer", "answer", "expected", "答案", "期望答案", "预期答案", "标准答案", "参考答案")
DOC_COLUMNS = ("expected_doc", "doc", "document", "source", "文档", "期望文档", "来源文档", "来源", "出处")


class QuestionsFileError(ValueError):
    """A question list that cannot be used; str() is the whole message for the user."""

    def __init__(self, name: str, where: str, problem: str):
        super().__init__(name, where, problem)
        self.name, self.where, self.problem = name, where, problem

    def __str__(self) -> str:
        return f"{self.name}{': ' + self.where if self.where else ''}: {self.problem}"


@dataclass(frozen=True)
class Question:
    text: str
    where: str  # "line 3" or "row 3": where the question stands in its file, for messages and reports
    expected_doc: str | None = None  # a document file-name prefix (as in dev_questions.jsonl) or a title
    expected_any: tuple[str, ...] = ()  # phrases the cited text must contain (jsonl `any`)
    expected_answer: str = ""
    expected_decline: bool = False  # jsonl kind "out_of_scope": the bot should decline

    @property
    def has_expectation(self) -> bool:
        return bool(self.expected_doc or self.expected_answer or self.expected_decline)


def read_questions(path: Path, name: str | None = None) -> list[Question]:
    """Every question of `path`, in file order. `name` is what messages call the file (an upload's own name)."""
    path = Path(path)
    name = name or str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise QuestionsFileError(name, "", f"unsupported file type {suffix or '(no extension)'!r}: "
                                 "use .txt (one question per line), .csv or .xlsx (a column named question or 问题), "
                                 "or .jsonl (a q or question field per line)")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QuestionsFileError(name, "", f"cannot be read ({exc.strerror or exc}): check the path") from None
    if not data.strip():
        raise QuestionsFileError(name, "", "the file is empty: put at least one question in it")
    questions = _READERS[suffix](path, name, data)
    if not questions:
        raise QuestionsFileError(name, "", "no questions found: every question row is blank")
    return questions


def decode(name: str, data: bytes) -> str:
    """The file's text, in whichever encoding Excel or Notepad saved it; a BOM is dropped."""
    return _decode(name, data).lstrip("\ufeff")


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode(detect_encoding(data))
    except (ValueError, UnicodeDecodeError):
        raise QuestionsFileError(name, "", "text encoding not recognised: save it as UTF-8 "
                                 "(in Excel: 另存为 → CSV UTF-8)") from None


def _read_txt(path: Path, name: str, data: bytes) -> list[Question]:
    text = _decode(name, data).lstrip("\ufeff")
    return [Question(line.strip(), f"line {n}") for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _read_csv(path: Path, name: str, data: bytes) -> list[Question]:
    return _from_table(name, "row", csv_rows(name, data))


def csv_rows(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    """A CSV file's rows, numbered from 1 (csv.reader does not report physical lines; a quoted cell may span
    several, so rows are numbered instead)."""
    text = decode(name, data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise QuestionsFileError(name, "", f"not a valid CSV file ({exc}): save it again from Excel as CSV") from None
    return [(n, row) for n, row in enumerate(rows, start=1)]


def _read_xlsx(path: Path, name: str, data: bytes) -> list[Question]:
    return _from_table(name, "row", xlsx_rows(name, data))


def xlsx_rows(name: str, data: bytes) -> list[tuple[int, list[str]]]:
    """The first sheet's rows as text, numbered from 1."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise QuestionsFileError(name, "", f"not a readable .xlsx workbook ({type(exc).__name__}): "
                                 "open it in Excel and save it again as .xlsx (Excel 工作簿)") from None
    try:
        sheet = book.active if book.active is not None else book.worksheets[0]
        rows = [(n, ["" if v is None else str(v) for v in row])
                for n, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        book.close()
    return rows


def _from_table(name: str, unit: str, rows: list[tuple[int, list[str]]]) -> list[Question]:
    rows = [(n, [cell.strip() for cell in row]) for n, row in rows]
    rows = [(n, row) for n, row in rows if any(row)]
    if not rows:
        raise QuestionsFileError(name, "", "the file has no rows: put a header row with a column named "
                                 "question (or 问题), then one question per row")
    header_n, header = rows[0]
    columns = [c.lower().lstrip("\ufeff") for c in header]
    q_col = _column(columns, QUESTION_COLUMNS)
    if q_col is None:
        found = ", ".join(repr(c) for c in header if c) or "none"
        raise QuestionsFileError(name, f"{unit} {header_n}", f"no column named question or 问题 (the header row has {found}): "
                                 "add a header row whose question column is named question or 问题")
    a_col, d_col = _column(columns, ANSWER_COLUMNS), _column(columns, DOC_COLUMNS)

    def cell(row: list[str], col: int | None) -> str:
        return row[col] if col is not None and col < len(row) else ""

    return [Question(cell(row, q_col), f"{unit} {n}", expected_doc=cell(row, d_col) or None,
                     expected_answer=cell(row, a_col))
            for n, row in rows[1:] if cell(row, q_col)]


def _column(columns: list[str], names: tuple[str, ...]) -> int | None:
    for wanted in names:
        if wanted in columns:
            return columns.index(wanted)
    return None


def _read_jsonl(path: Path, name: str, data: bytes) -> list[Question]:
    try:
        expectations = load_expectations(path)
    except UnicodeDecodeError:
        raise QuestionsFileError(name, "", "not UTF-8 text: save it as UTF-8") from None
    except ValueError as exc:
        # load_expectations says "<path>:<line>: <problem>"; say it with the name the user knows.
        where, _, problem = str(exc).removeprefix(f"{path}:").partition(": ")
        raise QuestionsFileError(name, f"line {where}", f"{problem}: each line must be a JSON object such as "
                                 '{"q": "怎么办理不动产登记？", "doc": "000", "any": ["一窗受理"]}') from None
    except AttributeError:
        raise QuestionsFileError(name, "", 'a line is JSON but not an object: each line must look like {"q": "…"}') from None
    return [_from_expectation(e) for e in expectations]


def _from_expectation(e: Expectation) -> Question:
    # load_expectations numbers ids by line when a row has none; the line itself is the useful place.
    where = f"line {e.id}" if e.id.isdigit() else f"id {e.id}"
    return Question(str(e.question).strip(), where, expected_doc=e.doc, expected_any=e.any,
                    expected_decline=e.doc is None and e.kind == "out_of_scope")


_READERS = {".txt": _read_txt, ".csv": _read_csv, ".xlsx": _read_xlsx, ".jsonl": _read_jsonl}

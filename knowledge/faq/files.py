"""FAQ files staff import: .xlsx, .csv or .jsonl with a question and an answer per row, optionally the source,
the department, the last day it is valid and whether it is enabled (what `policybot faq export` writes).

Errors are QuestionsFileError (as for coverage question lists): the file, the row or line, what is wrong and
what to do. The spreadsheet reading is questions_file's (encodings Excel saves in, the first sheet)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..evaluation.questions_file import QuestionsFileError, csv_rows, decode, xlsx_rows
from .entry import Draft, normal_day

FaqFileError = QuestionsFileError
SUFFIXES = (".xlsx", ".csv", ".jsonl")
# Column names, in the order looked for; matched after case folding.
COLUMNS = {
    "question": ("question", "问题", "問題", "提问", "q"),
    "answer": ("answer", "答案", "回答", "解答", "a"),
    "source": ("source", "来源", "來源", "出处"),
    "dept": ("dept", "department", "部门", "部門", "单位", "單位"),
    "valid_until": ("valid_until", "有效期", "有效期至", "valid until", "expires"),
    "enabled": ("enabled", "启用", "啟用"),
}
# The export's columns, in order (what import reads back; id and the times are the store's own, not imported).
EXPORT_COLUMNS = ("id", "question", "answer", "source", "dept", "valid_until", "enabled", "created", "updated")
# bot/spreadsheet.py writes a text cell that a spreadsheet would run as a formula with a leading apostrophe; a
# cell read back that way gets its own text again (Excel itself keeps the apostrophe out of the cell's value).
_FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_YES, _NO = ("1", "true", "yes", "y", "是", "启用", "啟用"), ("0", "false", "no", "n", "否", "停用", "禁用")


@dataclass(frozen=True)
class Row:
    """A draft entry and where it stands in its file ("row 3", "line 3"), for messages."""

    draft: Draft
    where: str


def read_faq(path: Path, name: str | None = None) -> list[Row]:
    """Every entry of the file, in file order; a row with a problem stops the reading with a message naming it."""
    path = Path(path)
    name = name or str(path)
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise FaqFileError(name, "", f"unsupported file type {suffix or '(no extension)'!r}: use .xlsx or .csv "
                           "(a header row with question/问题 and answer/答案 columns) or .jsonl")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FaqFileError(name, "", f"cannot be read ({exc.strerror or exc}): check the path") from None
    if not data.strip():
        raise FaqFileError(name, "", "the file is empty: put a header row and at least one question and answer in it")
    if suffix == ".jsonl":
        records = _jsonl(name, data)
    else:
        records = _table(name, csv_rows(name, data) if suffix == ".csv" else xlsx_rows(name, data))
    rows = [_row(name, where, record) for where, record in records]
    if not rows:
        raise FaqFileError(name, "", "no entries found: every row is blank")
    return rows


def _table(name: str, rows: list[tuple[int, list[str]]]) -> list[tuple[str, dict[str, str]]]:
    rows = [(n, [cell.strip() for cell in row]) for n, row in rows]
    rows = [(n, row) for n, row in rows if any(row)]
    if not rows:
        raise FaqFileError(name, "", "the file has no rows: put a header row with question (问题) and answer (答案) "
                           "columns, then one entry per row")
    header_n, header = rows[0]
    found = _columns(name, f"row {header_n}", [c.lstrip("\ufeff") for c in header])
    return [(f"row {n}", {field: row[i] if i < len(row) else "" for field, i in found.items()}) for n, row in rows[1:]]


def _columns(name: str, where: str, header: list[str]) -> dict[str, int]:
    folded = [c.strip().casefold() for c in header]
    found = {}
    for field, names in COLUMNS.items():
        index = next((folded.index(n) for n in names if n in folded), None)
        if index is not None:
            found[field] = index
    for field, label in (("question", "question (问题)"), ("answer", "answer (答案)")):
        if field not in found:
            shown = ", ".join(repr(c) for c in header if c) or "none"
            raise FaqFileError(name, where, f"no column named {label} (the header has {shown}): name the "
                               "question column question or 问题 and the answer column answer or 答案")
    return found


def _jsonl(name: str, data: bytes) -> list[tuple[str, dict[str, str]]]:
    out = []
    # Lines end at "\n" only: json.dumps leaves U+2028 and U+0085 in the text, which splitlines() would cut at.
    for n, line in enumerate(decode(name, data).split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        where = f"line {n}"
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise FaqFileError(name, where, f"not JSON ({exc.msg}): each line must be an object such as "
                               '{"question": "…", "answer": "…"}') from None
        if not isinstance(record, dict):
            raise FaqFileError(name, where, 'not a JSON object: each line must look like {"question": "…", "answer": "…"}')
        keys = {str(k).strip().casefold(): k for k in record}
        fields = {}
        for field, names in COLUMNS.items():
            key = next((keys[n] for n in names if n in keys), None)
            if key is not None:
                value = record[key]
                fields[field] = "" if value is None else value if isinstance(value, str) else json.dumps(value)
        for field, label in (("question", "question (问题)"), ("answer", "answer (答案)")):
            if field not in fields:
                raise FaqFileError(name, where, f"no {label} field: each line needs a question and an answer")
        out.append((where, fields))
    return out


def _row(name: str, where: str, fields: dict[str, str]) -> Row:
    def cell(field: str) -> str:
        return _own_text(fields.get(field, "")).strip()

    enabled = cell("enabled").casefold()
    if enabled and enabled not in _YES + _NO:
        raise FaqFileError(name, where, f"enabled {enabled!r} is neither yes nor no: write 1 or 0 (是/否)")
    draft = Draft(cell("question"), cell("answer"), cell("source"), cell("dept"), normal_day(cell("valid_until")),
                  enabled not in _NO)
    problem = draft.problem()
    if problem:
        raise FaqFileError(name, where, f"{problem}: correct the row, or remove it")
    return Row(draft, where)


def _own_text(value: str) -> str:
    if value.startswith("'") and value[1:].lstrip(" \u3000\n")[:1] in _FORMULA_TRIGGERS and len(value) > 1:
        return value[1:]
    return value

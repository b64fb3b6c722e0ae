"""Citizens' feedback on answers (thumbs up or down, an optional comment, the question, the answer and its
citations), kept in SQLite under the data folder and exported as CSV or XLSX for the staff.

The export reads whatever the table holds, rows written by older versions or by hand included: a citation
that is not the usual object, citations that are not JSON, NULLs, numbers or bytes where text was expected
are written as text, never a reason to stop the export."""
from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import IO

from knowledge.config import Settings

from . import spreadsheet

_NEGATIVE = ("没用", "沒用", "无用", "不对", "不準", "不准", "错", "錯", "答非所问", "答非所問", "不满意", "不滿意", "没帮助", "沒幫助")
COLUMNS = ("id", "created", "sender", "rating", "comment", "question", "answer", "citations")


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "feedback.db"


def polarity_of(text: str) -> str:
    """"down" when the words judge the answer unhelpful, else "up"."""
    text = text.replace("不错", "").replace("不錯", "")  # 不错 (not bad) is praise, though it contains 错
    return "down" if any(w in text for w in _NEGATIVE) else "up"


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS feedback (id INTEGER PRIMARY KEY, created TEXT, sender TEXT, rating TEXT,"
        " comment TEXT, question TEXT, answer TEXT, citations TEXT)")
    return conn


def record(db: Path, sender: str, rating: str, comment: str, question: str, answer: str, citations: list) -> int:
    if rating not in ("up", "down"):
        raise ValueError(f"feedback rating must be 'up' or 'down', not {rating!r}")
    with closing(_connect(db)) as conn, conn:
        cur = conn.execute(
            "INSERT INTO feedback (created, sender, rating, comment, question, answer, citations)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.strftime("%Y-%m-%dT%H:%M:%S"), sender, rating, comment, question, answer,
             json.dumps(citations, ensure_ascii=False)))
        return int(cur.lastrowid)


def rows(db: Path) -> list[dict]:
    with closing(_connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        # Text that is not UTF-8 (written by another program) is read with replacement characters, not refused.
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]


def reviews(db: Path, rating: str = "down", since: str = "", until: str = "", doc_id: str = "",
            limit: int = 100, before: int | None = None) -> list[dict]:
    """Feedback rows newest first, for the staff's review: of one rating ("" for both), created in
    [since, until) (ISO dates; either may be empty), citing `doc_id` when given; `before` (an id) pages back.
    Each row's citations come parsed (a list of dicts; stored text that is not such a list as one item)."""
    where, args = ["1=1"], []
    for clause, value in (("rating = ?", rating), ("created >= ?", since), ("created < ?", until)):
        if value:
            where.append(clause)
            args.append(value)
    if before is not None:
        where.append("id < ?")
        args.append(before)
    out: list[dict] = []
    with closing(_connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        for row in conn.execute(f"SELECT * FROM feedback WHERE {' AND '.join(where)} ORDER BY id DESC", args):
            item = {k: row[k] for k in row.keys()}
            item["citations"] = _parsed_citations(row["citations"])
            if doc_id and not any(c.get("doc_id") == doc_id for c in item["citations"]):
                continue
            out.append(item)
            if len(out) == limit:
                break
    return out


def counts(db: Path, since: str, until: str) -> dict[str, int]:
    """{"up": n, "down": m} of the feedback created in [since, until)."""
    with closing(_connect(db)) as conn:
        found = dict(conn.execute("SELECT rating, COUNT(*) FROM feedback WHERE created >= ? AND created < ?"
                                  " GROUP BY rating", (since, until)).fetchall())
    return {"up": int(found.get("up", 0)), "down": int(found.get("down", 0))}


def _parsed_citations(stored) -> list[dict]:
    try:
        cits = json.loads(stored) if isinstance(stored, (str, bytes)) and stored else []
    except (ValueError, RecursionError):
        return [{"quote": _text(stored)}]
    cits = [cits] if isinstance(cits, dict) else cits if isinstance(cits, list) else [{"quote": _text(stored)}]
    return [c if isinstance(c, dict) else {"quote": _text(c)} for c in cits]


def export_csv(db: Path, out: IO[str]) -> int:
    """Writes every feedback row to the open text file `out` (opened with newline=""). Returns the number of rows."""
    return spreadsheet.write_csv(out, COLUMNS, _table(db))


def export_xlsx(db: Path, out: Path | IO[bytes]) -> int:
    """Every feedback row as a workbook (one sheet, 反馈). Returns the number of rows."""
    return spreadsheet.write_xlsx(out, COLUMNS, _table(db), sheet="反馈")


def _table(db: Path) -> Iterator[list]:
    for row in rows(db):
        number = row.get("id")
        yield [number if isinstance(number, (int, float)) else _text(number)] + [
            citations_text(row.get(c)) if c == "citations" else _text(row.get(c)) for c in COLUMNS[1:]]


def citations_text(stored) -> str:
    """The stored citations as "[n] title（doc_id）：quote" lines, which staff read more easily than JSON; a
    stored value of another shape as its own text."""
    try:
        cits = json.loads(stored) if isinstance(stored, (str, bytes)) and stored else []
    except (ValueError, RecursionError):
        return _text(stored)
    if isinstance(cits, dict):
        cits = [cits]
    if not isinstance(cits, list):
        return _text(stored)
    return "\n".join(_citation_line(c) for c in cits)


def _citation_line(c) -> str:
    if not isinstance(c, dict):
        return json.dumps(c, ensure_ascii=False)
    n, title, doc_id, quote = (_text(c.get(k)) for k in ("n", "title", "doc_id", "quote"))
    return f"[{n}] {title}（{doc_id}）：{quote}"


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)

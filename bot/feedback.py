"""Citizens' feedback on answers (thumbs up or down, an optional comment, the question, the answer and its
citations), kept in SQLite under the data folder and exported as CSV for the staff."""
from __future__ import annotations

import csv
import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from knowledge.config import Settings

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
        return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]


def export_csv(db: Path, out) -> int:
    """Writes every feedback row to the open text file `out`; the citations as "[n] title：quote" lines,
    which staff read more easily than JSON. Returns the number of rows."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    found = rows(db)
    for row in found:
        cits = json.loads(row["citations"] or "[]")
        row["citations"] = "\n".join(f"[{c.get('n', '')}] {c.get('title', '')}（{c.get('doc_id', '')}）：{c.get('quote', '')}"
                                     for c in cits)
        writer.writerow([row[c] for c in COLUMNS])
    return len(found)

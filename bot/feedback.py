"""Citizens' feedback on answers (有用 / 没用, an optional comment), kept in SQLite under var/."""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from knowledge.config import PROJECT_ROOT

DEFAULT_DB = PROJECT_ROOT / "var" / "feedback.db"
_NEGATIVE = ("没用", "沒用", "无用", "不对", "不準", "不准", "错", "錯", "答非所问", "答非所問", "不满意", "不滿意", "没帮助", "沒幫助")


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


def record(sender: str, rating: str, comment: str, question: str, answer: str, citations: list,
           db: Path = DEFAULT_DB) -> int:
    with closing(_connect(db)) as conn, conn:
        cur = conn.execute(
            "INSERT INTO feedback (created, sender, rating, comment, question, answer, citations)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.strftime("%Y-%m-%dT%H:%M:%S"), sender, rating, comment, question, answer,
             json.dumps(citations, ensure_ascii=False)))
        return int(cur.lastrowid)


def rows(db: Path = DEFAULT_DB) -> list[dict]:
    with closing(_connect(db)) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM feedback ORDER BY id")]

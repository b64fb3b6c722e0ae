"""Replies the gateway gave itself, because Rasa did not answer: the question and the apology, kept in SQLite
beside feedback.db (`gateway.db` in the data folder). Rasa's tracker never saw those questions, so the
history merges them in by time; after a reload the citizen still sees the question and that it was not
answered, instead of a question that vanished."""
from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

from channels.apology import APOLOGY
from knowledge.config import Settings


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "gateway.db"


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db, timeout=10)
    conn.execute("CREATE TABLE IF NOT EXISTS own_replies (id INTEGER PRIMARY KEY, session TEXT NOT NULL,"
                 " turn TEXT NOT NULL, time REAL NOT NULL, question TEXT NOT NULL, answer TEXT NOT NULL)")
    conn.execute("CREATE INDEX IF NOT EXISTS own_replies_session ON own_replies (session, time)")
    return conn


def _pair(turn: str, when: float, question: str, answer: str) -> list[dict]:
    return [{"from": "user", "text": question, "time": when, "custom": None, "id": turn},
            {"from": "bot", "text": answer, "time": when, "custom": None, "id": f"{turn}-0"}]


def apologise(db: Path, session: str, turn: str, question: str) -> list[dict]:
    """Keeps the question and the apology; returns them as messages (the page shows the apology)."""
    when = time.time()
    with closing(_connect(db)) as conn, conn:
        conn.execute("INSERT INTO own_replies (session, turn, time, question, answer) VALUES (?, ?, ?, ?, ?)",
                     (session, turn, when, question, APOLOGY))
    return _pair(turn, when, question, APOLOGY)


def messages(db: Path, session: str) -> list[dict]:
    if not db.exists():
        return []
    with closing(_connect(db)) as conn:
        rows = conn.execute("SELECT turn, time, question, answer FROM own_replies WHERE session = ? ORDER BY time",
                            (session,)).fetchall()
    return [m for row in rows for m in _pair(*row)]


def merged(from_rasa: list[dict], own: list[dict]) -> list[dict]:
    """One conversation in time order; Rasa's events keep their order among themselves (a stable sort)."""
    return sorted(from_rasa + own, key=lambda m: m["time"]) if own else from_rasa


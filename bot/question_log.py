"""Every question the bot answered or declined (the text said, the question as asked after a follow-up was
completed, how it was met, the confidence, the first cited document), kept in SQLite under the data folder by
the action server, for the staff's weekly summary: the most asked and the most declined questions. The sender
is kept only as a keyed hash, enough to count conversations, not to find a citizen."""
from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from knowledge.config import Settings
from knowledge.text.script import to_simplified

_FOLD = re.compile(r"[\s\W_]+")


@dataclass(frozen=True)
class Counted:
    question: str  # as last asked
    times: int


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "questions.db"


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db, timeout=10)
    conn.execute("CREATE TABLE IF NOT EXISTS questions (id INTEGER PRIMARY KEY, at TEXT, sender TEXT, said TEXT,"
                 " asked TEXT, folded TEXT, status TEXT, confidence REAL, doc_id TEXT)")
    conn.execute("CREATE INDEX IF NOT EXISTS questions_at ON questions (at)")
    return conn


def folded(question: str) -> str:
    """The question as counted: simplified script, no punctuation or spaces, lower case."""
    return _FOLD.sub("", to_simplified(question)).lower()


def record(db: Path, sender: str, said: str, asked: str, status: str, confidence: float, doc_id: str) -> None:
    sender_hash = hashlib.sha256(f"policybot question log {sender}".encode()).hexdigest()[:16]
    with closing(_connect(db)) as conn, conn:
        conn.execute("INSERT INTO questions (at, sender, said, asked, folded, status, confidence, doc_id)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (time.strftime("%Y-%m-%dT%H:%M:%S"), sender_hash, said, asked, folded(said), status,
                      round(float(confidence), 3), doc_id))


def most_asked(db: Path, since: str, until: str, limit: int = 10, statuses: tuple[str, ...] = ()) -> list[Counted]:
    """The questions asked most often in [since, until) (ISO dates or times), of these statuses (all if none)."""
    where, args = "at >= ? AND at < ? AND folded != ''", [since, until]
    if statuses:
        where += f" AND status IN ({', '.join('?' * len(statuses))})"
        args += list(statuses)
    with closing(_connect(db)) as conn:
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        rows = conn.execute(f"SELECT folded, COUNT(*), MAX(id) FROM questions WHERE {where} GROUP BY folded"
                            " ORDER BY COUNT(*) DESC, MAX(id) DESC LIMIT ?", [*args, limit]).fetchall()
        said = {i: s for i, s in conn.execute(
            f"SELECT id, said FROM questions WHERE id IN ({', '.join('?' * len(rows))})", [r[2] for r in rows])}
    return [Counted(said.get(last, key), times) for key, times, last in rows]


def counts_by_status(db: Path, since: str, until: str) -> dict[str, int]:
    with closing(_connect(db)) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM questions WHERE at >= ? AND at < ? GROUP BY status",
                                 (since, until)).fetchall())

"""The staff audit log: who did what to the bot, and when (a login, a coverage run, an FAQ entry changed, a
document uploaded or removed), kept in SQLite under the data folder and shown on /staff/audit.

Rows are only ever added; nothing in the gateway updates or deletes them."""
from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from knowledge.config import Settings


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: str  # local time with its offset, to the second
    who: str
    address: str
    action: str  # a dotted name, e.g. "faq.import", "document.upload"
    target: str  # what it acted on: a file name, an entry id
    detail: dict


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "audit.db"


def _connect(db: Path) -> sqlite3.Connection:
    db.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, at TEXT, who TEXT, address TEXT,"
                 " action TEXT, target TEXT, detail TEXT)")
    return conn


def record(db: Path, who: str, address: str, action: str, target: str = "", detail: dict | None = None) -> int:
    at = datetime.now().astimezone().isoformat(timespec="seconds")
    with closing(_connect(db)) as conn, conn:
        cur = conn.execute("INSERT INTO audit (at, who, address, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
                           (at, who, address, action, target, json.dumps(detail or {}, ensure_ascii=False)))
        return int(cur.lastrowid)


def entries(db: Path, limit: int = 200, before: int | None = None, action: str = "") -> list[AuditEntry]:
    """Newest first; `before` (an id) pages back; `action` keeps one kind ("faq" keeps every faq.* action)."""
    query, args = "SELECT id, at, who, address, action, target, detail FROM audit WHERE 1=1", []
    if before is not None:
        query, args = query + " AND id < ?", [*args, before]
    if action:
        query, args = query + " AND (action = ? OR action LIKE ?)", [*args, action, action + ".%"]
    with closing(_connect(db)) as conn:
        conn.text_factory = lambda data: data.decode("utf-8", "replace")
        found = conn.execute(query + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
    return [AuditEntry(i, at or "", who or "", address or "", action or "", target or "", _detail(detail))
            for i, at, who, address, action, target, detail in found]


def _detail(text) -> dict:
    try:
        value = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {"raw": str(text)}
    return value if isinstance(value, dict) else {"value": value}

"""The FAQ entries on disk: SQLite under the data folder, each entry with its question's embedding (and the
model that made it), so that a server loads the FAQ without embedding anything, and a revision number that
every change raises, so that a server notices a change made by another process (`policybot faq import`)."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from ..sqlite_file import opened
from .entry import Draft, Entry, now
from ..text.script import to_simplified
from .normalise import normalise

_COLUMNS = "id, question, answer, source, dept, valid_until, enabled, created, updated"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS entries (id INTEGER PRIMARY KEY AUTOINCREMENT, question TEXT NOT NULL,"
    " answer TEXT NOT NULL, source TEXT NOT NULL DEFAULT '', dept TEXT NOT NULL DEFAULT '',"
    " valid_until TEXT NOT NULL DEFAULT '', enabled INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL,"
    " updated TEXT NOT NULL, normal TEXT NOT NULL, model TEXT NOT NULL DEFAULT '', vector BLOB)",
    "CREATE INDEX IF NOT EXISTS entries_normal ON entries (normal)",
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('revision', 0)",
)
# What the search looks in: every text field in simplified script, case folded. Stored, because converting the
# answers at each search costs the pure-Python converter about a millisecond an entry.
_SEARCHED = "searched"


class DuplicateQuestion(ValueError):
    """An edit would give an entry the question of another one."""


def db_path(settings: Settings) -> Path:
    return settings.data_dir / "faq.db"


@dataclass(frozen=True)
class Stored:
    """An entry and its question's embedding (None when it has none from `model`)."""

    entry: Entry
    vector: np.ndarray | None


@dataclass(frozen=True)
class Saved:
    """What writing a batch of drafts did: entries added, entries whose question was already there and changed,
    entries already exactly so; `ids` in the drafts' order."""

    added: int
    updated: int
    unchanged: int
    ids: tuple[int, ...]

    def to_json(self) -> dict:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "ids": list(self.ids)}


class FaqStore:
    def __init__(self, path: Path):
        self.path = Path(path)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with opened(self.path, _SCHEMA) as conn:
            _add_searched(conn)
            yield conn

    def revision(self) -> int:
        """Raised by every change; 0 for a store not written yet (no file is made by asking)."""
        if not self.path.exists():
            return 0
        with self._connect() as conn:
            return int(conn.execute("SELECT value FROM meta WHERE key = 'revision'").fetchone()[0])

    def entries(self) -> list[Entry]:
        if not self.path.exists():
            return []
        with self._connect() as conn:
            return [_entry(row) for row in conn.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id")]

    def get(self, entry_id: int) -> Entry | None:
        if not self.path.exists():
            return None
        with self._connect() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def search(self, text: str, limit: int = 200) -> list[Entry]:
        """Entries whose question, answer, source or department holds `text` (in either script; a question also
        without its punctuation and spaces), newest first."""
        if not self.path.exists():
            return []
        needle, normal = _searched(text.strip()), normalise(text)
        query, args = f"SELECT {_COLUMNS} FROM entries", []
        if needle:
            like = f"%{_escaped(needle)}%"
            query += " WHERE searched LIKE ? ESCAPE '\\' OR normal LIKE ? ESCAPE '\\'"
            args = [like, f"%{_escaped(normal)}%" if normal else like]
        with self._connect() as conn:
            rows = conn.execute(query + " ORDER BY id DESC LIMIT ?", [*args, limit]).fetchall()
        return [_entry(row) for row in rows]

    def with_vectors(self) -> tuple[str, list[Stored]]:
        """Every entry with its stored embedding, and the model of the first one (the store keeps one model:
        a changed model embeds every entry again)."""
        if not self.path.exists():
            return "", []
        with self._connect() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS}, model, vector FROM entries ORDER BY id").fetchall()
        models = {row[9] for row in rows if row[10] is not None}
        model = next(iter(models)) if len(models) == 1 else ""
        return model, [Stored(_entry(row[:9]), _vector(row[10]) if model else None) for row in rows]

    def save(self, drafts: Sequence[Draft], vectors: np.ndarray, model: str) -> Saved:
        """Adds each draft, or, when an entry has the same question after normalisation, makes that entry say
        what the draft says (a file imported again after editing it in Excel updates rather than doubles)."""
        added = updated = unchanged = 0
        ids = []
        stamp = now()
        with self._connect() as conn, conn:
            for draft, vector in zip(drafts, vectors):
                draft = draft.cleaned()
                normal = normalise(draft.question)
                row = conn.execute(f"SELECT {_COLUMNS} FROM entries WHERE normal = ? ORDER BY id LIMIT 1",
                                   (normal,)).fetchone()
                if row is None:
                    cur = conn.execute(
                        "INSERT INTO entries (question, answer, source, dept, valid_until, enabled, created, updated,"
                        " normal, model, vector, searched) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*_fields(draft), stamp, stamp, normal, model, _blob(vector), _searched_of(draft)))
                    ids.append(int(cur.lastrowid))
                    added += 1
                    continue
                old = _entry(row)
                ids.append(old.id)
                if old.draft() == draft:
                    unchanged += 1
                    continue
                conn.execute("UPDATE entries SET question = ?, answer = ?, source = ?, dept = ?, valid_until = ?,"
                             " enabled = ?, updated = ?, model = ?, vector = ?, searched = ? WHERE id = ?",
                             (*_fields(draft), stamp, model, _blob(vector), _searched_of(draft), old.id))
                updated += 1
            if added or updated:
                _bump(conn)
        return Saved(added, updated, unchanged, tuple(ids))

    def update(self, entry_id: int, draft: Draft, vector: np.ndarray | None, model: str) -> Entry | None:
        """Replaces an entry's fields (and its embedding when given: the question changed). None: no such entry."""
        draft = draft.cleaned()
        normal = normalise(draft.question)
        with self._connect() as conn, conn:
            if conn.execute("SELECT 1 FROM entries WHERE id = ?", (entry_id,)).fetchone() is None:
                return None
            other = conn.execute("SELECT id FROM entries WHERE normal = ? AND id != ?", (normal, entry_id)).fetchone()
            if other:
                raise DuplicateQuestion(f"entry {other[0]} already has this question: edit that one, or disable it first")
            conn.execute("UPDATE entries SET question = ?, answer = ?, source = ?, dept = ?, valid_until = ?,"
                         " enabled = ?, updated = ?, normal = ?, searched = ? WHERE id = ?",
                         (*_fields(draft), now(), normal, _searched_of(draft), entry_id))
            if vector is not None:
                conn.execute("UPDATE entries SET model = ?, vector = ? WHERE id = ?", (model, _blob(vector), entry_id))
            _bump(conn)
        return self.get(entry_id)

    def set_enabled(self, entry_id: int, enabled: bool) -> Entry | None:
        with self._connect() as conn, conn:
            cur = conn.execute("UPDATE entries SET enabled = ?, updated = ? WHERE id = ?", (int(enabled), now(), entry_id))
            if cur.rowcount:
                _bump(conn)
        return self.get(entry_id)

    def store_vectors(self, vectors: Iterable[tuple[int, np.ndarray]], model: str) -> None:
        """Embeddings made again (another model): not a change of any entry, so the revision stays."""
        with self._connect() as conn, conn:
            conn.executemany("UPDATE entries SET model = ?, vector = ? WHERE id = ?",
                             [(model, _blob(v), i) for i, v in vectors])


def _add_searched(conn: sqlite3.Connection) -> None:
    """The search column, added to a store made before it had one and filled in for its entries."""
    if any(row[1] == _SEARCHED for row in conn.execute("PRAGMA table_info(entries)")):
        return
    try:
        conn.execute(f"ALTER TABLE entries ADD COLUMN {_SEARCHED} TEXT NOT NULL DEFAULT ''")
    except sqlite3.OperationalError as exc:  # another process added it meanwhile, and fills it in
        if "duplicate column" in str(exc):
            return
        raise
    with conn:
        rows = conn.execute("SELECT id, question, answer, source, dept FROM entries").fetchall()
        conn.executemany(f"UPDATE entries SET {_SEARCHED} = ? WHERE id = ?",
                         [(_searched("\n".join(texts)), i) for i, *texts in rows])


def _searched_of(draft: Draft) -> str:
    return _searched("\n".join((draft.question, draft.answer, draft.source, draft.dept)))


def _searched(text: str) -> str:
    return to_simplified(text).casefold()


def _bump(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE meta SET value = value + 1 WHERE key = 'revision'")


def _fields(draft: Draft) -> tuple:
    return draft.question, draft.answer, draft.source, draft.dept, draft.valid_until, int(draft.enabled)


def _entry(row) -> Entry:
    i, question, answer, source, dept, valid_until, enabled, created, updated = row
    return Entry(question, answer, source, dept, valid_until, bool(enabled), int(i), created, updated)


def _blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).tobytes()


def _vector(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.frombuffer(blob, dtype=np.float32).copy()


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

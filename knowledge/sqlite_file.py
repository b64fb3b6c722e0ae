"""A SQLite file opened for one unit of work: its folder made, its schema created where missing, closed after.
What the stores of FAQ entries and of staff accounts share; each commits its own changes."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path


@contextmanager
def opened(path: Path, schema: Iterable[str], timeout: float = 30) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=timeout)) as conn:
        for statement in schema:
            conn.execute(statement)
        yield conn

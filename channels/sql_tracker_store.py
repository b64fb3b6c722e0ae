"""Rasa's SQL tracker store, with its pooled connections checked before use.

After PostgreSQL restarts, every connection in the pool is dead; Rasa's own store would fail on each in turn,
and its FailSafeTrackerStore would then answer from an empty tracker in memory: a conversation's follow-up out
of its context, and the turn kept nowhere. pool_pre_ping makes SQLAlchemy replace a dead connection before
using it (one round trip per checkout), so the first message after PostgreSQL is back is answered in its
conversation. Named in endpoints-cluster.yml as `type: channels.sql_tracker_store.CheckedSQLTrackerStore`."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


class CheckedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # connects (waiting for the database) and creates the tables
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

"""Rasa's SQL tracker store, without three costs it pays on every turn.

Why: profiling the Rasa server under load (py-spy, 32 concurrent conversations asking for
order status, leave balances and saying hello) put a third of its CPU in the tracker store,
and all of it blocks the event loop (Rasa calls SQLAlchemy synchronously from async code):

- **the commit** (13% of the server's CPU): on SQLite, the embedded profile's store, every
  turn's commit writes a rollback journal and syncs it and the database to disk (~0.7 ms on
  this machine, and every other conversation waits meanwhile). In WAL mode with
  `synchronous=NORMAL` a commit appends to the log (~0.01 ms); a process crash loses nothing,
  a power cut at most the last turns, and the file is never corrupted. Other readers of the
  file (the API's analytics and erasure) work unchanged: WAL is how the back office's SQLite
  database already runs. PostgreSQL (the scale-out profile) is left as it is.
- **a new connection for every session** (3% in its two PRAGMAs alone, after the cache of
  `engine/tracker_cache.py`): SQLAlchemy 1.4 opens an SQLite file through `NullPool`, so each
  of a turn's two or three sessions connects, sets WAL mode again and closes. The file is
  opened through a `QueuePool` instead (connections reused; `check_same_thread` off because a
  pooled connection may be checked out by another thread than the one that opened it — never by
  two at once). In-memory SQLite and PostgreSQL keep Rasa's settings.
- **counting what is stored** (6%): before writing a turn, `SQLTrackerStore._additional_events`
  runs the whole conversation query again to count the events already stored. The tracker was
  read by that very query moments before (or written by this process), so the count is
  remembered on the tracker object and the query only runs when the count is not known: a new
  conversation, or a save that started a new session (the query then counts from the new
  session's start, and so does the next turn).

Installed by `python -m engine`; like `engine.patches`, it checks that it wraps Rasa's own methods
and functions.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)

STORED_COUNT = "_engine_stored_events"  # attribute on a DialogueStateTracker: its events already in the store
_RETRIEVE_QUALNAME = "SQLTrackerStore._retrieve"
_ADDITIONAL_QUALNAME = "SQLTrackerStore._additional_events"
_ENGINE_KWARGS_QUALNAME = "create_engine_kwargs"
SQLITE_POOL_SIZE = 4


def pooled_sqlite_file(url: Any) -> dict[str, Any]:
    """`create_engine` arguments that keep an SQLite file's connections open ({} for anything else)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import QueuePool

    parsed = make_url(url) if isinstance(url, str) else url
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return {}
    return {
        "poolclass": QueuePool,
        "pool_size": SQLITE_POOL_SIZE,
        "connect_args": {"check_same_thread": False},
    }


def wal_for_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """SQLAlchemy `connect` hook: an SQLite connection journals in WAL mode and syncs at checkpoints only."""
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def install() -> None:
    """The changes above; idempotent."""
    from rasa.core import tracker_store as rasa_tracker_store
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.events import SessionStarted
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "connect", wal_for_sqlite):
        event.listen(Engine, "connect", wal_for_sqlite)

    retrieve, additional = SQLTrackerStore._retrieve, SQLTrackerStore._additional_events
    engine_kwargs = rasa_tracker_store.create_engine_kwargs
    if getattr(additional, "__engine_patch__", False):
        return
    targets = (
        (retrieve, _RETRIEVE_QUALNAME),
        (additional, _ADDITIONAL_QUALNAME),
        (engine_kwargs, _ENGINE_KWARGS_QUALNAME),
    )
    for method, qualname in targets:
        if method.__qualname__ != qualname or method.__module__ != rasa_tracker_store.__name__:
            from engine.patches import PatchTargetChanged

            raise PatchTargetChanged(f"{qualname} is not Rasa's original; review engine/tracker_store.py")

    async def _retrieve(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        tracker = await retrieve(self, sender_id, fetch_events_from_all_sessions)
        if tracker is not None and not fetch_events_from_all_sessions:
            setattr(tracker, STORED_COUNT, len(tracker.events))  # exactly the rows the count query would count
        return tracker

    def _additional_events(self: SQLTrackerStore, session: Any, tracker: Any) -> Iterator[Any]:
        stored = getattr(tracker, STORED_COUNT, None)
        if stored is None or stored > len(tracker.events):
            new: Iterator[Any] = additional(self, session, tracker)
        else:
            new = itertools.islice(tracker.events, stored, len(tracker.events))
        written = list(new)
        if any(isinstance(event, SessionStarted) for event in written):
            # The next count starts at the new session: let Rasa's query work it out.
            tracker.__dict__.pop(STORED_COUNT, None)
        else:
            setattr(tracker, STORED_COUNT, len(tracker.events))
        return iter(written)

    def create_engine_kwargs(url: Any) -> dict[str, Any]:
        return pooled_sqlite_file(url) or engine_kwargs(url)

    _retrieve.__engine_patch__ = True  # type: ignore[attr-defined]
    _additional_events.__engine_patch__ = True  # type: ignore[attr-defined]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    SQLTrackerStore._additional_events = _additional_events  # type: ignore[method-assign]
    rasa_tracker_store.create_engine_kwargs = create_engine_kwargs
    logger.debug("engine patch: SQLite tracker store in WAL mode, its connections pooled; stored events counted once")

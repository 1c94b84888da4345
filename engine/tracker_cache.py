"""The SQL tracker store keeps the conversations it just wrote in memory, and asks the database only
whether they are still what it wrote.

Why: with the commit and the event count fixed (`engine/tracker_store.py`), reading the
conversation back was the tracker store's biggest cost under load (py-spy, 32 concurrent
conversations: 19% of the Rasa server's CPU). Every turn Rasa loads the whole session's
events, parses each one's JSON and replays them into a new tracker — the tracker this very
process saved moments before. Rasa's starter bot keeps trackers in memory and loses them on
a restart; we keep the store as the truth and the memory as a copy that is checked:

- after a save, the tracker is remembered (at most `CACHED_CONVERSATIONS`, least recently
  used first out);
- a retrieve of the latest session asks the database one aggregate question — how many
  events the session has and its latest timestamp — and returns the remembered tracker only
  when both match it and the tracker has no events that were never stored (a turn that
  failed before its save). Anything else — another Rasa server wrote a turn (the scale-out
  profile), the conversation was erased, a new session began, a new model brought another
  domain — reads the database as before.

A turn of one conversation runs under Rasa's lock store, so no two turns share the tracker.
Not installed when `REDACT_TRACKER` is on: the next turn must then read the masked history,
not the unmasked tracker in memory. Like `engine.patches`, it checks that it wraps Rasa's own
methods (after `engine.tracker_store`'s, which it builds on).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from engine.redaction import redaction_enabled
from engine.tracker_store import STORED_COUNT

logger = logging.getLogger(__name__)

CACHED_CONVERSATIONS = 1000
_CACHE_ATTRIBUTE = "_engine_remembered_trackers"
_SAVE_QUALNAME = "SQLTrackerStore.save"


@dataclass
class Remembered:
    """A tracker as this process stored it, and the domain whose slots it was built with."""

    tracker: Any
    domain: Any


def remembered_trackers(store: Any) -> OrderedDict[str, Remembered]:
    """The store's own memory of conversations (one per store object, created on first use)."""
    cache: OrderedDict[str, Remembered] | None = store.__dict__.get(_CACHE_ATTRIBUTE)
    if cache is None:
        cache = store.__dict__[_CACHE_ATTRIBUTE] = OrderedDict()
    return cache


def remember(store: Any, tracker: Any) -> None:
    """Keep `tracker` if every one of its events is known to be stored (otherwise forget the conversation)."""
    cache = remembered_trackers(store)
    if getattr(tracker, STORED_COUNT, None) != len(tracker.events):
        cache.pop(tracker.sender_id, None)
        return
    cache[tracker.sender_id] = Remembered(tracker, store.domain)
    cache.move_to_end(tracker.sender_id)
    while len(cache) > CACHED_CONVERSATIONS:
        cache.popitem(last=False)


# Rasa's latest-session query (`SQLTrackerStore._event_query`: the events from the latest
# `session_started` on, or all when there is none), aggregated; plain SQL because building
# the ORM query cost more than the rows it replaces.
_SESSION_SHAPE = """
WITH start AS (
    SELECT max(timestamp) AS at FROM events WHERE sender_id = :sender AND type_name = 'session_started'
)
SELECT count(events.id), max(events.timestamp) FROM events, start
WHERE events.sender_id = :sender AND (events.timestamp >= start.at OR start.at IS NULL)
"""


def stored_session_shape(store: Any, sender_id: str) -> tuple[int, float | None]:
    """How many events the latest stored session of `sender_id` has, and its latest timestamp (no rows, no JSON)."""
    from sqlalchemy import text

    with store.engine.connect() as connection:
        count, latest = connection.execute(text(_SESSION_SHAPE), {"sender": sender_id}).one()
    return int(count), latest


def latest_timestamp(events: Any) -> float | None:
    """The latest timestamp of `events`, as SQL's `max` sees it (events without one are left out)."""
    return max((event.timestamp for event in events if event.timestamp is not None), default=None)


def still_current(store: Any, remembered: Remembered) -> bool:
    """The remembered tracker is exactly what the store holds for the conversation's latest session."""
    tracker = remembered.tracker
    events = tracker.events
    if remembered.domain is not store.domain or getattr(tracker, STORED_COUNT, None) != len(events):
        return False
    count, latest = stored_session_shape(store, tracker.sender_id)
    return count == len(events) and count > 0 and latest == latest_timestamp(events)


def install() -> bool:
    """Wrap `SQLTrackerStore._retrieve` and `save` (idempotent); False when redaction keeps it off."""
    if redaction_enabled():
        return False
    from rasa.core import tracker_store as rasa_tracker_store
    from rasa.core.tracker_store import SQLTrackerStore

    from engine.patches import PatchTargetChanged
    from engine.tracker_store import install as install_tracker_store

    install_tracker_store()
    retrieve, save = SQLTrackerStore._retrieve, SQLTrackerStore.save
    if getattr(save, "__engine_cache__", False):
        return True
    if not getattr(retrieve, "__engine_patch__", False):
        raise PatchTargetChanged("SQLTrackerStore._retrieve is not engine.tracker_store's; review tracker_cache.py")
    if save.__qualname__ != _SAVE_QUALNAME or save.__module__ != rasa_tracker_store.__name__:
        raise PatchTargetChanged(f"{_SAVE_QUALNAME} is not Rasa's original; review engine/tracker_cache.py")

    async def _retrieve(self: SQLTrackerStore, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        if fetch_events_from_all_sessions:
            return await retrieve(self, sender_id, True)
        cache = remembered_trackers(self)
        remembered = cache.get(sender_id)
        if remembered is not None:
            if still_current(self, remembered):
                cache.move_to_end(sender_id)
                return remembered.tracker
            del cache[sender_id]
        tracker = await retrieve(self, sender_id, False)
        if tracker is not None:
            remember(self, tracker)
        return tracker

    async def _save(self: SQLTrackerStore, tracker: Any) -> None:
        await save(self, tracker)
        remember(self, tracker)

    _retrieve.__engine_patch__ = True  # type: ignore[attr-defined]
    _save.__engine_cache__ = True  # type: ignore[attr-defined]
    SQLTrackerStore._retrieve = _retrieve  # type: ignore[method-assign]
    SQLTrackerStore.save = _save  # type: ignore[method-assign]
    logger.debug("engine patch: the SQL tracker store remembers the conversations it wrote")
    return True

"""Run under the engine environment: engine/tracker_cache.py returns what the database holds, reading it less.

Prints one `ENGINE-CHECK {json}` line; `test_tracker_cache.py` asserts on it. On real SQLite files:
the scripted conversation of `tracker_store_check.py` stored by the engine's store without and with the
cache (rows and full reads counted), then what must never be served from memory — a turn written by
another server, an erased conversation, a turn that failed before its save, a new model's domain, all
sessions — and the cache staying off when `REDACT_TRACKER` is on.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from tracker_store_check import SENDER, converse, turn_events  # noqa: E402


def counting(store: Any) -> dict[str, int]:
    """Counts of the statements `store` runs: full reads of events (rows with their JSON, not counted) and all."""
    from sqlalchemy import event

    counts = {"full_reads": 0, "statements": 0}

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts["statements"] += 1
        read = statement.lstrip().upper().startswith("SELECT") and "count(" not in statement.lower()
        counts["full_reads"] += read and "events.data" in statement

    event.listen(store.engine, "before_cursor_execute", count)
    return counts


def stored_rows(path: Path) -> list[list[Any]]:
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT type_name, action_name, timestamp, data FROM events ORDER BY id").fetchall()
    return [[kind, action, stamp, json.loads(data)] for kind, action, stamp, data in rows]


def texts(tracker: Any) -> list[str]:
    return [event.text for event in tracker.events if getattr(event, "text", None)] if tracker else []


async def edge_cases(path: Path, domain: Any) -> dict[str, Any]:
    """What a remembered tracker must give way to."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from engine import tracker_cache

    ours = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    other = SQLTrackerStore(domain, dialect="sqlite", db=str(path))  # a second Rasa server on the same store
    report: dict[str, Any] = {}

    first = await ours.retrieve(SENDER)
    count, latest = tracker_cache.stored_session_shape(ours, SENDER)
    report["shape_is_rasas_latest_session"] = (count, latest) == (
        len(first.events),
        max(event.timestamp for event in first.events),
    )
    again = await ours.retrieve(SENDER)
    report["same_object_when_unchanged"] = first is again

    theirs = await other.retrieve(SENDER)
    for event in turn_events(10, 5_000.0):
        theirs.update(event)
    await other.save(theirs)
    after_other = await ours.retrieve(SENDER)
    report["sees_other_servers_turn"] = "message 10" in texts(after_other)
    report["events_match_other"] = len(after_other.events) == len(theirs.events)

    for event in turn_events(11, 6_000.0):
        after_other.update(event)  # a turn that fails before its save
    after_failure = await ours.retrieve(SENDER)
    report["failed_turn_not_served"] = "message 11" not in texts(after_failure)
    report["failed_turn_new_object"] = after_failure is not after_other

    ours.domain = Domain.load(str(HERE.parents[1] / "domain.yml"))  # a new model loaded
    report["new_domain_rebuilds"] = (await ours.retrieve(SENDER)) is not after_failure

    full = await ours.retrieve_full_tracker(SENDER)
    latest = await ours.retrieve(SENDER)
    report["full_tracker_has_all_sessions"] = len(full.events) > len(latest.events)

    with sqlite3.connect(path) as connection:  # the API's erasure, in another process
        connection.execute("DELETE FROM events WHERE sender_id = ?", (SENDER,))
    report["erased_is_gone"] = (await ours.retrieve(SENDER)) is None
    return report


def main() -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from engine import tracker_cache, tracker_store

    domain = Domain.load(str(HERE.parents[1] / "domain.yml"))
    report: dict[str, Any] = {}
    os.environ["REDACT_TRACKER"] = "true"
    original_save = SQLTrackerStore.save
    report["off_when_redacting"] = tracker_cache.install() is False and SQLTrackerStore.save is original_save
    del os.environ["REDACT_TRACKER"]

    with tempfile.TemporaryDirectory() as folder:
        tracker_store.install()
        for name in ("without", "with"):
            if name == "with":
                report["installed"] = tracker_cache.install() and tracker_cache.install()  # idempotent
            path = Path(folder) / f"{name}.db"
            store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
            counts = counting(store)
            asyncio.run(converse(store, domain))
            report[name] = {"rows": stored_rows(path), **counts}
        report["edges"] = asyncio.run(edge_cases(Path(folder) / "with.db", domain))
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()

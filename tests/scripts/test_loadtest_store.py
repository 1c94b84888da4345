"""The load test reads trackers straight from the tracker store on PostgreSQL (the scale-out
profile); the same SQL runs on SQLite, so it is checked here on a small SQLite store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlalchemy import insert

from analytics.tracker import dispose_tracker_engines, ensure_events_table, events, tracker_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from loadtest_check import fetch_tracker_from_store


def test_every_senders_events_in_the_order_rasa_stored_them(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = tracker_engine(url)
    ensure_events_table(engine)
    stored = [
        ("load-a", {"event": "user", "text": "hi"}),
        ("load-b", {"event": "user", "text": "hello"}),
        ("load-a", {"event": "bot", "text": "Hi!"}),
        ("other", {"event": "user", "text": "not asked for"}),
        ("load-a", {"event": "user", "text": "where is my order"}),
    ]
    with engine.begin() as connection:
        for sender, event in stored:
            row = {"sender_id": sender, "type_name": event["event"], "timestamp": 0.0, "data": json.dumps(event)}
            connection.execute(insert(events).values(**row))
    try:
        found = fetch_tracker_from_store(url, ["load-a", "load-b", "load-c"])
    finally:
        dispose_tracker_engines()
    assert [e["text"] for e in found["load-a"]] == ["hi", "Hi!", "where is my order"]
    assert [e["text"] for e in found["load-b"]] == ["hello"]
    assert found["load-c"] == []

"""Run under the engine environment: engine/tracker_store.py stores exactly what Rasa's SQL tracker store stores.

Prints one `ENGINE-CHECK {json}` line; `test_tracker_store.py` asserts on it. The same scripted
conversation (turns retrieved and saved as the processor does: a new conversation saved twice
in its first turn, a new session in the middle) is stored twice in SQLite files: by Rasa's own store (the control), then
with the patch installed. Reported per run: every stored row, the journal mode of the file, and
how many count queries ran and how many connections were opened.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SENDER = "tracker-store-check"


def turn_events(turn: int, at: float) -> list[Any]:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered

    return [
        UserUttered(f"message {turn}", {"name": "greet", "confidence": 1.0}, timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered(f"reply {turn}", timestamp=at + 0.2),
        SlotSet("last_question", f"question {turn}", timestamp=at + 0.3),
        ActionExecuted("action_listen", timestamp=at + 0.4),
    ]


def session_start(at: float) -> list[Any]:
    from rasa.shared.core.events import ActionExecuted, SessionStarted

    return [
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at + 0.01),
        ActionExecuted("action_listen", timestamp=at + 0.02),
    ]


async def converse(store: Any, domain: Any) -> None:
    """Six turns saved as the processor saves them: a new conversation is saved once when it is created
    (with its first `action_listen`), then after the turn; a new session before turn 3 is started on the
    tracker of the old one and saved with the turn."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    at = 1_000.0
    for turn in range(6):
        tracker = await store.retrieve(SENDER)
        if tracker is None:  # TrackerStore.create_tracker
            tracker = DialogueStateTracker(SENDER, domain.slots)
            tracker.update(ActionExecuted("action_listen", timestamp=at - 1))
            await store.save(tracker)
        if turn in (0, 3):  # MessageProcessor._update_tracker_session
            for event in session_start(at):
                tracker.update(event)
            at += 1
        for event in turn_events(turn, at):
            tracker.update(event)
        await store.save(tracker)
        at += 10


def run(path: Path, domain: Any) -> dict[str, Any]:
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import event

    store = SQLTrackerStore(domain, dialect="sqlite", db=str(path))
    counts = {"count_queries": 0, "connections_opened": 0}

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        counts["count_queries"] += "count(" in statement.lower()

    def opened(*_args: Any) -> None:
        counts["connections_opened"] += 1

    event.listen(store.engine, "before_cursor_execute", count)
    event.listen(store.engine, "connect", opened)
    asyncio.run(converse(store, domain))
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT type_name, intent_name, action_name, timestamp, data FROM events ORDER BY id"
        ).fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    retrieved = asyncio.run(store.retrieve(SENDER))
    return {
        "rows": [[kind, intent, action, stamp, json.loads(data)] for kind, intent, action, stamp, data in rows],
        "journal_mode": mode,
        **counts,
        "retrieved_events": len(retrieved.events) if retrieved else 0,
    }


def main() -> None:
    from rasa.shared.core.domain import Domain

    from engine.tracker_store import install

    domain = Domain.load(str(ROOT / "domain.yml"))
    with tempfile.TemporaryDirectory() as folder:
        control = run(Path(folder) / "control.db", domain)
        install()
        install()  # idempotent
        patched = run(Path(folder) / "patched.db", domain)
    print("ENGINE-CHECK " + json.dumps({"control": control, "patched": patched}))


if __name__ == "__main__":
    main()

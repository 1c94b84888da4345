"""Writing tracker events by hand, in Rasa 3.6's format, for tests that count on paper.

Each method writes one event the way Rasa's SQLTrackerStore stores it: the event's
JSON in `data`, its type, timestamp, intent (user events) and name (actions, slots).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from analytics.tracker import ensure_events_table, events
from handoff.sql import HandoffTicketRow

ABSTAIN = "I couldn't find an answer to that in our documents, and I'd rather not guess."


class EventLog:
    def __init__(self, tracker: Engine, backoffice: Engine | None) -> None:
        self.tracker = tracker
        self.backoffice = backoffice
        ensure_events_table(tracker)

    def write(self, sender: str, event: dict[str, Any], intent: str | None = None, action: str | None = None) -> None:
        row = {
            "sender_id": sender,
            "type_name": event["event"],
            "timestamp": event["timestamp"],
            "intent_name": intent,
            "action_name": action,
            "data": json.dumps(event),
        }
        with self.tracker.begin() as connection:
            connection.execute(insert(events), [row])

    def action(self, sender: str, at: float, name: str) -> None:
        self.write(
            sender, {"event": "action", "timestamp": at, "name": name, "policy": None, "confidence": 1.0}, action=name
        )

    def session(self, sender: str, at: float) -> None:
        self.action(sender, at, "action_session_start")
        self.write(sender, {"event": "session_started", "timestamp": at + 0.001})
        self.action(sender, at + 0.002, "action_listen")

    def user(self, sender: str, at: float, text: str, intent: str, channel: str) -> None:
        parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
        event = {"event": "user", "timestamp": at, "text": text, "parse_data": parse, "input_channel": channel}
        self.write(sender, event, intent=intent)

    def bot(
        self, sender: str, at: float, text: str, agent: str | None = None, sources: list[Any] | None = None
    ) -> None:
        custom: dict[str, Any] | None = {"agent": agent} if agent else ({"sources": sources} if sources else None)
        self.write(sender, {"event": "bot", "timestamp": at, "text": text, "data": {"buttons": None, "custom": custom}})

    def slot(self, sender: str, at: float, name: str, value: Any) -> None:
        self.write(sender, {"event": "slot", "timestamp": at, "name": name, "value": value}, action=name)

    def plain(self, sender: str, at: float, kind: str) -> None:
        self.write(sender, {"event": kind, "timestamp": at})

    def feedback(self, sender: str, at: float, kind: str, value: Any, answer_at: float | None = None) -> None:
        payload: dict[str, Any] = {"kind": kind, "value": value}
        if answer_at is not None:
            payload["answer_at"] = answer_at
        self.write(sender, {"event": "agent", "timestamp": at, "text": None, "data": {"feedback": payload}})

    def ticket(self, sender: str, at: float, reason: str, channel: str = "socketio") -> None:
        assert self.backoffice is not None
        row = {
            "channel": channel, "sender_id": sender, "identity_kind": "anonymous", "reason": reason,
            "status": "waiting", "summary": {}, "transcript": [], "created_at": datetime.fromtimestamp(at, UTC),
        }  # fmt: skip
        with self.backoffice.begin() as connection:
            connection.execute(insert(HandoffTicketRow), [row])

"""Writing tracker events by hand, in Rasa 3.6's format, for tests that count on paper.

Each method of `EventLog` writes one event the way Rasa's SQLTrackerStore stores it: the
event's JSON in `data`, its type, timestamp, intent (user events) and name (actions,
slots). `hand_written` is a small history whose numbers (`EXPECTED_TOTALS`) were counted
by hand; the SQLite and PostgreSQL tests both fold it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from analytics.tables import DAILY_COUNTERS, BreakdownRow, DailyRow
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


T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC).timestamp()
T1 = datetime(2026, 11, 3, 14, 0, tzinfo=UTC).timestamp()


def hand_written(log: EventLog) -> None:
    """Four conversations of three senders (and one sender who never wrote), counted by hand below."""
    # A, socketio, 2 Nov: greeting (100 ms), a question the documents cannot answer (400 ms), a person.
    a = "widget-session-aaaaaaaaaaaa"
    log.session(a, T0 - 1)
    log.user(a, T0, "hi", "greet", "socketio")
    log.action(a, T0 + 0.05, "utter_greet")
    log.bot(a, T0 + 0.1, "Hi!")
    log.user(a, T0 + 10, "do you sell gift cards? mail me at ann@example.com", "ask_policy", "socketio")
    log.action(a, T0 + 10.1, "action_answer_from_documents")
    log.bot(a, T0 + 10.4, ABSTAIN)
    log.slot(a, T0 + 10.41, "failed_attempts", 1)
    log.user(a, T0 + 20, "/human_handoff", "human_handoff", "socketio")
    log.action(a, T0 + 20.1, "action_handoff")
    log.bot(a, T0 + 20.2, "I've asked a person to join (ticket H-1001).")
    log.slot(a, T0 + 20.21, "failed_attempts", 0)
    log.plain(a, T0 + 20.22, "pause")
    log.user(a, T0 + 30, "hello?", "inform", "socketio")  # paused: no reply expected
    log.bot(a, T0 + 40, "Hi, Alex here", agent="Alex")  # a person, not the bot
    log.plain(a, T0 + 50, "resume")
    log.bot(a, T0 + 50.1, "You're back with the assistant.")  # not a reply to a message: no latency
    log.feedback(a, T0 + 55, "answer", "down", answer_at=T0 + 10.4)
    log.feedback(a, T0 + 56, "conversation", 2)
    log.feedback(a, T0 + 57, "conversation", 4)  # the latest rating counts
    log.ticket(a, T0 + 20.15, "no_answer")
    # A again, 3 Nov: a new session is a new conversation (1500 ms, 50 ms).
    log.session(a, T1 - 1)
    log.user(a, T1, "where is my order", "order_status", "socketio")
    log.bot(a, T1 + 1.5, "Order ORD-10001 is shipped.")
    log.user(a, T1 + 9, "thanks", "thank", "socketio")
    log.bot(a, T1 + 9.05, "You're welcome!")
    # B, telegram, 2 Nov: not understood but answered from the documents (300 ms), out of scope (20 ms).
    b = "4242"
    log.session(b, T0 + 100)
    log.user(b, T0 + 101, "asdf", "nlu_fallback", "telegram")
    log.action(b, T0 + 101.1, "action_answer_from_documents")
    log.bot(b, T0 + 101.3, "Returns are free.", sources=[{"path": "returns.md", "title": "Returns"}])
    log.slot(b, T0 + 101.31, "failed_attempts", 0)
    log.user(b, T0 + 110, "tell me a joke", "out_of_scope", "telegram")
    log.action(b, T0 + 110.01, "utter_out_of_scope")
    log.bot(b, T0 + 110.02, "Sorry, I can't help with that.")
    log.feedback(b, T0 + 115, "answer", "up", answer_at=T0 + 101.3)
    # C opened a session and never wrote: not a conversation.
    log.session("rest-silent", T0 + 200)
    # D, slack, 2 Nov: one question (80 ms).
    log.session("U0DEMO", T0 + 300)
    log.user("U0DEMO", T0 + 301, "vacation days?", "leave_balance", "slack")
    log.action("U0DEMO", T0 + 301.01, "action_leave_balance")
    log.bot("U0DEMO", T0 + 301.08, "You have 12 days left.")


EXPECTED_TOTALS = {
    "conversations": 4,  # A (2 Nov), A (3 Nov), B, D
    "contained": 3,
    "handed_off": 1,  # A on 2 Nov: its ticket
    "user_turns": 9,  # A 4, A 2, B 2, D 1
    "bot_turns": 9,  # A 4 (the person's message is not the bot's), A 2, B 2, D 1
    "fallbacks": 2,  # B: nlu_fallback, out_of_scope
    "knowledge_questions": 2,  # A, B
    "knowledge_answered": 1,  # B
    "abstentions": 1,  # A
    "thumbs_up": 1,
    "thumbs_down": 1,
    "rated": 1,
    "rating_sum": 4,
    "replies": 8,  # 100, 400, 200 | 1500, 50 | 300, 20 | 80
    "reply_ms_sum": 2650,
}
EXPECTED_LATENCIES_MS = [100, 400, 200, 1500, 50, 300, 20, 80]


def daily_totals(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        row = connection.execute(select(*(func.sum(getattr(DailyRow, name)) for name in DAILY_COUNTERS))).one()
    return {name: int(value or 0) for name, value in zip(DAILY_COUNTERS, row, strict=True)}


def breakdown(engine: Engine, kind: str) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(BreakdownRow.label, func.sum(BreakdownRow.count))
            .where(BreakdownRow.kind == kind)
            .group_by(BreakdownRow.label)
        ).all()
    return {label: int(count) for label, count in rows if count}

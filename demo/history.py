"""A realistic, deterministic conversation history, written straight into the tracker store.

`assistant demo-history` uses it so that a fresh install's dashboard has something to
show; the tests and the benchmark use it because it knows the right answers: while it
writes a conversation it records what that conversation *is* (a handoff and why, an
abstention and its question, each reply's latency, the thumbs and the rating) in a
`ConversationTruth`, independently of how `analytics.aggregate` reads the events back.

The events are Rasa 3.6's own (`as_dict()` of UserUttered, ActionExecuted, BotUttered,
SlotSet, SessionStarted, ConversationPaused/Resumed) with the columns Rasa's
SQLTrackerStore fills, so Rasa could load any of these conversations; the handoffs get
their (closed) tickets in the back office, so the agents' queue stays empty. Sender ids
start with `demo-`, so no real user can ever continue a generated conversation.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from analytics.tracker import ensure_events_table, events
from demo.history_scenarios import HistoryGenerator
from demo.history_writer import TICKET_PLACEHOLDER, ConversationTruth, ConversationWriter, _PendingTicket
from handoff.sql import HandoffTicketRow, ticket_number

__all__ = [
    "ConversationTruth",
    "ConversationWriter",
    "HistoryGenerator",
    "HistoryReport",
    "has_history",
    "history_end",
    "planned_truths",
    "ticket_count",
    "totals",
    "write_history",
]


@dataclass
class HistoryReport:
    conversations: int
    events: int
    tickets: int
    first_day: date
    last_day: date
    truths: list[ConversationTruth]


def history_end(last_day: date) -> datetime:
    """The end of a history whose last day is `last_day` (UTC): the last second of that day."""
    return datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC) + timedelta(days=1, seconds=-1)


def planned_truths(conversations: int, days: int, seed: int, end: datetime) -> list[ConversationTruth]:
    """What `write_history` with these arguments writes, without writing it (tests compare against it)."""
    generator = HistoryGenerator(seed, end)
    return [writer.truth for _, writers in generator.days(conversations, days) for writer in writers]


def has_history(tracker: Engine) -> bool:
    """Whether the tracker store already holds any conversation (then the demo history is not written)."""
    from sqlalchemy import inspect

    if not inspect(tracker).has_table("events"):
        return False
    with tracker.connect() as connection:
        return connection.scalar(select(events.c.id).limit(1)) is not None


def write_history(
    tracker: Engine,
    backoffice: Engine,
    *,
    conversations: int = 1500,
    days: int = 30,
    seed: int = 7,
    end: datetime | None = None,
    keep_truth: bool = True,
    progress: Callable[[int], None] | None = None,
) -> HistoryReport:
    """Generate and write the history (events into the tracker store, tickets into the back office)."""
    if conversations < 0 or days < 1:
        raise ValueError("conversations must be ≥ 0 and days ≥ 1")
    ensure_events_table(tracker)
    generator = HistoryGenerator(seed, end)
    truths: list[ConversationTruth] = []
    total_events = total_tickets = 0
    first_day = last_day = generator.end.date()
    for number, (day, writers) in enumerate(generator.days(conversations, days)):
        if number == 0:
            first_day = day
        last_day = day
        total_tickets += _write_tickets(backoffice, [w.ticket for w in writers if w.ticket is not None])
        rows = []
        for writer in writers:
            for row in writer.rows:
                event = row["event"]
                rows.append(
                    {
                        "sender_id": writer.sender_id,
                        "type_name": event["event"],
                        "timestamp": event["timestamp"],
                        "intent_name": row["intent"],
                        "action_name": row["action"],
                        "data": json.dumps(event),
                    }
                )
            if keep_truth:
                truths.append(writer.truth)
        rows.sort(key=lambda r: r["timestamp"])  # as a live store would have them: in time order
        with tracker.begin() as connection:
            for start in range(0, len(rows), 5000):
                connection.execute(insert(events), rows[start : start + 5000])
        total_events += len(rows)
        if progress is not None:
            progress(len(writers))
    return HistoryReport(conversations, total_events, total_tickets, first_day, last_day, truths)


def _write_tickets(backoffice: Engine, tickets: list[_PendingTicket]) -> int:
    """Insert the day's tickets (in time order) and put their numbers in the bot's handoff replies."""
    tickets = sorted(tickets, key=lambda pending: pending.row["created_at"])
    if not tickets:
        return 0
    with backoffice.begin() as connection:
        for pending in tickets:
            row_id = connection.execute(
                insert(HandoffTicketRow).returning(HandoffTicketRow.id), pending.row
            ).scalar_one()
            pending.bot_event["text"] = pending.bot_event["text"].replace(TICKET_PLACEHOLDER, ticket_number(row_id))
    return len(tickets)


def ticket_count(backoffice: Engine) -> int:
    with backoffice.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(HandoffTicketRow)) or 0)


def totals(truths: list[ConversationTruth]) -> dict[str, Any]:
    """The generator's own sums (what the aggregates must say), for tests and the benchmark."""
    counts: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for t in truths:
        counts.update(
            conversations=1,
            contained=int(t.handoff_reason is None),
            handed_off=int(t.handoff_reason is not None),
            user_turns=t.user_turns,
            bot_turns=t.bot_turns,
            fallbacks=t.fallbacks,
            knowledge_questions=t.knowledge_questions,
            knowledge_answered=t.knowledge_answered,
            abstentions=t.abstentions,
            thumbs_up=t.thumbs_up,
            thumbs_down=t.thumbs_down,
            rated=int(t.rating is not None),
            rating_sum=t.rating or 0,
        )
        intents.update(t.intents)
        if t.handoff_reason:
            reasons[t.handoff_reason] += 1
    return {"counts": counts, "intents": intents, "reasons": reasons}

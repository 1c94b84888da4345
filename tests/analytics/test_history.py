"""The generated history: deterministic, realistic in shape, written where Rasa and the ticket store expect it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from analytics.tracker import events
from demo.history import HistoryGenerator, has_history, write_history
from handoff.sql import HandoffTicketRow

END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def fingerprint(generator: HistoryGenerator, conversations: int, days: int) -> list[Any]:
    return [
        (w.sender_id, [json.dumps(row["event"], sort_keys=True) for row in w.rows])
        for _, writers in generator.days(conversations, days)
        for w in writers
    ]


def test_the_same_seed_gives_the_same_history() -> None:
    assert fingerprint(HistoryGenerator(3, END), 60, 5) == fingerprint(HistoryGenerator(3, END), 60, 5)
    assert fingerprint(HistoryGenerator(3, END), 60, 5) != fingerprint(HistoryGenerator(4, END), 60, 5)


def test_day_counts_add_up_and_weekends_are_quieter() -> None:
    counts = HistoryGenerator(1, END).day_counts(1000, 28)
    assert sum(count for _, count in counts) == 1000 and len(counts) == 28
    assert counts[-1][0] == END.date()
    weekday = [c for d, c in counts if d.weekday() < 5]
    weekend = [c for d, c in counts if d.weekday() >= 5]
    assert sum(weekend) / len(weekend) < sum(weekday) / len(weekday)


def test_written_history(stores: Any) -> None:
    assert not has_history(stores.tracker)
    report = write_history(stores.tracker, stores.backoffice, conversations=150, days=5, seed=2, end=END)
    assert has_history(stores.tracker)
    with stores.tracker.connect() as connection:
        senders = connection.scalar(select(func.count(func.distinct(events.c.sender_id))))
        stamps = [row.timestamp for row in connection.execute(select(events.c.timestamp).order_by(events.c.id))]
        handoff_replies = [
            json.loads(row.data)["text"]
            for row in connection.execute(select(events.c.data).where(events.c.type_name == "bot"))
            if "(ticket " in json.loads(row.data)["text"]
        ]
    assert senders == 150 == report.conversations
    assert stamps == sorted(stamps)  # in time order, as a live store has them
    assert max(stamps) <= END.timestamp() and min(stamps) >= (END - timedelta(days=5)).timestamp()
    with stores.sessions() as session:
        tickets = session.scalars(select(HandoffTicketRow)).all()
    assert len(tickets) == report.tickets == sum(1 for t in report.truths if t.handoff_reason)
    assert {t.status for t in tickets} == {"closed"}  # the agents' queue stays empty
    assert sorted(f"(ticket H-{1000 + t.id})" in " ".join(handoff_replies) for t in tickets) == [True] * len(tickets)
    assert Counter(t.reason for t in tickets) == Counter(t.handoff_reason for t in report.truths if t.handoff_reason)
    assert all(t.sender_id.startswith("demo-") for t in tickets)
    assert {t.channel for t in report.truths} == {"socketio", "rest", "telegram", "slack"}

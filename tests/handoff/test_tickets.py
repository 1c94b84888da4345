"""The ticket store on a real database: one open ticket per conversation, one winner per take."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from handoff.sql import SqlHandoffs
from handoff.tickets import HandoffReason, Identity, NewTicket, TicketConflict, TicketNotFound, TicketStatus
from handoff.transcript import transcript_from_events

EVENTS = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "where is my order?", "timestamp": 1700000000.0},
    {"event": "bot", "text": "Which order?", "timestamp": 1700000001.0, "data": {}},
    {"event": "slot", "name": "order_number", "value": "ORD-10001"},
    {"event": "user", "text": "  ", "timestamp": 1700000002.0},
    {"event": "bot", "text": "Hi, I'm Alex.", "timestamp": 1700000003.0, "data": {"custom": {"agent": "Alex"}}},
    {"event": "user", "text": "/human_handoff", "timestamp": 1700000004.0},
]


def new_ticket(sender: str = "web-1", message: str | None = None, channel: str = "socketio") -> NewTicket:
    return NewTicket(
        channel=channel,
        sender_id=sender,
        identity=Identity("customer", 1, "Liam Brooks"),
        reason=HandoffReason.REQUESTED,
        summary={"order_number": "ORD-10001", "when": datetime(2026, 6, 15, tzinfo=UTC)},
        transcript=transcript_from_events(EVENTS),
        message=message,
    )


def test_the_transcript_keeps_who_said_what_and_drops_the_rest() -> None:
    lines = transcript_from_events(EVENTS)
    assert [(line.speaker, line.text, line.agent) for line in lines] == [
        ("user", "where is my order?", None),
        ("bot", "Which order?", None),
        ("agent", "Hi, I'm Alex.", "Alex"),
        ("user", "/human_handoff", None),
    ]
    assert lines[0].at == 1700000000.0


def test_a_ticket_carries_what_the_agent_needs(store: SqlHandoffs) -> None:
    ticket, created = store.open(new_ticket())
    assert created and ticket.status is TicketStatus.WAITING and ticket.number.startswith("H-")
    again = store.get(ticket.number)
    assert again.identity == Identity("customer", 1, "Liam Brooks")
    assert again.summary == {"order_number": "ORD-10001", "when": "2026-06-15 00:00:00+00:00"}
    assert again.transcript[0].text == "where is my order?"
    assert again.channel == "socketio" and again.sender_id == "web-1"


def test_asking_twice_does_not_queue_the_conversation_twice(store: SqlHandoffs) -> None:
    first, _ = store.open(new_ticket())
    second, created = store.open(new_ticket())
    assert not created and second.number == first.number
    other, created = store.open(new_ticket(sender="web-2"))
    assert created and other.number != first.number
    assert [t.number for t in store.open_tickets()] == [first.number, other.number]


def test_exactly_one_of_two_agents_takes_a_ticket(store: SqlHandoffs) -> None:
    ticket, _ = store.open(new_ticket())
    winners: list[str] = []
    losers: list[str] = []
    start = threading.Barrier(2)

    def take(agent: str) -> None:
        start.wait()
        try:
            winners.append(store.take(ticket.number, agent).agent or "")
        except TicketConflict:
            losers.append(agent)

    threads = [threading.Thread(target=take, args=(name,)) for name in ("Alex", "Sam")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1 and len(losers) == 1 and winners[0] != losers[0]
    assert store.get(ticket.number).agent == winners[0]
    assert store.take(ticket.number, winners[0]).status is TicketStatus.TAKEN  # taking it again is harmless


def test_only_the_agent_who_took_it_can_write_or_close(store: SqlHandoffs) -> None:
    ticket, _ = store.open(new_ticket())
    with pytest.raises(TicketConflict) as not_taken:
        store.owned_by(ticket.number, "Alex")
    assert not_taken.value.reason == "waiting"
    store.take(ticket.number, "Alex")
    with pytest.raises(TicketConflict) as not_yours:
        store.close(ticket.number, "Sam")
    assert not_yours.value.reason == "not_yours"
    assert store.owned_by(ticket.number, "Alex").agent == "Alex"
    closed = store.close(ticket.number, "Alex")
    assert closed.status is TicketStatus.CLOSED and closed.closed_at is not None
    with pytest.raises(TicketConflict):
        store.take(ticket.number, "Sam")
    assert store.open_tickets() == []
    reopened, created = store.open(new_ticket())  # a new request after hand-back is a new ticket
    assert created and reopened.number != ticket.number


def test_a_message_left_out_of_hours(store: SqlHandoffs) -> None:
    ticket, _ = store.open(new_ticket(message="Please call me back about my refund."))
    assert ticket.status is TicketStatus.MESSAGE and ticket.message == "Please call me back about my refund."
    again, created = store.open(new_ticket(message="My number is +31 6 1234 5678."))
    assert not created and again.message is not None and again.message.endswith("+31 6 1234 5678.")
    assert store.take(ticket.number, "Sam").status is TicketStatus.TAKEN


@pytest.mark.parametrize("number", ["H-1", "X-1001", "H-abc", "", "H-99999999", "H-1001; DROP TABLE handoff_tickets"])
def test_unknown_ticket_numbers(store: SqlHandoffs, number: str) -> None:
    with pytest.raises(TicketNotFound):
        store.get(number)
    with pytest.raises(TicketNotFound):
        store.take(number, "Alex")

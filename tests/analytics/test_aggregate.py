"""The incremental fold: exact counts on a hand-written history and on a generated one, whatever the pieces.

The hand-written history is small enough to count on paper; the numbers asserted below
were counted that way (see the comments), not computed by the code under test.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import date
from typing import Any

import pytest
from analytics_events import EXPECTED_TOTALS, T0, EventLog, breakdown, daily_totals, hand_written
from sqlalchemy import func, insert, select

from analytics import latency
from analytics.tables import DAILY_COUNTERS, AnalyticsState, ConversationRow, DailyRow, QuestionRow
from analytics.tracker import events
from demo.history import ConversationTruth, totals
from handoff.sql import HandoffTicketRow


def test_hand_written_history_exact_counts(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    report = stores.aggregator().refresh()

    assert report.conversations_new == 4 and report.tickets_linked == 1 and report.questions == 1
    assert daily_totals(stores.backoffice) == EXPECTED_TOTALS
    assert breakdown(stores.backoffice, "intent") == {
        "greet": 1, "ask_policy": 1, "human_handoff": 1, "inform": 1, "order_status": 1, "thank": 1,
        "nlu_fallback": 1, "out_of_scope": 1, "leave_balance": 1,
    }  # fmt: skip
    assert breakdown(stores.backoffice, "handoff_reason") == {"no_answer": 1}
    assert breakdown(stores.backoffice, "turns") == {"1": 1, "2": 2, "4": 1}
    assert breakdown(stores.backoffice, "rating") == {"4": 1}
    histogram = {int(label): count for label, count in breakdown(stores.backoffice, "latency").items()}
    assert sum(histogram.values()) == 8
    # Nearest rank of 8 values: p50 is the 4th smallest (100 ms), p95 the 8th (1500 ms); buckets are 5 % wide.
    assert latency.percentile(histogram, 50) == pytest.approx(100, rel=0.025)
    assert latency.percentile(histogram, 95) == pytest.approx(1500, rel=0.025)

    with stores.sessions() as session:
        by_day_channel = {
            (row.day, row.channel): (row.conversations, row.contained) for row in session.scalars(select(DailyRow))
        }
        conversations = session.scalars(select(ConversationRow).order_by(ConversationRow.id)).all()
        question = session.scalars(select(QuestionRow)).one()
    assert by_day_channel == {
        (date(2026, 11, 2), "socketio"): (1, 0),
        (date(2026, 11, 2), "telegram"): (1, 1),
        (date(2026, 11, 2), "slack"): (1, 1),
        (date(2026, 11, 3), "socketio"): (1, 1),
    }
    first = conversations[0]
    assert (first.channel, first.handoffs, first.handoff_reason, first.handoff_ticket) == (
        "socketio",
        1,
        "no_answer",
        "H-1001",
    )
    assert (first.rating, first.thumbs_down, first.slowest_reply_ms, first.agent_messages) == (4, 1, 400, 1)
    assert [c.current for c in conversations if c.sender_id == first.sender_id] == [False, True]
    assert [c.slowest_reply_ms for c in conversations] == [400, 1500, 300, 80]  # in the order they were written
    assert question.text == "do you sell gift cards? mail me at [email]"  # redacted before it is stored
    assert question.conversation_id == first.id


def test_piecewise_folds_count_the_same(stores: Any) -> None:
    """Three events at a time, the ticket before its conversation: the same numbers as in one go."""
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    aggregator = stores.aggregator(chunk_events=2)
    first = aggregator.refresh(max_events=3)
    assert first.tickets_linked == 0  # its conversation's events are not folded yet
    while aggregator.pending_events():
        aggregator.refresh(max_events=3)
    assert daily_totals(stores.backoffice) == EXPECTED_TOTALS
    assert breakdown(stores.backoffice, "handoff_reason") == {"no_answer": 1}
    with stores.sessions() as session:
        assert session.scalars(select(QuestionRow.text)).all() == ["do you sell gift cards? mail me at [email]"]


def test_refresh_is_idempotent_and_incremental(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    aggregator = stores.aggregator()
    aggregator.refresh()
    again = aggregator.refresh()
    assert (again.events_read, again.conversations_new, again.tickets_linked) == (0, 0, 0)
    # B comes back in the same session: one more turn of an existing conversation, 250 ms.
    log.user("4242", T0 + 500, "and for shoes?", "ask_policy", "telegram")
    log.action("4242", T0 + 500.1, "action_answer_from_documents")
    log.bot("4242", T0 + 500.25, "Shoes too.", sources=[{"path": "returns.md", "title": "Returns"}])
    later = aggregator.refresh()
    assert (later.conversations_new, later.conversations_updated) == (0, 1)
    expected = dict(EXPECTED_TOTALS)
    for name, extra in {"user_turns": 1, "bot_turns": 1, "knowledge_questions": 1, "knowledge_answered": 1,
                        "replies": 1, "reply_ms_sum": 250}.items():  # fmt: skip
        expected[name] += extra
    assert daily_totals(stores.backoffice) == expected
    assert breakdown(stores.backoffice, "turns") == {"1": 1, "2": 1, "3": 1, "4": 1}  # B went from 2 to 3 turns


def test_two_processes_refreshing_at_once_count_once(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    aggregators = [stores.aggregator(chunk_events=5), stores.aggregator(chunk_events=5)]
    threads = [threading.Thread(target=aggregator.refresh) for aggregator in aggregators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    while aggregators[0].pending_events():
        aggregators[0].refresh()
    aggregators[0].refresh()  # the tickets
    assert daily_totals(stores.backoffice) == EXPECTED_TOTALS


def test_a_reset_tracker_store_is_rebuilt(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    aggregator = stores.aggregator()
    aggregator.refresh()
    with stores.tracker.begin() as connection:
        connection.execute(events.delete())
    EventLog(stores.tracker, None).user("U0DEMO", T0, "payday?", "payday", "slack")
    report = aggregator.refresh()
    assert report.rebuilt
    totals_now = daily_totals(stores.backoffice)
    assert (totals_now["conversations"], totals_now["user_turns"], totals_now["handed_off"]) == (1, 1, 0)


def test_a_malformed_event_does_not_stop_the_fold(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    log.user("s-1", T0, "hi", "greet", "rest")
    with stores.tracker.begin() as connection:
        connection.execute(
            insert(events),
            [{"sender_id": "s-1", "type_name": "bot", "timestamp": T0 + 0.1, "data": "{not json"}],
        )
    log.user("s-1", T0 + 5, "where is my order", "order_status", "rest")
    log.bot("s-1", T0 + 5.2, "Shipped.")
    stores.aggregator().refresh()
    counted = daily_totals(stores.backoffice)
    assert (counted["conversations"], counted["user_turns"], counted["replies"]) == (1, 2, 2)


# -- the generated history ------------------------------------------------------------------------


def test_generated_history_counts_exactly(folded: Any, history: Any) -> None:
    truth = totals(history.report.truths)
    counted = daily_totals(folded.backoffice)
    latencies = [ms for t in history.report.truths for ms in t.latencies_ms]
    for name in DAILY_COUNTERS:
        if name not in ("replies", "reply_ms_sum"):
            assert counted[name] == truth["counts"][name], name
    assert counted["replies"] == len(latencies)
    assert counted["reply_ms_sum"] == pytest.approx(sum(latencies), abs=len(latencies))  # each reply rounded to 1 ms
    assert breakdown(folded.backoffice, "intent") == dict(truth["intents"])
    assert breakdown(folded.backoffice, "handoff_reason") == dict(truth["reasons"])
    assert truth["counts"]["conversations"] == 900 and truth["counts"]["handed_off"] > 50


def test_generated_history_per_day_and_channel(folded: Any, history: Any) -> None:
    expected: Counter[tuple[date, str]] = Counter((t.day, t.channel) for t in history.report.truths)
    with folded.sessions() as session:
        found = {(row.day, row.channel): row.conversations for row in session.scalars(select(DailyRow))}
    assert found == dict(expected)
    assert {channel for _, channel in found} == {"socketio", "rest", "telegram", "slack"}


def test_generated_history_latency_percentiles(folded: Any, history: Any) -> None:
    values = [ms for t in history.report.truths for ms in t.latencies_ms]
    histogram = {int(label): count for label, count in breakdown(folded.backoffice, "latency").items()}
    for p in (50, 95):
        exact = latency.exact_percentile(values, p)
        assert latency.percentile(histogram, p) == pytest.approx(exact, rel=0.026)


def test_generated_history_unanswered_questions(folded: Any, history: Any) -> None:
    asked: Counter[str] = Counter(q for t in history.report.truths for q in t.questions)
    with folded.sessions() as session:
        stored = Counter(session.scalars(select(QuestionRow.text)))
    assert stored == asked


def test_generated_history_conversation_rows(folded: Any, history: Any) -> None:
    truths: dict[str, ConversationTruth] = {t.sender_id: t for t in history.report.truths}
    with folded.sessions() as session:
        rows = session.scalars(select(ConversationRow)).all()
        state = session.get(AnalyticsState, 1)
        tickets = session.scalar(select(func.count()).select_from(HandoffTicketRow))
    assert len(rows) == len(truths) and state is not None and state.ticket_id == tickets
    for row in rows:
        t = truths[row.sender_id]
        assert (row.user_turns, row.abstentions, row.rating, row.handoff_reason) == (
            t.user_turns, t.abstentions, t.rating, t.handoff_reason,
        ), row.sender_id  # fmt: skip
        if t.latencies_ms:
            assert row.slowest_reply_ms == pytest.approx(max(t.latencies_ms), abs=1)  # float timestamps


def test_fold_in_pieces_equals_fold_at_once(history_copy: Any, folded: Any) -> None:
    copy = history_copy()
    aggregator = copy.aggregator(chunk_events=777)
    while aggregator.pending_events():
        aggregator.refresh(max_events=3001)
    aggregator.refresh()
    assert daily_totals(copy.backoffice) == daily_totals(folded.backoffice)
    for kind in ("intent", "latency", "turns", "rating", "handoff_reason"):
        assert breakdown(copy.backoffice, kind) == breakdown(folded.backoffice, kind)


def test_the_tracker_rows_are_rasas(folded: Any) -> None:
    """What the generator writes has the columns Rasa's SQLTrackerStore fills, from the event's JSON."""
    with folded.tracker.connect() as connection:
        rows = connection.execute(select(events).where(events.c.type_name.in_(("user", "action"))).limit(200)).all()
    for row in rows:
        data = json.loads(row.data)
        assert data["event"] == row.type_name and data["timestamp"] == row.timestamp
        if row.type_name == "user":
            assert row.intent_name == data["parse_data"]["intent"]["name"] and data["input_channel"]
        else:
            assert row.action_name == data["name"]


def test_erasing_a_sender_takes_their_conversations_out(stores: Any) -> None:
    log = EventLog(stores.tracker, stores.backoffice)
    hand_written(log)
    aggregator = stores.aggregator()
    aggregator.refresh()
    assert aggregator.erase(["widget-session-aaaaaaaaaaaa"]) == 2
    with stores.sessions() as session:
        assert session.scalar(select(func.count()).select_from(QuestionRow)) == 0
        senders = set(session.scalars(select(ConversationRow.sender_id)))
    assert senders == {"4242", "U0DEMO"}
    # B and D remain (counted on paper); replies and their latencies stay as anonymous counts.
    assert daily_totals(stores.backoffice) == {
        "conversations": 2, "contained": 2, "handed_off": 0, "user_turns": 3, "bot_turns": 3, "fallbacks": 2,
        "knowledge_questions": 1, "knowledge_answered": 1, "abstentions": 0, "thumbs_up": 1, "thumbs_down": 0,
        "rated": 0, "rating_sum": 0, "replies": 8, "reply_ms_sum": 2650,
    }  # fmt: skip
    assert breakdown(stores.backoffice, "handoff_reason") == {}

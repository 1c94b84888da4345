"""The load test's own checking logic (scripts/loadtest.py): it must notice a lost or a doubled turn.

Why test the checker: a load test that reports "0 lost" is only worth something if a
lost or duplicated turn would have been reported. These feed it tracker events in the
shape Rasa's `GET /conversations/{id}/tracker` returns them.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from loadtest import build_report, failed
from loadtest_check import check_conversation
from loadtest_plan import TURN_KEY, LoadRun, PlannedTurn, TurnResult, plan_conversations

SENDER = "load-test-0"


def turn(n: int, kind: str = "greeting", *, expects_reply: bool = True) -> PlannedTurn:
    return PlannedTurn(f"{SENDER}/{n}", kind, f"message {n}", None, expects_reply)


def sent(n: int, *replies: str, status: int | None = 200, expects_reply: bool = True) -> TurnResult:
    error = None if status == 200 else f"HTTP {status}"
    return TurnResult(turn(n, expects_reply=expects_reply), 12.0, status, list(replies), error)


def user(n: int) -> dict[str, Any]:
    return {"event": "user", "text": f"message {n}", "metadata": {TURN_KEY: f"{SENDER}/{n}", "auth_token": "t"}}


def bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {}}


def session_start() -> list[dict[str, Any]]:
    return [{"event": "action", "name": "action_session_start"}, {"event": "session_started"}]


def action(name: str = "action_listen") -> dict[str, Any]:
    return {"event": "action", "name": name}


def test_a_complete_conversation_is_clean() -> None:
    results = [sent(0, "Hi!"), sent(1, "Order 1 shipped.", "Anything else?")]
    events = [*session_start(), user(0), action("utter_greet"), bot("Hi!"), action(), user(1)]
    events += [bot("Order 1 shipped."), bot("Anything else?"), action()]
    check = check_conversation(SENDER, results, events)
    assert check.clean, check


def test_a_turn_missing_from_the_tracker_is_lost() -> None:
    results = [sent(0, "Hi!"), sent(1, "Hello again!")]
    check = check_conversation(SENDER, results, [user(0), bot("Hi!")])
    assert check.lost_turns == [f"{SENDER}/1"]
    assert not check.duplicated_turns


def test_a_turn_stored_twice_is_duplicated() -> None:
    results = [sent(0, "Hi!"), sent(1, "Hello again!")]
    events = [user(0), bot("Hi!"), user(1), bot("Hello again!"), user(1), bot("Hello again!")]
    check = check_conversation(SENDER, results, events)
    assert check.duplicated_turns == [f"{SENDER}/1"]
    assert not check.lost_turns
    assert not check.duplicated_replies  # one finding for the doubled turn, not two


def test_a_reply_missing_from_the_tracker_is_lost() -> None:
    results = [sent(0, "Hi!"), sent(1, "Hello again!")]
    check = check_conversation(SENDER, results, [user(0), bot("Hi!"), user(1), action()])
    assert check.lost_replies == [f"{SENDER}/1"]
    assert not check.lost_turns


def test_part_of_a_reply_missing_is_lost() -> None:
    results = [sent(0, "Order 1 shipped.", "Anything else?")]
    check = check_conversation(SENDER, results, [user(0), bot("Order 1 shipped.")])
    assert check.lost_replies == [f"{SENDER}/0"]


def test_a_reply_stored_twice_is_duplicated() -> None:
    results = [sent(0, "Hi!")]
    check = check_conversation(SENDER, results, [user(0), bot("Hi!"), bot("Hi!")])
    assert check.duplicated_replies == [f"{SENDER}/0"]


def test_a_reply_split_at_blank_lines_by_the_channel_matches_the_stored_one() -> None:
    # The REST channel sends "a\n\nb" as two messages; the tracker keeps one bot event.
    results = [sent(0, "Returns are accepted within 30 days.", "Sources: returns.md")]
    events = [user(0), bot("Returns are accepted within 30 days.\n\nSources: returns.md")]
    assert check_conversation(SENDER, results, events).clean


def test_a_failed_request_that_never_arrived_is_not_lost() -> None:
    results = [sent(0, "Hi!"), sent(1, status=None)]  # a time-out: the server may never have seen it
    check = check_conversation(SENDER, results, [user(0), bot("Hi!")])
    assert check.clean


def test_a_failed_request_stored_twice_is_still_duplicated() -> None:
    results = [sent(0, status=None)]
    check = check_conversation(SENDER, results, [user(0), bot("Hi!"), user(0), bot("Hi!")])
    assert check.duplicated_turns == [f"{SENDER}/0"]


def test_a_paused_conversation_gets_no_reply_and_that_is_right() -> None:
    results = [sent(0, "A person will join."), sent(1, expects_reply=False)]
    events = [user(0), bot("A person will join."), {"event": "pause"}, user(1)]
    assert check_conversation(SENDER, results, events).clean
    replied = [*events, bot("Hi! I'm the assistant.")]
    assert check_conversation(SENDER, results, replied).unexpected_replies == [f"{SENDER}/1"]


def test_other_user_events_end_a_turn_and_are_ignored() -> None:
    foreign = {"event": "user", "text": "typed by someone else", "metadata": {}}
    results = [sent(0, "Hi!")]
    assert check_conversation(SENDER, results, [user(0), bot("Hi!"), foreign, bot("Hello stranger")]).clean


def test_the_report_counts_lost_and_duplicated_turns_and_fails_the_run() -> None:
    good = [sent(0, "Hi!")]
    run = LoadRun(results={SENDER: good, "load-test-1": []}, planned_turns=2, wall_s=2.0)
    lost = check_conversation(SENDER, [*good, sent(1, "Hello")], [user(0), bot("Hi!")])
    doubled = check_conversation(SENDER, good, [user(0), bot("Hi!"), user(0), bot("Hi!")])
    report = build_report(run, [lost, doubled], {})
    assert report["check"]["lost_turns"] == 1
    assert report["check"]["duplicated_turns"] == 1
    assert report["check"]["conversations_clean"] == 0
    assert report["throughput_turns_s"] == 0.5
    assert failed(report)
    clean = build_report(run, [check_conversation(SENDER, good, [user(0), bot("Hi!")])], {})
    assert not failed(clean)
    assert clean["latency"]["greeting"]["p50_ms"] == 12.0


def test_the_plan_is_bounded_deterministic_and_ends_with_the_handoff() -> None:
    customers = [(1, ["ORD-1", "ORD-2"]), (2, ["ORD-3"])]
    secret = "x" * 40
    plan = plan_conversations("r", 8, 10, customers, secret, handoff_every=4)
    assert plan == plan_conversations("r", 8, 10, customers, secret, handoff_every=4)
    assert len(plan) == 8
    assert all(len(c.turns) == 10 and c.turns[0].kind == "greeting" for c in plan)
    with_handoff = [c for c in plan if any(t.kind == "handoff" for t in c.turns)]
    assert len(with_handoff) == 2
    assert all(c.turns[-1].kind == "handoff" and [t.kind for t in c.turns].count("handoff") == 1 for c in with_handoff)
    orders = [t for c in plan for t in c.turns if t.kind == "order_status"]
    assert orders
    # Each customer asks only about their own orders, and the reply must name the order.
    for index, conversation in enumerate(plan):
        own = customers[index % len(customers)][1]
        for t in conversation.turns:
            if t.kind == "order_status":
                assert t.expect in own
                assert t.expect is not None and t.expect in t.text
    assert len({t.turn_id for c in plan for t in c.turns}) == 80

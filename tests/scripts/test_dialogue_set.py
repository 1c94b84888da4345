"""The conversation set and its judge (scripts/dialogue_set.py), without a running stack.

Why: `make eval-dialogue` is only worth its numbers if a wrong reply, a missing ticket or
a change nobody confirmed would be reported. These feed the checks replies and back-office
states that must fail, and check the set itself (size, turns, splits, issue-21 coverage).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from dialogue_set import (
    MAX_TURNS,
    MIN_TURNS,
    Calendar,
    Change,
    Conversation,
    Exchange,
    SetError,
    Turn,
    changes_between,
    check_replies,
    check_state,
    draw_splits,
    load_set,
    read_calendar,
    restore,
    run_conversation,
    save_snapshot,
    snapshot,
    trail,
    unwanted_changes,
)

from backoffice.sql.engine import dispose_engines, make_engine
from demo.seed import seed
from operations.schema import upgrade

CAL = Calendar(today=date(2026, 12, 5), holidays=frozenset({date(2027, 1, 18), date(2027, 1, 1)}))
# Every failure issue 21 lists, by item number.
ISSUE_21_ITEMS = {f"21.{n}" for n in range(1, 9)}


def conversation(**fields: Any) -> Conversation:
    base: dict[str, Any] = {"id": "x", "kind": "k", "persona": "anonymous", "goal": "g", "turns": (Turn("hi"),)}
    return Conversation(**{**base, **fields})


def said(text: str, *, sources: bool = False, buttons: tuple[str, ...] = ()) -> Exchange:
    reply: dict[str, Any] = {"text": text, "buttons": [{"title": t, "payload": "/x"} for t in buttons]}
    if sources:
        reply["custom"] = {"sources": [{"path": "a.md", "title": "A", "score": 0.9, "snippet": "…"}]}
    return Exchange("user", [reply])


# -- the set --------------------------------------------------------------------------------------


def test_the_set_is_big_enough_and_every_conversation_has_3_to_12_turns() -> None:
    conversations = load_set()
    assert len(conversations) >= 150
    assert all(MIN_TURNS <= len(c.turns) <= MAX_TURNS for c in conversations)
    assert len({c.id for c in conversations}) == len(conversations)


def test_every_conversation_is_in_a_half_and_each_kind_has_both() -> None:
    conversations = load_set()
    assert {c.split for c in conversations} == {"tune", "test"}
    halves = Counter((c.kind, c.split) for c in conversations)
    for kind in {c.kind for c in conversations}:
        assert halves[(kind, "test")] >= 1 and halves[(kind, "tune")] >= 1, kind
        assert abs(halves[(kind, "test")] - halves[(kind, "tune")]) <= 1, kind


def test_the_stored_halves_are_the_drawn_ones() -> None:
    """splits.yml was drawn once by draw_splits: a redraw gives the same halves (nobody moved one)."""
    conversations = load_set()
    assert draw_splits(conversations) == {c.id: c.split for c in conversations}


def test_every_failure_of_issue_21_is_covered() -> None:
    covered = {item for c in load_set() for item in c.covers}
    assert covered >= ISSUE_21_ITEMS


def test_personas_cover_anonymous_customers_employees_and_managers() -> None:
    roles = {c.persona.split(":")[0] for c in load_set()}
    assert {"anonymous", "customer", "employee"} <= roles


def test_a_malformed_conversation_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "kind: k\nconversations:\n  - {id: a, persona: anonymous, goal: g, turns: [x, y, z], oops: 1}\n"
    )
    with pytest.raises(SetError, match="oops"):
        load_set(tmp_path, None)
    (tmp_path / "bad.yml").write_text("kind: k\nconversations:\n  - {id: a, persona: anonymous, goal: g, turns: [x]}\n")
    with pytest.raises(SetError, match="1 user turns"):
        load_set(tmp_path, None)


# -- reply checks ---------------------------------------------------------------------------------


def test_reply_checks_pass_and_fail() -> None:
    exchanges = [said("Your order ORD-10234 has shipped with DPD.")]
    assert check_replies({"any": ["shipped|delivered"]}, exchanges, CAL, "t") == []
    assert check_replies({"any": ["cancelled"]}, exchanges, CAL, "t")
    assert check_replies({"all": ["10234", "DPD"]}, exchanges, CAL, "t") == []
    assert check_replies({"all": ["10234", "UPS"]}, exchanges, CAL, "t")
    assert check_replies({"none": ["order number"]}, exchanges, CAL, "t") == []
    assert check_replies({"none": ["dpd"]}, exchanges, CAL, "t"), "regexes are case-insensitive"


def test_sources_and_scope() -> None:
    exchanges = [said("Returns within 30 days.", sources=True), said("Anything else?")]
    assert check_replies({"sources": True}, exchanges, CAL, "t") == []
    assert check_replies({"sources": True, "in": "last"}, exchanges, CAL, "t")
    assert check_replies({"sources": False}, exchanges, CAL, "t")
    assert check_replies({"any": ["30 days"], "in": "last"}, exchanges, CAL, "t")
    assert check_replies({"no_source": ["^internal/"]}, exchanges, CAL, "t") == []
    assert check_replies({"no_source": ["^a\\.md$"]}, exchanges, CAL, "t"), "a.md is cited"


def test_button_titles_count_as_what_the_person_sees_and_the_first_one_is_checked() -> None:
    exchanges = [said("Which order?", buttons=("ORD-10175 · cancelled", "ORD-10295 · pending"))]
    assert check_replies({"any": ["ORD-10295"]}, exchanges, CAL, "t") == []
    assert check_replies({"first_button": ["pending|paid|packed"]}, exchanges, CAL, "t")
    assert check_replies({"first_button": ["cancelled"]}, exchanges, CAL, "t") == []


def test_templates_in_checks() -> None:
    cal = Calendar(today=date(2026, 12, 5), paydays=(date(2026, 11, 30), date(2026, 12, 15)))
    assert check_replies({"any": ["{payday|%-d} December"]}, [said("Next payday: 15 December")], cal, "t") == []
    assert check_replies({"any": ["{payday|%-d} December"]}, [said("Next payday: 30 November")], cal, "t")


# -- dates ----------------------------------------------------------------------------------------


def test_dates_people_type_are_computed_from_the_day() -> None:
    assert CAL.day_of("m+1:3") == date(2027, 1, 3)  # December -> January of the next year
    assert CAL.day_of("tomorrow") == date(2026, 12, 6)
    assert CAL.day_of("next-sat") == date(2026, 12, 12)  # strictly after today (a Saturday)
    assert CAL.day_of("next-fri+7") == date(2026, 12, 18)
    assert CAL.day_of("today-10") == date(2026, 11, 25)


def test_a_settled_date_is_a_tuesday_in_a_week_without_holidays() -> None:
    day = CAL.day_of("m+1:12~")  # 12 Jan 2027 is a Tuesday, but Monday 18 Jan is a holiday next week
    assert day == date(2027, 1, 12) and day.weekday() == 1
    assert CAL.day_of("m+1:13~") == date(2027, 1, 26)  # the week of the 19th has MLK day on its Monday
    assert CAL.render("{m+1:12~-1|%A %-d %B}") == "Monday 11 January"


def test_a_settled_week_avoids_the_persons_own_leave_and_only_theirs() -> None:
    booked = {9: ((date(2027, 1, 11), date(2027, 1, 11)),), 4: ((date(2027, 1, 25), date(2027, 1, 29)),)}
    cal = replace(CAL, booked=booked)
    assert cal.day_of("m+1:12~") == date(2027, 1, 12)  # nobody's conversation: leave is not looked at
    assert cal.for_person(9).day_of("m+1:12~") == date(2027, 1, 26)  # 11 Jan held, week of 18th has MLK day
    assert cal.for_person(4).day_of("m+1:12~") == date(2027, 1, 12)
    assert cal.for_person(4).day_of("m+1:13~") == date(2027, 2, 2)  # the week of the 25th is their vacation


# -- the back office ------------------------------------------------------------------------------


def test_changes_unwanted_and_wanted() -> None:
    cancel, rma = Change("cancelled", "ORD-1"), Change("rma", "ORD-2")
    asked = conversation(state={"cancelled": ["ORD-1"]}, unwanted={"any_change": True})
    failed, wanted = check_state(asked, [cancel, rma], [], CAL)
    assert failed == [] and wanted == [cancel]
    assert unwanted_changes(asked, [cancel, rma], wanted) == [rma], "an RMA nobody asked for"
    only_rma = conversation(unwanted={"rma": "any"})
    assert unwanted_changes(only_rma, [cancel, rma], []) == [rma]
    failed, _ = check_state(conversation(state={"rma": ["ORD-9"]}), [rma], [], CAL)
    assert failed == ["state: no rma for ORD-9"]


def test_leave_and_handoff_state() -> None:
    filed = Change("leave", "LR-1", {"employee": 12, "type": "vacation", "start": "2027-01-12", "end": "2027-01-12"})
    wants = conversation(state={"leave": [{"employee": 12, "start": "{m+1:12~}", "end": "{m+1:12~}"}]})
    assert check_state(wants, [filed], [], CAL)[0] == []
    other_day = conversation(state={"leave": [{"employee": 12, "start": "{m+1:13}", "end": "{m+1:13}"}]})
    assert check_state(other_day, [filed], [], CAL)[0]
    personal = conversation(
        state={"leave": [{"employee": 12, "start": "{m+1:12}", "end": "{m+1:12}", "type": "personal"}]}
    )
    assert check_state(personal, [filed], [], CAL)[0]
    strict = conversation(state=personal.state, unwanted={"any_change": True})
    assert unwanted_changes(strict, [filed], []) == [], "a wrong leave for the asking employee is a failure"
    assert unwanted_changes(conversation(unwanted={"any_change": True}), [filed], []) == [filed]
    ticket = {"id": 1, "status": "message", "reason": "requested", "message": "I want to talk to someone"}
    left = conversation(state={"handoff": True, "handoff_message": {"none": ["^I want to talk to someone$"]}})
    assert check_state(left, [], [ticket], CAL)[0], "the request for a person is not the message"
    assert check_state(conversation(state={"handoff": True}), [], [], CAL)[0] == ["state: handoff ticket missing"]
    assert check_state(conversation(state={"handoff": False}), [], [ticket], CAL)[0] == ["state: handoff ticket opened"]


def test_the_calendar_reads_the_leave_each_employee_holds_from_the_seeded_back_office(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'backoffice.db'}"
    upgrade(url)
    engine = make_engine(url, 5.0)
    seed(engine, today=date(2026, 12, 5))
    cal = read_calendar(engine, today=date(2026, 12, 5))
    assert cal.pending and cal.booked
    for employee, (_, start) in cal.pending.items():  # a pending request is leave held
        assert any(first <= start <= last for first, last in cal.booked[employee])
    employee, spans = next(iter(cal.booked.items()))
    first, _ = spans[-1]
    assert not cal.for_person(employee).free(first) and (cal.working(first) == cal.free(first))
    engine.dispose()
    dispose_engines()


def test_snapshot_sees_changes_and_restore_undoes_them(tmp_path: Path) -> None:
    database = tmp_path / "backoffice.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    engine = make_engine(url, 5.0)
    seed(engine, today=date(2026, 12, 5))
    seeded_copy = tmp_path / "seeded.db"
    save_snapshot(database, seeded_copy)
    before = snapshot(engine)
    now = datetime.now(UTC).isoformat()
    with engine.begin() as connection:
        connection.execute(text("UPDATE orders SET status = 'cancelled' WHERE number = 'ORD-10280'"))
        connection.execute(text("UPDATE invoices SET voided_at = :now WHERE number = 'INV-50280'"), {"now": now})
        order_id = connection.execute(text("SELECT id FROM orders WHERE number = 'ORD-10187'")).scalar_one()
        connection.execute(
            text("INSERT INTO returns (number, order_id, created_at, refund_amount) VALUES ('RMA-x', :o, :now, 1)"),
            {"o": order_id, "now": now},
        )
    changes = changes_between(before, snapshot(engine))
    assert {str(c).split(" {")[0] for c in changes} == {"cancelled ORD-10280", "rma ORD-10187"}, changes
    restore(database, seeded_copy)
    assert snapshot(engine) == before
    engine.dispose()
    dispose_engines()


def test_a_change_before_the_confirmation_is_an_unwanted_action(tmp_path: Path) -> None:
    """The issue's returns: an RMA created by the request itself, before anyone said yes."""
    url = f"sqlite:///{tmp_path / 'backoffice.db'}"
    upgrade(url)
    engine = make_engine(url, 5.0)
    seed(engine, today=date(2026, 12, 5))
    seeded = tmp_path / "seeded.db"
    save_snapshot(tmp_path / "backoffice.db", seeded)

    def bot(sender: str, message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
        if message == "return ORD-10187":  # a bot that acts on the request at once
            with engine.begin() as connection:
                order = connection.execute(text("SELECT id FROM orders WHERE number = 'ORD-10187'")).scalar_one()
                connection.execute(
                    text(
                        "INSERT INTO returns (number, order_id, created_at, refund_amount) "
                        "VALUES ('RMA-70187', :o, :t, 1)"
                    ),
                    {"o": order, "t": datetime.now(UTC).isoformat()},
                )
            return [{"text": "Your return is authorised: RMA-70187, refund €238.90."}]
        return [{"text": "Great! What else can I help you with?"}]

    returns = conversation(
        turns=(Turn("hi", aside=True), Turn("return ORD-10187", expect=({"changed": False},)), Turn("yes")),
        final=({"any": ["RMA-\\d+"]},),
        state={"rma": ["ORD-10187"]},
        unwanted={"any_change": True},
    )
    result = run_conversation(returns, bot, None, engine, CAL)
    assert result.failures == [], "the RMA exists and was shown"
    assert len(result.unwanted) == 1 and "before any confirmation" in result.unwanted[0]
    assert not result.ok
    restore(tmp_path / "backoffice.db", seeded)
    question = conversation(
        turns=(Turn("hi", aside=True), Turn("return ORD-10187", expect=({"changed": False},)), Turn("thanks")),
        unwanted={"any_change": True},
    )
    result = run_conversation(question, bot, None, engine, CAL)
    assert len(result.unwanted) == 1, f"one RMA, one unwanted action: {result.unwanted}"
    engine.dispose()
    dispose_engines()


def test_a_failed_conversation_is_told_step_by_step() -> None:
    """What the engine did, one line a step; the proof and the form's bookkeeping left out."""
    events: list[dict[str, Any]] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "jo@example.com", "parse_data": {"intent": {"name": "inform", "confidence": 1.0}}},
        {"event": "slot", "name": "customer_proof", "value": "secret.token"},
        {"event": "slot", "name": "requested_slot", "value": "verify_email"},
        {"event": "action", "name": "verify_form", "policy": "RulePolicy"},
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "pending_request", "value": "invoice_balance"},
        {"event": "bot", "text": "Thanks"},
    ]
    assert trail(events) == [
        "user 'jo@example.com' -> inform 1.00",
        "  action verify_form (RulePolicy)",
        "  form None",
        "  slot pending_request=invoice_balance",
    ]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "no conversations in"),
        ({"a.yml": "kind: x\nconversations:\n  - {id: a, persona: robot, goal: g, turns: [a, b, c]}\n"}, "bad persona"),
        ({"a.yml": "kind: [unclosed\n"}, "cannot read the conversations"),
    ],
)
def test_eval_dialogue_refuses_a_set_it_cannot_run_before_starting_anything(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    """`--set DIR` (a fresh set): a folder without conversations, or with a malformed one, is a clear error."""
    for name, content in files.items():
        (tmp_path / name).write_text(content)
    script = Path(__file__).resolve().parents[2] / "scripts" / "eval_dialogue.py"
    done = subprocess.run([sys.executable, str(script), "--set", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and message in done.stderr, done.stderr

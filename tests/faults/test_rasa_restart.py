"""Fault: the Rasa server is killed (SIGKILL) in the middle of a form and started again.

The tracker store (SQLite, the embedded profile's) holds every turn the moment its reply
was sent, so a new Rasa server on the same store goes on where the old one was: the form
still active, its filled slots kept, the next answer filling the next slot.
"""

from __future__ import annotations

from typing import Any

import pytest

from demo.accounts import DemoAccount
from demo.employees import DemoEmployee
from tests.support.fault_stack import FaultStack
from tests.support.rest import RestConversation, token_of, tracker_turns

pytestmark = pytest.mark.e2e

ASKS_FOR_REFERENCE = "order number"
ASKS_FOR_EMAIL = "e-mail address"
ASKS_LEAVE_TYPE = "what kind of leave"
ASKS_DATES = "which days"


def form_state(events: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The active loop and the slot it asks for, as the tracker's events leave them."""
    loop: str | None = None
    requested: str | None = None
    for event in events:
        if event.get("event") == "active_loop":
            loop = event.get("name")
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            requested = event.get("value")
    return loop, requested


def restart_rasa(faults: FaultStack) -> float:
    faults.kill("rasa")
    return faults.start("rasa")


def test_the_identity_check_goes_on_after_the_rasa_server_is_killed(
    faults: FaultStack, fault_accounts: list[DemoAccount]
) -> None:
    account = fault_accounts[0]
    number = account.orders.get("shipped") or next(iter(account.orders.values()))
    talk = RestConversation(faults.rasa_url)

    assert ASKS_FOR_REFERENCE in talk.say("where is my order?"), talk
    before = talk.tracker_events()
    assert form_state(before) == ("verify_form", "verify_reference"), form_state(before)

    seconds = restart_rasa(faults)

    after_restart = talk.tracker_events()
    assert after_restart[: len(before)] == before, "the new server reads the same tracker"
    assert form_state(after_restart) == ("verify_form", "verify_reference")
    assert ASKS_FOR_EMAIL in talk.say(number), f"the order number filled the form's next slot\n{talk}"
    reply = talk.say(account.email)
    assert "verified" in reply and number in reply, talk

    history = tracker_turns(talk.tracker_events())
    assert [text for text, _, _ in history] == ["where is my order?", number, account.email]
    assert all(replies and listening for _, replies, listening in history), history
    print(f"Rasa server back after SIGKILL in {seconds:.1f}s")


def test_the_leave_form_goes_on_after_the_rasa_server_is_killed(
    faults: FaultStack, fault_employees: list[DemoEmployee]
) -> None:
    employee = fault_employees[0]
    talk = RestConversation(
        faults.rasa_url, token_of("employee", employee.employee_id, faults.settings.identity_secret)
    )

    assert ASKS_LEAVE_TYPE in talk.say("I'd like to book some leave").lower(), talk
    loop, asked = form_state(talk.tracker_events())
    assert loop == "leave_form", (loop, asked)

    restart_rasa(faults)

    assert form_state(talk.tracker_events()) == (loop, asked)
    assert ASKS_DATES in talk.say("vacation").lower(), f"the leave type filled the next slot\n{talk}"
    history = tracker_turns(talk.tracker_events())
    assert [text for text, _, _ in history] == ["I'd like to book some leave", "vacation"]
    assert all(replies and listening for _, replies, listening in history), history
    talk.say("never mind")  # nothing filed

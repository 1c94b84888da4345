"""What the conversation decides about a short message, through the running stack (engine/positions.py,
engine/context_words.py, backoffice/domain.py's grouped numbers, actions/went_through.py): "the second one" of the
orders just shown, a bare "cancel" at the leave form, an employee's "balance", an order number typed "10 229",
"human", and "did it go thru" right after a leave request was filed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from assistant.settings import Settings
from backoffice.hr_domain import LeaveType
from backoffice.sql.hr import SqlHR
from demo.accounts import DemoAccount
from demo.employees import demo_employees
from tests.support.hr_chat import quotable, request_numbers, request_through_form, single_days
from tests.support.rest import Conversation, token_of

pytestmark = pytest.mark.e2e

STOPPED = "I've stopped that"
ASKS_ORDER_NUMBER = "What's your order number"


def test_the_second_one_of_the_orders_just_shown_is_that_order(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = next(a for a in accounts if {"paid", "packed"} <= set(a.orders))
    first, second = account.orders["paid"], account.orders["packed"]
    chat = conversation(customer_token(account.customer_id))
    shown = chat.say(f"i have two orders on the go {first[4:]} and {second[4:]}")
    assert first in shown and second in shown, chat
    reply = chat.say("wheres the second one at")
    assert second in reply and "packed" in reply and "Which order" not in reply, chat
    again = chat.say("and the first one?")
    assert first in again and "paid" in again and "Which order" not in again, chat


def test_an_order_number_typed_in_two_groups_is_taken_by_the_identity_check(
    conversation: Callable[..., Conversation], accounts: list[DemoAccount]
) -> None:
    number = accounts[0].orders["shipped"]
    chat = conversation()
    assert ASKS_ORDER_NUMBER in chat.say("where is my order"), chat
    digits = number[4:]
    reply = chat.say(f"its {digits[:2]} {digits[2:]}")
    assert "e-mail" in reply and "doesn't look like" not in reply, chat
    assert number in chat.say(accounts[0].email), chat


def test_cancel_at_the_leave_form_stops_it_and_starts_no_identity_check(
    conversation: Callable[..., Conversation], e2e_settings: Settings
) -> None:
    chat = conversation(token_of("employee", 12, e2e_settings.identity_secret))
    chat.say("I'd like to take some days off")
    reply = chat.say("cancel")
    assert STOPPED in reply and ASKS_ORDER_NUMBER not in reply, chat


def test_an_employees_balance_is_their_leave(conversation: Callable[..., Conversation], e2e_settings: Settings) -> None:
    chat = conversation(token_of("employee", 12, e2e_settings.identity_secret))
    reply = chat.say("whats my balance tho")
    assert "Vacation" in reply and ASKS_ORDER_NUMBER not in reply, chat


def test_human_alone_asks_for_a_person(conversation: Callable[..., Conversation]) -> None:
    chat = conversation()
    chat.say("hi")
    reply = chat.say("human")
    assert ASKS_ORDER_NUMBER not in reply and "Write" not in reply, chat
    assert any(word in reply.lower() for word in ("person", "colleague", "team", "agent")), chat


def test_did_it_go_through_right_after_a_request_is_filed_gets_its_outcome(
    conversation: Callable[..., Conversation], e2e_settings: Settings, e2e_db: Any
) -> None:
    hr = SqlHR(e2e_db.engine)
    employee = demo_employees(hr, limit=7)[-1]
    quote = quotable(hr, employee.employee_id, LeaveType.VACATION, single_days(hr), days=Decimal(1))
    before = request_numbers(hr, employee.employee_id)
    chat = conversation(token_of("employee", employee.employee_id, e2e_settings.identity_secret))
    request_through_form(chat, "vacation", quote.start, quote.end)
    chat.say("/affirm")
    new = [n for n in request_numbers(hr, employee.employee_id) if n not in before]
    assert len(new) == 1, str(chat)
    reply = chat.say("did it go thru")
    assert reply.startswith("Yes, that went through.") and new[0] in reply, str(chat)
    assert set(request_numbers(hr, employee.employee_id)) == {*before, *new}, "asking changes nothing"
    chat.say(f"cancel {new[0]}")  # the employee's calendar as it was, for the tests after this one
    chat.say("/affirm")


def test_a_customers_status_alone_is_their_order_not_hr(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    """ "status?" was a leave request's status to the NLU, refused as HR; "invoice" was nothing it could place."""
    account = accounts[0]
    chat = conversation(customer_token(account.customer_id))
    reply = chat.say("status?")
    assert "Which order" in reply and "employees" not in reply, chat
    invoices = chat.say("invoice")
    assert "INV-" in invoices and "€" in invoices, chat


@pytest.mark.parametrize("question", ["wen will it get here tho", "ok and when does it arrive?"])
def test_when_it_comes_right_after_a_shipped_orders_status_is_its_expected_delivery(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
    question: str,
) -> None:
    """Out of scope to the NLU, typed correctly or not; right after the status it asks about that order."""
    account = next(a for a in accounts if "shipped" in a.orders)
    number = account.orders["shipped"]
    chat = conversation(customer_token(account.customer_id))
    status = chat.say(f"wheres my order {number[4:]} at")
    expected = status[status.index("Expected delivery") :].split("\n")[0]
    assert number in status and expected.endswith("."), chat
    reply = chat.say(question)
    assert expected in reply and "not something I can help with" not in reply, chat
    # the same words with no order just shown are not read as its status
    fresh = conversation(customer_token(account.customer_id))
    assert "Expected delivery" not in fresh.say(question), fresh


def test_delete_all_my_data_is_answered_from_the_privacy_page(conversation: Callable[..., Conversation]) -> None:
    """Out of scope to the NLU (0.60) beside two dozen examples of it: the documents say how deletion works."""
    chat = conversation()
    reply = chat.say("delete all my data")
    assert "not something I can help with" not in reply and "delete" in reply.lower(), chat
    cited = {source["path"] for reply in chat.last for source in (reply.get("custom") or {}).get("sources") or []}
    assert "privacy.md" in cited, chat

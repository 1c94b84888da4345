"""What the conversation decides about a short message, through the running stack (engine/positions.py,
engine/context_words.py, backoffice/domain.py's grouped numbers): "the second one" of the orders just shown, a bare
"cancel" at the leave form, an employee's "balance", an order number typed "10 229", and "human"."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant.settings import Settings
from demo.accounts import DemoAccount
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

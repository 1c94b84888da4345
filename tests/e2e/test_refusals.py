""" "Why not?" and "what can I do then" right after a refusal, through the running stack (engine/context_words.py,
actions/refusals.py): the refusal's reason and the way forward, in the catalog's words — not a "no", not the
assistant's list of skills."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from demo.accounts import DemoAccount
from tests.support.rest import Conversation

pytestmark = pytest.mark.e2e

SKILLS = "I can help you with"


def test_why_a_shipped_order_cannot_be_cancelled_and_what_to_do_instead(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = next(a for a in accounts if "shipped" in a.orders)
    number = account.orders["shipped"]
    chat = conversation(customer_token(account.customer_id))
    assert "can't be cancelled" in chat.say(f"can i cancel {number[4:]}"), chat
    why = chat.say("why not?")
    assert "with the carrier" in why and "Is there anything else" not in why, chat
    instead = chat.say("ok so what can i do then, i dont want it anymore")
    assert "return" in instead and "refuse the parcel" in instead and SKILLS not in instead, chat
    assert "Did you want to cancel" not in instead, chat


def test_what_to_do_after_a_return_past_its_window(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = next(a for a in accounts if a.expired_return_order)
    chat = conversation(customer_token(account.customer_id))
    assert "return window" in chat.say(f"return order {account.expired_return_order[4:]} please"), chat
    instead = chat.say("ok so what can i do then")
    assert "guarantee" in instead and "support@" in instead and SKILLS not in instead, chat
    # the same words where nothing was refused are a question about the assistant's skills
    fresh = conversation(customer_token(account.customer_id))
    assert SKILLS in fresh.say("what can i do then"), fresh

"""A refused or declined order change, then another order named: the same change for it (order_corrections.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered

from actions.order_corrections import corrected_change, orders_named
from tests.support.exchange import parsed


def after(answer: str, form: str, slots: dict[str, Any], asked: str) -> list[dict[str, Any]]:
    """`answer` to the form's question, the form's slots of that turn, then `asked`."""
    return [
        ActionExecuted("action_listen"),
        UserUttered(answer, parsed("deny")),
        ActionExecuted(form),
        *[SlotSet(name, value) for name, value in slots.items()],
        BotUttered("Okay, no return for order ORD-10142. Anything else?"),
        ActionExecuted("action_listen"),
        UserUttered(asked, parsed("ask_policy", 0.43)),
    ]


@pytest.mark.parametrize(
    ("asked", "change"),
    [
        ("what about the rug, ORD-10198, can that go back?", "order_return"),
        ("and can ORD-10198 be returned", "order_return"),
        ("where is ORD-10198?", None),  # a question of its own
        ("what about ORD-10142, can that go back?", None),  # the order just declined
    ],
)
def test_after_a_declined_return_another_order_asked_to_go_back_is_the_same_question(
    make_tracker: Callable[..., Tracker], asked: str, change: str | None
) -> None:
    declined = {"return_confirmed": False, "order_number": "ORD-10142"}
    tracker = make_tracker(
        text=asked, intent="ask_policy", events=after("nope, just checking", "return_form", declined, asked)
    )
    assert corrected_change(tracker, orders_named(asked)) == change


def test_after_a_refused_change_any_other_order_named_is_the_correction(make_tracker: Callable[..., Tracker]) -> None:
    refused = {"change_refused": True, "order_number": "ORD-10156"}
    asked = "oh right. what about 10216 then"
    tracker = make_tracker(
        text=asked, intent="ask_policy", events=after("return ORD-10156", "return_form", refused, asked)
    )
    assert corrected_change(tracker, orders_named(asked)) == "order_return"


def test_nothing_refused_or_declined_is_no_correction(make_tracker: Callable[..., Tracker]) -> None:
    asked = "what about ORD-10198, can that go back?"
    tracker = make_tracker(
        text=asked, intent="ask_policy", events=after("yes", "return_form", {"return_confirmed": True}, asked)
    )
    assert corrected_change(tracker, orders_named(asked)) is None

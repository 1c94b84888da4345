"""A record the assistant just listed, named by its position, is that record (engine/positions.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.positions import position_named, with_record_named


def bot(text: str, buttons: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


TWO_ORDERS = [
    user("i have two orders on the go 10263 and 10247"),
    bot("Order ORD-10263 (1 × Wall clock, walnut, €58.00) is paid, and our warehouse is getting it ready."),
    bot("Order ORD-10247 (1 × Outdoor cushion set, €267.90) is packed and will be handed to the carrier shortly."),
]
INVOICES = [
    user("how much do i owe"),
    bot(
        "You owe €561.90 in total on 2 open invoices, 1 of them overdue:\n- INV-50082: €183.90 overdue since "
        'Thursday 22 October\n- INV-50283: €378.00 due Sunday 20 December\nSay "pay my invoice" to get a link.'
    ),
]
CHOICES = [
    user("pay my invoice"),
    bot(
        "Which invoice would you like to pay?",
        [{"title": "INV-50114 · €107.90", "payload": "/a"}, {"title": "INV-50149 · €38.00", "payload": "/b"}],
    ),
]


def newest_first(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(reversed(events))


@pytest.mark.parametrize(
    ("events", "text", "read"),
    [
        (TWO_ORDERS, "wheres the second one at", "wheres the second one at (ORD-10247)"),
        (TWO_ORDERS, "and the first one?", "and the first one? (ORD-10263)"),
        (TWO_ORDERS, "cancel the 2nd order", "cancel the 2nd order (ORD-10247)"),
        (TWO_ORDERS, "the last one", "the last one (ORD-10247)"),
        (INVOICES, "whens the second one due", "whens the second one due (INV-50283)"),
        (INVOICES, "pay link for the first invoice", "pay link for the first invoice (INV-50082)"),
        (CHOICES, "second", "second (INV-50149)"),
    ],
)
def test_a_position_in_the_latest_listing_is_its_record(events: list[dict[str, Any]], text: str, read: str) -> None:
    assert with_record_named(text, newest_first(events)) == read


def test_the_listing_may_lie_a_few_messages_back() -> None:
    """ "and the first one?" after the second one's own status still points at the list of two."""
    events = [*TWO_ORDERS, user("wheres the second one at (ORD-10247)"), bot("Order ORD-10247 is packed.")]
    assert with_record_named("and the first one?", newest_first(events)) == "and the first one? (ORD-10263)"
    far = [*TWO_ORDERS, *[e for _ in range(4) for e in (user("ok"), bot("Anything else?"))]]
    assert with_record_named("and the first one?", newest_first(far)) is None


@pytest.mark.parametrize(
    "text",
    [
        "need vacation the first week of January",  # a week, not a record
        "first where is 10 283",  # first of two things, and a number of its own
        "where is my last order",  # the newest, not the last of a list
        "wheres the second one at 10263",  # names its record itself
        "the third one",  # the listing has two
        "the second invoice",  # the listing has orders, not invoices
        "hello",
    ],
)
def test_what_names_no_listed_position_is_left_as_typed(text: str) -> None:
    assert with_record_named(text, newest_first(TWO_ORDERS)) is None


def test_the_replies_to_the_parts_of_one_message_are_one_listing() -> None:
    """ "i have two orders on the go 10263 and 10247" is handled as two parts (engine/multipart.py), each answered."""
    parts = [
        {"event": "user", "text": "i have two orders on the go 10263", "message_id": "abc"},
        bot("Order ORD-10263 is paid."),
        {"event": "user", "text": "10247", "message_id": "abc-1"},
        bot("Order ORD-10247 is packed."),
    ]
    assert with_record_named("wheres the second one at", newest_first(parts)) == "wheres the second one at (ORD-10247)"


def test_nothing_is_named_without_a_listing_of_two() -> None:
    one = [user("where is 10263"), bot("Order ORD-10263 is paid.")]
    assert with_record_named("the first one", newest_first(one)) is None
    assert with_record_named("the first one", []) is None


def test_a_position_is_read_as_a_number_and_the_kind_its_noun_names() -> None:
    assert position_named("the 2nd order") == (2, "ORD")
    assert position_named("first invoice pls") == (1, "INV")
    assert position_named("the last one") == (-1, None)
    assert position_named("my last order") is None

"""A button's title typed instead of clicked stands for its payload (engine/typed_buttons.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.typed_buttons import last_buttons, payload_for, payload_naming, payload_pointed_at, yes_payload_for

PERSON = [{"title": "Yes, a person please", "payload": "/human_handoff"}, {"title": "No, thanks", "payload": "/deny"}]
SHOW_MINE = [{"title": "Show mine", "payload": "/leave_balance"}]


def bot(buttons: list[dict[str, str]] | None = None, text: str = "…") -> dict[str, Any]:
    return {"event": "bot", "text": text, "data": {"buttons": buttons} if buttons else {}}


def user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text}


@pytest.mark.parametrize(
    ("text", "payload"),
    [("Show mine", "/leave_balance"), ("show mine", "/leave_balance"), ("  Show mine!! ", "/leave_balance")],
)
def test_a_title_typed_is_its_payload(text: str, payload: str) -> None:
    assert payload_for(text, SHOW_MINE) == payload


@pytest.mark.parametrize("text", ["show mine please", "mine", "what about mine then", "", "/leave_balance"])
def test_anything_but_the_title_is_left_to_the_nlu(text: str) -> None:
    assert payload_for(text, SHOW_MINE) is None


def test_punctuation_and_case_do_not_matter_but_words_do() -> None:
    assert payload_for("yes a person please", PERSON) == "/human_handoff"
    assert payload_for("no thanks", PERSON) == "/deny"
    assert payload_for("yes a person", PERSON) is None


def test_two_buttons_with_one_title_and_different_payloads_are_not_guessed() -> None:
    twins = [{"title": "Vacation", "payload": "/a"}, {"title": "vacation", "payload": "/b"}]
    assert payload_for("vacation", twins) is None


def test_only_the_reply_being_answered_counts() -> None:
    events = [bot(SHOW_MINE), user("what's my balance"), bot(text="You have 9 days."), bot(PERSON)]
    assert last_buttons(reversed(events)) == PERSON
    assert last_buttons(reversed([*events, user("no thanks")])) == []
    assert payload_for("show mine", last_buttons(reversed(events))) is None


def test_a_long_message_is_never_read_as_a_title() -> None:
    long_title = [{"title": "please show me my own leave balance for this year", "payload": "/leave_balance"}]
    assert payload_for("please show me my own leave balance for this year", long_title) is None


YES_NO = [{"title": "Yes, send it", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


@pytest.mark.parametrize(
    "text",
    [
        "ok cool. yes, book the vacation",
        "right, back to the return then - yes go ahead",
        "yup sounds good 👍",
        "ok 👍",
        "k",
    ],
)
def test_a_clear_yes_to_a_yes_no_question_is_its_yes_button(text: str) -> None:
    assert yes_payload_for(text, YES_NO) == "/affirm"


@pytest.mark.parametrize(
    "text",
    [
        "yes cancel 10263 please",  # names the order: the form reads which
        "no, make it friday",  # a no is left to the forms (it often corrects)
        "ok, do i have to pay to send it back?",  # a question first
        "maybe later",
        "what's my balance",
        "ok then book it as sick leave, just the morning",  # the request in other words: the summary again
    ],
)
def test_anything_but_a_clear_yes_without_a_number_is_left_to_the_nlu(text: str) -> None:
    assert yes_payload_for(text, YES_NO) is None


def test_a_yes_is_a_click_only_where_a_yes_no_question_was_asked() -> None:
    assert yes_payload_for("yes please", PERSON) is None  # the person's offer: its own titles decide
    assert yes_payload_for("yes please", SHOW_MINE) is None
    assert yes_payload_for("yes please", []) is None


TO_PAY = [
    {"title": "INV-50081 · €38.00", "payload": '/invoice_pay{"invoice_number": "INV-50081"}'},
    {"title": "INV-50180 · €42.00", "payload": '/invoice_pay{"invoice_number": "INV-50180"}'},
]


@pytest.mark.parametrize("text", ["the 50180 one", "50180", "INV-50180 please", "that one, 50180"])
def test_a_choice_named_by_its_number_is_its_button(text: str) -> None:
    assert payload_naming(text, TO_PAY) == '/invoice_pay{"invoice_number": "INV-50180"}'


@pytest.mark.parametrize(
    "text", ["when is 50180 due", "the 50180 one and the 50081 one", "the 50999 one", "pay it", "/inform"]
)
def test_a_number_with_more_to_say_or_no_choice_of_it_is_left_to_the_nlu(text: str) -> None:
    assert payload_naming(text, TO_PAY) is None


LEAVE_KINDS = [
    {"title": "Vacation", "payload": '/inform{"leave_type": "vacation"}'},
    {"title": "Sick leave", "payload": '/inform{"leave_type": "sick"}'},
    {"title": "Personal day", "payload": '/inform{"leave_type": "personal"}'},
]
ORDERS = [
    {"title": "ORD-10235 · shipped · 03 Dec · Acacia bench", "payload": '/order_cancel{"order_number": "10235"}'},
    {"title": "ORD-10280 · pending · 05 Dec · Garden chair", "payload": '/order_cancel{"order_number": "10280"}'},
]
ONE_TO_CANCEL = [{"title": "Cancel LR-00355", "payload": '/leave_cancel{"leave_request_number": "LR-00355"}'}]


@pytest.mark.parametrize(
    ("text", "buttons", "payload"),
    [
        ("ok whats mine then", SHOW_MINE, "/leave_balance"),
        ("what about mine?", SHOW_MINE, "/leave_balance"),
        ("show mine please", SHOW_MINE, "/leave_balance"),
        ("sick pls", LEAVE_KINDS, '/inform{"leave_type": "sick"}'),
        ("the vacation one", LEAVE_KINDS, '/inform{"leave_type": "vacation"}'),
        ("the bench one", ORDERS, '/order_cancel{"order_number": "10235"}'),
        ("ok the pending one", ORDERS, '/order_cancel{"order_number": "10280"}'),
    ],
)
def test_a_choice_pointed_at_by_words_of_its_title_is_its_button(text: str, buttons: list, payload: str) -> None:
    assert payload_pointed_at(text, buttons) == payload


@pytest.mark.parametrize(
    ("text", "buttons"),
    [
        ("not mine", SHOW_MINE),  # a no is not a choice
        ("what is a personal day", LEAVE_KINDS),  # a question about a choice
        ("ok", LEAVE_KINDS),  # nothing pointed at
        ("the order", ORDERS),  # no title says it
        ("the dec one", ORDERS),  # every title says it
        ("the 10235 one", ORDERS),  # numbers: payload_naming
        ("cancel", ONE_TO_CANCEL),  # a command to the conversation
        ("person please", PERSON),  # a yes/no question's buttons need a clear yes or their title
        ("please show me my own leave balance for this year", SHOW_MINE),  # too long to be a title's words
    ],
)
def test_words_that_point_at_no_one_choice_are_left_to_the_nlu(text: str, buttons: list) -> None:
    assert payload_pointed_at(text, buttons) is None

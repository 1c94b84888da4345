"""Short messages whose meaning where the conversation stands decides (engine/context_words.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.context_words import (
    arrival_of_the_order_shown,
    data_rights_request,
    decision_asked,
    leave_balance_for_employee,
    may_mean_something_here,
    question_about_a_refusal,
    question_at_a_confirmation,
    request_for_topic,
    stop_for_cancel,
    work_elsewhere_asked,
)


@pytest.mark.parametrize("text", ["cancel", "Cancel.", "cancel it", "please cancel", "cancel pls"])
@pytest.mark.parametrize("form", ["leave_form", "return_form", "handoff_message_form"])
def test_a_bare_cancel_at_a_form_stops_it(text: str, form: str) -> None:
    assert stop_for_cancel(text, form) == "/stop"


@pytest.mark.parametrize("form", ["cancel_form", "leave_cancel_form", "verify_form", None])
def test_where_cancel_may_be_the_request_its_reading_stands(form: str | None) -> None:
    assert stop_for_cancel("cancel", form) is None


@pytest.mark.parametrize("text", ["cancel order 10251", "cancel my leave request", "can i cancel instead?"])
def test_a_cancel_that_says_more_is_left_to_the_nlu(text: str) -> None:
    assert stop_for_cancel(text, "return_form") is None


@pytest.mark.parametrize("text", ["whats my balance tho", "balance?", "what's my current balance"])
def test_an_employees_balance_is_their_leave(text: str) -> None:
    assert leave_balance_for_employee(text, True) == "/leave_balance"
    assert leave_balance_for_employee(text, False) is None


@pytest.mark.parametrize(
    "text", ["what is my invoice balance", "what balance do i owe", "balance of my account in euros", "how many days"]
)
def test_money_or_no_balance_is_left_to_the_nlu(text: str) -> None:
    assert leave_balance_for_employee(text, True) is None


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("status?", "/order_status"),
        ("Status pls", "/order_status"),
        ("invoice", "/invoice_balance"),
        ("my invoices?", "/invoice_balance"),
        ("bill", "/invoice_balance"),
    ],
)
def test_a_customers_topic_word_alone_is_the_plain_request(text: str, payload: str) -> None:
    assert request_for_topic(text, False) == payload
    assert request_for_topic(text, True) is None  # an employee's "status?" is their leave's: the NLU reads it


@pytest.mark.parametrize("text", ["status of my leave", "invoice 50082", "what is the status", "where is my bill from"])
def test_a_topic_word_with_more_words_is_left_to_the_nlu(text: str) -> None:
    assert request_for_topic(text, False) is None


def _reply(*responses: str) -> list[dict]:
    """The conversation newest first: the bot's reply (its responses as Rasa notes them), then the person's message."""
    bots = [{"event": "bot", "text": "…", "metadata": {"utter_action": name}} for name in reversed(responses)]
    return [
        *bots,
        {"event": "user", "text": "cancel 10229"},
        {"event": "bot", "metadata": {"utter_action": "utter_greet"}},
    ]


@pytest.mark.parametrize("text", ["why not?", "ok so what can i do then", "is there really nothing?"])
def test_right_after_a_refusal_a_why_is_a_question_about_it(text: str) -> None:
    assert question_about_a_refusal(text, _reply("utter_verified", "utter_cancel_refused_shipped")) == "/ask_policy"


def test_after_a_reply_that_refused_nothing_the_nlu_reads_it() -> None:
    assert question_about_a_refusal("why not?", _reply("utter_order_in_status")) is None
    # a refusal further back is not the reply being answered
    further_back = [{"event": "bot", "metadata": {"utter_action": "utter_order_in_status"}}, {"event": "user"}]
    assert question_about_a_refusal("why not?", further_back + _reply("utter_cancel_refused_shipped")) is None


def test_other_messages_after_a_refusal_are_left_to_the_nlu() -> None:
    assert question_about_a_refusal("where is my order", _reply("utter_cancel_refused_shipped")) is None


@pytest.mark.parametrize(
    "text",
    [
        "wen will it get here tho",
        "so when does it arrive?",
        "any idea when itll be here",
        "eta?",
        "when is my order coming",
    ],
)
def test_when_it_comes_right_after_an_orders_status_is_that_orders_status(text: str) -> None:
    assert arrival_of_the_order_shown(text, "action_order_status", order_in_focus=False) == "/order_status"


@pytest.mark.parametrize("text", ["wen will it get here tho", "wen will the parasol get here", "so when does it come"])
def test_when_it_comes_while_the_conversation_is_about_an_order_is_that_orders_status(text: str) -> None:
    """After a refused cancellation and the documents' "what can I do then", or an invoice asked about aside."""
    assert arrival_of_the_order_shown(text, "action_answer_from_documents", order_in_focus=True) == "/order_status"
    assert arrival_of_the_order_shown(text, "action_invoice_status", order_in_focus=False) is None


@pytest.mark.parametrize(
    ("text", "last_action"),
    [
        ("wen will it get here tho", "action_answer_from_documents"),  # no order just shown
        ("wen will it get here tho", None),
        ("when will i get my money back", "action_order_status"),  # a refund, not the parcel
        ("when will the refund come", "action_order_status"),
        ("when will 10234 arrive", "action_order_status"),  # another order: the NLU reads its number
        ("when is it due", "action_order_status"),  # not about its coming
        (
            "how long does delivery to norway take, i am thinking of ordering a bench and want it before easter",
            "action_order_status",
        ),
    ],
)
def test_other_questions_after_a_status_are_left_to_the_nlu(text: str, last_action: str | None) -> None:
    assert arrival_of_the_order_shown(text, last_action, order_in_focus=False) is None


def test_asking_to_approve_leave_is_a_question_for_the_documents_action_from_an_employee_only() -> None:
    assert decision_asked("can u approve LR-00355", is_employee=True) == "/ask_policy"
    assert decision_asked("can u approve LR-00355", is_employee=False) is None
    assert decision_asked("is LR-00355 approved?", is_employee=True) is None


@pytest.mark.parametrize(
    "text",
    [
        "wait whats gonna happen with the money i already paid on it?",
        "will i still get a refund",
        "what about my days",
        "will the invoice still come?",
        "do i still have to pay?",
    ],
)
@pytest.mark.parametrize("slot", ["cancel_confirmed", "return_confirmed", "leave_confirmed"])
def test_a_question_about_what_follows_while_a_yes_to_a_change_waits_is_for_the_documents(text: str, slot: str) -> None:
    assert question_at_a_confirmation(text, slot) == "/ask_policy"


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("what happens to my money", "order_number"),  # no yes awaited: the NLU's reading stands
        ("what happens to my money", None),
        ("yes", "cancel_confirmed"),
        ("no keep it", "cancel_confirmed"),
        ("will the parcel still come", "cancel_confirmed"),  # not about money or days
        ("cancel 10235 instead", "cancel_confirmed"),  # a record named: the form reads it
    ],
)
def test_other_messages_at_a_confirmation_are_left_to_the_form(text: str, slot: str | None) -> None:
    assert question_at_a_confirmation(text, slot) is None


@pytest.mark.parametrize(
    "text",
    [
        "delete all my data",
        "can you erase my personal info",
        "please delete my account and everything you have on me, i dont want any more emails from you",
    ],
)
def test_a_request_about_ones_personal_data_is_a_question_for_the_documents(text: str) -> None:
    assert data_rights_request(text, None) == "/ask_policy"


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("delete all my data", "handoff_message_form"),  # at a form it is the form's answer
        ("delete my alarm", None),
        ("remove the data from my list", None),
        ("delete all my data and cancel order 10234", None),  # a record named: the parts read it
    ],
)
def test_other_deletions_or_at_a_form_are_left_alone(text: str, form: str | None) -> None:
    assert data_rights_request(text, form) is None


@pytest.mark.parametrize(
    ("text", "may"),
    [
        ("why not?", True),
        ("wen will it get here tho", True),
        ("can u approve LR-00355", True),
        ("what happens to my money", True),
        ("delete all my data", True),
        ("where is my order 10234", False),  # the NLU's reading is all: the conversation is not read for it
    ],
)
def test_only_a_message_a_reading_in_context_could_apply_to_has_the_conversation_read(text: str, may: bool) -> None:
    assert may_mean_something_here(text) is may


@pytest.mark.parametrize(
    "text",
    ["can i work from spain for 2 weeks in march", "am i allowed to work remotely from my parents place next month"],
)
def test_working_from_somewhere_else_is_a_policy_question_for_an_employee(text: str) -> None:
    """The NLU heard a leave request in its weeks and dates; working elsewhere is no time off."""
    assert may_mean_something_here(text)
    assert work_elsewhere_asked(text, is_employee=True, active_form=None) == "/ask_policy"
    assert work_elsewhere_asked(text, is_employee=True, active_form="leave_form") == "/ask_policy"
    assert work_elsewhere_asked(text, is_employee=False, active_form=None) is None
    assert work_elsewhere_asked(text, is_employee=True, active_form="handoff_message_form") is None


@pytest.mark.parametrize("text", ["im sick, cant work from the office today", "can i take leave to work from home"])
def test_time_off_named_beside_working_elsewhere_is_left_to_the_nlu(text: str) -> None:
    assert work_elsewhere_asked(text, is_employee=True, active_form=None) is None

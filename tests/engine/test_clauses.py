"""The clause splitter and the decision to split (engine/clauses.py), on hostile input.

Pure code (no Rasa): it runs in the app environment. What the NLU says about each clause is
tested through the running Rasa server in tests/e2e/test_multipart.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.clauses import MAX_CLAUSES, REQUEST_INTENTS, distinct_requests, split_clauses

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def texts(message: str) -> list[str]:
    return [clause.text for clause in split_clauses(message)]


@pytest.mark.parametrize(
    ("message", "clauses"),
    [
        ("cancel 10280 and tell me my balance", ["cancel 10280", "tell me my balance"]),
        ("when is INV-50283 due and where is ORD-10261", ["when is INV-50283 due", "where is ORD-10261"]),
        ("where is my order? and also what do I owe", ["where is my order?", "what do I owe"]),
        ("how many days off have I got; when is payday", ["how many days off have I got", "when is payday"]),
        ("track my parcel, then send me the invoice link", ["track my parcel", "send me the invoice link"]),
        ("cancel 10266 then tell me my balance", ["cancel 10266", "tell me my balance"]),
        ("where's ORD-10229 & what's the warranty", ["where's ORD-10229", "what's the warranty"]),
        ("Where is my order. What do I owe you?", ["Where is my order.", "What do I owe you?"]),
    ],
)
def test_requests_joined_by_a_connector_are_cut_apart(message: str, clauses: list[str]) -> None:
    assert texts(message) == clauses


@pytest.mark.parametrize(
    "message",
    [
        "black and white",
        "terms and conditions",
        "what is your return and refund policy",  # "refund policy": two words, no number
        "do you have the bench in black and white",
        "is the parasol and the fire pit one delivery",  # "and the ...": a list of things
        "I have a question about my bill and the late fee",
        "do you deliver to Ireland and how much is it",  # "it": more about the same thing
        "where is my order and when will they deliver it",
        "if it is late then cancel it",
        "my email is elias.mensah@example.net and the order is ORD-10229",
        "vacation 12/21-12/23",
        "vacation 12/21 and 12/28",
        "ORD-10282 and ORD-10294",  # no request to say again about the second
        "my email is elias@example.net and ORD-10229",
        "pay at https://example.com/pay?invoice=INV-50149&x=1 please",
        "where is my order",
        "",
        "   ",
        "and and and and and",
        "? ? ? ; ; ; . . .",
    ],
)
def test_one_request_is_left_whole(message: str) -> None:
    assert texts(message) == [message.strip(" ,;:-\t")]


@pytest.mark.parametrize(
    ("message", "clauses"),
    [
        ("please cancel ORD-10282 and ORD-10294", ["please cancel ORD-10282", "please cancel ORD-10294"]),
        ("status of 10211 and 10213?", ["status of 10211", "status of 10213"]),
        ("cancel 10001 and 10002 and 10003", ["cancel 10001", "cancel 10002", "cancel 10003"]),
        ("where is 10211 and 10213 and what do I owe", ["where is 10211", "where is 10213", "what do I owe"]),
    ],
)
def test_a_reference_alone_after_a_request_is_that_request_again(message: str, clauses: list[str]) -> None:
    assert texts(message) == clauses
    elliptic = split_clauses(message)[1]
    assert message[elliptic.start : elliptic.end].rstrip("?") in elliptic.text  # where it was typed


def test_words_after_a_reference_said_again_leave_the_message_whole() -> None:
    assert texts("cancel 10282 and 10294 and ok") == ["cancel 10282 and 10294 and ok"]


def test_numbers_emails_and_dates_stay_inside_their_clause() -> None:
    message = "my e-mail is ravi.silva@example.com and where is ORD-10229 from 12.03.2026"
    assert texts(message) == ["my e-mail is ravi.silva@example.com", "where is ORD-10229 from 12.03.2026"]


def test_clauses_are_spans_of_the_message_as_typed() -> None:
    message = "  Cancel 10280 ,  and   tell me my BALANCE?! "
    for clause in split_clauses(message):
        assert message[clause.start : clause.end] == clause.text
    assert texts(message) == ["Cancel 10280", "tell me my BALANCE?!"]


def test_more_parts_than_the_limit_is_left_whole() -> None:
    parts = [f"where is order {10200 + n}" for n in range(MAX_CLAUSES + 1)]
    assert len(texts(" and ".join(parts[:MAX_CLAUSES]))) == MAX_CLAUSES
    assert texts(" and ".join(parts)) == [" and ".join(parts)]


def test_a_very_long_message_is_split_in_linear_time() -> None:
    message = "where is my order and " * 5_000 + "what do I owe"
    started = time.perf_counter()
    assert texts(message) == [message]  # thousands of parts: rambling, handled whole
    assert time.perf_counter() - started < 1.0
    connectors = "and " * 20_000
    started = time.perf_counter()
    assert texts(connectors) == [connectors.strip()]
    assert time.perf_counter() - started < 1.0


def parse(intent: str, confidence: float = 0.99, **entities: str) -> dict[str, Any]:
    return {
        "intent": {"name": intent, "confidence": confidence},
        "entities": [{"entity": kind, "value": value} for kind, value in entities.items()],
    }


def test_different_confident_requests_are_split() -> None:
    assert distinct_requests([parse("order_cancel", order_number="10280"), parse("invoice_balance")])
    assert distinct_requests([parse("leave_balance"), parse("payday"), parse("ask_policy")])
    assert distinct_requests([parse("order_return", order_number="ORD-10140"), parse("invoice_balance")])


def test_the_same_request_about_two_things_of_one_kind_is_split() -> None:
    assert distinct_requests([parse("order_status", order_number="ORD-1"), parse("order_status", order_number="ORD-2")])


@pytest.mark.parametrize(
    "parses",
    [
        [parse("order_status")],  # one part
        [parse("order_status"), parse("order_status")],  # said twice
        [parse("order_status", order_number="ORD-1"), parse("order_status", order_number="ORD-1")],
        [parse("order_status", order_number="ORD-1"), parse("order_status", email="a@b.example")],  # a detail
        [parse("order_status", order_number="ORD-1"), parse("order_status")],
        [parse("greet"), parse("order_status")],  # small talk is no request
        [parse("order_status"), parse("thank")],
        [parse("order_status"), parse("inform", order_number="ORD-2")],
        [parse("order_status"), parse("nlu_fallback", 0.5)],
        [parse("order_cancel", 0.87), parse("order_return", 0.97)],  # one of them unsure
        [parse("order_cancel"), parse("order_return")],  # "cancel and get a refund": no order named
        [parse("order_return"), parse("ask_policy")],
        [parse("order_cancel", email="a@b.example"), parse("invoice_balance")],
        [{"intent": None, "entities": None}, parse("payday")],
        [{}, {}],
    ],
)
def test_anything_else_is_one_message(parses: list[dict[str, Any]]) -> None:
    assert not distinct_requests(parses)


def test_the_request_intents_are_intents_of_the_domain() -> None:
    intents = set(yaml.safe_load(DOMAIN.read_text())["intents"])
    assert intents >= REQUEST_INTENTS
    assert not REQUEST_INTENTS & {"greet", "goodbye", "affirm", "deny", "thank", "inform", "out_of_scope", "stop"}

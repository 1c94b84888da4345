"""An unsure request read from a question about it goes to the documents first (engine/questions_first.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.questions_first import QUESTION_BAR, asks_about_a_request, diverted


def parse(text: str, intent: str, confidence: float) -> dict[str, Any]:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "ask_policy", "confidence": 0.2}]
    return {"text": text, "intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking}


@pytest.mark.parametrize(
    "text",
    [
        "do i still have to pay the invoice for that one?",
        "will i still get a bill for it?",
        "can i pay it off in a few chunks instead of all at once?",
        "ok. and would i get my money back for 10233?",
        "ok diff question, can i work from portugal for 2 weeks in the spring",
        "how do i get the colour back",
        "it's only been about 5 weeks though, is there really nothing?",
    ],
)
def test_questions_about_ones_own_possibilities_and_obligations(text: str) -> None:
    assert asks_about_a_request(text)


@pytest.mark.parametrize(
    "text",
    ["is my order here", "when will my vacation get okayed", "can you cancel it?", "where is my order",
     "how much do i owe", "cancel 10295 pls", "can u book me Jan 25-27 off", "how much is on my paycheck this week"],
)  # fmt: skip
def test_requests_and_questions_about_ones_records_are_not(text: str) -> None:
    assert not asks_about_a_request(text)


def test_an_unsure_request_read_from_such_a_question_is_marked_with_it() -> None:
    found = diverted(parse("do i still have to pay the invoice for that one?", "invoice_pay", 0.44))
    assert found is not None
    assert found["intent"] == {"name": "nlu_fallback", "confidence": 0.44}
    assert found["question_first"] == "invoice_pay"
    assert [r["name"] for r in found["intent_ranking"]] == ["nlu_fallback", "invoice_pay", "ask_policy"]


def test_a_sure_request_another_intent_or_another_shape_is_left_alone() -> None:
    assert diverted(parse("do i still have to pay the invoice for that one?", "invoice_pay", QUESTION_BAR)) is None
    assert diverted(parse("do i still have to pay the invoice for that one?", "ask_policy", 0.44)) is None
    assert diverted(parse("is my order here", "order_status", 0.5)) is None
    assert diverted(parse("/invoice_pay", "invoice_pay", 0.5)) is None

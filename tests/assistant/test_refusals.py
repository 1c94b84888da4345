"""Which short messages ask about a refusal, and which refusals have a reason to explain (assistant/refusals.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from assistant.refusals import (
    INSTEAD,
    REFUSAL_REASONS,
    WHY,
    asks_to_decide_leave,
    question_about_refusal,
    refusal_reason,
)

DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("why not?", WHY),
        ("why not? i barely used it", WHY),
        ("ok why not", WHY),
        ("but why", WHY),
        ("how come?", WHY),
        ("what do you mean", WHY),
        ("ok so what can i do then", INSTEAD),
        ("ok so what can i do then, i dont want it anymore", INSTEAD),
        ("so what are my options", INSTEAD),
        ("is there really nothing?", INSTEAD),
        ("what now", INSTEAD),
        ("is there anything else i can do", INSTEAD),
        ("any other way?", INSTEAD),
        ("what should i do then", INSTEAD),
        ("oh right. so where's my money then", INSTEAD),
        ("im her manager tho", INSTEAD),  # an objection: what a manager does instead
        ("but i'm his line manager!", INSTEAD),
        ("i manage them", INSTEAD),
    ],
)
def test_a_question_about_a_refusal(text: str, asked: str) -> None:
    assert question_about_refusal(text) == asked


@pytest.mark.parametrize(
    "text",
    [
        "what can you do",  # the assistant's skills, not a way forward
        "where is my order",
        "no",
        "/affirm",
        "why is the sky blue and what are the colours of the rainbow and what else do you know about the weather",
        "yes please",
        "i'm a manager of a shop, can you help with orders for it and tell me all about the prices you offer",
    ],
)
def test_other_messages_are_not_one(text: str) -> None:
    assert question_about_refusal(text) is None


def test_the_reason_is_the_refusals_of_the_reply() -> None:
    assert refusal_reason([None, "utter_cancel_refused_shipped"]) == "shipped"
    assert refusal_reason(["utter_verified", "utter_return_refused_window_expired"]) == "window_expired"
    assert refusal_reason(["utter_order_in_status", None]) is None
    assert refusal_reason([]) is None
    # an explanation keeps the refusal the subject
    assert refusal_reason(["utter_refusal_why_shipped"]) == "shipped"
    assert refusal_reason(["utter_refusal_instead_window_expired"]) == "window_expired"


def test_every_refusal_and_reason_is_in_the_catalog() -> None:
    """Each refusal named is a response of the domain, and each reason has its why and its way forward."""
    responses = yaml.safe_load(DOMAIN.read_text())["responses"]
    for refusal, reason in REFUSAL_REASONS.items():
        assert refusal in responses, refusal
        for asked in (WHY, INSTEAD):
            assert f"utter_refusal_{asked}_{reason}" in responses, (asked, reason)
    reasons = set(REFUSAL_REASONS.values())
    explained = {
        re.sub(r"^utter_refusal_(why|instead)_", "", name) for name in responses if name.startswith("utter_refusal_")
    }
    assert explained == reasons  # no explanation is left without the refusal it explains


@pytest.mark.parametrize(
    "text",
    [
        "i meant nora's one, can u approve LR-00355",
        "approve LR-00373 for julia castillo pls",
        "reject LR-00370",
        "can you approve nora's request",
        "pls approve my holiday",
        "how do i approve my team's leave",
    ],
)
def test_asking_the_assistant_to_decide_a_leave_request(text: str) -> None:
    assert asks_to_decide_leave(text)


@pytest.mark.parametrize(
    "text",
    [
        "is LR-00355 approved?",
        "did my manager approve my vacation",
        "when will my request be approved",
        "who approves my leave",
        "yes approve it",  # names no request
        "decline it",
        "/ask_policy",
    ],
)
def test_questions_about_a_decision_are_not_asking_for_one(text: str) -> None:
    assert not asks_to_decide_leave(text)

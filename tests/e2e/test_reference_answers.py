"""A message of nothing but references is an answer (engine/reference_only.py), through the running Rasa
server's `/model/parse` and in a conversation: the request asked before the identity check survives the
answers to it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import CHAT_TIMEOUT_S, RASA_API, RASA_URL
from tests.support.rest import Conversation

pytestmark = pytest.mark.e2e


def parse(text: str) -> dict[str, Any]:
    response = httpx.post(f"{RASA_URL}/model/parse", params=RASA_API, json={"text": text}, timeout=CHAT_TIMEOUT_S)
    response.raise_for_status()
    parsed: dict[str, Any] = response.json()
    return parsed


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("elias.mensah@example.net", "email"),
        ("q.van-der-berg+orders@mail.example.co.uk", "email"),
        ("  INV-50283. ", "invoice_number"),
        ("ORD-10211", "order_number"),
        ("#10211", "order_number"),
        ("ORD-10211, tina@example.org", "order_number"),
    ],
)
def test_a_bare_reference_is_an_answer(e2e_stack: RunningStack, text: str, entity: str) -> None:
    parsed = parse(text)
    assert parsed["intent"] == {"name": "inform", "confidence": 1.0}, parsed["intent_ranking"][:3]
    assert parsed["intent_ranking"] == [{"name": "inform", "confidence": 1.0}]
    assert entity in {found["entity"] for found in parsed["entities"]}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("cancel ORD-10211", "order_cancel"),
        ("where is ORD-10211", "order_status"),
        ("pay INV-50283", "invoice_pay"),
        ("482913", "link_code"),
    ],
)
def test_a_request_or_a_link_code_is_left_to_the_classifier(e2e_stack: RunningStack, text: str, intent: str) -> None:
    parsed = parse(text)
    assert parsed["intent"]["name"] == intent


def test_a_request_asked_during_the_identity_check_is_answered_after_it(e2e_stack: RunningStack) -> None:
    """The request made while the check waited is the one answered, whatever the e-mail address looks like."""
    chat = Conversation()
    chat.say("where is my parcel")
    assert "after the check" in chat.say("actually first, how much do I owe you?")
    chat.say("INV-50283")
    reply = chat.say("elias.mensah@example.net")
    assert "you're verified" in reply
    assert "You owe" in reply and "Which order" not in reply, reply

"""A request the NLU is unsure of is asked about, not started (engine/fallback.py `request_threshold`,
actions/suggestion.py), through the running stack: the served model's reading, the question, and a typed
yes or no."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import CHAT_TIMEOUT_S, RASA_API, RASA_URL
from tests.support.hr_chat import ASKS_DATES, ASKS_LEAVE_TYPE
from tests.support.rest import Conversation, token_of

pytestmark = pytest.mark.e2e

SUGGESTS_LEAVE = "Did you want to request leave?"


def ranking(text: str) -> list[dict[str, Any]]:
    response = httpx.post(f"{RASA_URL}/model/parse", params=RASA_API, json={"text": text}, timeout=CHAT_TIMEOUT_S)
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()["intent_ranking"]
    return found


def test_a_request_below_its_bar_is_a_fallback_with_the_request_next(e2e_stack: RunningStack) -> None:
    first, second = ranking("time off")[:2]
    assert first["name"] == "nlu_fallback" and second["name"] == "leave_request", (first, second)
    assert 0.2 <= second["confidence"] < 0.35, "between the general threshold and the requests' (config.yml)"


def test_a_typed_yes_carries_out_the_request_it_was_asked_about(
    conversation: Callable[..., Conversation], e2e_settings: Settings
) -> None:
    chat = conversation(token_of("employee", 10, e2e_settings.identity_secret))
    asked = chat.say("time off")
    assert SUGGESTS_LEAVE in asked and [b["payload"] for b in chat.buttons] == ["/affirm", "/deny"], asked
    reply = chat.say("yeah")
    assert ASKS_LEAVE_TYPE in reply.lower() or ASKS_DATES in reply.lower(), reply
    assert "What else can I help" not in reply


def test_a_no_starts_nothing(conversation: Callable[..., Conversation]) -> None:
    chat = conversation()
    assert SUGGESTS_LEAVE in chat.say("time off")
    reply = chat.say("no")
    assert "check it's you" not in reply and "order number" not in reply, reply
    assert "anything else" in reply.lower(), reply

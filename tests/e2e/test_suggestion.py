"""A request the NLU is unsure of is asked about, not started (engine/fallback.py `request_threshold`,
actions/suggestion.py), through the running stack: the served model's reading, the question, and a typed
yes or no — and a typed yes in other words at a yes/no question (engine/typed_buttons.py)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest

from assistant.settings import Settings
from backoffice.hr_domain import LeaveType
from backoffice.sql.hr import SqlHR
from demo.employees import demo_employees
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import CHAT_TIMEOUT_S, RASA_API, RASA_URL
from tests.support.hr_chat import (
    ASKS_DATES,
    ASKS_LEAVE_TYPE,
    CONFIRM_PAYLOADS,
    quotable,
    request_numbers,
    request_through_form,
    single_days,
)
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


def test_a_typed_yes_in_the_requests_words_at_the_summary_files_it(
    conversation: Callable[..., Conversation], e2e_settings: Settings, e2e_db: Any
) -> None:
    """ "ok cool. yes, book the vacation" at "Shall I send it …?": read alone, the NLU took it for a new request
    and the summary was asked again (a seventh-set conversation); a clear yes at a yes/no question is the yes
    button, so the request is filed once."""
    hr = SqlHR(e2e_db.engine)
    employee = demo_employees(hr, limit=6)[-1]
    quote = quotable(hr, employee.employee_id, LeaveType.VACATION, single_days(hr), days=Decimal(1))
    before = request_numbers(hr, employee.employee_id)
    chat = conversation(token_of("employee", employee.employee_id, e2e_settings.identity_secret))
    summary = request_through_form(chat, "vacation", quote.start, quote.end)
    assert {b["payload"] for b in chat.buttons} == CONFIRM_PAYLOADS and request_numbers(
        hr, employee.employee_id
    ) == before, summary

    done = chat.say("ok cool. yes, book the vacation")

    new = [n for n in request_numbers(hr, employee.employee_id) if n not in before]
    assert len(new) == 1 and new[0] in done, str(chat)
    typed = [e for e in chat.tracker_events() if e["event"] == "user"][-1]
    assert (typed["text"], typed["parse_data"]["intent"]["name"]) == ("ok cool. yes, book the vacation", "affirm")
    chat.say(f"cancel {new[0]}")  # the employee's calendar as it was, for the tests after this one
    chat.say("/affirm")

"""A request the NLU is unsure of is asked about, and a yes carries it out (actions/suggestion.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered

from actions.documents import ActionAnswerFromDocuments
from actions.suggestion import ActionAcceptSuggestion, ActionDeclineSuggestion, suggestion_response
from assistant import catalog
from assistant.names import TRANSACTIONAL_INTENTS
from assistant.settings import Settings

Run = Callable[[Action, Tracker], Awaitable[Any]]
UNSURE_CANCEL = [("nlu_fallback", 0.2), ("order_cancel", 0.35), ("out_of_scope", 0.3)]


@pytest.fixture
def no_documents(app_settings: Settings) -> Settings:
    """An empty document store: the documents answer nothing, so what follows them is what is tested."""
    return app_settings


def test_every_request_has_a_question_naming_it() -> None:
    for intent in TRANSACTIONAL_INTENTS:
        assert catalog.text(suggestion_response(intent)).endswith("?"), intent


async def test_an_unsure_request_the_documents_cannot_answer_is_asked_about_not_started(
    run: Run, make_tracker: Callable[..., Tracker], no_documents: Settings
) -> None:
    tracker = make_tracker(text="order me some food", intent="nlu_fallback", ranking=UNSURE_CANCEL)
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert reply.text == catalog.text("utter_suggest_order_cancel")
    assert [button["payload"] for button in reply.buttons] == ["/affirm", "/deny"]
    assert reply.slots["request_suggested"] is True and reply.slots["handoff_offered"] is False
    assert "failed_attempts" not in reply.slots, "asking back is not a failure to help"


@pytest.mark.parametrize(
    ("ranking", "active_loop"),
    [
        ([("nlu_fallback", 0.2), ("greet", 0.3), ("order_cancel", 0.25)], None),  # likeliest is no request
        ([("nlu_fallback", 0.2), ("ask_policy", 0.3), ("order_cancel", 0.25)], None),
        (UNSURE_CANCEL, "leave_form"),  # a form is running: its question comes again instead
    ],
)
async def test_no_question_about_a_request_that_was_not_the_likeliest_reading(
    run: Run,
    make_tracker: Callable[..., Tracker],
    no_documents: Settings,
    ranking: list[tuple[str, float]],
    active_loop: str | None,
) -> None:
    tracker = make_tracker(text="hmm whatever", intent="nlu_fallback", ranking=ranking, active_loop=active_loop)
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert not reply.text.startswith("I'm not sure I understood"), reply.text
    assert reply.slots.get("request_suggested") is not True


def conversation(unsure: dict[str, Any], answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        ActionExecuted("action_listen"),
        UserUttered("cancle the ordr from tuesday", unsure),
        BotUttered(catalog.text("utter_suggest_order_cancel")),
        ActionExecuted("action_listen"),
        UserUttered("yep", answer),
    ]


async def test_a_yes_carries_the_message_out_as_the_request_with_this_turns_identity(
    run: Run, make_tracker: Callable[..., Tracker]
) -> None:
    unsure = {
        "intent": {"name": "nlu_fallback", "confidence": 0.2},
        "intent_ranking": [{"name": name, "confidence": confidence} for name, confidence in UNSURE_CANCEL],
        "entities": [{"entity": "order_number", "value": "ORD-10234"}],
    }
    metadata = {"auth_token": "signed-token-of-this-turn"}
    answer = {"intent": {"name": "affirm", "confidence": 0.99}, "entities": [], "metadata": metadata}
    tracker = make_tracker(text="yep", intent="affirm", metadata=metadata, events=conversation(unsure, answer))
    reply = await run(ActionAcceptSuggestion(), tracker)
    reverted, reset, listen, replayed = reply.events
    assert reverted["event"] == "rewind" and listen == ActionExecuted("action_listen")
    assert reset["name"] == "request_suggested" and reset["value"] is False
    assert replayed["event"] == "user" and replayed["text"] == "cancle the ordr from tuesday"
    assert replayed["parse_data"]["intent"] == {"name": "order_cancel", "confidence": 1.0}
    assert replayed["parse_data"]["entities"] == unsure["entities"]
    assert replayed["metadata"] == metadata
    assert not reply.text


async def test_a_yes_to_anything_else_is_a_plain_yes(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    sure = {"intent": {"name": "order_status", "confidence": 0.9}, "entities": []}
    answer = {"intent": {"name": "affirm", "confidence": 0.99}, "entities": []}
    tracker = make_tracker(text="yep", intent="affirm", events=conversation(sure, answer))
    reply = await run(ActionAcceptSuggestion(), tracker)
    assert reply.text == catalog.text("utter_affirm_no_question")
    assert [event["event"] for event in reply.events] == ["slot"]


async def test_a_no_starts_nothing(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    reply = await run(ActionDeclineSuggestion(), make_tracker(text="nope", intent="deny"))
    assert reply.text == catalog.text("utter_deny_no_question")
    assert reply.slots == {"request_suggested": False}

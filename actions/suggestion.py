"""A request the NLU is unsure of is asked about ("Did you want to cancel an order?"), never started.

The fallback classifier turns an order, invoice or leave request below its own bar into
`nlu_fallback` (`engine/fallback.py`, `request_threshold`): out-of-scope messages read as a
request at low confidence (a request to order food as an order cancellation) started flows nobody
asked for.
Such a message still goes to the documents first (`actions/documents.py`); when they cannot
answer it and the likeliest reading was a request, the assistant names that request and asks.
A yes (typed in any of its forms, or the button) carries out the message as that request, as
if the NLU had been sure of it; a no is a plain "okay". One exception: an employee's unsure leave
request that books days the calendar reads ("ok book the 5th-7th next month") starts the leave form,
which shows the days and asks for its own yes before anything is filed (`books_leave_days`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.follow_ups import earlier_user_messages
from assistant import catalog
from assistant.dates import parse_date_range
from assistant.names import TRANSACTIONAL_INTENTS
from assistant.settings import get_settings

FALLBACK = "nlu_fallback"
SUGGESTED_SLOT = "request_suggested"  # bool: the last reply asked "did you want to …?" (rules/suggestion.yml)
SUGGESTION_CHOICES = (("utter_button_suggestion_yes", "/affirm"), ("utter_button_suggestion_no", "/deny"))


def suggestion_response(intent: str) -> str:
    """The catalog entry that names the request: "Did you want to cancel an order?"."""
    return f"utter_suggest_{intent}"


def likeliest_reading(parse_data: dict[str, Any]) -> str | None:
    """The intent a fallback message most likely was: the first of its ranking after the fallback itself."""
    if (parse_data.get("intent") or {}).get("name") != FALLBACK:
        return None
    ranking = parse_data.get("intent_ranking") or []
    return next((entry.get("name") for entry in ranking if entry.get("name") != FALLBACK), None)


def likeliest_request(parse_data: dict[str, Any]) -> str | None:
    """The transactional intent a fallback message most likely was, if its likeliest reading is one."""
    likeliest = likeliest_reading(parse_data)
    return likeliest if likeliest in TRANSACTIONAL_INTENTS else None


# Words that book days ("book", "take … off"): with dates the calendar reads, an unsure leave request is started.
BOOKS_RE = re.compile(r"(?i)\b(?:book|booking|take|taking|off)\b")


def books_leave_days(tracker: Tracker) -> bool:
    """Whether the latest message, an unsure leave request, books days the calendar reads: the leave form then
    asks about exactly those days, so "did you want to request leave?" first would ask the same thing twice."""
    message = tracker.latest_message
    text = message.get("text") or ""
    if likeliest_request(message) != "leave_request" or not BOOKS_RE.search(text):
        return False
    return parse_date_range(text, date.today(), day_first=get_settings().day_first) is not None


def suggest_request(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """Ask whether the request the NLU was unsure of is what the person meant; None when it was no request
    (or a form is running: its question is asked again instead)."""
    if tracker.active_loop_name:
        return None
    intent = likeliest_request(tracker.latest_message)
    if intent is None:
        return None
    dispatcher.utter_message(response=suggestion_response(intent), buttons=catalog.buttons(*SUGGESTION_CHOICES))
    return [SlotSet(SUGGESTED_SLOT, True)]


def suggested_message(tracker: Tracker) -> dict[str, Any] | None:
    """The user event the suggestion was about: the message just before the yes, if it was an unsure request."""
    earlier = earlier_user_messages(tracker)
    if not earlier or likeliest_request(earlier[-1].get("parse_data") or {}) is None:
        return None
    return earlier[-1]


def carried_out_as(tracker: Tracker, user_event: dict[str, Any], intent: str) -> list[EventType]:
    """Events that take `user_event` back and say it again as `intent`, as if the NLU had been sure of it:
    the dialogue then goes on from that message as from any request of that kind."""
    parse_data = dict(user_event.get("parse_data") or {})
    parse_data["intent"] = {"name": intent, "confidence": 1.0}
    replayed = UserUttered(user_event.get("text"), parse_data, input_channel=user_event.get("input_channel"))
    # The identity the channel vouched for travels with the message: this turn's, as the latest message carried it.
    replayed["metadata"] = tracker.latest_message.get("metadata") or {}
    return [UserUtteranceReverted(), SlotSet(SUGGESTED_SLOT, False), ActionExecuted("action_listen"), replayed]


class ActionAcceptSuggestion(Action):
    """A yes to "did you want to …?": the message it was about, carried out as that request."""

    def name(self) -> str:
        return "action_accept_suggestion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        original = suggested_message(tracker)
        if original is None:
            dispatcher.utter_message(response="utter_affirm_no_question")
            return [SlotSet(SUGGESTED_SLOT, False)]
        intent = likeliest_request(original.get("parse_data") or {})
        assert intent is not None  # suggested_message only returns an unsure request
        return carried_out_as(tracker, original, intent)


class ActionDeclineSuggestion(Action):
    """A no to "did you want to …?": nothing is started."""

    def name(self) -> str:
        return "action_decline_suggestion"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_deny_no_question")
        return [SlotSet(SUGGESTED_SLOT, False)]

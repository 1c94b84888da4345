"""Which order a message names, and a refused order change corrected with another order.

Shared by the order actions (a status question or "that's not my order" right after a refusal) and the
documents route (a message the NLU took for a question, such as "oh right. what about 10216 then"), so
that a correction is read the same whatever the NLU made of its words.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker

from assistant.names import message_id_of
from backoffice.domain import ORDER_NUMBER_RE, normalise_order_number, number_of

# The form that carries out each order change, for a refused change corrected with another order number.
CHANGE_FORMS = {"order_cancel": "cancel_form", "order_return": "return_form"}
CHANGES = {form: intent for intent, form in CHANGE_FORMS.items()}  # form -> the change it makes
CONFIRM_SLOTS = frozenset({"cancel_confirmed", "return_confirmed"})  # the yes or no to each change
# How a message asks for each change again, for another order, after the first was declined.
CHANGE_WORDS = {
    "order_cancel": re.compile(r"(?i)\bcancel"),
    "order_return": re.compile(r"(?i)\breturn|\b(?:send|go|goes|take|bring)\b(?:\s+\w+)?\s+back\b"),
}


def orders_named(text: str) -> list[str]:
    """Every order number in a message, in order, once each."""
    found = (f"ORD-{number_of(m)}" for m in ORDER_NUMBER_RE.finditer(text))
    return list(dict.fromkeys(found))


def corrected_change(tracker: Tracker, named: list[str]) -> str | None:
    """The change (order_cancel, order_return) refused, or declined, in the turn before for one order, when this message
    names exactly one other order: the person corrects which order they meant, and wants the same change
    for it, not its status. The change is the one whose form ran in that turn, whether the order came with
    the request ("return ORD-10156") or as the answer to the form's question ("10229")."""
    if len(named) != 1:
        return None
    turn = previous_turn(tracker.events)
    forms = [event.get("name") for event in turn if event.get("event") == "action" and event.get("name") in CHANGES]
    slots = [event for event in turn if event.get("event") == "slot"]
    refused = any(event.get("name") == "change_refused" and event.get("value") for event in slots)
    # Declined at its question ("nope, just checking" to "Shall I open a return for it?"), then another order named
    # ("what about the rug, ORD-10198, can that go back?"): the same question for that order, not the documents.
    declined = any(event.get("name") in CONFIRM_SLOTS and event.get("value") is False for event in slots)
    refused_order = next((e.get("value") for e in reversed(slots) if e.get("name") == "order_number"), None)
    if not (refused or declined) or not forms:
        return None
    change = CHANGES[str(forms[-1])]
    if not refused and not CHANGE_WORDS[change].search(tracker.latest_message.get("text") or ""):
        return None  # declined, then "where is 10234?": a question of its own
    return change if normalise_order_number(str(refused_order or "")) != named[0] else None


def message_of(event: dict[str, Any]) -> str:
    """The message a user event came from: the parts of one multi-part message share it ("ID", "ID-1", "ID-2")."""
    return message_id_of(event.get("message_id"))


def previous_turn(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events of the person's previous message and what the assistant did for it — all its parts, when it
    was a multi-part message ("cancel 10216 and also what do i still owe you" is one turn of two requests)."""
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if len(users) < 2:
        return []
    current = message_of(events[users[-1]])
    ends = [i for i in users if message_of(events[i]) == current]
    end = ends[0] if current else users[-1]
    earlier = [i for i in users if i < end]
    if not earlier:
        return []
    previous = message_of(events[earlier[-1]])
    start = next(i for i in earlier if message_of(events[i]) == previous) if previous else earlier[-1]
    return events[start:end]


def previous_reply(tracker: Any) -> list[dict[str, Any]]:
    """The assistant's messages (bot events) in reply to the person's previous message, in order."""
    return [event for event in previous_turn(list(tracker.events)) if event.get("event") == "bot"]

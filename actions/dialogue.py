"""Stop: leaving whatever form is running, with nothing changed.

Yes and no are not actions: each question that waits for one is a form whose confirm
slot is filled from affirm/deny (see the forms' rules); a yes or no that answers no
question gets a response of its own (rules/core.yml).
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# What a form may have half-filled; stopping forgets it.
FORM_SLOTS = (
    "pending_request",
    "verify_reference",
    "verify_email",
    "leave_type",
    "leave_dates",
    "leave_dates_refused",
    "leave_confirmed",
    "leave_cancel_confirmed",
    "cancel_confirmed",
    "return_confirmed",
    "change_refused",
    "handoff_message",
    "handoff_message_confirmed",
)


# "stop", "never mind", "forget it, thanks": a stop says this much at most.
STOP_MAX_WORDS = 4


def is_about_something_else(tracker: Tracker) -> bool:
    """A "stop ..." with nothing running to stop and more to say than a stop does ("stop sending me these
    reminder e-mails") asks about something else: the documents (or the offer of a person) answer it, not
    "I've stopped that"."""
    if tracker.active_loop_name or tracker.get_slot("pending_request"):
        return False
    text = (tracker.latest_message or {}).get("text") or ""
    return len(text.split()) > STOP_MAX_WORDS


class ActionStop(Action):
    """ "Stop" / "never mind": leave the form that is running; nothing is changed."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if is_about_something_else(tracker):
            return [FollowupAction("action_answer_from_documents")]
        dispatcher.utter_message(response="utter_stopped")
        events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events

"""Stop: leaving whatever form is running, with nothing changed.

Yes and no are not actions: each question that waits for one is a form whose confirm
slot is filled from affirm/deny (see the forms' rules); a yes or no that answers no
question gets a response of its own (rules/core.yml).
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

# What a form may have half-filled; stopping forgets it.
FORM_SLOTS = (
    "pending_request",
    "verify_reference",
    "verify_email",
    "leave_type",
    "leave_dates",
    "leave_confirmed",
    "leave_cancel_confirmed",
    "cancel_confirmed",
    "return_confirmed",
    "change_refused",
    "handoff_message",
    "handoff_message_confirmed",
)


class ActionStop(Action):
    """ "Stop" / "never mind": leave the form that is running; nothing is changed."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_stopped")
        events: list[EventType] = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events

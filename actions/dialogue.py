"""Yes, no and stop: answers to the bot's own questions, and leaving a flow."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirmation
from actions.hr import confirm_leave_cancel, confirm_leave_request
from actions.orders import confirm_cancel, confirm_return

Confirmed = Callable[[CollectingDispatcher, Tracker, str], Awaitable[list[EventType]]]

# What "yes" carries out, by the kind of question asked; each checks identity itself.
ON_YES: dict[str, Confirmed] = {
    "cancel": confirm_cancel,
    "return": confirm_return,
    "leave": confirm_leave_request,
    "leave_cancel": confirm_leave_cancel,
}
# What "no" says, by the kind of question asked.
ON_NO = {
    "cancel": "Okay, I've left order {target} as it is. Anything else?",
    "return": "Okay, no return for order {target}. Anything else?",
    "leave": "Okay, I haven't sent that request. Anything else?",
    "leave_cancel": "Okay, {target} stays as it is. Anything else?",
}


# Below this NLU confidence a "yes" does not carry out a change (empty or garbled text can
# come out as `affirm` at 0.7+); the button payload `/affirm` always counts.
YES_CONFIDENCE = 0.9
YES_WORD = re.compile(r"[a-z]")


def clearly_yes(tracker: Tracker) -> bool:
    message = tracker.latest_message or {}
    text = (message.get("text") or "").strip()
    if text.startswith("/affirm"):
        return True
    confidence = float((message.get("intent") or {}).get("confidence") or 0.0)
    return confidence >= YES_CONFIDENCE and YES_WORD.search(text.lower()) is not None and len(text) <= 200


class ActionAffirm(Action):
    """ "Yes": carry out the change the bot proposed in its previous turn, if any."""

    def name(self) -> str:
        return "action_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = confirmation.pending(tracker)
        if question is None or question.kind not in ON_YES:
            dispatcher.utter_message(text="Great! What else can I help you with?")
            return []
        if not clearly_yes(tracker):
            # A change that cannot be undone needs a real yes, not noise the model guessed was one.
            dispatcher.utter_message(
                text='Sorry, I need a clear answer before I change anything: "yes" or "no"?',
                buttons=[{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
            )
            return [confirmation.ask(question.kind, question.target)]
        return [confirmation.clear(), *await ON_YES[question.kind](dispatcher, tracker, question.target)]


class ActionDeny(Action):
    """ "No": drop the proposed change; nothing is touched."""

    def name(self) -> str:
        return "action_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = confirmation.pending(tracker)
        if question is None or question.kind not in ON_NO:
            dispatcher.utter_message(text="Okay. Is there anything else I can help you with?")
            return []
        dispatcher.utter_message(text=ON_NO[question.kind].format(target=question.target))
        return [confirmation.clear()]


class ActionStop(Action):
    """ "Stop" / "never mind": leave the identity check or drop a pending question."""

    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        dispatcher.utter_message(response="utter_stopped")
        events: list[EventType] = [
            confirmation.clear(),
            SlotSet("pending_request", None),
            SlotSet("verify_reference", None),
            SlotSet("verify_email", None),
            SlotSet("leave_type", None),
            SlotSet("leave_dates", None),
            SlotSet("handoff_message", None),
        ]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events

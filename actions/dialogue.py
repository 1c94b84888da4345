"""Yes, no and stop: answers to the bot's own questions, and leaving a flow."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import confirmation
from actions.customer import CustomerAction
from actions.orders import cancel, start_return


class ActionAffirm(CustomerAction):
    """ "Yes": carry out the change the bot proposed in its previous turn, if any."""

    def name(self) -> str:
        return "action_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if confirmation.pending(tracker) is None:
            dispatcher.utter_message(text="Great! What else can I help you with?")
            return []
        return [confirmation.clear(), *await super().run(dispatcher, tracker, domain)]

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        question = confirmation.pending(tracker)
        if question is None:
            return []
        if question.kind == "cancel":
            await cancel(dispatcher, question.target, customer_id)
        elif question.kind == "return":
            await start_return(dispatcher, question.target, customer_id)
        return []


class ActionDeny(Action):
    """ "No": drop the proposed change; nothing is touched."""

    def name(self) -> str:
        return "action_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        question = confirmation.pending(tracker)
        if question is None:
            dispatcher.utter_message(text="Okay. Is there anything else I can help you with?")
            return []
        dispatcher.utter_message(text=f"Okay, I've left order {question.target} as it is. Anything else?")
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
        ]
        if tracker.active_loop_name:
            events += [ActiveLoop(None), SlotSet("requested_slot", None)]
        return events

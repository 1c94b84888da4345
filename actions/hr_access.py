"""An HR request from someone the channel does not identify as an employee.

Usually that is what it looks like — a customer asking for "my vacation days" — and the
reply says who the HR helpdesk is for and how to sign in. But for someone who is not an
employee an HR reading is unlikely to begin with, and when the NLU is also unsure of it, the
message is more likely a customer's question in words that sound like pay or leave: "when do
I get my money back?" read as a payday question at 0.41, "I paid by bank transfer on Monday"
at 0.50. Such a message is treated as a policy question the NLU is unsure of (the same pair
of `actions/documents.py`, chosen on tune halves: below `UNSURE_POLICY_CONFIDENCE` the public
documents must support it at `UNSURE_POLICY_BAR`), and answered from them when they can;
otherwise, the employees-only reply. A sure HR reading ("when is payday" at 0.98) gets that
reply without a look at the documents.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.documents import UNSURE_POLICY_CONFIDENCE, answered_if_supported, confidence_of
from actions.employee import identified_employee_id, sign_in_explanation
from actions.follow_ups import CONTINUING_READINGS, continued_request, user_messages
from actions.suggestion import carried_out_as
from assistant.names import CHANGE_INTENTS
from backoffice.errors import BackofficeUnavailable

logger = logging.getLogger(__name__)


# The kinds of request a customer makes (the first word of the intent's name): a message that continues one of
# these is not an HR request, whatever the NLU read first.
CUSTOMER_REQUEST_KINDS = frozenset({"order", "invoice"})


class ActionEmployeesOnly(Action):
    """An HR request from someone the channel does not identify as an employee."""

    def name(self) -> str:
        return "action_employees_only"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        # The identity slots are set at the session's start; someone who became known since (a
        # sign-in, the HR system back after an outage) is told to ask again, and now counts.
        try:
            employee = await identified_employee_id(tracker) is not None
        except BackofficeUnavailable:
            employee = False
        if employee:
            dispatcher.utter_message(response="utter_employee_recognised")
            return [SlotSet("employee_verified", True)]
        # An HR reading cannot be a customer's request, so the customer's request may come one reading further.
        request = continued_request(tracker, str(tracker.latest_message.get("text") or ""), CONTINUING_READINGS + 1)
        if request is not None and request.split("_")[0] in CUSTOMER_REQUEST_KINDS and request not in CHANGE_INTENTS:
            # "why is it stuck on pending" right after a customer's order status, read as a leave request's
            # status (0.55, the order's status third): the customer's own request goes on, it is not an HR one.
            return carried_out_as(tracker, user_messages(tracker)[-1], request)
        answered = await self.answered_as_policy_question(dispatcher, tracker)
        if answered is not None:
            return answered
        dispatcher.utter_message(text=sign_in_explanation(tracker))
        return []

    @staticmethod
    async def answered_as_policy_question(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
        """The documents' answer to an unsure HR reading, when they support it as an unsure policy question."""
        if confidence_of(tracker) >= UNSURE_POLICY_CONFIDENCE:
            return None
        return await answered_if_supported(dispatcher, tracker)

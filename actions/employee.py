"""Who the employee is, and the base class of every HR action.

An employee is identified by the channel, never by what they type: a signed
token from the website (role `employee`), their Slack user id, or a Telegram
account they linked with a one-time code. Every HR action checks this itself.
A Slack or Telegram user id counts only with the connector's signed proof that the
message came through that connector (`connector_proof`): a REST caller can name a
channel and a sender id, not sign for them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice_calls import call, hr_port
from actions.colleagues import asks_about_others, named_colleague
from actions.customer import (
    channel_identity,
    connector_proof,
    proven_channel,
    replying_on_failure,
    verified_customer_id,
)
from actions.follow_ups import CONTINUATION_RE, earlier_request, likeliest_readings, spoken_part
from assistant import catalog
from assistant.settings import get_settings
from backoffice.errors import NotFound

HR_UNAVAILABLE = "utter_hr_unavailable"


async def identified_employee_id(tracker: Tracker, metadata: dict[str, Any] | None = None) -> int | None:
    """The employee this message's channel (or `metadata`'s) vouches for, or None. May raise BackofficeUnavailable."""
    identity = channel_identity(tracker, metadata)
    if identity is not None and identity.role == "employee":
        if not identity.subject.isdigit():
            return None
        try:  # a validly signed token for someone no longer (or never) on the staff list
            return (await call(hr_port().get_employee, int(identity.subject))).id
        except NotFound:
            return None
    proof = connector_proof(tracker, metadata)
    if proof is None:
        return None
    if proof.channel == "slack":
        employee = await call(hr_port().employee_by_slack_user, proof.sender_id)
    elif proof.channel == "telegram":
        employee = await call(hr_port().employee_by_telegram_user, proof.sender_id)
    else:
        return None
    return employee.id if employee is not None else None


async def someone_else_asked_about(tracker: Tracker, employee_id: int) -> str | None:
    """Whose records this message asks for when they are not the asker's ("Nora Bianchi's"), else None.
    A button's payload ("/leave_balance") names nobody."""
    text = tracker.latest_message.get("text") or ""
    if not text or text.startswith("/"):
        return None
    colleague = named_colleague(text, await call(hr_port().list_employees), employee_id)
    if colleague is not None:
        return catalog.text("utter_hr_whose_named", name=colleague)
    return catalog.text("utter_hr_whose_others") if asks_about_others(text) else None


def own_records_only(dispatcher: CollectingDispatcher, whose: str, intent: str) -> None:
    """ "I can only show your own leave and requests, not Nora's", with a button for the asker's own (`intent`)."""
    dispatcher.utter_message(
        response="utter_hr_own_records_only",
        whose=whose,
        buttons=[{"title": catalog.text("utter_button_show_mine"), "payload": f"/{intent}"}],
    )


# The HR intents that show someone's records, and what a reading of a change stands for when it asks for records
# ("pull up Julia's leave requests", read as a leave request): the requests.
RECORD_INTENTS = frozenset({"leave_balance", "leave_used", "leave_request_status"})
RECORDS_OF_A_CHANGE = {"leave_request": "leave_request_status", "leave_cancel": "leave_request_status"}
RECORD_READINGS = 3
# The records a message names in words, when none of its readings is a records intent ("can u show me his requests
# then", read as a request for a person at 0.45).
RECORDS_IN_WORDS = (
    (re.compile(r"(?i)\brequests?\b"), "leave_request_status"),
    (re.compile(r"(?i)\b(?:balance|days? left|leave|time off|holidays?)\b"), "leave_balance"),
)


def records_in_words(text: str) -> str | None:
    """The records intent the words of a message name, if any (`RECORDS_IN_WORDS`)."""
    return next((intent for pattern, intent in RECORDS_IN_WORDS if pattern.search(text)), None)


async def others_records_asked(tracker: Tracker) -> tuple[str, str] | None:
    """(whose, records intent) when an identified employee's message that nothing else answered asks, by one of
    its likeliest readings, for someone else's HR records ("can u pull up julia ueda's leave requests", read as a
    policy question at 0.49): the own-records reply is the answer, not "I couldn't find that"."""
    readings = likeliest_readings(tracker.latest_message, RECORD_READINGS)
    as_records = (RECORDS_OF_A_CHANGE.get(name, name) for name in readings)
    records = next((name for name in as_records if name in RECORD_INTENTS), None)
    text = tracker.latest_message.get("text") or ""
    records = records or records_in_words(text) or continued_records(tracker, text)
    if records is None:
        return None
    employee_id = await identified_employee_id(tracker)
    if employee_id is None:
        return None
    whose = await someone_else_asked_about(tracker, employee_id)
    return None if whose is None else (whose, records)


def continued_records(tracker: Tracker, text: str) -> str | None:
    """The records request a continuation carries on ("and for peter vasquez?" after "whats still pending"): the
    records the request before it asked for, whoever the continuation names."""
    if not CONTINUATION_RE.match(spoken_part(text)):
        return None
    request = earlier_request(tracker)
    records = RECORDS_OF_A_CHANGE.get(request[1], request[1]) if request else None
    return records if records in RECORD_INTENTS else None


def sign_in_explanation(tracker: Tracker) -> str:
    """Why an HR answer is refused, and what to do about it, for this channel and person."""
    if verified_customer_id(tracker) is not None:
        return catalog.text("utter_hr_customer_only")
    if proven_channel(tracker) == "telegram":
        return catalog.text("utter_hr_link_telegram_first")
    return catalog.text("utter_hr_sign_in", profile=f"{get_settings().public_url.rstrip('/')}/employee/login")


class EmployeeAction(Action, ABC):
    """An action on the identified employee's own HR records."""

    # An answer that shows records (balance, days used, requests): a question about someone else's is
    # told whose it can show instead. Not for a form's steps, whose words ("my team is short that week")
    # answer the form's question.
    shows_records = False

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        async def work() -> list[EventType]:
            employee_id = await identified_employee_id(tracker)
            if employee_id is None:
                dispatcher.utter_message(text=sign_in_explanation(tracker))
                return []
            whose = await someone_else_asked_about(tracker, employee_id) if self.shows_records else None
            if whose is not None:  # not the asker's own records shown as if they were the colleague's
                own_records_only(dispatcher, whose, str((tracker.latest_message.get("intent") or {}).get("name")))
                return []
            return await self.answer(dispatcher, tracker, employee_id)

        return await replying_on_failure(self.name(), dispatcher, tracker, work(), HR_UNAVAILABLE)

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, employee_id: int) -> list[EventType]:
        """Reply for the identified `employee_id`; back-office errors are handled by the caller."""

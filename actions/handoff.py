"""Handing the conversation to a person: a ticket with everything they need, and the bot steps back.

- `action_handoff` runs when the user asks for a person, when the documents had no
  answer and the user said yes to a person, or when the bot failed twice in a row.
  In business hours it opens a ticket (channel, sender, identity, slots, the whole
  transcript) and pauses the conversation (`ConversationPaused`): from then on what
  the user writes reaches the agent, not the bot, until the agent hands back.
  Outside business hours it says when the team is there and takes a message.
- `action_leave_handoff_message` files the message the user left.

If the ticket cannot be stored, the user still gets the team's other contacts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ConversationPaused, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice_calls import call, hr_port
from actions.customer import channel_identity, proven_channel, verified_customer_id
from actions.employee import identified_employee_id, others_records_asked, own_records_only
from actions.follow_ups import ASKS_RE, UNSURE_POLICY_CONFIDENCE, spoken_part
from assistant import formatting
from assistant.hours import BusinessHours, parse_hours
from assistant.names import FAILURES_SLOT, HANDOFF_MESSAGE_FORM, HANDOFF_MESSAGE_SLOT
from assistant.settings import get_settings
from backoffice.errors import BackofficeError
from handoff.tickets import HandoffReason, Identity, NewTicket
from handoff.transcript import redacted_ticket, transcript_from_events
from handoff.wiring import handoff_store

logger = logging.getLogger(__name__)

FAILURES_BEFORE_HANDOFF = 2
MESSAGE_SLOT = HANDOFF_MESSAGE_SLOT
MESSAGE_FORM = HANDOFF_MESSAGE_FORM
# Intents that are not the message for the team (answered by the form's rules instead).
NOT_A_MESSAGE = frozenset({"stop", "human_handoff", "greet", "affirm", "deny", "help", "bot_challenge", "thank"})
SHORT_QUESTION_WORDS = 8
# "I want to talk to someone" again is not the message, but "The fire pit I got has a crack in the
# bowl, can someone call me" is, though the NLU hears the request for a person in both: past this
# many words, or with an order number or e-mail address in it, the message says more than the request.
REQUEST_AGAIN_MAX_WORDS = 10
# A question the NLU is sure asks the documents ("ugh. how long do you keep these chat messages anyway?") is not the
# message either, up to this many words: the form's rule answers it from the documents and the form asks again. The
# person asked something; they did not write to the team. (A longer message that asks something too is the message.)
POLICY_QUESTION_MAX_WORDS = 16
# Slots that mean nothing to a person, or must not be shown to one.
HIDDEN_SLOTS = frozenset({"customer_proof", "requested_slot", FAILURES_SLOT, MESSAGE_SLOT, "session_started_metadata"})
NO_TICKET = "utter_handoff_no_ticket"
# A request for a person the NLU is at least this sure of is one, whatever else the message names.
SURE_REQUEST_FOR_A_PERSON = 0.75


@lru_cache(maxsize=1)
def business_hours() -> BusinessHours:
    settings = get_settings()
    return parse_hours(settings.handoff_hours, settings.handoff_timezone)


def _turn_windows(tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The events of this turn (since the latest user message) and of the turn before it."""
    events = list(tracker.events)
    users = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not users:
        return events, []
    this_turn = events[users[-1] :]
    last_turn = events[users[-2] : users[-1]] if len(users) > 1 else []
    return this_turn, last_turn


def _failures_in(events: list[dict[str, Any]]) -> int | None:
    values = [e.get("value") for e in events if e.get("event") == "slot" and e.get("name") == FAILURES_SLOT]
    return int(values[-1] or 0) if values else None


def failures_in_a_row(tracker: Tracker) -> int:
    """How many turns in a row, up to the last one, the bot could not help (0 if the last one went fine)."""
    _, last_turn = _turn_windows(tracker)
    return _failures_in(last_turn) or 0


def handoff_reason(tracker: Tracker) -> HandoffReason:
    this_turn, last_turn = _turn_windows(tracker)
    if (_failures_in(this_turn) or 0) >= FAILURES_BEFORE_HANDOFF:
        return HandoffReason.FAILED_ATTEMPTS
    if (_failures_in(last_turn) or 0) >= 1:
        return HandoffReason.NO_ANSWER
    return HandoffReason.REQUESTED


async def who_is_asking(tracker: Tracker) -> Identity:
    """The identity the channel established; anonymous when there is none (or HR cannot say)."""
    customer_id = verified_customer_id(tracker)
    if customer_id is not None:
        return Identity("customer", customer_id, tracker.get_slot("customer_name"))
    try:
        employee_id = await identified_employee_id(tracker)
    except BackofficeError:
        employee_id = None
    if employee_id is not None:
        token = channel_identity(tracker)
        name = token.name if token is not None and token.name else None
        if name is None:
            try:
                name = (await call(hr_port().get_employee, employee_id)).name
            except BackofficeError:
                name = None
        return Identity("employee", employee_id, name)
    return Identity("anonymous")


def slot_summary(tracker: Tracker) -> dict[str, Any]:
    """What the bot knew: the slots that are set, without internal ones."""
    return {
        name: value
        for name, value in sorted(tracker.slots.items())
        if name not in HIDDEN_SLOTS and value not in (None, "", [], {}, False)
    }


async def new_ticket(tracker: Tracker, reason: HandoffReason, message: str | None = None) -> NewTicket:
    """The ticket for this conversation; masked like the tracker store when REDACT_TRACKER is on.

    The action server gets the tracker in memory, with the real text (Rasa masks only what
    it saves), so the ticket must be masked here or it would keep what the store does not.
    """
    ticket = NewTicket(
        channel=proven_channel(tracker) or tracker.get_latest_input_channel() or "rest",
        sender_id=tracker.sender_id,
        identity=await who_is_asking(tracker),
        reason=reason,
        summary=slot_summary(tracker),
        transcript=transcript_from_events(tracker.events),
        message=message,
    )
    return redacted_ticket(ticket) if get_settings().redact_tracker else ticket


async def colleagues_records_instead(tracker: Tracker) -> tuple[str, str] | None:
    """(whose, records intent) when a message the NLU was unsure was a request for a person asks for a colleague's
    HR records ("can you show me Gabriel Lambert's requests? He's in my team.", human_handoff 0.44, the requests'
    status second): the own-records reply answers it; a person would only be asked the same."""
    intent = tracker.latest_message.get("intent") or {}
    if intent.get("name") != "human_handoff" or float(intent.get("confidence") or 0.0) >= SURE_REQUEST_FOR_A_PERSON:
        return None
    try:
        return await others_records_asked(tracker)
    except Exception:  # the HR system cannot say: the person asked for is the answer
        logger.exception("colleague check failed (conversation %s)", tracker.sender_id)
        return None


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        others = await colleagues_records_instead(tracker)
        if others is not None:
            own_records_only(dispatcher, *others)
            return [SlotSet(FAILURES_SLOT, 0)]
        hours = business_hours()
        if not hours.is_open(datetime.now(UTC)):
            dispatcher.utter_message(response="utter_team_offline", hours=formatting.opening_hours(hours))
            return [SlotSet(FAILURES_SLOT, 0), FollowupAction(MESSAGE_FORM)]
        try:
            ticket, _ = await call(handoff_store().open, await new_ticket(tracker, handoff_reason(tracker)))
        except BackofficeError:
            logger.exception("could not open a handoff ticket (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response=NO_TICKET)
            return [SlotSet(FAILURES_SLOT, 0)]
        dispatcher.utter_message(response="utter_handoff_opened", ticket=ticket.number)
        return [SlotSet(FAILURES_SLOT, 0), ConversationPaused()]


class ActionLeaveHandoffMessage(Action):
    def name(self) -> str:
        return "action_leave_handoff_message"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        message = str(tracker.get_slot(MESSAGE_SLOT) or "").strip()
        if not message:
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet(MESSAGE_SLOT, None)]
        try:
            ticket, _ = await call(handoff_store().open, await new_ticket(tracker, handoff_reason(tracker), message))
        except BackofficeError:
            logger.exception("could not file a handoff message (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(response=NO_TICKET)
            return [SlotSet(MESSAGE_SLOT, None)]
        dispatcher.utter_message(
            response="utter_handoff_message_filed",
            ticket=ticket.number,
            hours=formatting.opening_hours(business_hours()),
        )
        return [SlotSet(MESSAGE_SLOT, None)]


def is_short_question(text: str) -> bool:
    """A question of a few words, by its question mark or by the word it opens with ("wait when do u open again")."""
    return len(text.split()) <= SHORT_QUESTION_WORDS and bool(text.endswith("?") or ASKS_RE.match(spoken_part(text)))


def is_sure_policy_question(text: str, message: dict[str, Any]) -> bool:
    """A question of up to `POLICY_QUESTION_MAX_WORDS` that the NLU is sure asks the documents."""
    intent = message.get("intent") or {}
    sure = intent.get("name") == "ask_policy" and float(intent.get("confidence") or 0.0) >= UNSURE_POLICY_CONFIDENCE
    asks = text.endswith("?") or bool(ASKS_RE.match(spoken_part(text)))
    return sure and asks and len(text.split()) <= POLICY_QUESTION_MAX_WORDS


class ValidateHandoffMessageForm(FormValidationAction):
    """The message for the team: what the person writes, unless it is a question or the request again.

    "I want to talk to someone" or "when are you open?" at this point is not the message:
    the form's rules answer it and ask for the message again. A longer message that also asks
    for a person (or greets, or thanks) is the message.
    """

    def name(self) -> str:
        return "validate_handoff_message_form"

    async def extract_handoff_message(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != MESSAGE_SLOT:
            return {}
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = (message.get("intent") or {}).get("name")
        if not text or text.startswith("/"):
            return {}
        if intent in NOT_A_MESSAGE and len(text.split()) <= REQUEST_AGAIN_MAX_WORDS and not message.get("entities"):
            return {}
        if is_sure_policy_question(text, message) and not is_short_question(text) and not message.get("entities"):
            return {}  # answered by the form's rule for a policy question, then the message is asked for again
        if is_short_question(text) and intent != "inform" and not message.get("entities"):
            # "wait when do u open again": not the message; the team's hours again, then the form asks for it
            dispatcher.utter_message(response="utter_team_offline", hours=formatting.opening_hours(business_hours()))
            return {}
        return {MESSAGE_SLOT: text[:2000]}

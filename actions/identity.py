"""The identity check: who the customer is, before any order or invoice detail.

- `customer_verified` is set once per session from a channel token or the session
  proof (actions/session.py), and here when the check succeeds — or when a channel
  token arrives mid-session (a sign-in on the website): the form then asks nothing.
- `verify_form` asks for an order (or invoice) number and the e-mail on it. A
  mismatch says only "does not match": never whether the order exists. After
  `VERIFY_MAX_ATTEMPTS` mismatches it stops asking and offers a person.
- The request that needed the check is resumed by its feature's rules (`pending_request`).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backoffice_calls import call, orders_port
from actions.customer import UNAVAILABLE, channel_identity, connector_proof, verified_customer_id
from assistant.identity import issue_session_proof
from assistant.pii import MASKS
from assistant.settings import get_settings
from backoffice.domain import normalise_invoice_number, normalise_order_number
from backoffice.errors import BackofficeUnavailable, NotAllowed

logger = logging.getLogger(__name__)

EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Intents that step out of the form (handled by rules) instead of answering it.
DIGRESSIONS = frozenset({"stop", "human_handoff", "help", "bot_challenge", "ask_policy", "why_verify", "out_of_scope"})
MAX_FIELD_CHARS = 200


def channel_verified_customer(tracker: Tracker) -> bool:
    """This message carries a channel token for a customer (signed in on the website)."""
    identity = channel_identity(tracker)
    return identity is not None and identity.role == "customer" and verified_customer_id(tracker) is not None


def reference_in(text: str) -> str | None:
    """An order or invoice number anywhere in `text`, normalised."""
    return normalise_order_number(text) or normalise_invoice_number(text)


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> str:
        return "validate_verify_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        """The form's run, plus the identity a channel token proved meanwhile (nothing left to ask)."""
        events = await super().run(dispatcher, tracker, domain)
        if not tracker.get_slot("customer_verified") and channel_verified_customer(tracker):
            identity = channel_identity(tracker)
            events.append(SlotSet("customer_verified", True))
            if identity is not None and identity.name:
                events.append(SlotSet("customer_name", identity.name))
        return events

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Locked after too many mismatches, or verified by a channel meanwhile: ask nothing.
        if tracker.get_slot("verify_locked") or verified_customer_id(tracker) is not None:
            return []
        return domain_slots

    @staticmethod
    def _answers(tracker: Tracker, slot: str) -> bool:
        """Is the latest message an attempt at the question for `slot`, rather than a digression?

        Only a short reply that reads as details ("10211", "it's ord 10211", "anna at example")
        is taken (and refused with a hint when it is no number or address); a question or a new
        request is left to the form's rules, which answer it and ask again.
        """
        if tracker.get_slot("requested_slot") != slot:
            return False
        message = tracker.latest_message or {}
        text = (message.get("text") or "").strip()
        intent = (message.get("intent") or {}).get("name")
        if intent in DIGRESSIONS or "?" in text or len(text.split()) > 6:
            return False
        return intent == "inform" or any(ch.isdigit() for ch in text) or "@" in text

    async def extract_verify_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        found = reference_in(text[: MAX_FIELD_CHARS * 10])
        if found:
            return {"verify_reference": found}
        if tracker.get_slot("verify_reference") is None:
            known = tracker.get_slot("order_number") or tracker.get_slot("invoice_number")
            if known:
                return {"verify_reference": known}
        if self._answers(tracker, "verify_reference"):
            return {"verify_reference": text}
        return {}

    async def extract_verify_email(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        match = EMAIL_RE.search(text[: MAX_FIELD_CHARS * 10])
        if match:
            return {"verify_email": match.group(0)}
        if self._answers(tracker, "verify_email"):
            return {"verify_email": text}
        return {}

    async def validate_verify_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        reference = reference_in(str(value or "")[:MAX_FIELD_CHARS])
        if reference is None:
            dispatcher.utter_message(response="utter_not_an_order_number")
            return {"verify_reference": None}
        email = tracker.get_slot("verify_email")
        if email in MASKS:
            # Stored masked (REDACT_TRACKER): the address given in an earlier turn is gone; ask for it again.
            return {"verify_reference": reference, "verify_email": None}
        # Both in one message: `validate_verify_email` runs too and checks the pair, once.
        if email and "verify_email" not in tracker.slots_to_validate():
            return await self._check(dispatcher, tracker, reference, email)
        return {"verify_reference": reference}

    async def validate_verify_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")[:MAX_FIELD_CHARS]
        match = EMAIL_RE.fullmatch(text.strip())
        if match is None:
            dispatcher.utter_message(response="utter_not_an_email")
            return {"verify_email": None}
        reference = tracker.get_slot("verify_reference")
        if not reference:
            return {"verify_email": match.group(0)}
        return await self._check(dispatcher, tracker, reference, match.group(0))

    async def _check(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, reference: str, email: str
    ) -> dict[str, Any]:
        """Compare the pair with the back office; count mismatches; never say which half was wrong."""
        try:
            origin = connector_proof(tracker)  # who is guessing, as the channel signed it (an IP, an account)
            client = origin.client if origin is not None else None
            customer = await call(orders_port().verify_customer, reference, email, client)
        except BackofficeUnavailable:
            logger.exception("identity check failed: back office unavailable (%s)", tracker.sender_id)
            dispatcher.utter_message(response=UNAVAILABLE)
            return {"verify_reference": None, "verify_email": None, "requested_slot": None}
        except NotAllowed:
            # Too many failed checks for this reference, from any conversation: stop here too.
            logger.warning("identity check refused: too many failures for one reference (%s)", tracker.sender_id)
            return {"verify_reference": None, "verify_email": None, "verify_locked": True}
        if customer is None:
            attempts = int(tracker.get_slot("verify_attempts") or 0) + 1
            if attempts >= get_settings().verify_max_attempts:
                return {
                    "verify_reference": None,
                    "verify_email": None,
                    "verify_attempts": attempts,
                    "verify_locked": True,
                }
            dispatcher.utter_message(response="utter_details_dont_match")
            return {"verify_reference": reference, "verify_email": None, "verify_attempts": attempts}
        proof = issue_session_proof(customer.id, tracker.sender_id, get_settings().identity_secret)
        first_name = customer.name.split()[0]
        dispatcher.utter_message(response="utter_verified", name=first_name)
        slots: dict[str, Any] = {
            "verify_reference": reference,
            "verify_email": email,
            "verify_attempts": 0,
            "customer_verified": True,
            "customer_proof": proof,
            "customer_name": customer.name,
        }
        if reference.startswith("ORD-"):
            slots["order_number"] = reference
            if not tracker.get_slot("pending_request"):
                slots["pending_request"] = "order_status"
        elif not tracker.get_slot("pending_request"):
            # A check started by an invoice alone ("got a letter saying INV-50082 is overdue??") was about that
            # invoice: it is shown after the check. (With a request waiting, the invoice only identified the person:
            # a balance is still the whole account's.)
            slots["invoice_number"] = reference
            slots["pending_request"] = "invoice_due"
        return slots


class ActionVerifyDone(Action):
    """After the identity check, when no request waits for it: say so, or why nothing can be shown.

    A request that waited is resumed by the rules of its own feature (orders, billing).
    """

    def name(self) -> str:
        return "action_verify_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reset = [SlotSet("verify_reference", None), SlotSet("verify_email", None)]
        if verified_customer_id(tracker) is None:
            if tracker.get_slot("verify_locked"):
                dispatcher.utter_message(response="utter_verify_locked")
            return reset
        dispatcher.utter_message(response="utter_anything_else")
        return reset


# What the identity check asks for, named in a question about it ("why do you need my email?").
CHECK_WORDS_RE = re.compile(
    r"(?i)\b(e-?mail|(?:order|invoice)\s*no|number|verif\w*|check\w*|identity|who i am|details|address|safe|secure)\b"
)
VERIFY_FORM = "verify_form"


def asks_why_the_check(tracker: Tracker) -> bool:
    """Whether a "why …?" is about the identity check: asked while it runs, or naming what it asks for. "do i have
    to say why?" at a leave request's summary is a question about leave, not about the check."""
    if tracker.active_loop_name == VERIFY_FORM:
        return True
    return bool(CHECK_WORDS_RE.search(tracker.latest_message.get("text") or ""))


class ActionWhyAsked(Action):
    """A "why?" the NLU read as a question about the identity check: its reason when it is about the check, else
    a question for the documents (which say "I don't know" when they cannot answer it)."""

    def name(self) -> str:
        return "action_why_asked"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if asks_why_the_check(tracker):
            dispatcher.utter_message(response="utter_why_verify")
            return []
        return [FollowupAction("action_answer_from_documents")]

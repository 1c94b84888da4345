"""The start of a conversation session: who is speaking, decided once for the session.

The channel that carries the session's first message vouches for its sender (a signed
channel token from the website, the connector's signed proof for Slack and Telegram);
`action_session_start` reads that from `session_started_metadata` and sets
`customer_verified`, `customer_name` and `employee_verified` for the dialogue rules, so no
action call is spent on it on every turn. The slots only steer the dialogue: every action
that reads a customer's or an employee's records checks the identity of the current
message again (actions/customer.py, actions/employee.py), and an identity that appears
later in a session (a sign-in on the website, a linked Telegram account, the HR system
back after an outage) is taken up where it matters — by the identity check form and by
`action_employees_only`.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.customer import channel_identity, verified_customer_id
from actions.employee import identified_employee_id
from backoffice.errors import BackofficeUnavailable

logger = logging.getLogger(__name__)

METADATA_SLOT = "session_started_metadata"
IDENTITY_SLOTS = ("customer_verified", "customer_name", "employee_verified")


async def identity_slots(tracker: Tracker, metadata: dict[str, Any] | None) -> dict[str, Any]:
    """The identity slots for a session whose first message carried `metadata`.

    A customer is verified by a channel token or by the session proof an earlier identity
    check left (carried over with the slots). When the HR system cannot be reached, the
    employee flag keeps its carried value: `action_employees_only` looks again on the spot.
    """
    identity = channel_identity(tracker, metadata or {})
    slots: dict[str, Any] = {"customer_verified": verified_customer_id(tracker, metadata or {}) is not None}
    if identity is not None and identity.role == "customer" and identity.name:
        slots["customer_name"] = identity.name
    try:
        slots["employee_verified"] = await identified_employee_id(tracker, metadata or {}) is not None
    except BackofficeUnavailable:
        logger.warning("HR lookup unavailable at session start; employee flag carried over (%s)", tracker.sender_id)
    return slots


class ActionSessionStart(Action):
    """Rasa's session start (slots carried over, as `session_config` asks) plus the identity slots."""

    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        carried = {name: value for name, value in tracker.slots.items() if value is not None}
        if not (domain.get("session_config") or {}).get("carry_over_slots_to_new_session", True):
            carried = {}
        metadata = tracker.get_slot(METADATA_SLOT)
        slots = {**carried, **await identity_slots(tracker, metadata if isinstance(metadata, dict) else None)}
        return [
            SessionStarted(),
            *(SlotSet(name, value) for name, value in slots.items()),
            ActionExecuted("action_listen"),
        ]

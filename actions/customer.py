"""Who the customer is, and the base class of every action that reads their records.

Identity is re-checked here, in the action, on every call: the dialogue rules
send only verified customers to these actions, but a rule is not a guard.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction
from rasa_sdk.executor import CollectingDispatcher

from assistant.identity import (
    METADATA_PROOF_KEY,
    METADATA_TOKEN_KEY,
    ConnectorProof,
    Identity,
    read_channel_token,
    read_connector_proof,
    read_session_proof,
)
from assistant.settings import get_settings
from backoffice.errors import BackofficeUnavailable

logger = logging.getLogger(__name__)

# The apologies, by message id in the reply catalog (domain.yml).
UNAVAILABLE = "utter_backoffice_unavailable"
UNEXPECTED = "utter_something_went_wrong"


def _metadata(tracker: Tracker, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """`metadata` when given (the session start's), else the latest message's."""
    if metadata is None:
        metadata = (tracker.latest_message or {}).get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def channel_identity(tracker: Tracker, metadata: dict[str, Any] | None = None) -> Identity | None:
    """The identity a trusted channel vouched for in this message's metadata (or `metadata`)."""
    token = _metadata(tracker, metadata).get(METADATA_TOKEN_KEY)
    return read_channel_token(token, get_settings().identity_secret) if token else None


def connector_proof(tracker: Tracker, metadata: dict[str, Any] | None = None) -> ConnectorProof | None:
    """Where this message came from, as the Rasa server's own channel signed it; None without a valid proof.

    Never `tracker.get_latest_input_channel()`: a REST caller could name any channel there.
    """
    token = _metadata(tracker, metadata).get(METADATA_PROOF_KEY)
    return read_connector_proof(token, tracker.sender_id, get_settings().identity_secret) if token else None


def proven_channel(tracker: Tracker) -> str | None:
    """The channel this message provably came in on (rest, socketio, slack, telegram), or None."""
    proof = connector_proof(tracker)
    return proof.channel if proof is not None else None


def verified_customer_id(tracker: Tracker, metadata: dict[str, Any] | None = None) -> int | None:
    """The verified customer of this conversation, or None.

    A channel token on the current message wins; otherwise the session proof the
    identity check left in the `customer_proof` slot, valid only for this sender.
    """
    identity = channel_identity(tracker, metadata)
    if identity is not None and identity.role == "customer":
        try:
            return int(identity.subject)
        except ValueError:
            return None
    return read_session_proof(tracker.get_slot("customer_proof"), tracker.sender_id, get_settings().identity_secret)


class CustomerAction(Action, ABC):
    """An action on a verified customer's records, with the failure handling they all share."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            # Reached without a verified identity: reveal nothing, start the check.
            return [FollowupAction("verify_form")]
        return await self.run_for_customer(dispatcher, tracker, customer_id)

    async def run_for_customer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> list[EventType]:
        """`answer`, with a polite reply instead of a crash or silence when anything fails."""
        return await replying_on_failure(
            self.name(), dispatcher, tracker, self.answer(dispatcher, tracker, customer_id)
        )

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        """Reply for the verified `customer_id`; back-office errors are handled by the caller."""


async def replying_on_failure(
    action_name: str,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    work: Awaitable[list[EventType]],
    unavailable_response: str = UNAVAILABLE,
) -> list[EventType]:
    """Await an action's work; a failure becomes an apology and a log line, never silence."""
    try:
        return await work
    except BackofficeUnavailable:
        logger.exception("back office unavailable in %s (conversation %s)", action_name, tracker.sender_id)
        dispatcher.utter_message(response=unavailable_response)
    except Exception:
        logger.exception("unexpected error in %s (conversation %s)", action_name, tracker.sender_id)
        dispatcher.utter_message(response=UNEXPECTED)
    return []

"""A message delivered twice is handled once, through the running Rasa server (engine/redelivery.py).

nginx re-sends a message to the next Rasa server when the first one fails, with the same
`X-Request-ID`; a client may send its own id to retry safely. The second delivery of one id gets
the replies the first got — buttons and sources included — and the conversation holds the
message once; another id, or none, is a new message. A multi-part message is answered again as a
whole. The fault suite (tests/faults/test_scale_faults.py) kills servers under load behind nginx.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import CHAT_TIMEOUT_S, RASA_API, RASA_URL

pytestmark = pytest.mark.e2e

STATUS_CUSTOMER, STATUS_ORDER = 4, "ORD-10261"


def deliver(sender: str, text: str, delivery: str | None, metadata: dict[str, Any] | None = None) -> list[Any]:
    """One delivery of a message to the REST channel, with `delivery` as its X-Request-ID; the replies."""
    headers = {"X-Request-ID": delivery} if delivery is not None else {}
    body = {"sender": sender, "message": text, "metadata": metadata or {}}
    response = httpx.post(f"{RASA_URL}/webhooks/rest/webhook", json=body, headers=headers, timeout=CHAT_TIMEOUT_S)
    assert response.status_code == 200, response.text
    replies: list[Any] = response.json()
    return replies


def user_texts(sender: str) -> list[str]:
    response = httpx.get(f"{RASA_URL}/conversations/{sender}/tracker", params=RASA_API, timeout=CHAT_TIMEOUT_S)
    response.raise_for_status()
    return [event["text"] for event in response.json()["events"] if event["event"] == "user"]


def test_a_redelivered_message_gets_the_same_answer_and_is_stored_once(e2e_stack: RunningStack) -> None:
    sender, delivery = f"redelivery-{uuid.uuid4().hex}", uuid.uuid4().hex
    first = deliver(sender, "do you ship to Canada?", delivery)
    again = deliver(sender, "do you ship to Canada?", delivery)
    assert first and again == first, (first, again)
    assert any((reply.get("custom") or {}).get("sources") for reply in again), "the sources are sent again"
    assert user_texts(sender) == ["do you ship to Canada?"]

    deliver(sender, "do you ship to Canada?", uuid.uuid4().hex)  # another delivery: a message of its own
    deliver(sender, "do you ship to Canada?", None)  # ... and one without an id
    assert user_texts(sender) == ["do you ship to Canada?"] * 3


def test_only_the_latest_delivery_of_an_id_is_answered_from_the_tracker_not_a_later_message(
    e2e_stack: RunningStack, customer_token: Callable[..., dict[str, str]]
) -> None:
    """A re-delivery after the conversation went on gets that delivery's own replies, not the later ones."""
    sender, delivery = f"redelivery-{uuid.uuid4().hex}", uuid.uuid4().hex
    token = customer_token(STATUS_CUSTOMER)
    first = deliver(sender, f"track {STATUS_ORDER} and how long do I have to return something?", delivery, token)
    later = deliver(sender, "thanks", uuid.uuid4().hex, token)
    again = deliver(sender, f"track {STATUS_ORDER} and how long do I have to return something?", delivery, token)
    assert again == first and again != later, (first, again, later)
    assert any(STATUS_ORDER in (reply.get("text") or "") for reply in again), "both parts' answers, again"
    assert user_texts(sender) == [f"track {STATUS_ORDER}", "how long do I have to return something?", "thanks"]


def test_a_malformed_delivery_id_is_ignored_not_trusted(e2e_stack: RunningStack) -> None:
    sender = f"redelivery-{uuid.uuid4().hex}"
    for _ in range(2):
        deliver(sender, "hello", "not an id!")
    assert user_texts(sender) == ["hello", "hello"]

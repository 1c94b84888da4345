"""Several requests in one message, through the running Rasa server (engine/multipart.py).

Each part is answered in the order it was asked, in the one REST response; the tracker shows
each part once, as a user turn with its own intent; a part behind a form (a cancellation's
question) is queued with a line saying so and answered once the form is done; a message that
is one request with "and" inside stays one message; two multi-part messages sent at once are
handled one after the other (the conversation's lock holds over every part). Nothing here
changes the back office: the cancellation is declined.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.backoffice_reader import BackofficeReader
from tests.support.e2e_config import RASA_API, RASA_URL
from tests.support.rest import Conversation, chat
from tests.support.seeded_backoffice import as_seeded

pytestmark = pytest.mark.e2e

STATUS_CUSTOMER, STATUS_ORDER = 4, "ORD-10261"
CANCEL_CUSTOMER, CANCEL_ORDER = 1, "ORD-10280"  # pending: a cancellation is asked about first
QUEUED_LINE = "right after this"


def user_turns(sender: str) -> list[tuple[str, str]]:
    """(text, intent) of every user event of the conversation, as the tracker store holds them."""
    response = httpx.get(f"{RASA_URL}/conversations/{sender}/tracker", params=RASA_API, timeout=30)
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return [(event["text"], event["parse_data"]["intent"]["name"]) for event in events if event["event"] == "user"]


def reply_texts(convo: Conversation) -> list[str]:
    return [reply["text"] for reply in convo.last if reply.get("text")]


def test_two_requests_in_one_message_get_both_answers_in_order(
    conversation: Callable[..., Conversation], customer_token: Callable[..., dict[str, str]]
) -> None:
    convo = conversation(customer_token(STATUS_CUSTOMER))
    convo.say(f"track {STATUS_ORDER} and how long do I have to return something?")
    texts = reply_texts(convo)
    status = next((i for i, text in enumerate(texts) if STATUS_ORDER in text), None)
    policy = next((i for i, text in enumerate(texts) if re.search(r"30 days", text)), None)
    assert status is not None and policy is not None and status < policy, convo
    assert any((reply.get("custom") or {}).get("sources") for reply in convo.last), "the policy answer cites"
    assert user_turns(convo.sender) == [
        (f"track {STATUS_ORDER}", "order_status"),
        ("how long do I have to return something?", "ask_policy"),
    ]


def test_a_person_asked_for_in_one_part_gets_the_whole_message(conversation: Callable[..., Conversation]) -> None:
    """No identity check before the person: the handoff is the reply, and the ticket's message is all of it."""
    convo = conversation()
    message = f"tracking says {STATUS_ORDER} was delivered yesterday but theres nothing here. i want to talk to someone"
    convo.say(message)
    texts = " ".join(reply_texts(convo))
    assert re.search(r"ticket H-\d+", texts) and "e-mail address" not in texts, convo
    assert user_turns(convo.sender) == [(message, "human_handoff")]


def test_two_multi_part_messages_at_once_are_handled_one_after_the_other(
    conversation: Callable[..., Conversation], customer_token: Callable[..., dict[str, str]]
) -> None:
    """The conversation's lock covers every part of a message: the parts of two messages sent at
    the same instant are never interleaved, and each reply holds its own two answers only."""
    convo = conversation(customer_token(STATUS_CUSTOMER))
    first = (f"track {STATUS_ORDER}", "how long do I have to return something?")
    second = ("when is INV-50283 due", "do you deliver on saturdays?")
    messages = [" and ".join(first), " and ".join(second)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        replies = list(pool.map(lambda text: chat(convo.sender, text, convo.metadata), messages))
    turns = [text for text, _ in user_turns(convo.sender)]
    assert turns in ([*first, *second], [*second, *first]), turns
    first_texts = " ".join(reply.get("text") or "" for reply in replies[0])
    second_texts = " ".join(reply.get("text") or "" for reply in replies[1])
    assert STATUS_ORDER in first_texts and "INV-50283" not in first_texts, replies[0]
    assert "INV-50283" in second_texts and STATUS_ORDER not in second_texts, replies[1]


@pytest.mark.parametrize(
    "message",
    [
        "do you sell the garden bench in black and white",
        "what are your terms and conditions",
        "what is your return and refund policy",
    ],
)
def test_one_request_with_and_inside_stays_one_message(message: str, conversation: Callable[..., Conversation]) -> None:
    convo = conversation()
    convo.say(message)
    assert [text for text, _ in user_turns(convo.sender)] == [message], convo
    assert QUEUED_LINE not in convo.say("thanks") + "\n".join(reply_texts(convo)), convo


@pytest.fixture
def seeded() -> Iterator[None]:
    """The back office as seeded: earlier e2e tests cancel this customer's pending order."""
    with as_seeded():
        yield


def test_a_request_behind_a_confirmation_is_queued_then_answered(
    conversation: Callable[..., Conversation],
    customer_token: Callable[..., dict[str, str]],
    e2e_db: BackofficeReader,
    seeded: None,
) -> None:
    convo = conversation(customer_token(CANCEL_CUSTOMER))
    before = e2e_db.order_status(CANCEL_ORDER)
    first = convo.say(f"cancel {CANCEL_ORDER} and tell me my balance")
    assert CANCEL_ORDER.removeprefix("ORD-") in first and QUEUED_LINE in first, convo
    assert "tell me my balance" in first, "the queued part is named in the line"
    assert not re.search(r"balance is|you owe|open invoices", first, re.I), "answered only after the question"
    second = convo.say("no")
    assert re.search(r"balance|owe|open invoices|invoice", second, re.I), convo
    assert QUEUED_LINE not in second, convo
    # Each part once in the tracker store, the queued one where it was answered.
    assert user_turns(convo.sender) == [
        (f"cancel {CANCEL_ORDER}", "order_cancel"),
        ("no", "deny"),
        ("tell me my balance", "invoice_balance"),
    ], convo
    assert e2e_db.order_status(CANCEL_ORDER) == before, "declined: nothing changed"
    assert QUEUED_LINE not in convo.say("thanks"), "the queue is empty once answered"

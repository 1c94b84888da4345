"""What the customer conversations' end-to-end tests share: the words replies are checked on and the identity check.

Replies are checked on key facts, never whole sentences; `assert_reveals_nothing` lists
what an order must never show to someone who is not its customer.
"""

from __future__ import annotations

from typing import Any

from assistant import formatting
from backoffice.domain import Order

UNREACHABLE_DATABASE = "postgresql+psycopg://127.0.0.1:9/none"  # port 9: nothing listens
NO_SUCH_ORDER = "ORD-19999"
ASKS_FOR_REFERENCE = "order number"
ASKS_FOR_EMAIL = "e-mail address"
APOLOGY = "sorry"
OFFERS_PERSON = "person"


def secrets_of(order: Order) -> list[str]:
    """What must never be shown to someone who is not the order's customer."""
    facts = [line.product_name for line in order.lines]
    facts.append(formatting.money(order.total, order.currency))
    if order.carrier:
        facts.append(order.carrier)
    if order.tracking_number:
        facts.append(order.tracking_number)
    return facts


def assert_reveals_nothing(reply: str, order: Order, conversation: Any) -> None:
    for fact in secrets_of(order):
        assert fact not in reply, f"{fact!r} of {order.number} leaked:\n{conversation}"


def verify(convo: Any, reference: str, email: str, request: str = "where is my order?") -> str:
    """Anonymous customer: request -> asked for a number -> asked for the e-mail -> verified."""
    assert ASKS_FOR_REFERENCE in convo.say(request), convo
    assert ASKS_FOR_EMAIL in convo.say(reference), convo
    reply = convo.say(email)
    assert "verified" in reply, convo
    return reply

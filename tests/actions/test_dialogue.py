"""Yes, no and stop: a "yes" only carries out the question the bot asked in its previous turn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from sqlalchemy import Engine

from actions.customer import UNAVAILABLE_REPLY
from actions.dialogue import ActionAffirm, ActionDeny, ActionStop
from backoffice.demo import DemoAccount
from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.sql.billing import SqlBilling
from backoffice.sql.orders import SqlOrders

Run = Callable[[Action, Tracker], Awaitable[Any]]


def asked(question: str, answer: str, *between: str) -> list[dict[str, Any]]:
    """History: the user asks, the bot asks `question` (kind:target), then any user turns in
    `between`, then the user's `answer`."""
    events: list[dict[str, Any]] = [
        ActionExecuted("action_listen"),
        UserUttered("cancel my order", {"intent": {"name": "order_cancel"}}),
        ActionExecuted("action_order_cancel"),
        SlotSet("pending_confirmation", question),
        BotUttered("Do you want me to cancel it? This can't be undone."),
        ActionExecuted("action_listen"),
    ]
    for text in between:
        events += [
            UserUttered(text, {"intent": {"name": "inform"}}),
            BotUttered("..."),
            ActionExecuted("action_listen"),
        ]
    events.append(UserUttered(answer, {"intent": {"name": "affirm" if answer == "yes" else "deny"}}))
    return events


def answer_tracker(
    make_tracker: Callable[..., Tracker], customer_id: int | None, events: list[dict[str, Any]]
) -> Tracker:
    """The tracker of the turn in which the user answered; the slot holds the last question."""
    question = next(e["value"] for e in reversed(events) if e.get("event") == "slot")
    latest = events[-1]
    return make_tracker(
        customer_id=customer_id,
        slots={"pending_confirmation": question},
        text=latest["text"],
        intent=latest["parse_data"]["intent"]["name"],
        events=events,
    )


async def test_yes_to_the_cancel_question_cancels_and_voids_the_unpaid_invoice(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_orders: SqlOrders,
    app_billing: SqlBilling,
    app_engine: Engine,
    invoice_of_order: Callable[[Engine, str], str],
) -> None:
    number = alice.orders["pending"]
    invoice = invoice_of_order(app_engine, number)
    assert app_billing.get_invoice(invoice, alice.customer_id).status is InvoiceStatus.OPEN
    tracker = answer_tracker(make_tracker, alice.customer_id, asked(f"cancel:{number}", "yes"))
    reply = await run(ActionAffirm(), tracker)
    assert reply.text.startswith(f"Done — order {number} is cancelled.")
    assert reply.slots == {"pending_confirmation": None}
    assert app_orders.get_order(number, alice.customer_id).status is OrderStatus.CANCELLED
    assert app_billing.get_invoice(invoice, alice.customer_id).status is InvoiceStatus.VOID


async def test_yes_to_the_return_offer_creates_the_return(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_engine: Engine,
    returns_of_order: Callable[[Engine, str], list[str]],
) -> None:
    number = alice.returnable_order
    assert number is not None
    reply = await run(ActionAffirm(), answer_tracker(make_tracker, alice.customer_id, asked(f"return:{number}", "yes")))
    created = returns_of_order(app_engine, number)
    assert len(created) == 1 and f"Return number: {created[0]}" in reply.text


async def test_a_stale_yes_does_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["pending"]
    before = app_dump()
    events = asked(f"cancel:{number}", "yes", "actually, what's your returns policy?")
    reply = await run(ActionAffirm(), answer_tracker(make_tracker, alice.customer_id, events))
    assert reply.text == "Great! What else can I help you with?"
    assert reply.events == []
    assert app_dump() == before


async def test_a_yes_to_a_cleared_question_does_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["pending"]
    events = asked(f"cancel:{number}", "yes")
    events.insert(-2, SlotSet("pending_confirmation", None))  # e.g. "stop" cleared it
    before = app_dump()
    reply = await run(ActionAffirm(), answer_tracker(make_tracker, alice.customer_id, events))
    assert reply.text == "Great! What else can I help you with?"
    assert app_dump() == before


async def test_no_leaves_the_order_as_it_is(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["paid"]
    before = app_dump()
    reply = await run(ActionDeny(), answer_tracker(make_tracker, alice.customer_id, asked(f"cancel:{number}", "no")))
    assert reply.text == f"Okay, I've left order {number} as it is. Anything else?"
    assert reply.slots == {"pending_confirmation": None}
    assert app_dump() == before


async def test_yes_without_verification_changes_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["pending"]
    before = app_dump()
    reply = await run(ActionAffirm(), answer_tracker(make_tracker, None, asked(f"cancel:{number}", "yes")))
    assert reply.messages == []
    assert reply.followups == ["verify_form"]
    assert app_dump() == before


async def test_yes_to_cancel_another_customers_order_changes_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, bob: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = bob.orders["pending"]
    before = app_dump()
    reply = await run(ActionAffirm(), answer_tracker(make_tracker, alice.customer_id, asked(f"cancel:{number}", "yes")))
    assert "cancelled" not in reply.text and bob.name not in reply.text
    assert app_dump() == before


async def test_stop_leaves_the_form_and_drops_the_question(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    tracker = make_tracker(
        text="stop",
        intent="stop",
        active_loop="verify_form",
        slots={"pending_confirmation": "cancel:ORD-10001", "verify_reference": "ORD-10001"},
    )
    reply = await run(ActionStop(), tracker)
    assert [message["response"] for message in reply.messages] == ["utter_stopped"]
    assert reply.slots == {
        "pending_confirmation": None,
        "pending_request": None,
        "verify_reference": None,
        "verify_email": None,
        "leave_type": None,
        "leave_dates": None,
        "handoff_message": None,
        "requested_slot": None,
    }
    assert {"event": "active_loop", "timestamp": None, "name": None} in reply.events


async def test_back_office_down_when_confirming_gets_an_apology(
    run: Run, make_tracker: Callable[..., Tracker], backoffice_down: object
) -> None:
    for question in ("cancel:ORD-10001", "return:ORD-10001"):
        reply = await run(ActionAffirm(), answer_tracker(make_tracker, 1, asked(question, "yes")))
        assert reply.text == UNAVAILABLE_REPLY

"""Order status, cancellation questions and returns, for the verified customer only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SlotSet, UserUttered
from sqlalchemy import Engine

from actions.documents import ActionAnswerFromDocuments
from actions.order_changes import (
    ActionAskCancelConfirmed,
    ActionAskReturnConfirmed,
    ActionAskReturnOrderNumber,
    ActionOrderReturn,
    ValidateCancelForm,
    ValidateReturnForm,
)
from actions.orders import ActionOrderStatus, ActionWrongOrder, describe
from assistant import catalog, formatting
from backoffice.domain import OrderStatus
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

Run = Callable[[Action, Tracker], Awaitable[Any]]
MISSING_ORDER = "ORD-19999"


# -- status ----------------------------------------------------------------------------------


async def test_status_of_a_shipped_order_names_carrier_and_tracking_number(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    number = alice.orders["shipped"]
    order = app_orders.get_order(number, alice.customer_id)
    assert order.carrier and order.tracking_number
    reply = await run(ActionOrderStatus(), make_tracker(customer_id=alice.customer_id, slots={"order_number": number}))
    assert number in reply.text
    assert order.carrier in reply.text
    assert order.tracking_number in reply.text
    assert reply.slots == {"order_number": number}


async def test_two_orders_in_one_question_are_both_answered(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    shipped, delivered = alice.orders["shipped"], alice.orders["delivered"]
    tracker = make_tracker(
        customer_id=alice.customer_id, text=f"where are {shipped} and {delivered}?", slots={"order_number": shipped}
    )
    reply = await run(ActionOrderStatus(), tracker)
    assert shipped in reply.text and delivered in reply.text and MISSING_ORDER not in reply.text
    assert reply.slots == {"order_number": delivered}


async def test_an_order_named_by_a_product_of_it_is_the_one_shown(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    """ "whats up with my rug order": of the customer's recent orders, the one with a product of that name, when
    only one has it — the list of orders otherwise (a word of no product, or of several, chooses nothing)."""
    recent = app_orders.list_orders(alice.customer_id, 5)
    words = [{w for line in o.lines for w in line.product_name.lower().replace(",", " ").split()} for o in recent]
    unique = next(
        (
            (order, word)
            for order, own in zip(recent, words, strict=True)
            for word in sorted(own)
            if len(word) > 3 and word.isalpha() and sum(word in other for other in words) == 1
        ),
        None,
    )
    assert unique is not None, "a demo customer has an order with a product of its own"
    order, word = unique
    reply = await run(
        ActionOrderStatus(), make_tracker(customer_id=alice.customer_id, text=f"whats up with my {word}s")
    )
    assert order.number in reply.text and "Which order" not in reply.text, reply.text
    listed = await run(ActionOrderStatus(), make_tracker(customer_id=alice.customer_id, text="whats up with my order"))
    assert listed.messages[0]["response"] == "utter_which_order"


async def test_status_of_a_delivered_order_gives_the_delivery_date(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    number = alice.orders["delivered"]
    order = app_orders.get_order(number, alice.customer_id)
    assert order.delivered_on is not None
    # However the customer typed it.
    tracker = make_tracker(customer_id=alice.customer_id, slots={"order_number": f"ord {number[4:]}"})
    reply = await run(ActionOrderStatus(), tracker)
    assert f"was delivered {formatting.on_day(order.delivered_on, date.today())}" in reply.text
    assert formatting.money(order.total, order.currency) in reply.text


ADDRESS_PAGE = (
    "# Shipping\n\n## Changing the delivery address\n"
    "A delivery address can be changed only before the order ships. Contact customer support with your order number.\n"
)


async def test_a_question_about_an_order_gets_its_status_and_the_documents_answer(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, index_page: Callable[..., None]
) -> None:
    """A message with an order number that the NLU could not place but most likely read as a policy question
    asks something besides the status; a plain "10234?" does not."""
    index_page("shipping.md", ADDRESS_PAGE)
    number = alice.orders["paid"]
    question = f"can the delivery address of {number} still be changed?"
    ranking = [("nlu_fallback", 0.2), ("ask_policy", 0.43), ("order_status", 0.40)]
    tracker = make_tracker(
        customer_id=alice.customer_id,
        text=question,
        intent="nlu_fallback",
        confidence=0.2,
        ranking=ranking,
        slots={"order_number": number},
    )
    reply = await run(ActionOrderStatus(), tracker)
    assert number in reply.messages[0]["text"], reply.text
    assert "changed only before the order ships" in reply.text, reply.text
    plain = make_tracker(
        customer_id=alice.customer_id,
        text=number,
        intent="nlu_fallback",
        confidence=0.2,
        ranking=[("nlu_fallback", 0.2), ("order_status", 0.4), ("ask_policy", 0.3)],
        slots={"order_number": number},
    )
    assert "changed only before" not in (await run(ActionOrderStatus(), plain)).text


async def test_another_customers_order_reads_exactly_like_a_missing_one(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, bob: DemoAccount, app_orders: SqlOrders
) -> None:
    bobs_number = bob.orders["shipped"]
    bobs_order = app_orders.get_order(bobs_number, bob.customer_id)
    other = await run(
        ActionOrderStatus(), make_tracker(customer_id=alice.customer_id, slots={"order_number": bobs_number})
    )
    missing = await run(
        ActionOrderStatus(), make_tracker(customer_id=alice.customer_id, slots={"order_number": MISSING_ORDER})
    )
    assert other.text.replace(bobs_number, "N") == missing.text.replace(MISSING_ORDER, "N")
    assert (
        other.events == missing.events == [{"event": "slot", "timestamp": None, "name": "order_number", "value": None}]
    )
    assert other.buttons == missing.buttons == []
    leaks = [line.product_name for line in bobs_order.lines]
    leaks += [formatting.money(bobs_order.total, bobs_order.currency), str(bobs_order.carrier)]
    leaks += [str(bobs_order.tracking_number), bob.name, bob.email]
    assert not [leak for leak in leaks if leak in other.text]


async def test_no_order_named_offers_the_customers_own_recent_orders(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    reply = await run(ActionOrderStatus(), make_tracker(customer_id=alice.customer_id))
    recent = app_orders.list_orders(alice.customer_id, 5)
    assert "Which order do you mean?" in reply.text
    assert [button["payload"] for button in reply.buttons] == [
        f'/order_status{{"order_number": "{order.number}"}}' for order in recent
    ]


async def test_wrong_order_forgets_it_and_offers_own_orders(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    tracker = make_tracker(
        customer_id=alice.customer_id,
        slots={"order_number": alice.orders["paid"], "pending_request": "order_cancel"},
    )
    reply = await run(ActionWrongOrder(), tracker)
    assert reply.slots == {"order_number": None}
    own = {order.number for order in app_orders.list_orders(alice.customer_id, 5)}
    assert reply.buttons and all(button["payload"].startswith("/order_cancel{") for button in reply.buttons)
    assert {button["payload"].split('"')[-2] for button in reply.buttons} == own


async def test_the_other_one_after_an_invoice_is_the_other_invoices_not_a_wrong_order(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    """ "and the other one?" (read as "wrong order") after an invoice's due date: the open invoices' due dates;
    after an order's status, the customer's orders to choose from, as before."""
    assert alice.open_invoice is not None

    def after(action: str, asked: str) -> Tracker:
        parse = {"intent": {"name": "wrong_order", "confidence": 0.69}, "entities": [], "metadata": {}}
        events = [
            ActionExecuted("action_listen"),
            UserUttered(asked, parse),
            ActionExecuted(action),
            ActionExecuted("action_listen"),
            UserUttered("and the other one?", parse),
        ]
        slots = {"invoice_number": alice.open_invoice}
        return make_tracker(customer_id=alice.customer_id, text="and the other one?", events=events, slots=slots)

    invoices = await run(ActionWrongOrder(), after("action_invoice_due", f"when do i have to pay {alice.open_invoice}"))
    assert invoices.followups == ["action_invoice_due"] and invoices.slots["invoice_number"] is None
    assert not invoices.messages
    orders = await run(ActionWrongOrder(), after("action_order_status", f"where is {alice.orders['paid']}"))
    assert not orders.followups and orders.buttons


class Proposal:
    """What the customer sees when a cancel or return form takes `number`: the refusal, or the question."""

    def __init__(self, validated: Any, asked: Any) -> None:
        self.slots = validated.slots
        self.text = "\n".join(filter(None, [validated.text, asked.text if asked else ""]))
        self.buttons = asked.buttons if asked else []


async def propose(run: Run, make_tracker: Callable[..., Tracker], kind: str, customer_id: int, number: str) -> Proposal:
    form, ask = (
        (ValidateCancelForm(), ActionAskCancelConfirmed())
        if kind == "cancel"
        else (ValidateReturnForm(), ActionAskReturnConfirmed())
    )
    text = f"{kind} {number}"
    latest = {"text": text, "intent": {"name": f"order_{kind}", "confidence": 1.0}, "entities": [], "metadata": {}}
    events = [ActionExecuted("action_listen"), UserUttered(text, latest), SlotSet("order_number", number)]
    tracker = make_tracker(
        customer_id=customer_id, slots={"order_number": number}, text=text, events=events, active_loop=f"{kind}_form"
    )
    validated = await run(form, tracker)
    asked = None
    if not validated.slots.get("change_refused") and validated.slots.get("order_number"):
        asked = await run(ask, make_tracker(customer_id=customer_id, slots={"order_number": number}))
    return Proposal(validated, asked)


# -- cancelling: the question, or why not ----------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
async def test_cancel_asks_for_confirmation_before_shipping(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_dump: Callable[[], object],
    status: str,
) -> None:
    number = alice.orders[status]
    before = app_dump()
    reply = await propose(run, make_tracker, "cancel", alice.customer_id, number)
    assert f"Do you want me to cancel order {number}" in reply.text
    assert [button["payload"] for button in reply.buttons] == ["/affirm", "/deny"]
    assert reply.slots["order_number"] == number and reply.slots["cancel_confirmed"] is None
    assert app_dump() == before  # only asked: nothing cancelled yet


async def test_cancel_refused_once_shipped(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["shipped"]
    before = app_dump()
    reply = await propose(run, make_tracker, "cancel", alice.customer_id, number)
    assert f"Order {number} has already shipped, so it can't be cancelled" in reply.text
    assert "within 30 days" in reply.text
    assert reply.slots["change_refused"] is True and reply.buttons == []
    assert app_dump() == before


async def test_cancel_of_a_delivered_order_offers_a_return(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["delivered"]
    before = app_dump()
    reply = await propose(run, make_tracker, "cancel", alice.customer_id, number)
    assert "already been delivered" in reply.text and "return it" in reply.text
    # The rules follow with return_form, whose question is the offer (nothing made without its yes).
    assert reply.slots["change_refused"] is True and reply.slots["return_offered"] is True
    assert app_dump() == before


async def test_cancel_of_a_cancelled_order(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["cancelled"]
    before = app_dump()
    reply = await propose(run, make_tracker, "cancel", alice.customer_id, number)
    assert reply.text == f"Order {number} is already cancelled — there's nothing more to do."
    assert reply.slots["change_refused"] is True
    assert app_dump() == before


async def test_cancel_of_another_customers_order_changes_nothing(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    bob: DemoAccount,
    app_dump: Callable[[], object],
) -> None:
    before = app_dump()
    reply = await propose(run, make_tracker, "cancel", alice.customer_id, bob.orders["pending"])
    assert "I couldn't find an order" in reply.text
    assert reply.slots["order_number"] is None
    assert app_dump() == before


# -- returns ---------------------------------------------------------------------------------


async def test_return_within_the_window_creates_a_return_authorisation(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_orders: SqlOrders,
    app_engine: Engine,
    returns_of_order: Callable[[Engine, str], list[str]],
) -> None:
    number = alice.returnable_order
    assert number is not None and returns_of_order(app_engine, number) == []
    order = app_orders.get_order(number, alice.customer_id)
    slots = {"order_number": number, "return_confirmed": True}
    reply = await run(ActionOrderReturn(), make_tracker(customer_id=alice.customer_id, slots=slots))
    created = returns_of_order(app_engine, number)
    assert len(created) == 1
    assert f"Return number: {created[0]}" in reply.text
    assert formatting.money(order.total, order.currency) in reply.text
    # The order stays delivered until the goods are back.
    assert app_orders.get_order(number, alice.customer_id).status is OrderStatus.DELIVERED


async def test_return_outside_the_window_is_refused(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.expired_return_order
    assert number is not None
    before = app_dump()
    reply = await propose(run, make_tracker, "return", alice.customer_id, number)
    assert f"Order {number} was delivered more than 30 days ago" in reply.text
    assert "30-day return window" in reply.text
    assert app_dump() == before


@pytest.mark.parametrize("status", ["pending", "shipped"])
async def test_return_before_delivery_is_refused(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_dump: Callable[[], object],
    status: str,
) -> None:
    number = alice.orders[status]
    before = app_dump()
    reply = await propose(run, make_tracker, "return", alice.customer_id, number)
    assert f"Order {number} hasn't been delivered yet, so it can't be returned." in reply.text
    assert app_dump() == before


# -- back office down ------------------------------------------------------------------------


@pytest.mark.parametrize("action", [ActionOrderStatus(), ActionAskReturnOrderNumber(), ActionWrongOrder()])
async def test_back_office_down_gets_an_apology_not_a_crash(
    run: Run, make_tracker: Callable[..., Tracker], backoffice_down: object, action: Action
) -> None:
    for slots in ({"order_number": "ORD-10001"}, {}):
        reply = await run(action, make_tracker(customer_id=1, slots=slots))
        assert reply.text == catalog.text("utter_backoffice_unavailable")


def test_a_recent_delivery_says_what_to_do_if_it_never_arrived(alice: DemoAccount, app_orders: SqlOrders) -> None:
    """ "delivered but I never got it" is asked in the days after: a recent delivery comes with the help
    centre's advice (neighbours, safe place, 2 working days, then us); an old one does not."""
    order = app_orders.get_order(alice.orders["delivered"], alice.customer_id)
    today = date.today()
    recent = describe(replace(order, delivered_on=today - timedelta(days=2)), today)
    assert "was delivered" in recent and "neighbours" in recent and "2 working days" in recent
    old = describe(replace(order, delivered_on=today - timedelta(days=40)), today)
    assert "was delivered" in old and "neighbours" not in old


async def test_a_refused_change_corrected_with_another_order_is_started_again_for_it(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    """ "That's the one I cancelled, I meant 10187" right after a refused return: the return form again, for
    the order meant (its entity may already be in the slot); the same number, or no refusal, gets the status."""
    cancelled, meant = alice.orders["cancelled"], alice.orders["delivered"]

    def after_refusal(text: str, named: str, refused: bool = True, kind: str = "return") -> Tracker:
        intent, form = ("order_return", "return_form") if kind == "return" else ("order_cancel", "cancel_form")
        request = {"intent": {"name": intent, "confidence": 0.99}, "entities": [], "metadata": {}}
        inform = {"intent": {"name": "inform", "confidence": 0.99}, "entities": [], "metadata": {}}
        latest = {"text": text, "intent": {"name": "wrong_order", "confidence": 0.7}, "entities": [], "metadata": {}}
        # A return names its order with the request; a cancellation gets it as the answer to the form's question.
        asked = [] if kind == "return" else [ActionExecuted(form), ActionExecuted("action_listen")]
        events = [
            ActionExecuted("action_listen"),
            UserUttered(f"I want to {kind} {cancelled}" if kind == "return" else f"I need to {kind} an order", request),
            *asked,
            *([UserUttered(cancelled[4:], inform)] if asked else []),
            ActionExecuted(form),
            SlotSet("order_number", cancelled),
            SlotSet("change_refused", refused),
            ActionExecuted("action_listen"),
            UserUttered(text, latest),
            SlotSet("order_number", named),
        ]
        return make_tracker(
            customer_id=alice.customer_id,
            text=text,
            intent="wrong_order",
            events=events,
            slots={"order_number": named},
        )

    corrected = await run(ActionOrderStatus(), after_refusal(f"oh that one was cancelled, I meant {meant[4:]}", meant))
    assert {"event": "followup", "timestamp": None, "name": "return_form"} in corrected.events, corrected.events
    assert not corrected.text
    same = await run(ActionOrderStatus(), after_refusal(f"I meant {cancelled}", cancelled))
    assert cancelled in same.text and not [e for e in same.events if e.get("event") == "followup"]
    unrefused = await run(ActionOrderStatus(), after_refusal(f"and {meant}?", meant, refused=False))
    assert meant in unrefused.text
    answered = after_refusal(f"argh no, wrong one sorry. i meant {meant[4:]}", meant, kind="cancel")
    picked = await run(ActionOrderStatus(), answered)
    assert {"event": "followup", "timestamp": None, "name": "cancel_form"} in picked.events, picked.events
    # Whatever the NLU made of it: read as a question, it still corrects the refused change.
    asked = await run(ActionAnswerFromDocuments(), after_refusal(f"oh right. what about {meant[4:]} then", meant))
    assert {"event": "followup", "timestamp": None, "name": "return_form"} in asked.events, asked.events
    assert not asked.text


async def test_a_correction_after_a_refusal_in_a_message_of_two_requests_is_the_change_again(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    """ "cancel 10216 and also what do i still owe you" — refused, then the balance — and "i meant 10291": the
    refusal was in the previous message's first part (each part is a user event of its own, "ID", "ID-1")."""
    shipped, meant = alice.orders["shipped"], alice.orders["paid"]
    cancel = {"intent": {"name": "order_cancel", "confidence": 0.99}, "entities": [], "metadata": {}}
    balance = {"intent": {"name": "invoice_balance", "confidence": 0.99}, "entities": [], "metadata": {}}
    text = f"ah it already went out? my bad, i meant {meant[4:]}"
    latest = {"text": text, "intent": {"name": "nlu_fallback", "confidence": 0.2}, "entities": [], "metadata": {}}
    events = [
        ActionExecuted("action_listen"),
        {**UserUttered(f"cancel {shipped[4:]}", cancel), "message_id": "a1b2"},
        ActionExecuted("cancel_form"),
        SlotSet("order_number", shipped),
        SlotSet("change_refused", True),
        {**UserUttered("and also what do i still owe you", balance), "message_id": "a1b2-1"},
        ActionExecuted("action_invoice_balance"),
        ActionExecuted("action_listen"),
        {**UserUttered(text, latest), "message_id": "c3d4"},
    ]
    tracker = make_tracker(customer_id=alice.customer_id, text=text, intent="nlu_fallback", events=events)
    corrected = await run(ActionAnswerFromDocuments(), tracker)
    assert {"event": "followup", "timestamp": None, "name": "cancel_form"} in corrected.events, corrected.events
    assert not corrected.text

"""Order status, cancellation and returns for the verified customer."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import confirmation
from actions.backoffice_calls import call, orders_port
from actions.customer import CustomerAction, replying_on_failure, verified_customer_id
from assistant import formatting
from assistant.settings import get_settings
from backoffice.domain import CANCELLABLE_STATUSES, Order, OrderStatus, normalise_order_number
from backoffice.errors import NotAllowed, NotFound

# The same words whether the order does not exist or belongs to someone else.
NOT_ON_ACCOUNT = "I couldn't find an order {n} on your account. Please check the number."


def describe(order: Order, today: date) -> str:
    """One natural sentence or two about where an order stands."""
    what = f"Order {order.number} ({formatting.items(order.lines)}, {formatting.money(order.total, order.currency)})"
    placed = formatting.day(order.placed_at.date(), today)
    match order.status:
        case OrderStatus.PENDING:
            return f"{what} was placed on {placed} and is waiting for payment."
        case OrderStatus.PAID:
            return f"{what} is paid, and our warehouse is getting it ready. It usually ships within 2 working days."
        case OrderStatus.PACKED:
            return f"{what} is packed and will be handed to the carrier shortly."
        case OrderStatus.SHIPPED:
            eta = f" Expected delivery: {formatting.day(order.eta, today)}." if order.eta else ""
            tracking = f", tracking number {order.tracking_number}" if order.tracking_number else ""
            return f"{what} is on its way with {order.carrier or 'our carrier'}{tracking}.{eta}"
        case OrderStatus.DELIVERED:
            when = formatting.day(order.delivered_on, today) if order.delivered_on else "recently"
            return f"{what} was delivered on {when}."
        case OrderStatus.CANCELLED:
            when = f" on {formatting.day(order.cancelled_at.date(), today)}" if order.cancelled_at else ""
            return f"{what} was cancelled{when}."
        case OrderStatus.RETURNED:
            return f"{what} was returned to us."
    return f"{what} is {order.status.value}."


def order_choice_buttons(orders: list[Order], intent: str) -> list[dict[str, str]]:
    """Quick replies that re-ask `intent` for one specific order."""
    return [
        {"title": formatting.order_label(o), "payload": f"/{intent}{json.dumps({'order_number': o.number})}"}
        for o in orders
    ]


class OrderAction(CustomerAction):
    """Shared by the three order actions: which order the customer means."""

    intent = "order_status"

    async def chosen_order(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> Order | None:
        """The order named in the conversation, or the only recent one; else asks and returns None."""
        number = normalise_order_number(tracker.get_slot("order_number") or "")
        port = orders_port()
        if number:
            try:
                return await call(port.get_order, number, customer_id)
            except NotFound:
                # Same words whether it does not exist or belongs to someone else.
                dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=number))
                return None
        recent = await call(port.list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(text="I can't see any orders on your account yet.")
            return None
        if len(recent) == 1:
            return recent[0]
        dispatcher.utter_message(
            text="Which order do you mean? Here are your most recent ones:",
            buttons=order_choice_buttons(recent, self.intent),
        )
        return None


class ActionOrderStatus(OrderAction):
    def name(self) -> str:
        return "action_order_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        order = await self.chosen_order(dispatcher, tracker, customer_id)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(text=describe(order, date.today()))
        return [SlotSet("order_number", order.number)]


CANCEL_REFUSALS = {
    OrderStatus.SHIPPED: "Order {n} has already shipped, so it can't be cancelled any more. "
    "Once it's delivered you can return it within {w} days.",
    OrderStatus.CANCELLED: "Order {n} is already cancelled — there's nothing more to do.",
    OrderStatus.RETURNED: "Order {n} was already returned, so it can't be cancelled.",
}


class ActionOrderCancel(OrderAction):
    intent = "order_cancel"

    def name(self) -> str:
        return "action_order_cancel"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        order = await self.chosen_order(dispatcher, tracker, customer_id)
        if order is None:
            return [SlotSet("order_number", None)]
        events: list[EventType] = [SlotSet("order_number", order.number)]
        if order.status in CANCELLABLE_STATUSES:
            dispatcher.utter_message(
                text=f"Do you want me to cancel order {order.number} ({formatting.items(order.lines)}, "
                f"{formatting.money(order.total, order.currency)})? This can't be undone.",
                buttons=[
                    {"title": "Yes, cancel it", "payload": "/affirm"},
                    {"title": "No, keep it", "payload": "/deny"},
                ],
            )
            return [*events, confirmation.ask("cancel", order.number)]
        if order.status == OrderStatus.DELIVERED:
            dispatcher.utter_message(
                text=f"Order {order.number} has already been delivered, so it can't be cancelled. "
                "Would you like to return it instead?",
                buttons=[
                    {"title": "Yes, return it", "payload": "/affirm"},
                    {"title": "No", "payload": "/deny"},
                ],
            )
            return [*events, confirmation.ask("return", order.number)]
        refusal = CANCEL_REFUSALS[order.status]
        dispatcher.utter_message(text=refusal.format(n=order.number, w=get_settings().return_window_days))
        return events


async def cancel(dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
    """Cancel after the customer said yes; the port re-checks state, so a race is refused, not lost."""
    try:
        order = await call(orders_port().cancel_order, order_number, customer_id)
    except NotFound:
        dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=order_number))
        return
    except NotAllowed as refusal:
        dispatcher.utter_message(
            text=f"I'm sorry, order {order_number} can't be cancelled any more ({refusal.reason.replace('_', ' ')})."
        )
        return
    dispatcher.utter_message(
        text=f"Done — order {order.number} is cancelled. If you've already paid, the refund goes back to your "
        "original payment method within 5 working days."
    )


RETURN_REFUSALS = {
    "not_delivered": "Order {n} hasn't been delivered yet, so it can't be returned. "
    "If it hasn't shipped, you can cancel it instead.",
    "window_expired": "Order {n} was delivered more than {w} days ago, so it's outside our {w}-day return "
    "window. If an item is faulty it may still be covered by the warranty — a person from our team can help.",
    "already_cancelled": "Order {n} was cancelled, so there's nothing to return.",
    "already_returned": "Order {n} has already been returned.",
    "return_exists": "There's already a return open for order {n} — you don't need to do anything more.",
}


async def start_return(dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
    """Authorise a return, or explain in the customer's words why it is not possible."""
    window = get_settings().return_window_days
    try:
        rma = await call(orders_port().create_return, order_number, customer_id, date.today())
    except NotFound:
        dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=order_number))
        return
    except NotAllowed as refusal:
        template = RETURN_REFUSALS.get(refusal.reason, "Order {n} can't be returned right now.")
        dispatcher.utter_message(text=template.format(n=order_number, w=window))
        return
    dispatcher.utter_message(
        text=f"Your return is authorised. Return number: {rma.number}. Please pack the items with the "
        f"return number on the parcel and send it within 14 days. Once it arrives we refund "
        f"{formatting.money(rma.refund_amount, rma.currency)} to your original payment method."
    )


async def confirm_cancel(dispatcher: CollectingDispatcher, tracker: Tracker, target: str) -> list[EventType]:
    """The customer said yes to cancelling `target`."""
    return await _confirmed(dispatcher, tracker, lambda customer_id: cancel(dispatcher, target, customer_id))


async def confirm_return(dispatcher: CollectingDispatcher, tracker: Tracker, target: str) -> list[EventType]:
    """The customer said yes to returning `target` (offered when a delivered order could not be cancelled)."""
    return await _confirmed(dispatcher, tracker, lambda customer_id: start_return(dispatcher, target, customer_id))


async def _confirmed(
    dispatcher: CollectingDispatcher, tracker: Tracker, change: Callable[[int], Awaitable[None]]
) -> list[EventType]:
    customer_id = verified_customer_id(tracker)
    if customer_id is None:  # the proof expired between question and answer: check again
        return [FollowupAction("verify_form")]

    async def work() -> list[EventType]:
        await change(customer_id)
        return []

    return await replying_on_failure("action_affirm", dispatcher, tracker, work())


class ActionOrderReturn(OrderAction):
    intent = "order_return"

    def name(self) -> str:
        return "action_order_return"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        order = await self.chosen_order(dispatcher, tracker, customer_id)
        if order is None:
            return [SlotSet("order_number", None)]
        await start_return(dispatcher, order.number, customer_id)
        return [SlotSet("order_number", order.number)]


class ActionWrongOrder(CustomerAction):
    """ "That's not my order": forget the order in focus and offer the customer's own."""

    def name(self) -> str:
        return "action_wrong_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        forget = [SlotSet("order_number", None), confirmation.clear()]
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(text="Sorry about that. Which order number did you mean?")
            return forget
        return forget + await self.run_for_customer(dispatcher, tracker, customer_id)

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        recent = await call(orders_port().list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(text="Sorry about that. I can't see any orders on your account.")
            return []
        intent = tracker.get_slot("pending_request") or "order_status"
        if not intent.startswith("order_"):
            intent = "order_status"
        dispatcher.utter_message(
            text="Sorry about that. Which order did you mean?", buttons=order_choice_buttons(recent, intent)
        )
        return []

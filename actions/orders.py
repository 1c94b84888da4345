"""Order status for the verified customer, and which order they mean (the changes: order_changes.py)."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice_calls import call, orders_port
from actions.customer import CustomerAction, verified_customer_id
from actions.documents import the_question_too
from actions.order_corrections import CHANGE_FORMS, corrected_change, orders_named
from assistant import catalog, formatting
from backoffice.domain import (
    CANCELLABLE_STATUSES,
    Order,
    OrderStatus,
    normalise_order_number,
)
from backoffice.errors import NotFound
from knowledge.text import tokens

# The same words whether the order does not exist or belongs to someone else.
NOT_ON_ACCOUNT = "utter_order_not_found"
# Where an order stands, by status: each reply names the order, its items and its total.
STATUS_REPLIES = {
    OrderStatus.PAID: "utter_order_paid",
    OrderStatus.PACKED: "utter_order_packed",
    OrderStatus.RETURNED: "utter_order_returned",
}


def _shipped(order: Order, today: date, what: dict[str, Any]) -> str:
    tracking = catalog.text("utter_order_tracking", tracking=order.tracking_number) if order.tracking_number else ""
    eta = catalog.text("utter_order_eta", day=formatting.day(order.eta, today)) if order.eta else ""
    carrier = order.carrier or catalog.text("utter_order_our_carrier")
    return catalog.text("utter_order_shipped", **what, carrier=carrier, tracking=tracking, eta=eta)


# A parcel the carrier marked delivered but the customer never got is asked about in the days after:
# a delivery this recent comes with what to do then (the help centre's advice).
NOT_RECEIVED_WINDOW_DAYS = 14


def describe(order: Order, today: date) -> str:
    """One natural sentence or two about where an order stands."""
    what: dict[str, Any] = {
        "order": order.number,
        "items": formatting.items(order.lines),
        "total": formatting.money(order.total, order.currency),
    }
    match order.status:
        case OrderStatus.PENDING:
            return catalog.text("utter_order_pending", **what, placed=formatting.on_day(order.placed_at.date(), today))
        case OrderStatus.SHIPPED:
            return _shipped(order, today, what)
        case OrderStatus.DELIVERED if order.delivered_on:
            delivered = catalog.text("utter_order_delivered", **what, when=formatting.on_day(order.delivered_on, today))
            if (today - order.delivered_on).days > NOT_RECEIVED_WINDOW_DAYS:
                return delivered
            return catalog.text("utter_two_lines", first=delivered, second=catalog.text("utter_if_not_received"))
        case OrderStatus.DELIVERED:
            recently = catalog.text("utter_order_delivered_recently", **what)
            return catalog.text("utter_two_lines", first=recently, second=catalog.text("utter_if_not_received"))
        case OrderStatus.CANCELLED if order.cancelled_at:
            when = formatting.on_day(order.cancelled_at.date(), today)
            return catalog.text("utter_order_cancelled_on", **what, when=when)
        case OrderStatus.CANCELLED:
            return catalog.text("utter_order_cancelled", **what)
    if order.status in STATUS_REPLIES:
        return catalog.text(STATUS_REPLIES[order.status], **what)
    return catalog.text("utter_order_in_status", **what, status=formatting.status("order", order.status))


def order_choice_buttons(orders: list[Order], intent: str) -> list[dict[str, str]]:
    """Quick replies that re-ask `intent` for one specific order: the ones it can apply to first.

    Cancelled orders go last; for a cancellation, the orders that can still be cancelled lead.
    """

    def rank(order: Order) -> int:
        if order.status == OrderStatus.CANCELLED:
            return 2
        return int(intent == "order_cancel" and order.status not in CANCELLABLE_STATUSES)

    return [
        {"title": formatting.order_label(o), "payload": f"/{intent}{json.dumps({'order_number': o.number})}"}
        for o in sorted(orders, key=rank)
    ]


class OrderAction(CustomerAction):
    """Shared by the order actions: which order the customer means."""

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
                dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=number)
                return None
        recent = await call(port.list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(response="utter_no_orders")
            return None
        if len(recent) == 1:
            return recent[0]
        by_item = orders_with_item_named(recent, tracker.latest_message.get("text") or "")
        if len(by_item) == 1:  # "whats up with my rug order": the one recent order with a rug in it
            return by_item[0]
        dispatcher.utter_message(response="utter_which_order", buttons=order_choice_buttons(recent, self.intent))
        return None


def orders_with_item_named(orders: list[Order], text: str) -> list[Order]:
    """The orders one of whose products the message names by a word of its name ("my rug order", "the lanterns"),
    compared as the documents' search compares words (stems, no function words: "with" names no hammock)."""
    said = {word for word in tokens(text) if word.isalpha()}
    return [order for order in orders if any(said & set(tokens(line.product_name)) for line in order.lines)]


class ActionOrderStatus(OrderAction):
    def name(self) -> str:
        return "action_order_status"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        named = orders_named(tracker.latest_message.get("text") or "")
        corrected = corrected_change(tracker, named)
        if corrected is not None:  # "oh, that's the one I cancelled. I meant 10192": the return, for 10192
            return [SlotSet("change_refused", None), FollowupAction(CHANGE_FORMS[corrected])]
        if len(named) > 1:  # "where are ORD-10211 and ORD-10213?": every one asked about
            await describe_orders(dispatcher, named, customer_id)
            return [SlotSet("order_number", named[-1])]
        order = await self.chosen_order(dispatcher, tracker, customer_id)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(text=describe(order, date.today()))
        return [SlotSet("order_number", order.number), *await the_question_too(dispatcher, tracker)]


async def describe_orders(dispatcher: CollectingDispatcher, numbers: list[str], customer_id: int) -> None:
    """The status of each order named, the customer's own only."""
    for number in numbers:
        try:
            dispatcher.utter_message(
                text=describe(await call(orders_port().get_order, number, customer_id), date.today())
            )
        except NotFound:
            dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=number)


class ActionAskWhichOrder(CustomerAction, ABC):
    """A form's question for `order_number`: the customer's recent orders as buttons."""

    intent = "order_status"

    @abstractmethod
    def name(self) -> str:
        """The form's ask action: action_ask_<form>_order_number."""

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        recent = await call(orders_port().list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(response="utter_no_orders")
            return [SlotSet("change_refused", True)]
        dispatcher.utter_message(response="utter_which_order", buttons=order_choice_buttons(recent, self.intent))
        return []


# The actions that show a customer's records, and the one that lists the open invoices' due dates.
ORDER_ACTIONS = frozenset({"action_order_status"})
INVOICE_ACTIONS = frozenset({"action_invoice_due", "action_invoice_balance", "action_invoice_pay"})
INVOICES_DUE_ACTION = "action_invoice_due"


def last_record_shown(tracker: Tracker) -> str | None:
    """The action that last showed an order or an invoice before the latest message, if one did."""
    for event in reversed(tracker.events[: latest_user_index(tracker)]):
        if event.get("event") == "action" and event.get("name") in ORDER_ACTIONS | INVOICE_ACTIONS:
            return str(event["name"])
    return None


def latest_user_index(tracker: Tracker) -> int:
    """Where the latest user message is among the events (their length when there is none)."""
    return next(
        (i for i in range(len(tracker.events) - 1, -1, -1) if tracker.events[i].get("event") == "user"),
        len(tracker.events),
    )


class ActionWrongOrder(CustomerAction):
    """ "That's not my order": forget the order in focus and offer the customer's own."""

    def name(self) -> str:
        return "action_wrong_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        forget = [SlotSet("order_number", None)]
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(response="utter_wrong_order_which_number")
            return forget
        return forget + await self.run_for_customer(dispatcher, tracker, customer_id)

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        corrected = corrected_change(tracker, orders_named(text))
        if corrected is not None:  # "that's the one I cancelled, I meant 10192": the refused change, for 10192
            return [SlotSet("change_refused", None), FollowupAction(CHANGE_FORMS[corrected])]
        meant = normalise_order_number(text)
        if meant:  # "sorry, I meant ORD-10293": the status of the one meant
            try:
                order = await call(orders_port().get_order, meant, customer_id)
            except NotFound:
                dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=meant)
                return []
            dispatcher.utter_message(text=describe(order, date.today()))
            return [SlotSet("order_number", order.number)]
        if last_record_shown(tracker) in INVOICE_ACTIONS:
            # "and the other one?" after an invoice's due date: the other invoices, not a wrong order
            return [SlotSet("invoice_number", None), FollowupAction(INVOICES_DUE_ACTION)]
        recent = await call(orders_port().list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(response="utter_wrong_order_no_orders")
            return []
        intent = tracker.get_slot("pending_request") or "order_status"
        if not intent.startswith("order_"):
            intent = "order_status"
        dispatcher.utter_message(response="utter_wrong_order_which", buttons=order_choice_buttons(recent, intent))
        return []

"""Order status, cancellation and returns for the verified customer."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from datetime import date, timedelta
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backoffice_calls import call, orders_port
from actions.customer import UNAVAILABLE_REPLY, CustomerAction, verified_customer_id
from assistant import formatting
from assistant.settings import get_settings
from backoffice.domain import (
    CANCELLABLE_STATUSES,
    ORDER_NUMBER_RE,
    Order,
    OrderStatus,
    normalise_order_number,
)
from backoffice.errors import BackofficeUnavailable, NotAllowed, NotFound

# The same words whether the order does not exist or belongs to someone else.
NOT_ON_ACCOUNT = "I couldn't find an order {n} on your account. Please check the number."


def describe(order: Order, today: date) -> str:
    """One natural sentence or two about where an order stands."""
    what = f"Order {order.number} ({formatting.items(order.lines)}, {formatting.money(order.total, order.currency)})"
    placed = formatting.on_day(order.placed_at.date(), today)
    match order.status:
        case OrderStatus.PENDING:
            return f"{what} was placed {placed} and is waiting for payment."
        case OrderStatus.PAID:
            return f"{what} is paid, and our warehouse is getting it ready. It usually ships within 2 working days."
        case OrderStatus.PACKED:
            return f"{what} is packed and will be handed to the carrier shortly."
        case OrderStatus.SHIPPED:
            eta = f" Expected delivery: {formatting.day(order.eta, today)}." if order.eta else ""
            tracking = f", tracking number {order.tracking_number}" if order.tracking_number else ""
            return f"{what} is on its way with {order.carrier or 'our carrier'}{tracking}.{eta}"
        case OrderStatus.DELIVERED:
            when = formatting.on_day(order.delivered_on, today) if order.delivered_on else "recently"
            return f"{what} was delivered {when}."
        case OrderStatus.CANCELLED:
            when = f" {formatting.on_day(order.cancelled_at.date(), today)}" if order.cancelled_at else ""
            return f"{what} was cancelled{when}."
        case OrderStatus.RETURNED:
            return f"{what} was returned to us."
    return f"{what} is {order.status.value}."


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
        named = orders_named(tracker.latest_message.get("text") or "")
        if len(named) > 1:  # "where are ORD-10211 and ORD-10213?": every one asked about
            await describe_orders(dispatcher, named, customer_id)
            return [SlotSet("order_number", named[-1])]
        order = await self.chosen_order(dispatcher, tracker, customer_id)
        if order is None:
            return [SlotSet("order_number", None)]
        dispatcher.utter_message(text=describe(order, date.today()))
        return [SlotSet("order_number", order.number)]


async def describe_orders(dispatcher: CollectingDispatcher, numbers: list[str], customer_id: int) -> None:
    """The status of each order named, the customer's own only."""
    for number in numbers:
        try:
            dispatcher.utter_message(
                text=describe(await call(orders_port().get_order, number, customer_id), date.today())
            )
        except NotFound:
            dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=number))


def orders_named(text: str) -> list[str]:
    """Every order number in a message, in order, once each."""
    found = (f"ORD-{m.group(1)}" for m in ORDER_NUMBER_RE.finditer(text))
    return list(dict.fromkeys(found))


CANCEL_REFUSALS: dict[OrderStatus | str, str] = {
    OrderStatus.DELIVERED: "Order {n} has already been delivered, so it can't be cancelled. "
    'You can return it within {w} days of delivery instead: just say "return it".',
    # Delivered and still returnable: the return question (return_form) follows at once.
    "return_instead": "Order {n} has already been delivered, so it can't be cancelled, but you can return it instead.",
    OrderStatus.SHIPPED: "Order {n} has already shipped, so it can't be cancelled any more. "
    "Once it's delivered you can return it within {w} days.",
    OrderStatus.CANCELLED: "Order {n} is already cancelled — there's nothing more to do.",
    OrderStatus.RETURNED: "Order {n} was already returned, so it can't be cancelled.",
}
RETURN_REFUSALS = {
    "not_delivered": "Order {n} hasn't been delivered yet, so it can't be returned. "
    "If it hasn't shipped, you can cancel it instead.",
    "window_expired": "Order {n} was delivered more than {w} days ago, so it's outside our {w}-day return "
    "window. If an item is faulty it may still be covered by the warranty — a person from our team can help.",
    "already_cancelled": "Order {n} was cancelled, so there's nothing to return.",
    "already_returned": "Order {n} has already been returned.",
    "return_exists": "There's already a return open for order {n} — you don't need to do anything more.",
}
YES_NO_BUTTONS = {
    "cancel": [{"title": "Yes, cancel it", "payload": "/affirm"}, {"title": "No, keep it", "payload": "/deny"}],
    "return": [{"title": "Yes, start the return", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
}


def return_refusal(order: Order, today: date) -> str | None:
    """Why `order` cannot be returned today (the port checks again when the return is made)."""
    if order.status == OrderStatus.CANCELLED:
        return "already_cancelled"
    if order.status == OrderStatus.RETURNED:
        return "already_returned"
    if order.status != OrderStatus.DELIVERED or order.delivered_on is None:
        return "not_delivered"
    if order.delivered_on < today - timedelta(days=get_settings().return_window_days):
        return "window_expired"
    return None


def return_deadline(order: Order) -> date | None:
    if order.delivered_on is None:
        return None
    return order.delivered_on + timedelta(days=get_settings().return_window_days)


class OrderChangeForm(FormValidationAction, ABC):
    """The order a change is about, and the customer's yes or no to it (cancel_form, return_form).

    The order is re-read from every message (a correction, "sorry, I meant ORD-10295", is
    taken at any point); a changed order or a refusal resets the answer, so a yes always
    answers the question asked about the order now in focus.
    """

    kind = ""
    confirm_slot = ""

    @abstractmethod
    def refusal(self, order: Order, today: date) -> str | None:
        """The refusal message's text for `order`, or None when the change is possible."""

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("change_refused") or verified_customer_id(tracker) is None:
            return []
        return domain_slots

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        customer_id = verified_customer_id(tracker)
        number = normalise_order_number(str(value or ""))
        if customer_id is None or number is None:
            return {"order_number": None}
        try:
            order = await call(orders_port().get_order, number, customer_id)
        except NotFound:
            dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=number))
            return {"order_number": None, self.confirm_slot: None}
        except BackofficeUnavailable:
            dispatcher.utter_message(text=UNAVAILABLE_REPLY)
            return {"order_number": number, "change_refused": True}
        reason = self.refusal(order, date.today())
        if reason is not None:
            dispatcher.utter_message(text=reason)
            refused = {"order_number": number, "change_refused": True, self.confirm_slot: None}
            return {**refused, **self.after_refusal(order)}
        # A new order in focus: whatever was answered before was about another one.
        return {"order_number": number, self.confirm_slot: None, "return_offered": False}

    def after_refusal(self, order: Order) -> dict[str, Any]:
        """Slots that say what follows a refusal (the rules read them); nothing by default."""
        return {"return_offered": False}

    async def extract_order_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = normalise_order_number(tracker.latest_message.get("text") or "")
        if number and number != tracker.get_slot("order_number"):
            return {"order_number": number}
        return {}

    async def validate_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        if "order_number" in tracker.slots_to_validate():
            return {self.confirm_slot: None}  # a correction: the question is asked again for the new order
        answer = answers.answer_in(tracker)
        if value is True and answer is not True:
            dispatcher.utter_message(response="utter_need_clear_answer", buttons=YES_NO_BUTTONS[self.kind])
            return {self.confirm_slot: None}
        if value is False or answer is False:
            return {self.confirm_slot: False}
        return {self.confirm_slot: True if answer is True else None}

    def extract_answer(self, tracker: Tracker) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") != self.confirm_slot:
            return {}
        answer = answers.answer_in(tracker)
        return {} if answer is None else {self.confirm_slot: answer}


class ValidateCancelForm(OrderChangeForm):
    kind = "cancel"
    confirm_slot = "cancel_confirmed"

    def name(self) -> str:
        return "validate_cancel_form"

    def refusal(self, order: Order, today: date) -> str | None:
        if order.status in CANCELLABLE_STATUSES:
            return None
        key: OrderStatus | str = "return_instead" if self.return_instead(order, today) else order.status
        return CANCEL_REFUSALS[key].format(n=order.number, w=get_settings().return_window_days)

    @staticmethod
    def return_instead(order: Order, today: date) -> bool:
        return order.status == OrderStatus.DELIVERED and return_refusal(order, today) is None

    def after_refusal(self, order: Order) -> dict[str, Any]:
        # A delivered order that can still go back: the rules start return_form, whose question
        # (order, items, amount, deadline) is the offer; nothing is made without its yes.
        return {"return_offered": self.return_instead(order, date.today())}

    async def extract_cancel_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.extract_answer(tracker)

    async def validate_cancel_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self.validate_confirmed(value, dispatcher, tracker)


class ValidateReturnForm(OrderChangeForm):
    kind = "return"
    confirm_slot = "return_confirmed"

    def name(self) -> str:
        return "validate_return_form"

    async def validate_order_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The offer made after a refused cancellation is taken up by this form: done with it.
        return {**await super().validate_order_number(value, dispatcher, tracker, domain), "return_offered": False}

    def refusal(self, order: Order, today: date) -> str | None:
        reason = return_refusal(order, today)
        if reason is None:
            return None
        return RETURN_REFUSALS[reason].format(n=order.number, w=get_settings().return_window_days)

    async def extract_return_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.extract_answer(tracker)

    async def validate_return_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self.validate_confirmed(value, dispatcher, tracker)


class ActionAskWhichOrder(CustomerAction, ABC):
    """The form's question for `order_number`: the customer's recent orders as buttons."""

    intent = "order_status"

    @abstractmethod
    def name(self) -> str:
        """The form's ask action: action_ask_<form>_order_number."""

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        recent = await call(orders_port().list_orders, customer_id, 5)
        if not recent:
            dispatcher.utter_message(text="I can't see any orders on your account yet.")
            return [SlotSet("change_refused", True)]
        dispatcher.utter_message(response="utter_which_order", buttons=order_choice_buttons(recent, self.intent))
        return []


class ActionAskCancelOrderNumber(ActionAskWhichOrder):
    intent = "order_cancel"

    def name(self) -> str:
        return "action_ask_cancel_form_order_number"


class ActionAskReturnOrderNumber(ActionAskWhichOrder):
    intent = "order_return"

    def name(self) -> str:
        return "action_ask_return_form_order_number"


class ActionAskCancelConfirmed(CustomerAction):
    """What the cancellation will do, asked before anything changes."""

    def name(self) -> str:
        return "action_ask_cancel_confirmed"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        order = await call(orders_port().get_order, tracker.get_slot("order_number"), customer_id)
        dispatcher.utter_message(
            response="utter_ask_cancel_confirmed",
            buttons=YES_NO_BUTTONS["cancel"],
            order=order.number,
            items=formatting.items(order.lines),
            total=formatting.money(order.total, order.currency),
        )
        return []


class ActionAskReturnConfirmed(CustomerAction):
    """What the return will do (the order, its items, the refund, the deadline), asked before it is made."""

    def name(self) -> str:
        return "action_ask_return_confirmed"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        order = await call(orders_port().get_order, tracker.get_slot("order_number"), customer_id)
        deadline = return_deadline(order)
        dispatcher.utter_message(
            response="utter_ask_return_confirmed",
            buttons=YES_NO_BUTTONS["return"],
            order=order.number,
            items=formatting.items(order.lines),
            total=formatting.money(order.total, order.currency),
            deadline=formatting.day(deadline, date.today()) if deadline else "",
        )
        return []


class OrderChangeSubmit(CustomerAction, ABC):
    """After cancel_form or return_form: carry out the change the customer said yes to, or nothing."""

    confirm_slot = ""
    declined_response = ""

    @abstractmethod
    async def change(self, dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
        """Make the change; the port checks the order's state again."""

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        reset: list[EventType] = [SlotSet(self.confirm_slot, None), SlotSet("change_refused", None)]
        number = tracker.get_slot("order_number")
        if tracker.get_slot("change_refused") or not number:
            return reset
        if tracker.get_slot(self.confirm_slot) is True:
            await self.change(dispatcher, number, customer_id)
        else:
            dispatcher.utter_message(response=self.declined_response, order=number)
        return reset


class ActionOrderCancel(OrderChangeSubmit):
    confirm_slot = "cancel_confirmed"
    declined_response = "utter_cancel_declined"

    def name(self) -> str:
        return "action_order_cancel"

    async def change(self, dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
        await cancel(dispatcher, order_number, customer_id)


class ActionOrderReturn(OrderChangeSubmit):
    confirm_slot = "return_confirmed"
    declined_response = "utter_return_declined"

    def name(self) -> str:
        return "action_order_return"

    async def change(self, dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
        await start_return(dispatcher, order_number, customer_id)


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
    dispatcher.utter_message(response="utter_cancelled", order=order.number)


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
        response="utter_return_authorised", rma=rma.number, refund=formatting.money(rma.refund_amount, rma.currency)
    )


class ActionWrongOrder(CustomerAction):
    """ "That's not my order": forget the order in focus and offer the customer's own."""

    def name(self) -> str:
        return "action_wrong_order"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        forget = [SlotSet("order_number", None)]
        customer_id = verified_customer_id(tracker)
        if customer_id is None:
            dispatcher.utter_message(text="Sorry about that. Which order number did you mean?")
            return forget
        return forget + await self.run_for_customer(dispatcher, tracker, customer_id)

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        meant = normalise_order_number(tracker.latest_message.get("text") or "")
        if meant:  # "sorry, I meant ORD-10293": the status of the one meant
            try:
                order = await call(orders_port().get_order, meant, customer_id)
            except NotFound:
                dispatcher.utter_message(text=NOT_ON_ACCOUNT.format(n=meant))
                return []
            dispatcher.utter_message(text=describe(order, date.today()))
            return [SlotSet("order_number", order.number)]
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

"""Cancelling and returning an order (cancel_form, return_form): the question first, the change after a clear yes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import date, timedelta
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers
from actions.backoffice_calls import call, orders_port
from actions.customer import UNAVAILABLE, CustomerAction, verified_customer_id
from actions.documents import the_question_too
from actions.follow_ups import ASKS_RE, likeliest_readings, spoken_part
from actions.orders import NOT_ON_ACCOUNT, ActionAskWhichOrder, ActionOrderStatus, describe_orders
from assistant import catalog, formatting
from assistant.settings import get_settings
from backoffice.domain import CANCELLABLE_STATUSES, Order, OrderStatus, normalise_order_number
from backoffice.errors import BackofficeUnavailable, NotAllowed, NotFound

# Why an order cannot be cancelled, by its status (message ids of the reply catalog).
CANCEL_REFUSALS: dict[OrderStatus | str, str] = {
    OrderStatus.DELIVERED: "utter_cancel_refused_delivered",
    # Delivered and still returnable: the return question (return_form) follows at once.
    "return_instead": "utter_cancel_refused_return_instead",
    OrderStatus.SHIPPED: "utter_cancel_refused_shipped",
    OrderStatus.CANCELLED: "utter_cancel_refused_cancelled",
    OrderStatus.RETURNED: "utter_cancel_refused_returned",
}
# Why an order cannot be returned, by the back office's refusal reason: `utter_return_refused_<reason>`.
RETURN_REFUSED = "utter_return_refused"
YES_NO_BUTTONS = {
    "cancel": (("utter_button_yes_cancel", "/affirm"), ("utter_button_no_keep", "/deny")),
    "return": (("utter_button_yes_return", "/affirm"), ("utter_button_no", "/deny")),
}


def return_refusal_said(reason: str, order_number: str) -> dict[str, str]:
    """The customer's words for a return refusal `reason` (a general one for a reason the catalog lacks)."""
    specific = f"{RETURN_REFUSED}_{reason}"
    message_id = specific if catalog.has(specific) else RETURN_REFUSED
    return catalog.said(message_id, order=order_number, window=get_settings().return_window_days)


def cancel_refusal_now_text(reason: str, order_number: str) -> str:
    """Why a cancellation the customer said yes to was refused (the order changed meanwhile): the
    reason code in the catalog's words (`utter_cancel_refused_reason_<reason>`), never the code itself."""
    worded = f"utter_cancel_refused_reason_{reason}"
    if not catalog.has(worded):
        return catalog.text("utter_cancel_refused_now_unexplained", order=order_number)
    return catalog.text("utter_cancel_refused_now", order=order_number, reason=catalog.text(worded))


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


# How far down a message's readings a status question may be for it to be asked aside at a confirmation.
STATUS_READINGS = 2


def status_asked_aside(tracker: Tracker, number: str, confirm_slot: str) -> str | None:
    """The order a change's confirmation was about, when the message asks where another order is instead of
    correcting which one ("where is 10216" at "Do you want me to cancel order ORD-10294?"): a status question,
    shaped as a question, while the yes-or-no question waited. None otherwise (a correction, "sorry, I meant
    10216", or any other message)."""
    if tracker.get_slot("requested_slot") != confirm_slot:
        return None
    # The status among the two likeliest readings: "hold on where's 10229 at" is as much out of scope (0.37) as a
    # status question (0.28) to the NLU; its question shape and the order it names settle it.
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    readings = [intent, *likeliest_readings(tracker.latest_message, STATUS_READINGS)]
    if ActionOrderStatus.intent not in readings or not ASKS_RE.search(
        spoken_part(tracker.latest_message.get("text") or "")
    ):
        return None
    before = order_in_focus_before_this_message(tracker)
    return before if before is not None and before != number else None


def order_in_focus_before_this_message(tracker: Tracker) -> str | None:
    """The order_number slot's value as it was before the latest user message."""
    in_focus = before = None
    for event in tracker.events:
        if event.get("event") == "user":
            before = in_focus
        elif event.get("event") == "slot" and event.get("name") == "order_number":
            in_focus = event.get("value")
    return normalise_order_number(str(before or ""))


class OrderChangeForm(FormValidationAction, ABC):
    """The order a change is about, and the customer's yes or no to it (cancel_form, return_form).

    The order is re-read from every message (a correction, "sorry, I meant ORD-10295", is
    taken at any point); a changed order or a refusal resets the answer, so a yes always
    answers the question asked about the order now in focus.
    """

    kind = ""
    confirm_slot = ""

    @abstractmethod
    def refusal(self, order: Order, today: date) -> dict[str, str] | None:
        """The refusal message for `order` (`catalog.said`), or None when the change is possible."""

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
        asked_about = status_asked_aside(tracker, number, self.confirm_slot)
        if asked_about is not None:
            # "hold on first, where is 10216" while cancelling 10294: that order's status, and the question
            # about 10294 asked again (the form goes on with the order it was about)
            await describe_orders(dispatcher, [number], customer_id)
            return {"order_number": asked_about}
        try:
            order = await call(orders_port().get_order, number, customer_id)
        except NotFound:
            dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=number)
            return {"order_number": None, self.confirm_slot: None}
        except BackofficeUnavailable:
            dispatcher.utter_message(response=UNAVAILABLE)
            return {"order_number": number, "change_refused": True}
        reason = self.refusal(order, date.today())
        if reason is not None:
            # "and I get back my money for it?" right after a cancellation, read as a return of it (refused:
            # cancelled): what the message also asks comes first, when the documents support it
            await the_question_too(dispatcher, tracker)
            dispatcher.utter_message(**reason)
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
        answer = answers.answer_in(tracker)
        if "order_number" in tracker.slots_to_validate():
            # A correction: the question is asked again for the new order, unless it was asked about that
            # order before and this is a clear yes to it ("ok leave that one alone. yes cancel 10263 please").
            number = tracker.slots_to_validate()["order_number"]
            if not (value is True and answer is True and self.asked_about(tracker, number)):
                return {self.confirm_slot: None}
        if value is True and answer is not True:
            buttons = catalog.buttons(*YES_NO_BUTTONS[self.kind])
            dispatcher.utter_message(response="utter_need_clear_answer", buttons=buttons)
            return {self.confirm_slot: None}
        if value is False or answer is False:
            return {self.confirm_slot: False}
        return {self.confirm_slot: True if answer is True else None}

    def asked_about(self, tracker: Tracker, number: Any) -> bool:
        """Whether this form's yes-or-no question was put to the customer about order `number` earlier in the
        conversation (so they have seen what the change will do to it)."""
        in_focus = None
        for event in tracker.events:
            if event.get("event") != "slot":
                continue
            if event.get("name") == "order_number":
                in_focus = event.get("value")
            asked = event.get("name") == "requested_slot" and event.get("value") == self.confirm_slot
            if asked and in_focus == number:
                return True
        return False

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

    def refusal(self, order: Order, today: date) -> dict[str, str] | None:
        if order.status in CANCELLABLE_STATUSES:
            return None
        key: OrderStatus | str = "return_instead" if self.return_instead(order, today) else order.status
        return catalog.said(CANCEL_REFUSALS[key], order=order.number, window=get_settings().return_window_days)

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

    def refusal(self, order: Order, today: date) -> dict[str, str] | None:
        reason = return_refusal(order, today)
        return None if reason is None else return_refusal_said(reason, order.number)

    async def extract_return_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self.extract_answer(tracker)

    async def validate_return_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return await self.validate_confirmed(value, dispatcher, tracker)


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
            buttons=catalog.buttons(*YES_NO_BUTTONS["cancel"]),
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
            buttons=catalog.buttons(*YES_NO_BUTTONS["return"]),
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
        dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=order_number)
        return
    except NotAllowed as refusal:
        dispatcher.utter_message(text=cancel_refusal_now_text(refusal.reason, order_number))
        return
    dispatcher.utter_message(response="utter_cancelled", order=order.number)


async def start_return(dispatcher: CollectingDispatcher, order_number: str, customer_id: int) -> None:
    """Authorise a return, or explain in the customer's words why it is not possible."""
    try:
        rma = await call(orders_port().create_return, order_number, customer_id, date.today())
    except NotFound:
        dispatcher.utter_message(response=NOT_ON_ACCOUNT, order=order_number)
        return
    except NotAllowed as refusal:
        dispatcher.utter_message(**return_refusal_said(refusal.reason, order_number))
        return
    dispatcher.utter_message(
        response="utter_return_authorised", rma=rma.number, refund=formatting.money(rma.refund_amount, rma.currency)
    )

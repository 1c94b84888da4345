"""Invoice balance, due dates and payment links for the verified customer."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date
from decimal import Decimal

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backoffice_calls import billing_port, call
from actions.customer import CustomerAction
from actions.documents import the_question_too
from actions.follow_ups import names_the_one_before
from actions.order_corrections import orders_named
from actions.orders import describe_orders
from assistant import catalog, formatting
from assistant.identity import issue_payment_token
from assistant.settings import get_settings
from backoffice.domain import Invoice, InvoiceStatus, normalise_invoice_number
from backoffice.errors import NotFound

# The invoice the conversation is about: the one named or shown last (`from_entity` in domain.yml, and set by
# the invoice actions); cleared when a list of invoices is shown. "just send me a card payment link" after
# talking about INV-50114 means that one; after the list of four, it means "which?".
FOCUS_SLOT = "invoice_number"
OVERDUE_WORDS = re.compile(r"(?i)\b(overdue|late|past due|oldest)\b")


def void_reply(invoice: Invoice) -> str:
    """Why a void invoice asks for nothing: its order was cancelled before it was paid."""
    if invoice.order_number:
        return catalog.text("utter_invoice_void_with_order", invoice=invoice.number, order=invoice.order_number)
    return catalog.text("utter_invoice_void", invoice=invoice.number)


def invoice_line(invoice: Invoice, today: date) -> str:
    """`INV-50012: €120.00 due Tuesday 3 March` / `… overdue since …`."""
    balance = formatting.money(invoice.balance, invoice.currency)
    if invoice.status == InvoiceStatus.VOID:
        return catalog.text("utter_invoice_line_void", invoice=invoice.number)
    if invoice.status == InvoiceStatus.PAID:
        return catalog.text("utter_invoice_line_paid", invoice=invoice.number)
    due = formatting.day(invoice.due_on, today)
    if invoice.status == InvoiceStatus.OVERDUE:
        return catalog.text("utter_invoice_line_overdue", invoice=invoice.number, balance=balance, since=due)
    partly = invoice.status == InvoiceStatus.PARTLY_PAID
    message_id = "utter_invoice_line_partly_paid" if partly else "utter_invoice_line_due"
    return catalog.text(message_id, invoice=invoice.number, balance=balance, due=due)


def invoice_list(invoices: list[Invoice], today: date) -> str:
    """One line per invoice, as a list."""
    return "\n".join(catalog.text("utter_list_item", item=invoice_line(i, today)) for i in invoices)


def totals(invoices: list[Invoice]) -> str:
    """`€340.00`, or `€340.00 and $12.00` when currencies are mixed."""
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for invoice in invoices:
        by_currency[invoice.currency] += invoice.balance
    return formatting.join_and([formatting.money(amount, currency) for currency, amount in sorted(by_currency.items())])


def payment_link(invoice_number: str) -> str:
    settings = get_settings()
    token = issue_payment_token(invoice_number, settings.identity_secret)
    return f"{settings.public_url.rstrip('/')}/pay/{invoice_number}?token={token}"


def verified_with_invoice(tracker: Tracker) -> str | None:
    """The invoice number given to the identity check that "pay my invoice" started, when this is that request
    carried out right after it: the invoice the person had at hand is the one they mean to pay. (A balance
    stays the whole account's, whichever invoice identified the person.)"""
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    if tracker.get_slot("pending_request") != ActionInvoicePay.intent or intent == ActionInvoicePay.intent:
        return None
    return normalise_invoice_number(tracker.get_slot("verify_reference") or "")


def held_in_hand(tracker: Tracker, candidates: list[Invoice]) -> list[Invoice]:
    """The invoice the person was verified with, when the message asks for one of a kind ("the late one") and it is
    one of the invoices of that kind: with two overdue, "gimme a link to pay the late one" after being verified
    with INV-50081 means the one they had at hand. (Any other message with several candidates is asked about.)"""
    text = tracker.latest_message.get("text") or ""
    if not (OVERDUE_WORDS.search(text) and names_the_one_before(text)):
        return []
    verified_with = normalise_invoice_number(tracker.get_slot("verify_reference") or "")
    return [i for i in candidates if i.number == verified_with]


class InvoiceAction(CustomerAction):
    """Shared by the invoice actions: the invoice named in the conversation, if any."""

    intent = "invoice_due"

    async def named_invoice(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int, *, in_message: bool = False
    ) -> tuple[bool, Invoice | None]:
        """(named?, invoice). Named but not the customer's: says so, returns (True, None).

        `in_message`: only an invoice this very message names counts (a balance is the
        customer's whole account, whichever invoice they were verified with or asked about before).
        """
        source = tracker.latest_message.get("text") if in_message else tracker.get_slot(FOCUS_SLOT)
        return await self.invoice_numbered(dispatcher, normalise_invoice_number(source or ""), customer_id)

    async def invoice_numbered(
        self, dispatcher: CollectingDispatcher, number: str | None, customer_id: int
    ) -> tuple[bool, Invoice | None]:
        """(named?, invoice) for `number`; not the customer's: says so, returns (True, None)."""
        if not number:
            return False, None
        try:
            return True, await call(billing_port().get_invoice, number, customer_id)
        except NotFound:
            dispatcher.utter_message(response="utter_invoice_not_found", invoice=number)
            return True, None

    async def run_for_customer(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int
    ) -> list[EventType]:
        """What the request also asks ("can i pay it off in a few chunks?") is answered first, then the request."""
        aside = await the_question_too(dispatcher, tracker)
        return [*aside, *await super().run_for_customer(dispatcher, tracker, customer_id)]

    def choice_buttons(self, invoices: list[Invoice]) -> list[dict[str, str]]:
        return [
            {
                "title": catalog.text(
                    "utter_button_invoice", invoice=i.number, balance=formatting.money(i.balance, i.currency)
                ),
                "payload": f"/{self.intent}{json.dumps({'invoice_number': i.number})}",
            }
            for i in invoices
        ]


class ActionInvoiceBalance(InvoiceAction):
    def name(self) -> str:
        return "action_invoice_balance"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        named, invoice = await self.named_invoice(dispatcher, tracker, customer_id, in_message=True)
        today = date.today()
        if named:
            if invoice is not None:
                dispatcher.utter_message(response="utter_invoice_single", line=invoice_line(invoice, today))
            return [SlotSet(FOCUS_SLOT, invoice.number if invoice else None)]
        open_invoices = await call(billing_port().list_open_invoices, customer_id)
        if not open_invoices:
            dispatcher.utter_message(response="utter_no_open_invoices_balance")
            return [SlotSet(FOCUS_SLOT, None)]
        overdue = [i for i in open_invoices if i.status == InvoiceStatus.OVERDUE]
        overdue_part = (
            catalog.text("utter_invoice_balance_overdue", overdue=formatting.number(len(overdue))) if overdue else ""
        )
        dispatcher.utter_message(
            response="utter_invoice_balance_many" if len(open_invoices) > 1 else "utter_invoice_balance_one",
            total=totals(open_invoices),
            count=formatting.number(len(open_invoices)),
            overdue=overdue_part,
            lines=invoice_list(open_invoices, today),
        )
        return [SlotSet(FOCUS_SLOT, None)]  # a list shown: no one invoice is the one talked about any more


class ActionInvoiceDue(InvoiceAction):
    def name(self) -> str:
        return "action_invoice_due"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        named, invoice = await self.named_invoice(dispatcher, tracker, customer_id)
        today = date.today()
        if named:
            if invoice is None:
                return [SlotSet(FOCUS_SLOT, None)]
            if invoice.status == InvoiceStatus.VOID:
                dispatcher.utter_message(text=void_reply(invoice))
            elif invoice.status == InvoiceStatus.PAID:
                dispatcher.utter_message(response="utter_invoice_paid_nothing_due", invoice=invoice.number)
            elif invoice.status == InvoiceStatus.OVERDUE:
                dispatcher.utter_message(
                    response="utter_invoice_overdue",
                    invoice=invoice.number,
                    due=formatting.on_day(invoice.due_on, today),
                    days=formatting.day_count((today - invoice.due_on).days),
                    balance=formatting.money(invoice.balance, invoice.currency),
                )
            else:
                dispatcher.utter_message(
                    response="utter_invoice_due",
                    invoice=invoice.number,
                    due=formatting.on_day(invoice.due_on, today),
                    balance=formatting.money(invoice.balance, invoice.currency),
                )
            # "when is INV-50283 due and where is ORD-10261": the order's part is answered too.
            await describe_orders(dispatcher, orders_named(tracker.latest_message.get("text") or ""), customer_id)
            return [SlotSet(FOCUS_SLOT, invoice.number)]
        open_invoices = await call(billing_port().list_open_invoices, customer_id)
        if not open_invoices:
            dispatcher.utter_message(response="utter_no_open_invoices_due")
            return []
        dispatcher.utter_message(response="utter_invoices_due", lines=invoice_list(open_invoices, today))
        return [SlotSet(FOCUS_SLOT, None)]


class ActionInvoicePay(InvoiceAction):
    intent = "invoice_pay"

    def name(self) -> str:
        return "action_invoice_pay"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, customer_id: int) -> list[EventType]:
        named, invoice = await self.named_invoice(dispatcher, tracker, customer_id, in_message=True)
        if not named:
            named, invoice = await self.invoice_numbered(dispatcher, verified_with_invoice(tracker), customer_id)
        if named and invoice is None:
            return [SlotSet(FOCUS_SLOT, None)]
        if invoice is None:
            open_invoices = await call(billing_port().list_open_invoices, customer_id)
            if not open_invoices:
                dispatcher.utter_message(response="utter_no_open_invoices_pay")
                return []
            if OVERDUE_WORDS.search(tracker.latest_message.get("text") or ""):
                # "the link for the overdue one": the overdue invoices are the ones meant
                overdue = [i for i in open_invoices if i.status == InvoiceStatus.OVERDUE]
                open_invoices = overdue or open_invoices
            in_focus = [i for i in open_invoices if i.number == tracker.get_slot(FOCUS_SLOT)] or held_in_hand(
                tracker, open_invoices
            )
            if len(open_invoices) > 1 and not in_focus:
                dispatcher.utter_message(
                    response="utter_which_invoice_to_pay", buttons=self.choice_buttons(open_invoices)
                )
                return [SlotSet(FOCUS_SLOT, None)]
            invoice = (in_focus or open_invoices)[0]
        if invoice.status == InvoiceStatus.VOID:
            dispatcher.utter_message(text=void_reply(invoice))
            return [SlotSet(FOCUS_SLOT, invoice.number)]
        if invoice.status == InvoiceStatus.PAID:
            dispatcher.utter_message(response="utter_invoice_already_paid", invoice=invoice.number)
            return [SlotSet(FOCUS_SLOT, invoice.number)]
        dispatcher.utter_message(
            response="utter_invoice_pay_link",
            invoice=invoice.number,
            balance=formatting.money(invoice.balance, invoice.currency),
            link=payment_link(invoice.number),
        )
        return [SlotSet(FOCUS_SLOT, invoice.number)]

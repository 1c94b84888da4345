"""What the assistant may ask the back office: one Protocol per system.

Every method that reads or changes a customer's record takes the *verified*
customer id and raises `NotFound` when the record is not that customer's, so a
caller can never learn that someone else's order exists.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from backoffice.domain import Customer, Invoice, Order, Payment, ReturnAuthorization


class OrdersPort(Protocol):
    def verify_customer(self, reference: str, email: str, client: str | None = None) -> Customer | None:
        """The customer whose order (or invoice) `reference` was placed with `email`, else None.

        Case-insensitive e-mail, normalised reference. Says nothing about why it failed.
        Every failure is recorded against the reference, the e-mail and the `client` (an IP
        address or a platform account, as the connector signed it), across conversations and
        channels; while any of them is over its cap (`backoffice.attempts`) it raises
        NotAllowed("too_many_attempts"), for a reference that exists and one that does not alike.
        """
        ...

    def get_customer(self, customer_id: int) -> Customer:
        """Raises NotFound."""
        ...

    def get_order(self, order_number: str, customer_id: int) -> Order:
        """Raises NotFound when the order does not exist or is not the customer's."""
        ...

    def list_orders(self, customer_id: int, limit: int = 5) -> list[Order]:
        """The customer's most recent orders, newest first."""
        ...

    def cancel_order(self, order_number: str, customer_id: int) -> Order:
        """Cancels before shipping, and voids the order's invoice if nothing was paid on it yet
        (a paid or partly paid invoice is kept for the refund). Raises NotFound, or
        NotAllowed(reason) with reason in `already_shipped`, `already_delivered`,
        `already_cancelled`, `already_returned`."""
        ...

    def create_return(self, order_number: str, customer_id: int, today: date) -> ReturnAuthorization:
        """Authorises a return of a delivered order within the return window. Raises NotFound,
        or NotAllowed(reason) with reason in `not_delivered`, `window_expired` (the fact `delivered_on`),
        `already_returned`, `already_cancelled`, `return_exists`."""
        ...


class BillingPort(Protocol):
    def list_open_invoices(self, customer_id: int) -> list[Invoice]:
        """Invoices with a balance > 0 (never void ones), overdue first, then by due date."""
        ...

    def get_invoice(self, invoice_number: str, customer_id: int) -> Invoice:
        """Raises NotFound when the invoice does not exist or is not the customer's."""
        ...

    def find_invoice(self, invoice_number: str) -> Invoice:
        """For the payment page, which is reached through a signed link. Raises NotFound."""
        ...

    def record_payment(self, invoice_number: str, amount: Decimal, method: str) -> Payment:
        """Raises NotFound, or NotAllowed(reason) with `invoice_void`, `already_paid`,
        `invalid_amount` (the fact `balance`: the most that can be paid)."""
        ...

"""`SqlOrders` against a real migrated and seeded database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.errors import NotAllowed, NotFound
from backoffice.sql.adapter import utc_now
from backoffice.sql.billing import SqlBilling
from backoffice.sql.models import VerificationFailureRow
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

Dump = dict[str, list[tuple[Any, ...]]]


def digits(number: str) -> str:
    return number.removeprefix("ORD-")


# -- reading ---------------------------------------------------------------------------------


def test_get_order_returns_the_customers_order(orders: SqlOrders, alice: DemoAccount, today: date) -> None:
    number = alice.orders["shipped"]
    order = orders.get_order(number, alice.customer_id)
    assert order.number == number
    assert order.customer_id == alice.customer_id
    assert order.status is OrderStatus.SHIPPED
    assert order.carrier in {"DHL", "UPS", "DPD", "GLS"}
    assert order.tracking_number
    assert order.eta is not None and order.eta > today
    assert 1 <= len(order.lines) <= 4
    assert order.total == sum(line.quantity * line.unit_price for line in order.lines)


def test_get_order_accepts_a_messy_number(orders: SqlOrders, alice: DemoAccount) -> None:
    number = alice.orders["pending"]
    assert orders.get_order(f"ord {digits(number)}", alice.customer_id).number == number


def test_someone_elses_order_looks_exactly_like_a_missing_one(
    orders: SqlOrders, alice: DemoAccount, bob: DemoAccount
) -> None:
    with pytest.raises(NotFound) as other:
        orders.get_order(bob.orders["pending"], alice.customer_id)
    with pytest.raises(NotFound) as missing:
        orders.get_order("ORD-19999", alice.customer_id)
    with pytest.raises(NotFound) as garbage:
        orders.get_order("hello", alice.customer_id)
    assert str(other.value) == str(missing.value) == str(garbage.value)
    assert bob.orders["pending"] not in str(other.value)


def test_list_orders_newest_first_and_only_own(orders: SqlOrders, alice: DemoAccount) -> None:
    recent = orders.list_orders(alice.customer_id)
    assert len(recent) == 5
    assert all(order.customer_id == alice.customer_id for order in recent)
    assert [order.placed_at for order in recent] == sorted((o.placed_at for o in recent), reverse=True)
    everything = orders.list_orders(alice.customer_id, limit=1000)
    assert {order.number for order in everything} >= set(alice.orders.values())
    assert orders.list_orders(alice.customer_id, limit=0) == []
    assert orders.list_orders(999_999) == []


def test_get_customer(orders: SqlOrders, alice: DemoAccount) -> None:
    customer = orders.get_customer(alice.customer_id)
    assert (customer.name, customer.email) == (alice.name, alice.email)
    with pytest.raises(NotFound):
        orders.get_customer(999_999)


# -- cancelling ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
def test_cancel_before_shipping(orders: SqlOrders, alice: DemoAccount, status: str) -> None:
    cancelled = orders.cancel_order(alice.orders[status], alice.customer_id)
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert orders.get_order(alice.orders[status], alice.customer_id).status is OrderStatus.CANCELLED


def test_cancelling_voids_the_unpaid_invoice_and_nothing_else(
    orders: SqlOrders,
    billing: SqlBilling,
    alice: DemoAccount,
    invoice_of: Callable[[str], str],
    db_dump: Callable[[], Dump],
) -> None:
    number = alice.orders["pending"]
    invoice = billing.get_invoice(invoice_of(number), alice.customer_id)
    assert invoice.status is InvoiceStatus.OPEN and invoice.paid == 0
    assert invoice.number in {i.number for i in billing.list_open_invoices(alice.customer_id)}
    before = db_dump()
    orders.cancel_order(number, alice.customer_id)
    after = db_dump()
    voided = billing.get_invoice(invoice.number, alice.customer_id)
    assert (voided.status, voided.balance, voided.amount) == (InvoiceStatus.VOID, 0, invoice.amount)
    assert invoice.number not in {i.number for i in billing.list_open_invoices(alice.customer_id)}
    # Only that one invoice row (and the order) changed; no payment or other invoice did.
    changed = [row for row in after["invoices"] if row not in before["invoices"]]
    assert [row[1] for row in changed] == [invoice.number]
    assert after["payments"] == before["payments"]


@pytest.mark.parametrize("status", ["paid", "packed"])
def test_cancelling_keeps_a_paid_invoice_as_it_is(
    orders: SqlOrders, billing: SqlBilling, alice: DemoAccount, invoice_of: Callable[[str], str], status: str
) -> None:
    number = invoice_of(alice.orders[status])
    before = billing.get_invoice(number, alice.customer_id)
    assert before.status is InvoiceStatus.PAID
    orders.cancel_order(alice.orders[status], alice.customer_id)
    assert billing.get_invoice(number, alice.customer_id) == before


def test_cancelling_keeps_a_partly_paid_invoice_as_it_is(
    orders: SqlOrders, billing: SqlBilling, alice: DemoAccount, invoice_of: Callable[[str], str]
) -> None:
    """Money was received: the invoice stays for the refund (out of scope), never half void."""
    number = invoice_of(alice.orders["pending"])
    billing.record_payment(number, Decimal("1.00"), "card")
    before = billing.get_invoice(number, alice.customer_id)
    assert before.status is InvoiceStatus.PARTLY_PAID
    orders.cancel_order(alice.orders["pending"], alice.customer_id)
    assert billing.get_invoice(number, alice.customer_id) == before


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("shipped", "already_shipped"),
        ("delivered", "already_delivered"),
        ("cancelled", "already_cancelled"),
        ("returned", "already_returned"),
    ],
)
def test_cancel_refused_leaves_the_database_unchanged(
    orders: SqlOrders, alice: DemoAccount, db_dump: Callable[[], object], status: str, reason: str
) -> None:
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        orders.cancel_order(alice.orders[status], alice.customer_id)
    assert refused.value.reason == reason
    assert db_dump() == before


def test_cannot_cancel_someone_elses_order(
    orders: SqlOrders, alice: DemoAccount, bob: DemoAccount, db_dump: Callable[[], object]
) -> None:
    before = db_dump()
    with pytest.raises(NotFound):
        orders.cancel_order(bob.orders["pending"], alice.customer_id)
    assert db_dump() == before


# -- returns ---------------------------------------------------------------------------------


def test_return_within_the_window(orders: SqlOrders, alice: DemoAccount, today: date) -> None:
    number = alice.returnable_order
    assert number is not None
    order = orders.get_order(number, alice.customer_id)
    authorization = orders.create_return(number, alice.customer_id, today)
    assert authorization.number == f"RMA-{60000 + int(digits(number))}"
    assert authorization.order_number == number
    assert authorization.refund_amount == order.total
    assert authorization.currency == order.currency
    # The order stays delivered until the goods are back.
    assert orders.get_order(number, alice.customer_id).status is OrderStatus.DELIVERED


def test_second_return_is_refused(
    orders: SqlOrders, alice: DemoAccount, db_dump: Callable[[], object], today: date
) -> None:
    assert alice.returnable_order is not None
    orders.create_return(alice.returnable_order, alice.customer_id, today)
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        orders.create_return(alice.returnable_order, alice.customer_id, today)
    assert refused.value.reason == "return_exists"
    assert db_dump() == before


def test_return_window_edges(orders: SqlOrders, alice: DemoAccount) -> None:
    assert alice.returnable_order is not None
    delivered_on = orders.get_order(alice.returnable_order, alice.customer_id).delivered_on
    assert delivered_on is not None
    last_day = delivered_on + timedelta(days=30)
    with pytest.raises(NotAllowed) as late:
        orders.create_return(alice.returnable_order, alice.customer_id, last_day + timedelta(days=1))
    assert late.value.reason == "window_expired"
    assert orders.create_return(alice.returnable_order, alice.customer_id, last_day).order_number


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("pending", "not_delivered"),
        ("paid", "not_delivered"),
        ("packed", "not_delivered"),
        ("shipped", "not_delivered"),
        ("cancelled", "already_cancelled"),
        ("returned", "already_returned"),
    ],
)
def test_return_refused_by_status(
    orders: SqlOrders,
    alice: DemoAccount,
    db_dump: Callable[[], object],
    status: str,
    reason: str,
    today: date,
) -> None:
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        orders.create_return(alice.orders[status], alice.customer_id, today)
    assert refused.value.reason == reason
    assert db_dump() == before


def test_return_outside_the_window(
    orders: SqlOrders, alice: DemoAccount, db_dump: Callable[[], object], today: date
) -> None:
    assert alice.expired_return_order is not None
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        orders.create_return(alice.expired_return_order, alice.customer_id, today)
    assert refused.value.reason == "window_expired"
    assert db_dump() == before


def test_cannot_return_someone_elses_order(
    orders: SqlOrders, alice: DemoAccount, bob: DemoAccount, today: date
) -> None:
    assert bob.returnable_order is not None
    with pytest.raises(NotFound):
        orders.create_return(bob.returnable_order, alice.customer_id, today)


# -- identity --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference", ["{number}", "ord {digits}", "#{digits}", "ORD{digits}", "order {digits}", "Order #{digits}"]
)
def test_verify_customer_with_any_reference_format(orders: SqlOrders, alice: DemoAccount, reference: str) -> None:
    number = alice.orders["pending"]
    customer = orders.verify_customer(reference.format(number=number, digits=digits(number)), alice.email)
    assert customer is not None
    assert customer.id == alice.customer_id


def test_verify_customer_email_is_case_and_space_insensitive(orders: SqlOrders, alice: DemoAccount) -> None:
    customer = orders.verify_customer(alice.orders["paid"], f"  {alice.email.upper()} ")
    assert customer is not None and customer.id == alice.customer_id


def test_verify_customer_with_an_invoice_number(orders: SqlOrders, alice: DemoAccount) -> None:
    assert alice.open_invoice is not None
    invoice_digits = alice.open_invoice.removeprefix("INV-")
    customer = orders.verify_customer(f"inv {invoice_digits}", alice.email)
    assert customer is not None and customer.id == alice.customer_id


@pytest.mark.parametrize(
    ("reference_of", "email_of"),
    [("alice", "wrong"), ("bob", "alice"), ("nothing", "alice"), ("alice", "empty")],
)
def test_verify_customer_refuses(
    orders: SqlOrders, alice: DemoAccount, bob: DemoAccount, reference_of: str, email_of: str
) -> None:
    reference = {"alice": alice.orders["pending"], "bob": bob.orders["pending"], "nothing": "no idea"}[reference_of]
    email = {"alice": alice.email, "wrong": "someone@example.com", "empty": ""}[email_of]
    assert orders.verify_customer(reference, email) is None


# -- guessing across conversations --------------------------------------------------------


def test_failed_checks_lock_a_reference_across_conversations(
    engine: Any, orders: SqlOrders, alice: DemoAccount
) -> None:
    """Each conversation allows 3 tries; the back office caps them per reference for everyone."""
    number = alice.orders["shipped"]
    for attempt in range(orders.caps["reference"].limit):
        assert orders.verify_customer(number, f"guess{attempt}@example.com") is None
    with pytest.raises(NotAllowed) as locked:
        orders.verify_customer(number, alice.email)  # even the right e-mail, from a new conversation
    assert locked.value.reason == "too_many_attempts"
    assert orders.verify_customer(alice.orders["pending"], alice.email) is not None  # other references unaffected
    later = SqlOrders(engine, now=lambda: utc_now() + timedelta(hours=1, minutes=1))
    assert later.verify_customer(number, alice.email) is not None  # the lock runs out after an hour


def test_unknown_reference_locks_the_same_way(orders: SqlOrders) -> None:
    """Locking must not tell an existing order from a missing one."""
    for attempt in range(orders.caps["reference"].limit):
        assert orders.verify_customer("ORD-19999", f"guess{attempt}@example.com") is None
    with pytest.raises(NotAllowed) as locked:
        orders.verify_customer("ord 19999", "someone@example.com")
    assert locked.value.reason == "too_many_attempts"


# -- caps that a new conversation cannot reset: per e-mail, per client, with back-off ----------------


def test_walking_order_numbers_for_one_email_is_locked_after_five(
    orders: SqlOrders, alice: DemoAccount, bob: DemoAccount
) -> None:
    """An attacker who knows Alice's e-mail and walks the order numbers gets five wrong tries in all."""
    wrong_numbers = [bob.orders["pending"], bob.orders["shipped"], "ORD-19991", "ORD-19992", "ORD-19993"]
    for number in wrong_numbers:
        assert orders.verify_customer(number, alice.email, client=f"10.0.0.{len(number)}") is None
    with pytest.raises(NotAllowed):  # her own order now, from yet another client: the e-mail is locked
        orders.verify_customer(alice.orders["pending"], alice.email, client="10.9.9.9")
    assert orders.verify_customer(bob.orders["pending"], bob.email) is not None  # other people unaffected


def test_the_email_lock_doubles_with_each_further_failure(engine: Any, alice: DemoAccount) -> None:
    """Back-off: after the first lock runs out, one more wrong try locks for two hours, then four."""
    start = utc_now()
    clock = {"now": start}
    orders = SqlOrders(engine, now=lambda: clock["now"])
    for attempt in range(orders.caps["email"].limit):
        assert orders.verify_customer(f"ORD-1999{attempt}", alice.email) is None
    clock["now"] = start + timedelta(hours=1, minutes=1)  # the first lock (1 h) has run out
    assert orders.verify_customer("ORD-19995", alice.email) is None  # the sixth wrong try
    clock["now"] = start + timedelta(hours=2, minutes=30)  # 1 h 29 min later: inside the 2 h lock
    with pytest.raises(NotAllowed):
        orders.verify_customer(alice.orders["pending"], alice.email)
    clock["now"] = start + timedelta(hours=3, minutes=2)  # 2 h 1 min after the sixth: the owner gets in
    assert orders.verify_customer(alice.orders["pending"], alice.email) is not None


def test_one_client_guessing_many_emails_is_locked(orders: SqlOrders, alice: DemoAccount) -> None:
    """Many e-mails and numbers from one IP: the client cap (20) stops it; another client is unaffected."""
    for attempt in range(orders.caps["client"].limit):
        assert (
            orders.verify_customer(f"ORD-1{attempt:04d}", f"person{attempt}@example.com", client="203.0.113.7") is None
        )
    with pytest.raises(NotAllowed):
        orders.verify_customer(alice.orders["pending"], alice.email, client="203.0.113.7")
    assert orders.verify_customer(alice.orders["pending"], alice.email, client="198.51.100.1") is not None


def test_the_email_is_kept_only_as_a_hash(engine: Any, orders: SqlOrders, alice: DemoAccount) -> None:
    orders.verify_customer("ORD-19990", alice.email, client="203.0.113.8")
    with Session(engine) as session:
        keys = set(session.scalars(select(VerificationFailureRow.reference)))
    assert {"ORD-19990", "client:203.0.113.8"} <= keys
    assert not any(alice.email.lower() in key for key in keys)
    assert any(key.startswith("email:") for key in keys)

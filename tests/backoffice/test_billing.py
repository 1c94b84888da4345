"""`SqlBilling` against a real migrated and seeded database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from backoffice.domain import InvoiceStatus
from backoffice.errors import NotAllowed, NotFound
from backoffice.sql.billing import SqlBilling, invoice_status
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

DUE = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("amount", "paid", "today", "expected"),
    [
        ("100.00", "0.00", DUE, InvoiceStatus.OPEN),
        ("100.00", "40.00", DUE, InvoiceStatus.PARTLY_PAID),
        ("100.00", "100.00", DUE, InvoiceStatus.PAID),
        ("100.00", "100.00", DUE + timedelta(days=9), InvoiceStatus.PAID),
        ("100.00", "120.00", DUE, InvoiceStatus.PAID),
        ("100.00", "0.00", DUE + timedelta(days=1), InvoiceStatus.OVERDUE),
        ("100.00", "40.00", DUE + timedelta(days=1), InvoiceStatus.OVERDUE),
        ("0.00", "0.00", DUE + timedelta(days=1), InvoiceStatus.PAID),
    ],
)
def test_invoice_status_is_derived(amount: str, paid: str, today: date, expected: InvoiceStatus) -> None:
    assert invoice_status(Decimal(amount), Decimal(paid), DUE, today) is expected
    # Void wins over everything else: nothing is owed on it, whatever the date.
    assert invoice_status(Decimal(amount), Decimal(paid), DUE, today, voided=True) is InvoiceStatus.VOID


def test_open_invoices_overdue_first_then_by_due_date(billing: SqlBilling, engine: Engine) -> None:
    seen: set[InvoiceStatus] = set()
    for customer_id in range(1, 61):
        invoices = billing.list_open_invoices(customer_id)
        assert all(invoice.balance > 0 and invoice.customer_id == customer_id for invoice in invoices)
        overdue = [invoice.status is InvoiceStatus.OVERDUE for invoice in invoices]
        assert overdue == sorted(overdue, reverse=True)
        for group in (True, False):
            due = [invoice.due_on for invoice in invoices if (invoice.status is InvoiceStatus.OVERDUE) is group]
            assert due == sorted(due)
        seen |= {invoice.status for invoice in invoices}
    assert seen == {InvoiceStatus.OPEN, InvoiceStatus.PARTLY_PAID, InvoiceStatus.OVERDUE}


def test_demo_account_has_open_and_overdue_invoices(billing: SqlBilling, alice: DemoAccount, today: date) -> None:
    assert alice.open_invoice is not None and alice.overdue_invoice is not None
    open_invoice = billing.get_invoice(alice.open_invoice, alice.customer_id)
    overdue = billing.get_invoice(alice.overdue_invoice, alice.customer_id)
    assert open_invoice.status is InvoiceStatus.OPEN and open_invoice.due_on >= today
    assert overdue.status is InvoiceStatus.OVERDUE and overdue.due_on < today and overdue.balance > 0
    listed = [invoice.number for invoice in billing.list_open_invoices(alice.customer_id)]
    assert listed.index(alice.overdue_invoice) < listed.index(alice.open_invoice)


def test_an_open_invoice_becomes_overdue_after_its_due_date(
    billing: SqlBilling, engine: Engine, alice: DemoAccount
) -> None:
    assert alice.open_invoice is not None
    due_on = billing.get_invoice(alice.open_invoice, alice.customer_id).due_on
    later = SqlBilling(engine, today=lambda: due_on + timedelta(days=1))
    assert later.get_invoice(alice.open_invoice, alice.customer_id).status is InvoiceStatus.OVERDUE


def test_invoice_of_an_order_carries_the_order_number(billing: SqlBilling, alice: DemoAccount) -> None:
    assert alice.overdue_invoice is not None
    invoice = billing.get_invoice(alice.overdue_invoice, alice.customer_id)
    assert invoice.order_number is not None and invoice.order_number.startswith("ORD-")


def test_someone_elses_invoice_looks_exactly_like_a_missing_one(
    billing: SqlBilling, alice: DemoAccount, bob: DemoAccount
) -> None:
    assert bob.open_invoice is not None
    with pytest.raises(NotFound) as other:
        billing.get_invoice(bob.open_invoice, alice.customer_id)
    with pytest.raises(NotFound) as missing:
        billing.get_invoice("INV-59999", alice.customer_id)
    assert str(other.value) == str(missing.value)


def test_find_invoice_needs_no_customer(billing: SqlBilling, bob: DemoAccount) -> None:
    assert bob.open_invoice is not None
    assert billing.find_invoice(bob.open_invoice.lower().replace("-", " ")).number == bob.open_invoice
    with pytest.raises(NotFound):
        billing.find_invoice("INV-59999")


def test_partial_then_full_payment(billing: SqlBilling, alice: DemoAccount) -> None:
    assert alice.open_invoice is not None
    invoice = billing.get_invoice(alice.open_invoice, alice.customer_id)
    part = (invoice.balance / 2).quantize(Decimal("0.01"))
    payment = billing.record_payment(invoice.number, part, "card")
    assert (payment.invoice_number, payment.amount, payment.method) == (invoice.number, part, "card")
    partly = billing.get_invoice(invoice.number, alice.customer_id)
    assert partly.status is InvoiceStatus.PARTLY_PAID and partly.paid == part
    billing.record_payment(invoice.number, partly.balance, "paypal")
    paid = billing.get_invoice(invoice.number, alice.customer_id)
    assert paid.status is InvoiceStatus.PAID and paid.balance == 0
    assert invoice.number not in {i.number for i in billing.list_open_invoices(alice.customer_id)}
    with pytest.raises(NotAllowed) as again:
        billing.record_payment(invoice.number, Decimal("1.00"), "card")
    assert again.value.reason == "already_paid"


def test_paying_an_overdue_invoice_in_full(billing: SqlBilling, alice: DemoAccount) -> None:
    assert alice.overdue_invoice is not None
    invoice = billing.get_invoice(alice.overdue_invoice, alice.customer_id)
    billing.record_payment(invoice.number, invoice.balance, "bank_transfer")
    assert billing.get_invoice(invoice.number, alice.customer_id).status is InvoiceStatus.PAID


@pytest.mark.parametrize("amount", ["0", "-5.00", "0.001", "NaN", "Infinity", "overpay"])
def test_invalid_amounts_are_refused(
    billing: SqlBilling, alice: DemoAccount, db_dump: Callable[[], object], amount: str
) -> None:
    assert alice.open_invoice is not None
    balance = billing.get_invoice(alice.open_invoice, alice.customer_id).balance
    value = balance + Decimal("0.01") if amount == "overpay" else Decimal(amount)
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        billing.record_payment(alice.open_invoice, value, "card")
    assert refused.value.reason == "invalid_amount"
    assert db_dump() == before


def test_payment_on_a_missing_invoice(billing: SqlBilling) -> None:
    with pytest.raises(NotFound):
        billing.record_payment("INV-59999", Decimal("1.00"), "card")


def test_payment_needs_a_method(billing: SqlBilling, alice: DemoAccount) -> None:
    assert alice.open_invoice is not None
    with pytest.raises(ValueError):
        billing.record_payment(alice.open_invoice, Decimal("1.00"), "  ")


# -- void invoices (their order was cancelled before anything was paid) -----------------------


@pytest.fixture
def void_invoice(orders: SqlOrders, billing: SqlBilling, alice: DemoAccount, invoice_of: Callable[[str], str]) -> str:
    """The invoice of Alice's unpaid pending order, voided by cancelling that order."""
    number = invoice_of(alice.orders["pending"])
    assert billing.get_invoice(number, alice.customer_id).status is InvoiceStatus.OPEN
    orders.cancel_order(alice.orders["pending"], alice.customer_id)
    return number


def test_a_void_invoice_reads_as_void_with_nothing_owed(
    billing: SqlBilling, alice: DemoAccount, void_invoice: str
) -> None:
    for invoice in (billing.get_invoice(void_invoice, alice.customer_id), billing.find_invoice(void_invoice)):
        assert invoice.status is InvoiceStatus.VOID
        assert invoice.balance == 0
        assert invoice.amount > 0 and invoice.paid == 0  # the facts are kept
        assert invoice.order_number == alice.orders["pending"]


def test_a_void_invoice_is_not_listed_as_owed(billing: SqlBilling, alice: DemoAccount, void_invoice: str) -> None:
    listed = billing.list_open_invoices(alice.customer_id)
    assert void_invoice not in {invoice.number for invoice in listed}
    assert listed, "the customer's other open invoices are still listed"


def test_a_void_invoice_cannot_be_paid(billing: SqlBilling, void_invoice: str, db_dump: Callable[[], object]) -> None:
    before = db_dump()
    with pytest.raises(NotAllowed) as refused:
        billing.record_payment(void_invoice, Decimal("1.00"), "card")
    assert refused.value.reason == "invoice_void"
    assert db_dump() == before

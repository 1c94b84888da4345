"""Reference normalisation: customers type order and invoice numbers in many ways."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from backoffice.domain import Invoice, InvoiceStatus, normalise_invoice_number, normalise_order_number

ORDER_FORMATS = (
    "ORD-{n}", "ord-{n}", "ord {n}", "ORD{n}", "#{n}", "{n}", "order{n}", "order {n}", "Order #{n}",
    "order: {n}", "ORDER - {n}", "my order is ord {n}, thanks", "where is #{n}?",
)  # fmt: skip
INVOICE_FORMATS = ("INV-{n}", "inv {n}", "#{n}", "{n}", "invoice {n}", "Invoice #{n}", "about INV{n} please")


@given(st.integers(10000, 19999), st.sampled_from(ORDER_FORMATS), st.booleans())
def test_any_order_number_format_round_trips(number: int, template: str, upper: bool) -> None:
    text = template.format(n=number)
    assert normalise_order_number(text.upper() if upper else text) == f"ORD-{number}"


@given(st.integers(50000, 59999), st.sampled_from(INVOICE_FORMATS), st.booleans())
def test_any_invoice_number_format_round_trips(number: int, template: str, upper: bool) -> None:
    text = template.format(n=number)
    assert normalise_invoice_number(text.upper() if upper else text) == f"INV-{number}"


def test_order_and_invoice_numbers_are_not_confused() -> None:
    assert normalise_order_number("INV-50001") is None
    assert normalise_invoice_number("ORD-10001") is None
    assert normalise_order_number("hello") is None
    assert normalise_order_number("") is None
    assert normalise_order_number("100011") is None  # six digits are no order number


@given(st.integers(10000, 19999), st.sampled_from(("its {h} {t}", "order {h}.{t}", "where is {h} {t} pls")))
def test_an_order_number_grouped_as_thousands_is_read_whole(number: int, template: str) -> None:
    """ "its 10 229" on a phone keyboard, "10.229" as thousands are written: the same five digits."""
    head, tail = divmod(number, 1000)
    assert normalise_order_number(template.format(h=head, t=f"{tail:03d}")) == f"ORD-{number}"


def test_what_only_looks_grouped_is_no_number() -> None:
    assert normalise_order_number("it cost 10,229.50") is None  # an amount with cents
    assert normalise_order_number("110 229") is None  # the groups make no five-digit number
    assert normalise_invoice_number("50 0821") is None
    assert normalise_order_number("call me on +31 10 123 4567") is None  # a group of a phone number
    assert normalise_order_number("10216,10217") == "ORD-10216"  # two numbers, the first one first


def test_a_void_invoice_owes_nothing() -> None:
    def invoice(status: InvoiceStatus) -> Invoice:
        return Invoice(
            number="INV-50001", customer_id=1, order_number="ORD-10001", status=status,
            issued_on=date(2025, 6, 1), due_on=date(2025, 6, 15),
            amount=Decimal("120.00"), paid=Decimal("0.00"), currency="EUR",
        )  # fmt: skip

    assert invoice(InvoiceStatus.OPEN).balance == Decimal("120.00")
    assert invoice(InvoiceStatus.VOID).balance == 0

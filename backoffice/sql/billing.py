"""`BillingPort` on the embedded SQL back office.

An invoice's status is derived when it is read, from its amount, its payments and
today's date, so "overdue" needs no nightly job and can never be stale.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.domain import Invoice, InvoiceStatus, Payment, normalise_invoice_number
from backoffice.errors import NotAllowed, NotFound
from backoffice.sql.adapter import SqlAdapter, utc_now
from backoffice.sql.models import InvoiceRow, PaymentRow

CENT = Decimal("0.01")
INVOICE_NOT_FOUND = "no such invoice for this customer"
MAX_METHOD_LENGTH = 32


def invoice_status(amount: Decimal, paid: Decimal, due_on: date, today: date, voided: bool = False) -> InvoiceStatus:
    """void if its order was cancelled unpaid; paid if nothing is owed; overdue if owed past the
    due date; partly paid; else open."""
    if voided:
        return InvoiceStatus.VOID
    balance = amount - paid
    if balance <= 0:
        return InvoiceStatus.PAID
    if due_on < today:
        return InvoiceStatus.OVERDUE
    if paid > 0:
        return InvoiceStatus.PARTLY_PAID
    return InvoiceStatus.OPEN


def invoice_from_row(row: InvoiceRow, today: date) -> Invoice:
    paid = row.paid
    return Invoice(
        number=row.number,
        customer_id=row.customer_id,
        order_number=row.order.number if row.order is not None else None,
        status=invoice_status(row.amount, paid, row.due_on, today, voided=row.voided_at is not None),
        issued_on=row.issued_on,
        due_on=row.due_on,
        amount=row.amount,
        paid=paid,
        currency=row.currency,
    )


def _payable_amount(amount: Decimal, balance: Decimal) -> Decimal:
    """`amount` as a positive whole-cent sum no larger than the balance, else invalid_amount."""
    try:
        value = Decimal(str(amount))
        if value.is_finite() and 0 < value <= balance and value == value.quantize(CENT):
            return value
    except InvalidOperation:
        pass
    raise NotAllowed("invalid_amount", balance=balance)


class SqlBilling(SqlAdapter):
    """Invoices and payments against the back-office tables."""

    def list_open_invoices(self, customer_id: int) -> list[Invoice]:
        today = self.today()
        with self.transaction() as session:
            rows = session.scalars(select(InvoiceRow).where(InvoiceRow.customer_id == customer_id))
            invoices = [invoice_from_row(row, today) for row in rows]
        owed = [invoice for invoice in invoices if invoice.balance > 0]
        return sorted(owed, key=lambda i: (i.status is not InvoiceStatus.OVERDUE, i.due_on, i.number))

    def get_invoice(self, invoice_number: str, customer_id: int) -> Invoice:
        with self.transaction() as session:
            return invoice_from_row(self._invoice(session, invoice_number, customer_id), self.today())

    def find_invoice(self, invoice_number: str) -> Invoice:
        with self.transaction() as session:
            return invoice_from_row(self._invoice(session, invoice_number), self.today())

    def record_payment(self, invoice_number: str, amount: Decimal, method: str) -> Payment:
        method = (method or "").strip()
        if not method or len(method) > MAX_METHOD_LENGTH:
            raise ValueError(f"payment method must be 1..{MAX_METHOD_LENGTH} characters")
        with self.transaction() as session:
            row = self._invoice(session, invoice_number, for_update=True)
            if row.voided_at is not None:
                raise NotAllowed("invoice_void")
            balance = row.amount - row.paid
            if balance <= 0:
                raise NotAllowed("already_paid")
            payment = PaymentRow(invoice=row, amount=_payable_amount(amount, balance), paid_at=utc_now(), method=method)
            session.add(payment)
            session.flush()
            return Payment(invoice_number=row.number, amount=payment.amount, paid_at=payment.paid_at, method=method)

    @staticmethod
    def _invoice(
        session: Session, invoice_number: str, customer_id: int | None = None, for_update: bool = False
    ) -> InvoiceRow:
        number = normalise_invoice_number(invoice_number)
        if number is None:
            raise NotFound(INVOICE_NOT_FOUND)
        query = select(InvoiceRow).where(InvoiceRow.number == number)
        if customer_id is not None:
            query = query.where(InvoiceRow.customer_id == customer_id)
        if for_update:
            query = query.with_for_update(of=InvoiceRow)
        row = session.scalars(query).one_or_none()
        if row is None:
            raise NotFound(INVOICE_NOT_FOUND)
        return row
